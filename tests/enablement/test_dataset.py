"""The enablement step of generate_dataset: enrollments and certification awards for every person of the new
synthetic partners in the portal, consistent with the certification rules, written in a fixed number of statements;
reset removes exactly them."""

import re
from collections import Counter, defaultdict
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enablement import dataset
from enablement.demo_catalogue import ensure_courses
from enablement.models import Certification, CertificationAward, Course, Enrollment
from enablement.verification import CODE_RE
from partners.management.commands import generate_dataset as gd
from partners.models import Membership, PartnerOrganization
from prm.tenancy.scoping import unscoped
from tests.enablement.helpers import certification, complete, course

pytestmark = pytest.mark.django_db


@pytest.fixture
def lean(monkeypatch):
    """Only the rows these tests look at: no synthetic registrations or MDF activities."""
    monkeypatch.setenv("DATASET_DEALS_PER_PARTNER", "0")
    monkeypatch.setenv("DATASET_MDF_ACTIVITIES_PER_PARTNER", "0")


def enablement_statements(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if '"enablement_' in q["sql"]]


def enablement_inserts(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if re.match(r'^(INSERT INTO|COPY) "enablement_(enrollment|certificationaward)"', q["sql"])]


def test_every_portal_person_gets_enrollments_and_the_certifications_they_completed(lean, partner_a, user_a):
    mine = course()
    certification(mine)
    complete(partner_a, user_a, mine)  # a real partner's learning: the reset must keep it
    ensure_courses()  # the catalogue first: the runs below then cost the same statements
    with CaptureQueriesContext(connection) as small:
        gd.generate_dataset(partners=12, users_per_partner=2)
    today = timezone.localdate()
    catalogue = ensure_courses()
    with unscoped():
        synthetic = {p.pk: p for p in gd.synthetic_partners()}
        portal = {pk for pk, p in synthetic.items() if p.status in PartnerOrganization.PORTAL_STATUSES}
        people = set(Membership.objects.filter(partner_id__in=portal).values_list("partner_id", "user_id"))
        enrollments = list(Enrollment.objects.filter(partner_id__in=synthetic))
        awards = list(CertificationAward.objects.filter(partner_id__in=synthetic))
        required = defaultdict(set)
        for cert_id, course_id in Certification.courses.through.objects.values_list("certification_id", "course_id"):
            required[cert_id].add(course_id)
        certifications = {c.pk: c for c in Certification.objects.all()}

    # every person of a partner in the portal, and nobody else, has three enrollments, the first course included
    per_person = Counter((e.partner_id, e.user_id) for e in enrollments
                         if e.course_id != catalogue.courses["technical-renewal"].pk)
    assert set(per_person) == people and set(per_person.values()) == {3}
    first = catalogue.courses["platform-fundamentals"].pk
    assert {(e.partner_id, e.user_id) for e in enrollments if e.course_id == first} == people
    assert {e.status for e in enrollments} == set(Enrollment.Status.values)
    for e in enrollments:
        assert (e.completed_at is not None) == (e.status == Enrollment.Status.COMPLETED)
        assert e.enrolled_at <= e.last_activity_at <= timezone.now() and e.external_id == ""
    # an award exactly where a person completed every required course, on the day the last was completed
    done = defaultdict(dict)
    for e in enrollments:
        if e.status == Enrollment.Status.COMPLETED:
            done[(e.partner_id, e.user_id)][e.course_id] = e.completed_at.date()
    expected = {(key, cert_id) for key, courses in done.items() for cert_id, needed in required.items()
                if cert_id in certifications and needed <= set(courses)}
    assert {((a.partner_id, a.user_id), a.certification_id) for a in awards} == expected
    assert awards, "no certification awarded"
    for a in awards:
        courses = done[(a.partner_id, a.user_id)]
        assert a.awarded_on == max(courses[c] for c in required[a.certification_id])
        months = certifications[a.certification_id].validity_months
        if a.renewed_on is None:
            assert a.expires_on == dataset.add_months(a.awarded_on, months)
        else:  # renewed with the renewal course, from the later of the renewal and the expiry
            renewal = certifications[a.certification_id].renewal_course_id
            assert courses[renewal] == a.renewed_on and a.awarded_on < a.renewed_on <= today
            assert a.expires_on == dataset.add_months(max(a.renewed_on, dataset.add_months(a.awarded_on, months)),
                                                      months)
        assert CODE_RE.fullmatch(a.verification_code)
    assert len({a.verification_code for a in awards}) == len(awards)
    assert any(a.expires_on < today for a in awards) and any(a.expires_on >= today for a in awards)

    # the same statements for 12 partners as for 40: two writes (COPY on PostgreSQL, unseen by the capture)
    with CaptureQueriesContext(connection) as large:
        gd.generate_dataset(partners=40, users_per_partner=2)
    assert len(enablement_statements(large)) == len(enablement_statements(small)) > 0
    if connection.vendor == "sqlite":
        assert len(enablement_inserts(large)) == len(enablement_inserts(small)) == 2

    # reset removes every synthetic enablement row and nothing else; the catalogue stays
    removed = gd.reset_dataset()
    assert removed["enablement"] > 0
    with unscoped():
        assert list(Enrollment.objects.values_list("user_id", flat=True)) == [user_a.pk]
        assert CertificationAward.objects.get().user_id == user_a.pk
    assert Course.objects.filter(code="platform-fundamentals").exists()


def test_no_enrollments_when_turned_off(lean, monkeypatch):
    monkeypatch.setenv("DATASET_ENABLEMENT_COURSES_PER_USER", "0")
    report = gd.generate_dataset(partners=5, users_per_partner=1)
    assert "enablement enrollments" not in report.rows
    with unscoped():
        assert not Enrollment.objects.exists()


def test_register_adds_the_step_once(monkeypatch):
    monkeypatch.setattr(gd, "STEPS", list(gd.STEPS))
    dataset.register()
    dataset.register()
    names = [s.name for s in gd.STEPS]
    assert names.count("enablement") == 1
    assert names.index("enablement") > names.index("people")  # reads the people; its reset runs before theirs


def test_months_are_added_like_relativedelta():
    assert dataset.add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert dataset.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert dataset.add_months(date(2025, 11, 15), 24) == date(2027, 11, 15)
    assert dataset.add_months(date(2025, 12, 31), 12) == date(2026, 12, 31)
    assert all(CODE_RE.fullmatch(dataset.verification_code()) for _ in range(200))
