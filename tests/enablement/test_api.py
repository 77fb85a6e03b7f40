"""The partner's enablement API: the catalogue (localized, targeted), enrolling (idempotent), enrollments with their
progress, certifications with their verification code, partner admins' team views and path assignments; another
partner's rows answer 404; bad input answers 400 with fields; lists have a constant query count; the schema is clean."""

from datetime import timedelta

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from enablement.models import Enrollment, PathAssignment
from partners.models import Membership, PartnerOrganization
from prm.tenancy.scoping import partner_scope
from tests.api.helpers import assert_error
from tests.factories import make_member

from .api_helpers import enrollment_of
from .helpers import certification, complete, course, path

pytestmark = pytest.mark.django_db

COURSES = "/api/v1/enablement/courses/"
ENROLLMENTS = "/api/v1/enablement/enrollments/"
CERTIFICATIONS = "/api/v1/enablement/certifications/"
ASSIGNMENTS = "/api/v1/enablement/path-assignments/"


@pytest.fixture
def api_client():
    return APIClient()


def detail(pk: int) -> str:
    return reverse("api:enablement-enrollment-detail", args=[pk])


def speaks(user, language: str):
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    return user


def test_the_learning_journey_through_the_api(api_client, partner_a, user_a):
    """Catalogue → enroll (201, then 200) → list → detail → complete → certification with its verification code."""
    api_client.force_login(speaks(user_a, "de"))
    item = course(title="Selling the platform")
    untranslated = course(title="Security basics", translations={})
    cert = certification(item, months=12)

    catalogue = api_client.get(COURSES).json()["results"]
    by_code = {row["code"]: row for row in catalogue}
    assert set(by_code) == {item.code, untranslated.code}
    assert (by_code[item.code]["title"], by_code[item.code]["title_language"], by_code[item.code]["fallback"]) == (
        item.translations["de"]["title"], "de", False)
    assert (by_code[untranslated.code]["title"], by_code[untranslated.code]["title_language"],
            by_code[untranslated.code]["fallback"]) == ("Security basics", "en", True)
    assert by_code[item.code]["lessons"] == 2 and by_code[item.code]["has_quiz"] is True
    assert by_code[item.code]["enrollment"] is None

    created = api_client.post(ENROLLMENTS, {"course": item.code}, format="json")
    again = api_client.post(ENROLLMENTS, {"course": item.code}, format="json")
    assert (created.status_code, again.status_code) == (201, 200), created.content
    assert created.json()["id"] == again.json()["id"]
    body = created.json()
    assert (body["status"], body["source"], body["progress_percent"]) == ("enrolled", "self", 0)
    assert [lesson["done"] for lesson in body["lessons"]] == [False, False]
    assert body["attempts"] == {"has_quiz": True, "count": 0, "allowed": 2, "remaining": 2, "passed": False,
                                "best_score": None, "last_submitted_at": None, "open_attempt": False}
    enrolled = {row["code"]: row["enrollment"] for row in api_client.get(COURSES).json()["results"]}
    assert enrolled == {item.code: {"id": body["id"], "status": "enrolled"}, untranslated.code: None}

    listed = api_client.get(ENROLLMENTS).json()["results"]
    assert [(row["id"], row["course"]["code"], row["user"]["id"]) for row in listed] == [
        (body["id"], item.code, user_a.pk)]
    assert api_client.get(CERTIFICATIONS).json()["results"] == []

    complete(partner_a, user_a, item)
    done = api_client.get(detail(body["id"])).json()
    assert (done["status"], done["progress_percent"], done["lessons_done"], done["lessons_total"]) == (
        "completed", 100, 2, 2)
    assert all(lesson["done"] and lesson["completed_at"] for lesson in done["lessons"])
    assert done["attempts"]["passed"] is True and done["attempts"]["best_score"] == "100.00"
    assert done["attempts"]["remaining"] == 1

    awards = api_client.get(CERTIFICATIONS).json()["results"]
    assert len(awards) == 1
    award = awards[0]
    today = timezone.localdate()
    assert award["certification"] == {"code": cert.code, "name": "Zertifizierter Ingenieur", "name_language": "de",
                                      "fallback": False}
    assert award["status"] == "active" and award["awarded_on"] == today.isoformat()
    assert award["days_left"] == (timezone.datetime.fromisoformat(award["expires_on"]).date() - today).days > 300
    assert len(award["verification_code"]) == 16
    with partner_scope(partner_a):
        assert award["verification_code"] == cert.awards.get().verification_code


def test_catalogue_and_enrolling_follow_targeting_and_unknown_courses_are_400(api_client, partner_a, user_a, admin_a):
    offered = course()
    elsewhere = course(partner_types=[PartnerOrganization.PartnerType.SYSTEM_INTEGRATOR])
    for_admins = course(roles=[Membership.Role.ADMIN])
    draft = course(published=False)
    api_client.force_login(user_a)
    assert [row["code"] for row in api_client.get(COURSES).json()["results"]] == [offered.code]
    for code in (elsewhere.code, for_admins.code, draft.code, "no-such-course"):
        error = assert_error(api_client.post(ENROLLMENTS, {"course": code}, format="json"), 400, "invalid")
        assert list(error["fields"]) == ["course"], error
    error = assert_error(api_client.post(ENROLLMENTS, {}, format="json"), 400, "invalid")
    assert list(error["fields"]) == ["course"]
    with partner_scope(partner_a):
        assert not Enrollment.objects.exists()

    api_client.force_login(admin_a)
    assert {row["code"] for row in api_client.get(COURSES).json()["results"]} == {offered.code, for_admins.code}
    assert api_client.post(ENROLLMENTS, {"course": for_admins.code}, format="json").status_code == 201


def test_another_partners_or_colleagues_enrollment_answers_404(api_client, partner_a, partner_b, user_a, admin_a,
                                                               admin_b, user_b):
    theirs = enrollment_of(partner_b, user=user_b)
    colleague = enrollment_of(partner_a, user=admin_a)
    api_client.force_login(user_a)
    assert_error(api_client.get(detail(theirs)), 404)
    assert_error(api_client.get(detail(colleague)), 404)  # a plain member sees only their own
    assert_error(api_client.get(detail(theirs), HTTP_X_PARTNER_ID=str(partner_b.pk)), 404)
    api_client.force_login(admin_a)
    assert api_client.get(detail(colleague)).status_code == 200
    assert_error(api_client.get(detail(theirs)), 404)
    assert api_client.get(ENROLLMENTS, {"team": 1}).json()["count"] == 1  # never partner B's


def test_team_views_are_for_partner_admins_only(api_client, partner_a, partner_b, admin_a, user_a, user_b):
    item = course()
    certification(item)
    complete(partner_a, user_a, item)
    enrollment_of(partner_a, user=admin_a)
    complete(partner_b, user_b, item)

    api_client.force_login(user_a)
    for url in (ENROLLMENTS, CERTIFICATIONS):
        assert list(assert_error(api_client.get(url, {"team": 1}), 400, "invalid")["fields"]) == ["team"]
        assert list(assert_error(api_client.get(url, {"user": admin_a.pk}), 400)["fields"]) == ["user"]
        own = api_client.get(url, {"user": user_a.pk}).json()["results"]
        assert {row["user"]["id"] for row in own} == {user_a.pk}

    api_client.force_login(admin_a)
    team = api_client.get(ENROLLMENTS, {"team": 1}).json()["results"]
    assert sorted(row["user"]["id"] for row in team) == sorted([user_a.pk, admin_a.pk])
    member = api_client.get(ENROLLMENTS, {"user": user_a.pk}).json()["results"]
    assert [row["user"]["id"] for row in member] == [user_a.pk]
    assert api_client.get(ENROLLMENTS, {"user": user_a.pk, "status": "completed"}).json()["count"] == 1
    assert api_client.get(ENROLLMENTS, {"user": user_a.pk, "status": "enrolled"}).json()["count"] == 0
    certs = api_client.get(CERTIFICATIONS, {"team": 1}).json()["results"]
    assert [row["user"]["id"] for row in certs] == [user_a.pk]
    assert api_client.get(CERTIFICATIONS).json()["results"] == []  # the admin's own: none
    for url in (ENROLLMENTS, CERTIFICATIONS):  # someone of another partner is not a member here
        assert list(assert_error(api_client.get(url, {"user": user_b.pk}), 400)["fields"]) == ["user"]
    assert list(assert_error(api_client.get(ENROLLMENTS, {"user": "x", "status": "nope"}), 400)["fields"]) == [
        "user", "status"]


def test_partner_admin_assigns_a_path_idempotently_and_bad_input_is_400(api_client, partner_a, partner_b, admin_a,
                                                                        user_a, user_b):
    first, second = course(), course()
    sales = path(first, second)
    elsewhere = path(course(), code="si-path")
    elsewhere.partner_types = [PartnerOrganization.PartnerType.SYSTEM_INTEGRATOR]
    elsewhere.save()
    due = (timezone.localdate() + timedelta(days=30)).isoformat()

    api_client.force_login(user_a)
    error = assert_error(api_client.post(ASSIGNMENTS, {"path": sales.code, "user": user_a.pk}, format="json"), 400)
    assert list(error["fields"]) == ["non_field_errors"]

    api_client.force_login(admin_a)
    created = api_client.post(ASSIGNMENTS, {"path": sales.code, "user": user_a.pk, "due_on": due}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["path"]["code"], body["user"]["id"], body["due_on"]) == (sales.code, user_a.pk, due)
    assert [e["status"] for e in body["enrollments"]] == ["enrolled", "enrolled"]
    again = api_client.post(ASSIGNMENTS, {"path": sales.code, "user": user_a.pk}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    with partner_scope(partner_a):
        assert PathAssignment.objects.count() == 1
        assert set(Enrollment.objects.filter(user=user_a).values_list("source", flat=True)) == {"assigned"}

    left = make_member(partner=partner_a)
    left.is_active = False
    left.save(update_fields=["is_active"])
    past = (timezone.localdate() - timedelta(days=1)).isoformat()
    for data, field in (({"path": "nope", "user": user_a.pk}, "path"),
                        ({"path": elsewhere.code, "user": user_a.pk}, "path"),
                        ({"path": sales.code, "user": user_b.pk}, "user"),
                        ({"path": sales.code, "user": left.user_id}, "user"),
                        ({"path": sales.code, "user": 10**12}, "user"),
                        ({"path": sales.code, "user": "x"}, "user"),
                        ({"path": sales.code, "user": user_a.pk, "due_on": past}, "due_on"),
                        ({"user": user_a.pk}, "path")):
        error = assert_error(api_client.post(ASSIGNMENTS, data, format="json"), 400, "invalid")
        assert list(error["fields"]) == [field], (data, error)
    with partner_scope(partner_b):
        assert not PathAssignment.objects.exists() and not Enrollment.objects.exists()


def _count(api_client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(url, params or {})
        assert response.status_code == 200, response.content
    return len(queries)


def test_partner_lists_have_a_constant_query_count(api_client, partner_a, admin_a):
    api_client.force_login(admin_a)
    item = course()
    certification(item)
    complete(partner_a, admin_a, item)
    urls = [(COURSES, None), (ENROLLMENTS, {"team": 1}), (CERTIFICATIONS, {"team": 1})]
    _count(api_client, COURSES)  # warm up: the first request of a session records the sign-in time
    few = [_count(api_client, url, params) for url, params in urls]
    for _ in range(5):
        other = course()
        certification(other)
        complete(partner_a, make_member(partner=partner_a).user, other)
    many = [_count(api_client, url, params) for url, params in urls]
    assert many == few
    assert api_client.get(ENROLLMENTS, {"team": 1}).json()["count"] == 6
    assert api_client.get(CERTIFICATIONS, {"team": 1}).json()["count"] == 6


def test_schema_describes_the_enablement_api_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    paths = yaml.safe_load(out.read_text())["paths"]
    assert {"/api/v1/enablement/courses/", "/api/v1/enablement/enrollments/", "/api/v1/enablement/enrollments/{id}/",
            "/api/v1/enablement/certifications/", "/api/v1/enablement/path-assignments/",
            "/api/v1/staff/enablement/certifications/", "/api/v1/staff/enablement/enrollments/"} <= set(paths)
    enrollments = paths["/api/v1/enablement/enrollments/"]
    assert {"user", "team", "status"} <= {p["name"] for p in enrollments["get"]["parameters"]}
    assert {"200", "201", "400"} <= set(enrollments["post"]["responses"])
    staff = paths["/api/v1/staff/enablement/certifications/"]["get"]
    assert "expiring_within" in {p["name"] for p in staff["parameters"]}
