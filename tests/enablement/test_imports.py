"""The LMS completions import core (enablement/imports.py): the shapes of typical exports (column aliases, date
formats), every row's problem reported with its row number, the person's partner decided by their membership,
idempotency by completion id, certifications awarded once per person, region rules, and a 5k-row file."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from enablement import imports
from enablement.models import CertificationAward, Enrollment
from prm.common.models import AuditEvent
from prm.tenancy.scoping import partner_scope, unscoped
from tests.enablement.helpers import certification, complete, course
from tests.factories import PartnerFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db


class _File:
    """Stands in for a job's stored file."""

    def __init__(self, text):
        self.text = text

    def open(self, mode="rb"):
        import io

        return io.BytesIO(self.text.encode("utf-8"))


def said(language, message, **params):
    with translation.override(language):
        text = gettext(message)
    return text % params if params else text


@pytest.fixture
def catalogue():
    first = course(code="sec-101", quiz=False)
    second = course(code="sec-201", quiz=False)
    other = course(code="sales-1", quiz=False)
    cert = certification(first, second, months=24, code="sec-cert")
    return {"first": first, "second": second, "other": other, "cert": cert}


def enrollments(partner):
    with partner_scope(partner):
        return list(Enrollment.objects.order_by("id"))


def test_aliases_and_date_formats_of_a_typical_export(catalogue, partner_a, user_a):
    text = ("Record ID;Email Address;Course Code;Date Completed;Grade\n"
            f"r-1;{user_a.email.upper()};SEC-101;2026-01-05;88,5 %\n"
            f"r-2;{user_a.email};sec-201;2026-01-06 14:30\n")
    summary = imports.import_file(_File(text))
    assert (summary.total, summary.valid, summary.created, summary.error_rows) == (2, 2, 2, 0)
    rows = enrollments(partner_a)
    assert [(e.course.code, e.external_id, e.status, e.source) for e in rows] == [
        ("sec-101", "r-1", "completed", "imported"), ("sec-201", "r-2", "completed", "imported")]
    assert rows[0].score_percent == Decimal("88.50") and rows[1].score_percent is None
    assert rows[0].completed_at == datetime(2026, 1, 5, tzinfo=UTC)
    assert rows[1].completed_at == datetime(2026, 1, 6, 14, 30, tzinfo=UTC)
    with partner_scope(partner_a):
        award = CertificationAward.objects.get()
    assert award.certification == catalogue["cert"] and award.awarded_on.isoformat() == "2026-01-06"


def test_every_problem_is_listed_with_its_row_number(catalogue, partner_a, user_a):
    outsider = UserFactory()  # a user without any membership
    text = ("external_id,email,course_code,completed_at,score\n"
            f"a-1,{user_a.email},sec-101,2026-02-01,90\n"             # row 2: fine
            "a-2,nobody@example.com,sec-101,2026-02-01,\n"             # 3: unknown person
            f"a-3,{outsider.email},sec-101,2026-02-01,\n"              # 4: no membership
            f"a-4,{user_a.email},no-such-course,2026-02-01,\n"         # 5: unknown course
            f"a-5,{user_a.email},sec-201,03/04/2026,\n"                # 6: ambiguous date
            f"a-6,{user_a.email},sec-201,2026-02-01,120\n"             # 7: score out of range
            f"a-1,{user_a.email},sec-201,2026-02-01,\n"                # 8: duplicate completion id
            f",{user_a.email},sec-201,yesterday,\n")                   # 9: no id, not a date
    with translation.override("de"):
        summary = imports.check_file(_File(text))
    assert (summary.total, summary.valid, summary.error_rows) == (8, 1, 7)
    found = {(e["row"], e["field"], e["code"]): e["message"] for e in summary.errors}
    assert found[(3, "email", "unknown_person")] == said("de", "No user has this e-mail address.")
    assert found[(4, "email", "not_member")] == said("de", "This person is not an active member of any partner.")
    assert found[(5, "course_code", "unknown_course")] == said("de", "No course has the code “%(code)s”.",
                                                               code="no-such-course")
    assert found[(6, "completed_at", "invalid_date")] == said(
        "de", "“%(value)s” could be read day-first or month-first: write dates as YYYY-MM-DD (or YYYY-MM-DD HH:MM).",
        value="03/04/2026")
    assert (7, "score", "invalid_score") in found
    assert found[(8, "external_id", "duplicate")] == said(
        "de", "This completion id appears more than once in the file (first in row %(row)s).", row=2)
    assert {(9, "external_id", "required"), (9, "completed_at", "invalid_date")} <= set(found)
    assert summary.preview[0]["row"] == 2 and summary.preview[0]["partner"] == partner_a.name
    assert not enrollments(partner_a), "a dry run writes nothing"


def test_header_without_the_required_columns(catalogue):
    summary = imports.check_file(_File("mail,title\nx@example.com,Course\n"))
    assert summary.header_error and summary.valid == 0
    assert {e["field"] for e in summary.errors} == {"email", "course_code", "completed_at", "external_id"}
    assert all(e["row"] == 1 for e in summary.errors)


def test_the_persons_partner_decides_and_a_second_import_records_nothing(catalogue, partner_a, user_a, partner_b,
                                                                         user_b):
    text = ("external_id,email,course_code,completed_at\n"
            f"x-1,{user_a.email},sec-101,2026-01-01\n"
            f"x-2,{user_a.email},sec-201,2026-01-02\n"
            f"x-3,{user_b.email},sec-101,2026-01-03\n"
            f"x-4,{user_b.email},sales-1,2026-01-04\n")
    first = imports.import_file(_File(text))
    assert (first.created, first.unchanged, first.awards) == (4, 0, 1)
    assert {e.user_id for e in enrollments(partner_a)} == {user_a.pk}
    assert {e.user_id for e in enrollments(partner_b)} == {user_b.pk} and len(enrollments(partner_b)) == 2
    audits = AuditEvent.objects.filter(action="enablement.certification.awarded").count()
    again = imports.import_file(_File(text))
    assert (again.created, again.updated, again.unchanged, again.error_rows) == (0, 0, 4, 0)
    assert len(enrollments(partner_a)) + len(enrollments(partner_b)) == 4
    assert AuditEvent.objects.filter(action="enablement.certification.awarded").count() == audits


def test_an_imported_completion_completes_a_portal_enrollment_and_renews_only_when_newer(catalogue, partner_a,
                                                                                         user_a):
    earlier = timezone.now() - timedelta(days=400)
    complete(partner_a, user_a, catalogue["first"], now=earlier)
    complete(partner_a, user_a, catalogue["second"], now=earlier)
    with partner_scope(partner_a):
        award = CertificationAward.objects.get()
    old_expiry = award.expires_on
    older = (earlier - timedelta(days=10)).date().isoformat()
    newer = timezone.now().date().isoformat()
    text = ("external_id,email,course_code,completed_at\n"
            f"o-1,{user_a.email},sec-101,{older}\n"
            f"n-1,{user_a.email},sec-101,{newer}\n"
            f"n-2,{user_a.email},sec-201,{newer}\n")
    summary = imports.import_file(_File(text))
    assert (summary.created, summary.updated, summary.unchanged) == (0, 2, 1)
    with partner_scope(partner_a):
        rows = {e.course.code: e for e in Enrollment.objects.select_related("course")}
        award.refresh_from_db()
    assert rows["sec-101"].external_id == "n-1" and rows["sec-101"].source == "imported"
    assert award.expires_on > old_expiry and award.renewed_on == timezone.now().date()
    assert imports.import_file(_File(text)).recorded == 0


def test_a_person_of_several_partners_needs_a_partner_id(catalogue, partner_a, partner_b, user_a):
    make_member(partner=partner_b, user=user_a)
    text = ("external_id,email,course_code,completed_at,partner_id\n"
            f"m-1,{user_a.email},sec-101,2026-01-01,\n"
            f"m-2,{user_a.email},sec-201,2026-01-01,{partner_b.pk}\n")
    summary = imports.import_file(_File(text))
    assert [(e["row"], e["code"]) for e in summary.errors] == [(2, "ambiguous_partner")]
    assert [e.external_id for e in enrollments(partner_b)] == ["m-2"] and not enrollments(partner_a)


def test_region_scoped_callers_get_other_regions_people_refused_like_unknown_people(catalogue, partner_a, user_a,
                                                                                   partner_b, user_b):
    items = [{"email": user_a.email, "course_code": "sec-101", "completed_at": "2026-01-01", "external_id": "1"},
             {"email": user_b.email, "course_code": "sec-101", "completed_at": "2026-01-01", "external_id": "2"},
             {"email": "nobody@example.com", "course_code": "sec-101", "completed_at": "2026-01-01",
              "external_id": "3"}]
    summary, results = imports.import_rows(items, partner_ids=[partner_a.pk])
    assert [r.result for r in results] == ["created", "error", "error"]
    assert results[1].errors[0].message == results[2].errors[0].message  # nothing revealed about partner B
    assert not enrollments(partner_b) and len(enrollments(partner_a)) == 1


def test_external_id_of_another_person_is_refused(catalogue, partner_a, user_a, admin_a):
    imports.import_rows([{"email": user_a.email, "course_code": "sec-101", "completed_at": "2026-01-01",
                          "external_id": "same"}])
    _summary, results = imports.import_rows([{"email": admin_a.email, "course_code": "sec-101",
                                              "completed_at": "2026-01-01", "external_id": "same"}])
    assert results[0].result == "error" and results[0].errors[0].code == "external_id_taken"


def test_queries_per_chunk_do_not_grow_with_rows(catalogue, partner_a):
    people = [make_member(partner=partner_a).user for _ in range(12)]

    def run(users, prefix):
        rows = "\n".join(f"{prefix}-{i},{u.email},sales-1,2026-01-01" for i, u in enumerate(users))
        with CaptureQueriesContext(connection) as queries:
            summary = imports.import_file(_File("external_id,email,course_code,completed_at\n" + rows + "\n"))
        assert summary.created == len(users)
        return len(queries.captured_queries)

    assert run(people[:2], "few") == run(people[2:], "many")


def test_five_thousand_rows_in_chunks_then_nothing_new(catalogue, partner_a, monkeypatch):
    from partners.models import Membership
    from prm.accounts.models import User

    monkeypatch.setattr(imports, "CHUNK", 1500)
    users = User.objects.bulk_create([User(email=f"bulk{i}@example.com") for i in range(1000)])
    with partner_scope(partner_a):
        Membership.objects.bulk_create([Membership(partner=partner_a, user=u) for u in users])
    codes = ["sec-101", "sec-201", "sales-1"] + [course(code=f"extra-{n}", quiz=False, lessons=0).code
                                                  for n in range(2)]
    lines = [f"ext-{i},bulk{i // 5}@example.com,{codes[i % 5]},2026-01-{1 + i % 28:02d}" for i in range(5000)]
    text = "external_id,email,course_code,completed_at\n" + "\n".join(lines) + "\n"
    progress = []
    first = imports.import_file(_File(text), progress=lambda done, total: progress.append((done, total)))
    assert (first.total, first.created, first.error_rows) == (5000, 5000, 0)
    assert progress == [(1500, 5000), (3000, 5000), (4500, 5000), (5000, 5000)]
    assert first.awards == 1000  # every person completed both certification courses
    with unscoped():
        assert Enrollment.objects.filter(source="imported", status="completed").count() == 5000
    second = imports.import_file(_File(text))
    assert (second.created, second.updated, second.unchanged) == (0, 0, 5000)
    with unscoped():
        assert Enrollment.objects.count() == 5000 and CertificationAward.objects.count() == 1000


def test_a_region_without_the_person_refuses_the_row_in_a_dry_run(catalogue):
    """Scoped to a partner the person is no member of: refused, nothing written."""
    partner = PartnerFactory()
    summary, results = imports.import_rows([{"email": "x@example.com", "course_code": "sec-101",
                                             "completed_at": "2026-01-01", "external_id": "z"}],
                                           partner_ids=[partner.pk], dry_run=True)
    assert results[0].result == "error" and summary.valid == 0
