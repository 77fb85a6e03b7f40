"""Agreements: the portal lock, accepting (who/when/where, never staff), re-acceptance deadlines,
append-only records (model and database), the PDF worker and its scope-checked download."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from partners import sql
from partners.agreement_text import render_agreement_body
from partners.models import AgreementAcceptance, AgreementPdf, AppendOnlyError, Membership, PartnerOrganization
from partners.onboarding_selectors import AgreementState, agreement_status_for
from partners.services.agreements import AgreementError, agreement_accept, agreement_version_publish
from partners.tasks import render_agreement_pdf
from prm.common.models import AuditEvent
from prm.tenancy.scoping import partner_scope
from tests.factories import StaffFactory, make_member

from .onboarding_factories import make_acceptance, make_agreement_version

pytestmark = pytest.mark.django_db

LOCKED_PAGES = ["partners:home", "partners:team", "partners:invite", "partners:onboarding_payout",
                "partners:onboarding_compliance"]
OPEN_PAGES = ["partners:onboarding", "partners:agreement", "partners:onboarding_profile", "partners:organization"]


@pytest.fixture
def append_only_triggers(db):
    """The triggers the migration installs; applied here because tests run with --nomigrations.

    Created inside the test's transaction, so they disappear with its rollback.
    """
    forward, _reverse = sql.APPEND_ONLY_SQL[connection.vendor]
    if not sql.acceptance_triggers_installed(connection):
        sql.execute_script(connection, forward)
    assert sql.acceptance_triggers_installed(connection)


def accept_via_page(client, version):
    return client.post(reverse("partners:agreement"), {"version": version.pk, "confirm": "on"},
                       REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT="Firefox/140 (pytest)")


# --- The lock ----------------------------------------------------------------------------------------


def test_without_any_agreement_nothing_is_locked(client, admin_a):
    client.force_login(admin_a)
    assert client.get(reverse("partners:home")).status_code == 200


def test_portal_pages_redirect_to_the_checklist_until_the_agreement_is_accepted(client, partner_a, admin_a):
    partner_a.status = PartnerOrganization.Status.ONBOARDING
    partner_a.save(update_fields=["status"])
    version = make_agreement_version(language="de")
    client.force_login(admin_a)
    for name in LOCKED_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == reverse("partners:onboarding"), name
    follow = client.get(reverse("partners:home"), follow=True)
    assert any("accept the partner agreement" in str(m) for m in follow.context["messages"])
    for name in OPEN_PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    for path in (reverse("accounts:profile"), reverse("notifications:preferences")):
        assert client.get(path).status_code == 200  # account pages live outside the portal lock
    assert client.post(reverse("partners:invite"), {"email": "x@example.org"}).status_code == 302  # writes too

    assert accept_via_page(client, version).status_code == 302
    for name in LOCKED_PAGES:
        assert client.get(reverse(name)).status_code == 200, name


def test_acceptance_records_who_when_where_and_the_exact_text(client, partner_a, admin_a):
    version = make_agreement_version(language="de")
    client.force_login(admin_a)
    page = client.get(reverse("partners:agreement"))
    assert page.context["can_accept"] and version.title in page.content.decode()
    before = timezone.now()
    assert accept_via_page(client, version).status_code == 302
    with partner_scope(partner_a):
        acceptance = AgreementAcceptance.objects.get()
    assert acceptance.accepted_by == admin_a and acceptance.accepted_by_email == admin_a.email
    assert acceptance.accepted_at >= before
    assert acceptance.ip_address == "198.51.100.23" and acceptance.user_agent == "Firefox/140 (pytest)"
    assert acceptance.version_id == version.pk and acceptance.version_number == 1
    assert acceptance.content_hash == version.content_hash == version.computed_hash()
    assert AuditEvent.objects.filter(action="partners.agreement.accepted", target_id=str(acceptance.pk),
                                     ip_address="198.51.100.23").exists()
    # A double click accepts once.
    accept_via_page(client, version)
    with partner_scope(partner_a):
        assert AgreementAcceptance.objects.count() == 1


def test_a_staff_member_acting_as_the_partner_cannot_accept(client, partner_a):
    partner_a.status = PartnerOrganization.Status.ONBOARDING
    partner_a.save(update_fields=["status"])
    version = make_agreement_version(language="de")
    staff = StaffFactory(email="helper@vendor.example")
    make_member(partner=partner_a, user=staff, role=Membership.Role.ADMIN)
    client.force_login(staff)
    page = client.get(reverse("partners:agreement"))
    assert page.status_code == 200 and not page.context["can_accept"]
    assert "Staff members cannot accept" in page.content.decode()
    response = client.post(reverse("partners:agreement"), {"version": version.pk, "confirm": "on"}, follow=True)
    assert any("Staff members cannot accept" in str(m) for m in response.context["messages"])
    with partner_scope(partner_a), pytest.raises(AgreementError):
        agreement_accept(partner=partner_a, user=staff, membership=Membership.objects.get(user=staff),
                         version_id=version.pk)
    with partner_scope(partner_a):
        assert not AgreementAcceptance.objects.exists()


def test_a_partner_user_cannot_accept_for_the_company(client, partner_a, user_a):
    version = make_agreement_version(language="de")
    client.force_login(user_a)
    assert not client.get(reverse("partners:agreement")).context["can_accept"]
    client.post(reverse("partners:agreement"), {"version": version.pk, "confirm": "on"})
    with partner_scope(partner_a):
        assert not AgreementAcceptance.objects.exists()


def test_a_stale_form_cannot_accept_an_older_version(client, partner_a, admin_a):
    old = make_agreement_version(language="de")
    make_agreement_version(template=old.template)
    client.force_login(admin_a)
    response = client.post(reverse("partners:agreement"), {"version": old.pk, "confirm": "on"})
    assert response.status_code == 200
    assert "newer version" in str(response.context["form"].non_field_errors())
    with partner_scope(partner_a):
        assert not AgreementAcceptance.objects.exists()


def test_the_partners_language_and_type_pick_the_text(partner_a, partner_b, region_a):
    english = make_agreement_version(language="en", title="Agreement EN")
    german = make_agreement_version(language="de", title="Vereinbarung DE")
    msp = make_agreement_version(language="en", partner_type=PartnerOrganization.PartnerType.MSP, title="MSP terms")
    with partner_scope(partner_a):
        assert agreement_status_for(partner=partner_a).current == german  # de reseller
    with partner_scope(partner_b):
        assert agreement_status_for(partner=partner_b).current == english  # ja: no Japanese text, English
    partner_b.partner_type = PartnerOrganization.PartnerType.MSP
    with partner_scope(partner_b):
        assert agreement_status_for(partner=partner_b).current == msp


# --- Re-acceptance -----------------------------------------------------------------------------------


def test_a_new_version_is_due_until_its_deadline_then_locks(client, partner_a, admin_a):
    first = make_agreement_version(language="de")
    make_acceptance(partner=partner_a, version=first, user=admin_a)
    deadline = timezone.localdate() + timedelta(days=10)
    second = make_agreement_version(template=first.template, deadline=deadline)
    client.force_login(admin_a)
    with partner_scope(partner_a):
        status = agreement_status_for(partner=partner_a)
        assert status.state == AgreementState.DUE and status.current == second and status.days_left == 10
        assert agreement_status_for(partner=partner_a, today=deadline).state == AgreementState.DUE
        assert agreement_status_for(partner=partner_a, today=deadline + timedelta(days=1)).state == AgreementState.REQUIRED
    home = client.get(reverse("partners:home"))
    assert home.status_code == 200  # still open before the deadline
    assert "has to be accepted by" in client.get(reverse("partners:onboarding")).content.decode()

    second.reaccept_deadline = timezone.localdate() - timedelta(days=1)  # the deadline passed
    second.save(update_fields=["reaccept_deadline"])
    assert client.get(reverse("partners:home"))["Location"] == reverse("partners:onboarding")
    assert accept_via_page(client, second).status_code == 302
    assert client.get(reverse("partners:home")).status_code == 200
    with partner_scope(partner_a):
        assert AgreementAcceptance.objects.count() == 2  # the first acceptance stays on record


def test_a_new_version_without_deadline_locks_at_once(client, partner_a, admin_a):
    first = make_agreement_version(language="de")
    make_acceptance(partner=partner_a, version=first, user=admin_a)
    make_agreement_version(template=first.template)
    client.force_login(admin_a)
    assert client.get(reverse("partners:team"))["Location"] == reverse("partners:onboarding")


def test_active_partners_get_the_deadline_when_an_agreement_is_introduced(partner_a):
    version = make_agreement_version(language="de", deadline=timezone.localdate() + timedelta(days=30))
    with partner_scope(partner_a):
        assert agreement_status_for(partner=partner_a).state == AgreementState.DUE
    partner_a.status = PartnerOrganization.Status.ONBOARDING  # a new partner must accept before starting
    with partner_scope(partner_a):
        assert agreement_status_for(partner=partner_a).state == AgreementState.REQUIRED
    assert version.is_published


# --- Append-only ------------------------------------------------------------------------------------


def test_acceptances_cannot_be_changed_or_deleted_from_python(partner_a):
    acceptance = make_acceptance(partner=partner_a)
    with partner_scope(partner_a):
        acceptance.user_agent = "forged"
        with pytest.raises(AppendOnlyError):
            acceptance.save()
        with pytest.raises(AppendOnlyError):
            acceptance.delete()
        with pytest.raises(AppendOnlyError):
            AgreementAcceptance.objects.filter(pk=acceptance.pk).update(user_agent="forged")
        with pytest.raises(AppendOnlyError):
            AgreementAcceptance.objects.filter(pk=acceptance.pk).delete()
        assert AgreementAcceptance.objects.get().user_agent == "pytest"


def test_the_database_refuses_update_and_delete(partner_a, append_only_triggers):
    acceptance = make_acceptance(partner=partner_a)
    table = AgreementAcceptance._meta.db_table
    for statement in (f"UPDATE {table} SET user_agent = 'forged' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises((IntegrityError, DatabaseError)) as error, transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(statement, [acceptance.pk])
        assert "append-only" in str(error.value)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT user_agent, COUNT(*) FROM {table} GROUP BY user_agent")
        assert cursor.fetchall() == [("pytest", 1)]
    # Inserting stays possible.
    make_acceptance(partner=partner_a, version=make_agreement_version(template=acceptance.template))


def test_the_demo_reset_is_the_one_way_to_remove_acceptances(partner_a, partner_b, append_only_triggers,
                                                             django_capture_on_commit_callbacks):
    mine = make_acceptance(partner=partner_a)
    theirs = make_acceptance(partner=partner_b)
    with partner_scope(partner_a):
        render_agreement_pdf(partner_id=partner_a.pk, acceptance_id=mine.pk)
        stored = AgreementPdf.objects.get().file.name
    assert sql.agreement_acceptances_purge_for_demo(partner_ids=[partner_a.pk]) == 1
    with partner_scope(partner_a):
        assert not AgreementAcceptance.objects.exists() and not AgreementPdf.objects.exists()
    with partner_scope(partner_b):
        assert AgreementAcceptance.objects.get() == theirs
    assert sql.acceptance_triggers_installed(connection)  # put back
    from django.core.files.storage import default_storage

    assert not default_storage.exists(stored)


def test_published_versions_are_frozen(partner_a, operator):
    version = make_agreement_version(language="de")
    version.body = "Something else entirely."
    with pytest.raises(ValidationError):
        version.save()
    with pytest.raises(ValidationError):
        version.delete()
    draft = make_agreement_version(template=version.template, published=False)
    draft.body = "Fixed a typo."
    draft.save()
    published = agreement_version_publish(version=draft, actor=operator)
    assert published.content_hash == published.computed_hash() and published.published_at
    with pytest.raises(AgreementError):
        agreement_version_publish(version=published, actor=operator)


def test_agreement_text_is_escaped_and_structured():
    html = render_agreement_body("# Title\n<script>alert(1)</script> and **bold**\n\n- one\n- two\n\n1. a\n2. b")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<h2>Title</h2>" in html and "<strong>bold</strong>" in html
    assert "<ul><li>one</li><li>two</li></ul>" in html and "<ol><li>a</li><li>b</li></ol>" in html


# --- PDF ----------------------------------------------------------------------------------------------


def test_accepting_queues_the_pdf_which_the_admin_downloads(client, partner_a, admin_a,
                                                           django_capture_on_commit_callbacks):
    version = make_agreement_version(language="de")
    client.force_login(admin_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        accept_via_page(client, version)
    with partner_scope(partner_a):
        acceptance = AgreementAcceptance.objects.get()
    url = reverse("partners:agreement_pdf", args=[acceptance.pk])
    pending = client.get(url)
    assert pending.status_code == 200 and "being prepared" in pending.content.decode()

    for callback in callbacks:  # the on-commit dispatch; eager Celery renders in-process
        callback()
    with partner_scope(partner_a):
        pdf = AgreementPdf.objects.get(acceptance=acceptance)
    assert pdf.file.name.startswith(f"agreements/{partner_a.pk}/")
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"]
    # Idempotent: a second run keeps the first file.
    render_agreement_pdf(partner_id=partner_a.pk, acceptance_id=acceptance.pk)
    with partner_scope(partner_a):
        assert AgreementPdf.objects.get().file.name == pdf.file.name


def test_another_partner_gets_404_for_the_pdf(client, partner_a, admin_b, user_a):
    acceptance = make_acceptance(partner=partner_a)
    render_agreement_pdf(partner_id=partner_a.pk, acceptance_id=acceptance.pk)
    url = reverse("partners:agreement_pdf", args=[acceptance.pk])
    client.force_login(admin_b)
    assert client.get(url).status_code == 404
    client.force_login(user_a)  # any member of the partner may download its agreement
    assert client.get(url).status_code == 200


def test_pdf_embeds_a_japanese_font_for_japanese_text(partner_b):
    import re

    from partners.pdf import render_agreement_pdf as render

    version = make_agreement_version(language="ja", title="パートナー契約", body="# 第1条 目的\n本契約はパートナーの権利を定める。")
    acceptance = make_acceptance(partner=partner_b, version=version)
    content = render(acceptance=acceptance, partner=partner_b, uncompressed=True)
    fonts = set(re.findall(rb"/BaseFont\s*/[A-Z]{6}\+([A-Za-z-]+)", content))
    assert b"Noto-Sans-CJK-JP" in fonts, fonts


def test_agreement_page_query_count_does_not_grow_with_history(client, partner_a, admin_a,
                                                              django_assert_max_num_queries):
    first = make_agreement_version(language="de")
    make_acceptance(partner=partner_a, version=first, user=admin_a)
    client.force_login(admin_a)
    client.get(reverse("partners:agreement"))  # warm up sessions and content types
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse("partners:agreement")).status_code == 200
    for _ in range(5):
        version = make_agreement_version(template=first.template)
        acceptance = make_acceptance(partner=partner_a, version=version, user=admin_a)
        render_agreement_pdf(partner_id=partner_a.pk, acceptance_id=acceptance.pk)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("partners:agreement"))
    assert page.content.decode().count("Download PDF") == 6


def test_migration_helpers_install_and_remove_the_triggers(db):
    class Editor:  # what RunPython hands over; only .connection is used
        pass

    Editor.connection = connection
    sql.remove_acceptance_triggers(None, Editor)
    assert not sql.acceptance_triggers_installed(connection)
    sql.install_acceptance_triggers(None, Editor)
    sql.install_acceptance_triggers(None, Editor)  # idempotent
    assert sql.acceptance_triggers_installed(connection)
