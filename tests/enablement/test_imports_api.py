"""POST /api/v1/staff/enablement/completions/: per-row results (created / unchanged / error with its message),
the same checks and writes as the admin's import, a dry run, 400 for a malformed body, region rules (a channel
manager's rows for other regions' people are refused like unknown people), executives and partners refused."""

import pytest
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from enablement.models import CertificationAward, Enrollment
from prm.accounts.services import api_token_create
from prm.common.models import AuditEvent
from prm.tenancy.scoping import partner_scope
from tests.api.helpers import assert_error
from tests.enablement.helpers import certification, course
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/staff/enablement/completions/"


@pytest.fixture
def api_client():
    return APIClient()


def bearer(user):
    _, raw_key = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}


def said(language, message, **params):
    with translation.override(language):
        text = gettext(message)
    return text % params if params else text


@pytest.fixture
def track():
    first, second = course(code="net-101", quiz=False), course(code="net-201", quiz=False)
    return certification(first, second, code="net-cert")


def row(email, code, when="2026-02-01", ext="", **extra):
    return {"email": email, "course_code": code, "completed_at": when, "external_id": ext or f"{email}:{code}",
            **extra}


def test_operator_imports_with_per_row_results_and_a_repeat_records_nothing(api_client, operator, track, partner_a,
                                                                            user_a, partner_b, user_b):
    body = {"completions": [
        row(user_a.email, "net-101", score=90), row(user_a.email, "net-201", "2026-02-02T10:00:00Z", score="85.5"),
        row("ghost@example.com", "net-101"), row(user_b.email, "nope"), row(user_b.email, "net-101", "02/01/2026"),
        {"user_email": user_b.email, "course_id": "net-101", "completion_date": "2026-02-03", "id": 77}]}
    response = api_client.post(URL, body, format="json", **bearer(operator))
    assert response.status_code == 200, response.content
    data = response.json()
    assert [r["result"] for r in data["results"]] == ["created", "created", "error", "error", "error", "created"]
    assert (data["created"], data["unchanged"], data["errors"], data["certifications"]) == (3, 0, 3, 1)
    assert [r["row"] for r in data["results"]] == [1, 2, 3, 4, 5, 6] and data["results"][5]["external_id"] == "77"
    assert data["results"][2]["message"] == said("en", "No user has this e-mail address.")
    assert data["results"][3]["errors"] == [{"field": "course_code", "code": "unknown_course",
                                             "message": said("en", "No course has the code “%(code)s”.", code="nope")}]
    assert data["results"][4]["errors"][0]["code"] == "invalid_date"
    assert data["results"][0]["partner_id"] == partner_a.pk and data["results"][5]["partner_id"] == partner_b.pk
    with partner_scope(partner_a):
        assert Enrollment.objects.filter(status="completed", source="imported").count() == 2
        assert CertificationAward.objects.filter(user=user_a).count() == 1
    with partner_scope(partner_b):
        assert list(Enrollment.objects.values_list("external_id", flat=True)) == ["77"]
    assert AuditEvent.objects.filter(action="enablement.completions.imported", actor=operator).count() == 1

    again = api_client.post(URL, body, format="json", **bearer(operator)).json()
    assert [r["result"] for r in again["results"]] == ["unchanged", "unchanged", "error", "error", "error",
                                                       "unchanged"]
    assert (again["created"], again["updated"], again["certifications"]) == (0, 0, 0)


def test_messages_follow_the_request_language(api_client, operator, track):
    response = api_client.post(URL, {"completions": [row("ghost@example.com", "net-101")]}, format="json",
                               HTTP_ACCEPT_LANGUAGE="de", **bearer(operator))
    assert response.json()["results"][0]["message"] == said("de", "No user has this e-mail address.")


def test_dry_run_writes_nothing_and_predicts(api_client, operator, track, partner_a, user_a):
    body = {"dry_run": True, "completions": [row(user_a.email, "net-101"), row(user_a.email, "net-201")]}
    data = api_client.post(URL, body, format="json", **bearer(operator)).json()
    assert data["dry_run"] is True and [r["result"] for r in data["results"]] == ["created", "created"]
    with partner_scope(partner_a):
        assert not Enrollment.objects.exists() and not CertificationAward.objects.exists()
    assert not AuditEvent.objects.filter(action="enablement.completions.imported").exists()


@pytest.mark.parametrize("body", [
    {},
    {"completions": []},
    {"completions": "x"},
    {"completions": [1, 2]},
    {"completions": [["email", "course"]]},
    {"completions": [{"email": "a@example.com"}], "dry_run": "maybe"},
    {"completions": [{"email": "a@example.com"}] * 1001},
    ["not", "an", "object"],
])
def test_a_malformed_body_answers_400(api_client, operator, body):
    assert_error(api_client.post(URL, body, format="json", **bearer(operator)), 400, "invalid")


def test_broken_json_and_odd_cell_types_never_answer_500(api_client, operator, track, user_a):
    response = api_client.post(URL, "{not json", content_type="application/json", **bearer(operator))
    assert_error(response, 400)
    odd = {"completions": [{"email": ["x"], "course_code": {"a": 1}, "completed_at": True, "external_id": None,
                            "score": "lots"}, row(user_a.email, "net-101", score=101)]}
    data = api_client.post(URL, odd, format="json", **bearer(operator)).json()
    assert [r["result"] for r in data["results"]] == ["error", "error"]
    assert {e["field"] for e in data["results"][0]["errors"]} >= {"email", "course_code", "completed_at",
                                                                  "external_id"}
    assert data["results"][1]["errors"][0]["code"] == "invalid_score"


def test_a_manager_imports_only_for_partners_of_their_regions(api_client, manager_a, track, partner_a, user_a,
                                                              partner_b, user_b):
    body = {"completions": [row(user_a.email, "net-101"), row(user_b.email, "net-101"),
                            row("ghost@example.com", "net-101")]}
    data = api_client.post(URL, body, format="json", **bearer(manager_a)).json()
    assert [r["result"] for r in data["results"]] == ["created", "error", "error"]
    refused = said("en", "No active member of a partner in your regions has this e-mail address.")
    assert data["results"][1]["message"] == data["results"][2]["message"] == refused  # nothing said about B
    with partner_scope(partner_b):
        assert not Enrollment.objects.exists()
    with partner_scope(partner_a):
        assert Enrollment.objects.count() == 1

    manager_b = StaffFactory()
    manager_b.regions.add(partner_b.region)
    data = api_client.post(URL, body, format="json", **bearer(manager_b)).json()
    assert [r["result"] for r in data["results"]] == ["error", "created", "error"]


def test_executives_and_partner_people_cannot_import(api_client, executive_a, admin_a, track, user_a):
    body = {"completions": [row(user_a.email, "net-101")]}
    assert_error(api_client.post(URL, body, format="json", **bearer(executive_a)), 403)
    assert_error(api_client.post(URL, body, format="json", **bearer(admin_a)), 403)
    assert_error(api_client.post(URL, body, format="json"), 401)
    assert_error(api_client.get(URL, **bearer(executive_a)), 403)
