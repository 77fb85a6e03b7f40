"""The partner's MDF API: funds with their ledger, balances, activities (create, submit, edit, cancel) and the
claim with its proof; the whole money path through the API with staff decisions; errors as 400 with fields."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from mdf.models import REQUIRED_EVIDENCE, Activity, Claim, MdfProgram
from mdf.services.funds import fund_for_period
from partners.models import Membership
from prm.accounts.services import api_token_create
from prm.common.money import format_money
from prm.tenancy.scoping import partner_scope
from tests.api.helpers import assert_error
from tests.factories import make_member

from .api_helpers import approved_ended, claim_draft_of, claimant, draft_of, manager_of
from .helpers import PDF_BYTES, activity_values, approved_activity, ended, fund_with, submitted_activity, upload

pytestmark = pytest.mark.django_db

ACTIVITIES = "/api/v1/mdf/activities/"
FUNDS = "/api/v1/mdf/funds/"
BALANCES = "/api/v1/mdf/balances/"
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def bearer():
    def make(user):
        _, raw_key = api_token_create(user=user, name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}

    return make


def request_body(**overrides) -> dict:
    values = activity_values()
    body = {name: str(value) if not isinstance(value, str) else value for name, value in values.items()}
    body.update(overrides)
    return body


def claim_url(name: str, activity_id: int, **kwargs) -> str:
    return reverse(f"api:mdf-activity-{name}", kwargs={"pk": activity_id, **kwargs})


def test_the_money_path_through_the_api(api_client, bearer, partner_a, manager_a):
    """Request + submit → staff pre-approves → claim with proof → staff approves → staff pays → the partner sees it."""
    fund_with(partner_a, Decimal("10000"))
    partner = bearer(claimant(partner_a))
    staff = bearer(manager_a)

    created = api_client.post(ACTIVITIES, {**request_body(), "submit": True}, format="json", **partner)
    assert created.status_code == 201, created.content
    activity = created.json()
    assert (activity["status"], activity["requested_amount"], activity["currency"]) == ("submitted", "2000.00", "EUR")
    assert [e["kind"] for e in activity["events"]] == ["created", "submitted"]

    queue = api_client.get("/api/v1/staff/mdf/activities/", {"status": "submitted"}, **staff).json()["results"]
    assert [row["id"] for row in queue] == [activity["id"]] and queue[0]["sla_age_hours"] is not None
    approved = api_client.post(reverse("api:staff-mdf-activity-approve", args=[activity["id"]]), {}, format="json",
                               **staff)
    assert approved.status_code == 200, approved.content
    assert (approved.json()["status"], approved.json()["approved_amount"]) == ("approved", "2000.00")

    with partner_scope(partner_a):
        ended(Activity.objects.get(pk=activity["id"]))
    started = api_client.post(claim_url("claim", activity["id"]), format="json", **partner)
    again = api_client.post(claim_url("claim", activity["id"]), format="json", **partner)
    assert (started.status_code, again.status_code) == (201, 200)
    assert started.json()["id"] == again.json()["id"] and started.json()["status"] == "draft"
    patched = api_client.patch(claim_url("claim", activity["id"]), {
        "actual_cost": "3000.00", "claimed_amount": "1500.00", "leads": 31, "attendees": 90,
        "invoice_number": "RE-2026-0042"}, format="json", **partner)
    assert patched.status_code == 200, patched.content
    assert {item["kind"]: item["present"] for item in patched.json()["evidence"]} == {
        kind: False for kind in REQUIRED_EVIDENCE["webinar"]}
    for index, kind in enumerate(REQUIRED_EVIDENCE["webinar"]):
        sent = api_client.post(claim_url("claim-proofs", activity["id"]),
                               {"kind": kind, "file": upload(f"{kind}.pdf", PDF_BYTES + bytes([index]))},
                               format="multipart", **partner)
        assert sent.status_code == 201, sent.content
        assert (sent.json()["kind"], sent.json()["content_type"]) == (kind, "application/pdf")
    submitted = api_client.post(claim_url("claim-submit", activity["id"]), format="json", **partner)
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted" and all(i["present"] for i in submitted.json()["evidence"])
    assert "duplicate_flags" not in submitted.json()  # the manager's, never the partner's

    claims = api_client.get("/api/v1/staff/mdf/claims/", {"status": "submitted"}, **staff).json()["results"]
    assert [c["id"] for c in claims] == [started.json()["id"]] and claims[0]["duplicate_flags"] == []
    claim_id = claims[0]["id"]
    decided = api_client.post(reverse("api:staff-mdf-claim-approve", args=[claim_id]), {}, format="json", **staff)
    assert (decided.status_code, decided.json()["status"], decided.json()["approved_amount"]) == (200, "approved",
                                                                                                   "1500.00")
    paid = api_client.post(reverse("api:staff-mdf-claim-pay", args=[claim_id]),
                           {"paid_on": "2026-01-05", "reference": "PAY-77"}, format="json", **staff)
    assert paid.status_code == 200, paid.content
    assert paid.json()["payment"] == {"paid_on": "2026-01-05", "reference": "PAY-77", "amount": "1500.00",
                                      "currency": "EUR"}

    seen = api_client.get(reverse("api:mdf-activity-detail", args=[activity["id"]]), **partner).json()
    assert seen["claim"]["status"] == "paid" and seen["events"][-1]["kind"] == "paid"
    assert seen["ropi"]["currency"] == "EUR" and seen["ropi"]["spend"] == "1500.00"
    assert api_client.get(claim_url("claim", activity["id"]), **partner).json()["payment"]["reference"] == "PAY-77"
    funds = api_client.get(FUNDS, **partner).json()["results"]
    assert [(f["allocated"], f["reserved"], f["approved"], f["paid"], f["available"], f["currency"]) for f in funds] == [
        ("10000.00", "0.00", "1500.00", "1500.00", "8500.00", "EUR")]
    ledger = api_client.get(reverse("api:mdf-fund-detail", args=[funds[0]["id"]]), **partner).json()["entries"]
    assert [(e["kind"], e["amount"]) for e in ledger] == [
        ("allocation", "10000.00"), ("reservation", "2000.00"), ("spend", "1500.00"), ("release", "500.00"),
        ("payment", "1500.00")]
    assert ledger[1]["activity"]["id"] == activity["id"]
    balances = api_client.get(BALANCES, **partner).json()
    assert (balances["available"], balances["approved"], balances["paid"], balances["currency"]) == (
        "8500.00", "1500.00", "1500.00", "EUR")


def test_create_with_the_same_idempotency_key_makes_one_activity(api_client, bearer, partner_a, admin_a):
    fund_with(partner_a, Decimal("10000"))
    headers = {**bearer(admin_a), "HTTP_IDEMPOTENCY_KEY": "7d1f-retry"}
    first = api_client.post(ACTIVITIES, {**request_body(), "submit": True}, format="json", **headers)
    again = api_client.post(ACTIVITIES, {**request_body(), "submit": True}, format="json", **headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    with partner_scope(partner_a):
        assert Activity.objects.count() == 1


def test_list_filter_edit_submit_and_cancel(api_client, bearer, partner_a, admin_a):
    headers = bearer(admin_a)
    draft_id = draft_of(partner_a)
    submitted = submitted_activity(partner_a, admin_a, title="Trade fair")
    everything = api_client.get(ACTIVITIES, **headers).json()["results"]
    assert {row["id"] for row in everything} == {draft_id, submitted.pk}
    only = api_client.get(ACTIVITIES, {"status": "submitted"}, **headers).json()["results"]
    assert [row["id"] for row in only] == [submitted.pk]
    assert_error(api_client.get(ACTIVITIES, {"status": "nonsense"}, **headers), 400, "invalid")

    url = reverse("api:mdf-activity-detail", args=[draft_id])
    patched = api_client.patch(url, {"planned_cost": "1000.00", "title": "Smaller webinar"}, format="json", **headers)
    assert (patched.json()["requested_amount"], patched.json()["title"]) == ("500.00", "Smaller webinar")
    sent = api_client.post(reverse("api:mdf-activity-submit", args=[draft_id]), format="json", **headers)
    assert sent.json()["status"] == "submitted"
    refused = assert_error(api_client.patch(url, {"title": "Late change"}, format="json", **headers), 400, "invalid")
    assert "non_field_errors" in refused["fields"]
    cancelled = api_client.post(reverse("api:mdf-activity-cancel", args=[draft_id]), {"reason": "Venue cancelled"},
                                format="json", **headers)
    assert cancelled.json()["status"] == "cancelled" and cancelled.json()["events"][-1]["message"] == "Venue cancelled"


def test_writing_needs_the_mdf_capability(api_client, bearer, partner_a):
    reader = make_member(partner=partner_a, role=Membership.Role.USER, can_claim_mdf=False).user
    activity_id = claim_draft_of(partner_a)
    headers = bearer(reader)
    assert api_client.get(ACTIVITIES, **headers).status_code == 200
    assert api_client.get(claim_url("claim", activity_id), **headers).status_code == 200
    assert_error(api_client.post(ACTIVITIES, request_body(), format="json", **headers), 403, "permission_denied")
    assert_error(api_client.patch(claim_url("claim", activity_id), {"leads": 3}, format="json", **headers), 403)
    assert_error(api_client.post(claim_url("claim-proofs", activity_id),
                                 {"kind": "invoice", "file": upload("a.pdf", PDF_BYTES)}, format="multipart",
                                 **headers), 403)


def test_another_partners_objects_answer_404(api_client, bearer, partner_a, partner_b, admin_b):
    activity_id = claim_draft_of(partner_a)
    with partner_scope(partner_a):
        fund_id = Activity.objects.get(pk=activity_id).fund_id
    headers = bearer(admin_b)
    for url in (reverse("api:mdf-activity-detail", args=[activity_id]), claim_url("claim", activity_id),
                claim_url("claim-proofs", activity_id), reverse("api:mdf-fund-detail", args=[fund_id])):
        assert_error(api_client.get(url, **headers), 404, "not_found")
    assert_error(api_client.post(claim_url("claim-submit", activity_id), format="json", **headers), 404)
    assert_error(api_client.post(reverse("api:mdf-activity-cancel", args=[activity_id]), format="json", **headers), 404)
    assert api_client.get(ACTIVITIES, **headers).json()["results"] == []
    assert api_client.get(FUNDS, **headers).json()["results"] == []
    with partner_scope(partner_a):
        assert Activity.objects.get(pk=activity_id).status == Activity.Status.APPROVED


def test_bad_input_answers_400_with_fields(api_client, bearer, partner_a, admin_a):
    headers = bearer(admin_a)
    fund_with(partner_a, Decimal("10000"))
    error = assert_error(api_client.post(ACTIVITIES, request_body(planned_cost="lots"), format="json", **headers), 400)
    assert set(error["fields"]) == {"planned_cost"}
    error = assert_error(api_client.post(ACTIVITIES, request_body(ends_on="2020-01-01"), format="json", **headers), 400)
    assert set(error["fields"]) == {"ends_on"}
    too_much = request_body(planned_cost="50000.00")
    error = assert_error(api_client.post(ACTIVITIES, {**too_much, "submit": True}, format="json", **headers), 400)
    assert set(error["fields"]) == {"planned_cost"}  # the vendor's share is more than the fund has
    with partner_scope(partner_a):
        assert not Activity.objects.exists()  # nothing half-saved

    activity = approved_ended(partner_a)
    assert api_client.post(claim_url("claim", activity.pk), format="json", **headers).status_code == 201
    error = assert_error(api_client.patch(claim_url("claim", activity.pk), {"claimed_amount": "2000.01"},
                                          format="json", **headers), 400, "invalid")
    with translation.override("en"):
        expected = f"You can claim at most the pre-approved {format_money(Decimal('2000.00'), 'EUR')}."
    assert error["fields"] == {"claimed_amount": [expected]}
    error = assert_error(api_client.patch(claim_url("claim", activity.pk), {"actual_cost": "abc"}, format="json",
                                          **headers), 400)
    assert set(error["fields"]) == {"actual_cost"}

    error = assert_error(api_client.post(claim_url("claim-proofs", activity.pk),
                                         {"kind": "invoice", "file": upload("invoice.pdf", EXE_BYTES)},
                                         format="multipart", **headers), 400, "invalid")
    with translation.override("en"):
        assert error["fields"] == {"file": ["invoice.pdf is not a file type we accept. Upload PDF, PNG, JPEG, CSV, "
                                            "XLSX files."]}
    MdfProgram.objects.filter(pk=MdfProgram.current().pk).update(max_file_mb=1)
    big = PDF_BYTES + b"0" * (1024 * 1024)
    error = assert_error(api_client.post(claim_url("claim-proofs", activity.pk),
                                         {"kind": "invoice", "file": upload("scan.pdf", big)}, format="multipart",
                                         **headers), 400)
    assert list(error["fields"]) == ["file"] and "scan.pdf" in error["fields"]["file"][0]
    error = assert_error(api_client.post(claim_url("claim-proofs", activity.pk), {"kind": "selfie"},
                                         format="multipart", **headers), 400)
    assert set(error["fields"]) == {"kind", "file"}
    error = assert_error(api_client.post(claim_url("claim-submit", activity.pk), format="json", **headers), 400)
    assert {"actual_cost", "invoice_number", "non_field_errors"} <= set(error["fields"])
    with partner_scope(partner_a):
        claim = Claim.objects.get(activity=activity)
        assert (claim.status, claim.proofs.count()) == (Claim.Status.DRAFT, 0)


def test_proofs_are_listed_and_removed(api_client, bearer, partner_a, admin_a):
    headers = bearer(admin_a)
    activity_id = claim_draft_of(partner_a)
    sent = api_client.post(claim_url("claim-proofs", activity_id),
                           {"kind": "invoice", "file": upload("invoice.pdf", PDF_BYTES)}, format="multipart", **headers)
    assert sent.status_code == 201
    listed = api_client.get(claim_url("claim-proofs", activity_id), **headers).json()
    assert [(p["id"], p["original_name"]) for p in listed] == [(sent.json()["id"], "invoice.pdf")]
    assert_error(api_client.delete(claim_url("claim-proof", activity_id, proof_id=sent.json()["id"] + 999),
                                   **headers), 404)
    removed = api_client.delete(claim_url("claim-proof", activity_id, proof_id=sent.json()["id"]), **headers)
    assert removed.status_code == 204
    assert api_client.get(claim_url("claim-proofs", activity_id), **headers).json() == []


def test_a_claim_before_the_activity_ends_is_refused(api_client, bearer, partner_a, admin_a, manager_a):
    fund_with(partner_a, Decimal("10000"))
    activity = approved_activity(partner_a, admin_a, manager_a)
    error = assert_error(api_client.post(claim_url("claim", activity.pk), format="json", **bearer(admin_a)), 400)
    assert "non_field_errors" in error["fields"]
    assert_error(api_client.get(claim_url("claim", activity.pk), **bearer(admin_a)), 404)


def _count(api_client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert api_client.get(url).status_code == 200
    return len(queries)


def test_partner_lists_have_a_constant_query_count(api_client, partner_a, admin_a):
    api_client.force_login(admin_a)
    fund_with(partner_a, Decimal("100000"))
    submitted_activity(partner_a, admin_a)
    approved_ended(partner_a)
    _count(api_client, ACTIVITIES)  # warm up: the first request of a session records the sign-in time
    few = {url: _count(api_client, url) for url in (ACTIVITIES, FUNDS)}
    for _ in range(6):
        submitted_activity(partner_a, admin_a)
    claim_draft_of(partner_a)
    claim_draft_of(partner_a)
    with partner_scope(partner_a):
        fund_for_period(partner=partner_a, day=timezone.localdate() - timedelta(days=365))
    assert {url: _count(api_client, url) for url in (ACTIVITIES, FUNDS)} == few
    assert len(api_client.get(ACTIVITIES).json()["results"]) == 10
    assert len(api_client.get(FUNDS).json()["results"]) == 2


def test_balances_without_a_fund(api_client, bearer, partner_b, admin_b):
    balances = api_client.get(BALANCES, **bearer(admin_b)).json()
    assert balances == {"currency": "JPY", "allocated": "0.00", "reserved": "0.00", "approved": "0.00",
                        "paid": "0.00", "approved_unpaid": "0.00", "available": "0.00"}


def test_manager_of_partner_is_staff_not_partner(api_client, bearer, partner_a):
    """Staff have no partner membership: the partner endpoints answer 404 (no partner to act for)."""
    assert_error(api_client.get(ACTIVITIES, **bearer(manager_of(partner_a))), 404)


@pytest.mark.parametrize("path", [
    f"/api/v1/mdf/activities/{'9' * 30}/", f"/api/v1/mdf/activities/{'9' * 30}/claim/", "/api/v1/mdf/activities/abc/",
    f"/api/v1/mdf/funds/{'9' * 30}/", f"/api/v1/mdf/activities/1/claim/proofs/{'9' * 30}/",
    f"/api/v1/staff/mdf/claims/{'9' * 30}/", "/api/v1/mdf/activities/?page=abc",
])
def test_malformed_ids_answer_404(api_client, bearer, admin_a, operator, path):
    user = operator if "/staff/" in path else admin_a
    method = api_client.delete if "/proofs/" in path else api_client.get
    assert_error(method(path, **bearer(user)), 404)


def test_malformed_filters_answer_400(api_client, bearer, operator):
    headers = bearer(operator)
    assert_error(api_client.get("/api/v1/staff/mdf/claims/", {"partner": "9" * 30}, **headers), 400, "invalid")
    assert_error(api_client.get("/api/v1/staff/mdf/activities/", {"status": "x"}, **headers), 400, "invalid")
