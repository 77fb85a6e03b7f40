"""The operators' completion import in the admin: upload (checked as CSV by content) → the dry run lists every
row's problem with its row number → confirming imports only the valid rows, into each person's partner, and
awards the certification → importing the same file again records nothing; progress polling; who may do it."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from enablement.models import CertificationAward, CompletionImport, Enrollment
from prm.common.models import AuditEvent
from prm.tenancy.scoping import partner_scope
from tests.enablement.helpers import certification, course

pytestmark = pytest.mark.django_db

ADD = "admin:enablement_completionimport_add"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(text: str, name="lms-export.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def page(client, job) -> str:
    return client.get(reverse("admin:enablement_completionimport_change", args=[job.pk])).content.decode()


def said(language, message, **params):
    with translation.override(language):
        text = gettext(message)
    return text % params if params else text


@pytest.fixture
def operator_de(operator):
    operator.preferred_language = "de"
    operator.save()
    return operator


@pytest.fixture
def security_track():
    first, second = course(code="sec-101", quiz=False), course(code="sec-201", quiz=False)
    return certification(first, second, code="sec-cert")


def export(user_a, user_b) -> str:
    return ("Completion ID,Email Address,Course Code,Date Completed,Score\n"
            f"c-1,{user_a.email},sec-101,2026-01-10,91\n"
            f"c-2,{user_a.email},sec-201,2026-01-12 09:15,88\n"
            "c-3,ghost@example.com,sec-101,2026-01-12,\n"
            f"c-4,{user_b.email},no-such-course,2026-01-12,\n"
            f"c-5,{user_b.email},sec-101,12/01/2026,\n"
            f"c-6,{user_b.email},sec-101,2026-01-14,75\n")


def test_upload_dry_run_confirm_and_reimport(client, operator_de, security_track, partner_a, user_a, partner_b,
                                             user_b, django_capture_on_commit_callbacks):
    client.force_login(operator_de)
    assert client.get(reverse(ADD)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(ADD), {"file": upload(export(user_a, user_b))})
    job = CompletionImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "admin:enablement_completionimport_change", args=[job.pk])
    assert (job.status, job.total_rows, job.valid_rows, job.error_count) == ("checked", 6, 3, 3)
    with partner_scope(partner_a):
        assert not Enrollment.objects.exists(), "the dry run writes nothing"

    html = page(client, job)
    for row, field, message, params in [
            (4, "email", "No user has this e-mail address.", {}),
            (5, "course_code", "No course has the code “%(code)s”.", {"code": "no-such-course"}),
            (6, "completed_at", "“%(value)s” could be read day-first or month-first: write dates as YYYY-MM-DD "
                                "(or YYYY-MM-DD HH:MM).", {"value": "12/01/2026"})]:
        expected = re.escape(escape(said("de", message, **params)))
        assert re.search(rf"<td>{row}</td><td><code>{field}</code></td><td>{expected}</td>", html), (row, field)
    with translation.override("de"):
        label = (ngettext("Import the %(count)d valid row", "Import the %(count)d valid rows", 3) % {"count": 3} + " "
                 + ngettext("(%(count)d row with errors stays listed here and is not imported)",
                            "(%(count)d rows with errors stay listed here and are not imported)", 3) % {"count": 3})
    assert escape(label) in html and user_a.email in html and partner_a.name in html  # the preview

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:enablement_completionimport_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.created_rows, job.unchanged_rows, job.error_count) == ("done", 3, 0, 3)
    assert job.processed_rows == job.total_rows == 6
    assert {e["row"] for e in job.errors} == {4, 5, 6}, "the rejected rows stay listed"
    with partner_scope(partner_a):
        rows_a = {e.external_id: e for e in Enrollment.objects.all()}
        award = CertificationAward.objects.get()
    with partner_scope(partner_b):
        rows_b = {e.external_id: e for e in Enrollment.objects.all()}
        assert not CertificationAward.objects.exists()
    assert set(rows_a) == {"c-1", "c-2"} and set(rows_b) == {"c-6"}
    assert all(e.status == "completed" and e.source == "imported" for e in [*rows_a.values(), *rows_b.values()])
    assert rows_b["c-6"].score_percent == 75 and award.user == user_a
    assert AuditEvent.objects.filter(action="enablement.completions.imported", target_id=str(job.pk)).exists()
    assert "c-1" in page(client, job)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(ADD), {"file": upload(export(user_a, user_b), name="again.csv")})
    again = CompletionImport.objects.order_by("-id").first()
    assert (again.valid_rows, again.created_rows, again.unchanged_rows) == (3, 0, 3)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:enablement_completionimport_confirm", args=[again.pk]))
    again.refresh_from_db()
    assert (again.status, again.created_rows, again.unchanged_rows) == ("done", 0, 3)
    with partner_scope(partner_a):
        assert Enrollment.objects.count() == 2 and CertificationAward.objects.count() == 1


def test_a_file_that_is_not_a_csv_is_refused_on_upload(client, operator):
    client.force_login(operator)
    response = client.post(reverse(ADD), {"file": SimpleUploadedFile("export.csv", PNG_BYTES, content_type="text/csv")})
    assert response.status_code == 200 and not CompletionImport.objects.exists()
    assert "export.csv" in response.content.decode() and "CSV" in response.content.decode()


def test_a_file_without_the_columns_fails_with_the_reason(client, operator, django_capture_on_commit_callbacks):
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse(ADD), {"file": upload("name,title\nAna,Course\n")})
    job = CompletionImport.objects.get()
    assert job.status == "failed" and job.valid_rows == 0
    html = page(client, job)
    assert "Import the" not in html and "external_id" in html
    assert client.post(reverse("admin:enablement_completionimport_confirm", args=[job.pk])).status_code == 302
    job.refresh_from_db()
    assert job.status == "failed"


def test_progress_polls_while_running_and_reloads_when_done(client, operator):
    client.force_login(operator)
    job = CompletionImport.objects.create(file=upload("email\n"), created_by=operator, total_rows=100,
                                          processed_rows=40, status=CompletionImport.Status.IMPORTING)
    url = reverse("admin:enablement_completionimport_progress", args=[job.pk])
    running = client.get(url, HTTP_HX_REQUEST="true")
    body = running.content.decode()
    assert 'hx-trigger="every 1s"' in body and "40 of 100 rows" in body and 'value="40"' in body
    assert "HX-Refresh" not in running
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page(client, job)
    CompletionImport.objects.filter(pk=job.pk).update(status=CompletionImport.Status.DONE, processed_rows=100)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true" and "every 1s" not in done.content.decode()


def test_the_example_file_imports_its_own_header(client, operator):
    client.force_login(operator)
    response = client.get(reverse("admin:enablement_completionimport_template"))
    assert response.status_code == 200
    assert response.content.decode().startswith("external_id,email,course_code,completed_at,score")


def test_channel_managers_and_executives_cannot_use_the_admin_import(client, manager_a, executive_a):
    job = CompletionImport.objects.create(file=upload("email\n"), status=CompletionImport.Status.CHECKED,
                                          valid_rows=1)
    for user in (manager_a, executive_a):
        client.force_login(user)
        for url in (reverse(ADD), reverse("admin:enablement_completionimport_changelist"),
                    reverse("admin:enablement_completionimport_change", args=[job.pk])):
            assert client.get(url).status_code == 403, url
        assert client.post(reverse("admin:enablement_completionimport_confirm", args=[job.pk])).status_code == 403
    job.refresh_from_db()
    assert job.status == "checked"


def test_a_worker_failure_ends_the_job_failed_with_the_reason(operator_de):
    from enablement.services.imports import completion_import_check

    job = CompletionImport.objects.create(file=upload("email\n"), created_by=operator_de,
                                          status=CompletionImport.Status.VALIDATING)
    job.file.delete(save=False)  # the stored file is gone
    with pytest.raises(OSError):
        completion_import_check(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.errors[0]["row"] == 0
    assert job.errors[0]["message"] == said("de", "The file could not be checked: %(error)s. Upload it again.",
                                            error="FileNotFoundError")
