"""The staff MDF API: queues of the caller's regions (oldest first, SLA age, duplicate flags, evidence), the
decisions with their rules (reasons, amounts, payment), other regions' objects answering 404, and the schema."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from mdf.duplicates import describe_flag
from mdf.models import Activity, Claim
from prm.accounts.services import api_token_create
from prm.tenancy.scoping import partner_scope
from tests.api.helpers import assert_error

from .api_helpers import (
    approved_claim_of,
    claimant,
    manager_of,
    submitted_claim_obj,
    submitted_claim_of,
    submitted_of,
)
from .helpers import fund_with, seed_rates, submitted_activity

pytestmark = pytest.mark.django_db

STAFF_ACTIVITIES = "/api/v1/staff/mdf/activities/"
STAFF_CLAIMS = "/api/v1/staff/mdf/claims/"


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def bearer():
    def make(user):
        _, raw_key = api_token_create(user=user, name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}

    return make


def post(api_client, name, pk, body, headers):
    return api_client.post(reverse(f"api:{name}", args=[pk]), body, format="json", **headers)


def test_a_manager_of_another_region_gets_404(api_client, bearer, partner_a, partner_b):
    activity_id = submitted_of(partner_a)
    claim_id = submitted_claim_of(partner_a)
    outsider = bearer(manager_of(partner_b))
    assert_error(api_client.get(reverse("api:staff-mdf-activity-detail", args=[activity_id]), **outsider), 404)
    assert_error(api_client.get(reverse("api:staff-mdf-claim-detail", args=[claim_id]), **outsider), 404)
    for name, pk, body in [
        ("staff-mdf-activity-approve", activity_id, {}),
        ("staff-mdf-activity-reject", activity_id, {"reason": "No."}),
        ("staff-mdf-activity-request-info", activity_id, {"message": "Why?"}),
        ("staff-mdf-claim-approve", claim_id, {}),
        ("staff-mdf-claim-reject", claim_id, {"reason": "No."}),
        ("staff-mdf-claim-request-info", claim_id, {"message": "Why?"}),
        ("staff-mdf-claim-pay", claim_id, {"paid_on": "2026-01-05", "reference": "X"}),
    ]:
        assert_error(post(api_client, name, pk, body, outsider), 404, "not_found")
    assert api_client.get(STAFF_ACTIVITIES, **outsider).json()["results"] == []
    assert api_client.get(STAFF_CLAIMS, **outsider).json()["results"] == []
    with partner_scope(partner_a):
        assert Activity.objects.get(pk=activity_id).status == Activity.Status.SUBMITTED
        assert Claim.objects.get(pk=claim_id).status == Claim.Status.SUBMITTED
    insider = bearer(manager_of(partner_a))
    assert {r["id"] for r in api_client.get(STAFF_ACTIVITIES, {"status": "submitted"}, **insider).json()["results"]} \
        == {activity_id}


def test_executives_read_partners_and_anonymous_are_refused(api_client, bearer, partner_a, executive_a, admin_a):
    activity_id = submitted_of(partner_a)
    headers = bearer(executive_a)
    assert api_client.get(reverse("api:staff-mdf-activity-detail", args=[activity_id]), **headers).status_code == 200
    assert_error(post(api_client, "staff-mdf-activity-approve", activity_id, {}, headers), 403, "permission_denied")
    assert_error(api_client.get(STAFF_ACTIVITIES, **bearer(admin_a)), 403, "permission_denied")
    assert_error(api_client.get(STAFF_CLAIMS), 401)


def test_staff_need_mfa_when_required(api_client, bearer, settings, partner_a, manager_a):
    settings.REQUIRE_STAFF_MFA = True
    assert_error(api_client.get(STAFF_CLAIMS, **bearer(manager_a)), 403)


def test_pre_approval_rules(api_client, bearer, partner_a, manager_a):
    activity_id = submitted_of(partner_a)  # asks for 2000.00
    staff = bearer(manager_a)
    error = assert_error(post(api_client, "staff-mdf-activity-approve", activity_id, {"amount": "a lot"}, staff), 400)
    assert set(error["fields"]) == {"amount"}
    error = assert_error(post(api_client, "staff-mdf-activity-approve", activity_id, {"amount": "2500.00"}, staff), 400)
    assert set(error["fields"]) == {"amount"}
    error = assert_error(post(api_client, "staff-mdf-activity-approve", activity_id, {"amount": "1200.00"}, staff), 400)
    with translation.override("en"):
        assert error["fields"] == {"reason": ["Give a reason for approving less than requested."]}
    error = assert_error(post(api_client, "staff-mdf-activity-reject", activity_id, {}, staff), 400)
    assert set(error["fields"]) == {"reason"}
    error = assert_error(post(api_client, "staff-mdf-activity-reject", activity_id, {"reason": " "}, staff), 400)
    assert set(error["fields"]) == {"reason"}
    partial = post(api_client, "staff-mdf-activity-approve", activity_id,
                   {"amount": "1200.00", "reason": "Half the booth"}, staff)
    assert partial.status_code == 200, partial.content
    body = partial.json()
    assert (body["status"], body["approved_amount"], body["decision_reason"]) == ("approved", "1200.00", "Half the booth")
    assert body["events"][-1]["kind"] == "partially_approved" and body["events"][-1]["amount"] == "1200.00"
    assert body["fund"]["available"] == "8800.00"
    error = assert_error(post(api_client, "staff-mdf-activity-approve", activity_id, {}, staff), 400)
    assert "non_field_errors" in error["fields"]  # already decided


def test_request_info_then_the_partner_answers(api_client, bearer, partner_a, manager_a, admin_a):
    activity_id = submitted_of(partner_a)
    staff, partner = bearer(manager_a), bearer(admin_a)
    error = assert_error(post(api_client, "staff-mdf-activity-request-info", activity_id, {"message": ""}, staff), 400)
    assert set(error["fields"]) == {"message"}
    asked = post(api_client, "staff-mdf-activity-request-info", activity_id, {"message": "Which venue?"}, staff)
    assert (asked.json()["status"], asked.json()["info_request"]) == ("more_info", "Which venue?")
    detail = reverse("api:mdf-activity-detail", args=[activity_id])
    assert api_client.get(detail, **partner).json()["info_request"] == "Which venue?"
    assert api_client.patch(detail, {"description": "Hotel Adlon, Berlin"}, format="json", **partner).status_code == 200
    again = api_client.post(reverse("api:mdf-activity-submit", args=[activity_id]), format="json", **partner)
    assert again.json()["status"] == "submitted"


def test_queue_is_oldest_first_with_sla_age(api_client, bearer, partner_a, manager_a, admin_a):
    fund_with(partner_a, Decimal("10000"))
    newer = submitted_activity(partner_a, admin_a, title="Newer")
    older = submitted_activity(partner_a, admin_a, title="Older")
    draft_like = submitted_activity(partner_a, admin_a, title="Decided")
    with partner_scope(partner_a):
        Activity.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - timedelta(days=9))
    post(api_client, "staff-mdf-activity-reject", draft_like.pk, {"reason": "No."}, bearer(manager_a))
    rows = api_client.get(STAFF_ACTIVITIES, {"status": "submitted"}, **bearer(manager_a)).json()["results"]
    assert [r["title"] for r in rows] == ["Older", "Newer"]
    assert rows[0]["sla_age_hours"] >= 40 and rows[0]["partner"] == {"id": partner_a.pk, "name": partner_a.name}
    decided = api_client.get(reverse("api:staff-mdf-activity-detail", args=[draft_like.pk]), **bearer(manager_a))
    assert decided.json()["sla_age_hours"] is None
    assert newer.pk in {r["id"] for r in rows}


def test_claim_decisions_and_payment(api_client, bearer, partner_a, manager_a):
    staff = bearer(manager_a)
    claim = submitted_claim_obj(partner_a)  # claims the whole 2000.00
    listed = api_client.get(STAFF_CLAIMS, {"status": "submitted"}, **staff).json()["results"]
    assert [c["id"] for c in listed] == [claim.pk]
    row = listed[0]
    assert row["activity"]["approved_amount"] == "2000.00" and row["sla_age_hours"] is not None
    assert all(item["present"] for item in row["evidence"]) and len(row["proofs"]) == len(row["evidence"])
    error = assert_error(post(api_client, "staff-mdf-claim-approve", claim.pk, {"amount": "900.00"}, staff), 400)
    assert set(error["fields"]) == {"reason"}
    error = assert_error(post(api_client, "staff-mdf-claim-approve", claim.pk, {"amount": "x"}, staff), 400)
    assert set(error["fields"]) == {"amount"}
    error = assert_error(post(api_client, "staff-mdf-claim-pay", claim.pk,
                              {"paid_on": "2026-01-05", "reference": "P-1"}, staff), 400)
    assert "non_field_errors" in error["fields"]  # only approved claims are paid
    approved = post(api_client, "staff-mdf-claim-approve", claim.pk, {"amount": "900.00", "reason": "One invoice "
                                                                                                      "only"}, staff)
    assert (approved.json()["status"], approved.json()["approved_amount"]) == ("approved", "900.00")
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    error = assert_error(post(api_client, "staff-mdf-claim-pay", claim.pk, {"paid_on": future, "reference": "P-1"},
                              staff), 400)
    assert set(error["fields"]) == {"paid_on"}
    error = assert_error(post(api_client, "staff-mdf-claim-pay", claim.pk, {"paid_on": "2026-01-05", "reference": ""},
                              staff), 400)
    assert set(error["fields"]) == {"reference"}
    error = assert_error(post(api_client, "staff-mdf-claim-pay", claim.pk, {"paid_on": "yesterday"}, staff), 400)
    assert set(error["fields"]) == {"paid_on", "reference"}
    paid = post(api_client, "staff-mdf-claim-pay", claim.pk, {"paid_on": "2026-01-05", "reference": "P-1"}, staff)
    twice = post(api_client, "staff-mdf-claim-pay", claim.pk, {"paid_on": "2026-01-06", "reference": "P-2"}, staff)
    assert paid.json()["status"] == "paid" and twice.json()["payment"] == paid.json()["payment"]
    assert paid.json()["payment"]["amount"] == "900.00"


def test_claim_reject_and_request_info(api_client, bearer, partner_a, manager_a):
    staff = bearer(manager_a)
    first, second = submitted_claim_of(partner_a), submitted_claim_of(partner_a)
    asked = post(api_client, "staff-mdf-claim-request-info", first, {"message": "The attendee list is empty."}, staff)
    assert (asked.json()["status"], asked.json()["info_request"]) == ("more_info", "The attendee list is empty.")
    assert set(assert_error(post(api_client, "staff-mdf-claim-reject", second, {"reason": ""}, staff), 400)["fields"]) \
        == {"reason"}
    rejected = post(api_client, "staff-mdf-claim-reject", second, {"reason": "No proof of the event."}, staff)
    assert (rejected.json()["status"], rejected.json()["decision_reason"]) == ("rejected", "No proof of the event.")


def test_a_missing_exchange_rate_is_a_400_not_a_500(api_client, bearer, partner_b):
    seed_rates()
    claim_id = approved_claim_of(partner_b)  # partner_b is paid in JPY; the base currency is EUR
    headers = bearer(manager_of(partner_b))
    error = assert_error(post(api_client, "staff-mdf-claim-pay", claim_id,
                              {"paid_on": date(2001, 1, 1).isoformat(), "reference": "P-9"}, headers), 400)
    assert "non_field_errors" in error["fields"]
    with partner_scope(partner_b):
        assert Claim.objects.get(pk=claim_id).status == Claim.Status.APPROVED


def test_duplicate_invoice_across_partners_is_flagged_for_the_manager(api_client, bearer, partner_a, partner_b,
                                                                      operator):
    seed_rates()
    from .api_helpers import approved_ended
    from .helpers import submitted_claim

    theirs = submitted_claim(approved_ended(partner_b), claimant(partner_b), invoice="INV 2026/77")
    mine = submitted_claim(approved_ended(partner_a), claimant(partner_a), invoice="inv-2026-77")
    row = api_client.get(reverse("api:staff-mdf-claim-detail", args=[mine.pk]), **bearer(operator)).json()
    with translation.override("en"):
        expected = describe_flag({"code": "same_invoice", "claim_id": theirs.pk})
    assert row["duplicate_flags"] == [{"code": "same_invoice", "claim_id": theirs.pk, "same_partner": False,
                                       "description": expected}]
    # a manager of partner_a's region sees the flag, not partner_b's claim
    headers = bearer(manager_of(partner_a))
    assert api_client.get(reverse("api:staff-mdf-claim-detail", args=[mine.pk]), **headers).json()["duplicate_flags"]
    assert_error(api_client.get(reverse("api:staff-mdf-claim-detail", args=[theirs.pk]), **headers), 404)


def _count(api_client, url, headers) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(url, **headers)
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


def test_staff_lists_have_a_constant_query_count(api_client, bearer, partner_a, manager_a):
    headers = bearer(manager_a)
    submitted_of(partner_a)
    submitted_claim_of(partner_a)
    api_client.get(STAFF_CLAIMS, **headers)  # warm up (token "last used")
    few = {url: _count(api_client, url, headers) for url in (STAFF_ACTIVITIES, STAFF_CLAIMS)}
    for _ in range(3):
        submitted_of(partner_a)
        submitted_claim_of(partner_a)
    approved_claim_of(partner_a)
    many = {url: _count(api_client, url, headers) for url in (STAFF_ACTIVITIES, STAFF_CLAIMS)}
    assert {url: n for url, (n, _rows) in many.items()} == {url: n for url, (n, _rows) in few.items()}
    assert many[STAFF_CLAIMS][1] == 5 and many[STAFF_ACTIVITIES][1] > few[STAFF_ACTIVITIES][1]


def test_schema_describes_the_mdf_endpoints_without_warnings():
    """No warning raised from mdf/ (tests/api/test_schema.py runs the whole schema with --fail-on-warn)."""
    GENERATOR_STATS.reset()
    with GENERATOR_STATS.silence():
        schema = SchemaGenerator().get_schema(request=None, public=True)
    ours = [message for message in [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
            if "/mdf/" in message or "collision" in message or "identical names" in message]
    GENERATOR_STATS.reset()
    assert ours == []
    paths = schema["paths"]
    assert {
        "/api/v1/mdf/funds/", "/api/v1/mdf/funds/{id}/", "/api/v1/mdf/balances/", "/api/v1/mdf/activities/",
        "/api/v1/mdf/activities/{id}/", "/api/v1/mdf/activities/{id}/submit/", "/api/v1/mdf/activities/{id}/cancel/",
        "/api/v1/mdf/activities/{id}/claim/", "/api/v1/mdf/activities/{id}/claim/proofs/",
        "/api/v1/mdf/activities/{id}/claim/proofs/{proof_id}/", "/api/v1/mdf/activities/{id}/claim/submit/",
        "/api/v1/staff/mdf/activities/", "/api/v1/staff/mdf/activities/{id}/approve/",
        "/api/v1/staff/mdf/activities/{id}/reject/", "/api/v1/staff/mdf/activities/{id}/request-info/",
        "/api/v1/staff/mdf/claims/", "/api/v1/staff/mdf/claims/{id}/approve/", "/api/v1/staff/mdf/claims/{id}/pay/",
        "/api/v1/staff/mdf/claims/{id}/reject/", "/api/v1/staff/mdf/claims/{id}/request-info/",
    } <= set(paths)
    claim = paths["/api/v1/mdf/activities/{id}/claim/"]
    assert {"get", "post", "patch"} <= set(claim) and {"200", "201", "400"} <= set(claim["post"]["responses"])
    assert "multipart/form-data" in paths["/api/v1/mdf/activities/{id}/claim/proofs/"]["post"]["requestBody"]["content"]
    headers = {p["name"] for p in paths["/api/v1/mdf/activities/"]["post"]["parameters"] if p["in"] == "header"}
    assert headers == {"X-Partner-Id", "Idempotency-Key"}
    assert "duplicate_flags" not in schema["components"]["schemas"]["Claim"]["properties"]
