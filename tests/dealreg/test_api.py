"""The deal registration API: CRUD of the caller's own registrations with the portal's rules, idempotent create,
submit / withdraw / extensions, a boolean conflict flag, errors in the API's body and in the OpenAPI schema."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from dealreg.models import Deal
from partners.models import Membership
from prm.accounts.services import api_token_create
from prm.tenancy.scoping import partner_scope
from tests.api.helpers import assert_error
from tests.factories import make_member

from .registration_helpers import approved, days_from_today, draft, product, submitted

pytestmark = pytest.mark.django_db

LIST = "/api/v1/deals/"


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def bearer():
    """``bearer(user)`` -> headers with a fresh personal token of that user (as in tests/api)."""

    def make(user):
        _, raw_key = api_token_create(user=user, name="test")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}

    return make


def payload(**overrides) -> dict:
    product("core")
    data = {
        "customer_name": "Dunder Mifflin Paper", "customer_domain": "dundermifflin.com", "customer_country": "US",
        "products": ["core"], "value": "45000.00", "currency": "USD",
        "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat(), "stage": "negotiation",
    }
    data.update(overrides)
    return data


def test_create_draft_then_submit(api_client, bearer, admin_a, partner_a):
    headers = bearer(admin_a)
    created = api_client.post(LIST, {"customer_name": "Dunder Mifflin"}, format="json", **headers)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "draft" and body["reference"].startswith("DR-") and body["has_conflict"] is False
    url = reverse("api:deal-detail", args=[body["id"]])
    invalid = api_client.post(reverse("api:deal-submit", args=[body["id"]]), format="json", **headers)
    error = assert_error(invalid, 400, "invalid")
    assert {"customer_country", "customer_domain", "value", "expected_close_date", "products"} <= set(error["fields"])
    patched = api_client.patch(url, payload(), format="json", **headers)
    assert patched.status_code == 200 and patched.json()["products"] == ["core"]
    submitted_ = api_client.post(reverse("api:deal-submit", args=[body["id"]]), format="json", **headers)
    assert submitted_.status_code == 200 and submitted_.json()["status"] == "submitted"
    assert submitted_.json()["registered_at"]


def test_create_and_submit_at_once_is_idempotent(api_client, bearer, admin_a, partner_a):
    headers = {**bearer(admin_a), "HTTP_IDEMPOTENCY_KEY": "4b8e0c1e-retry"}
    first = api_client.post(LIST, {**payload(), "submit": True}, format="json", **headers)
    again = api_client.post(LIST, {**payload(), "submit": True}, format="json", **headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["status"] == "submitted"
    with partner_scope(partner_a):
        assert Deal.objects.filter(partner=partner_a).count() == 1


def test_conflict_flag_is_a_boolean_and_nothing_more(api_client, bearer, admin_a, partner_a, partner_b):
    from decimal import Decimal

    theirs = submitted(partner_b, customer_name="Dunder Mifflin", customer_domain="dundermifflin.com",
                       value=Decimal("777111"))
    response = api_client.post(LIST, {**payload(), "submit": True}, format="json", **bearer(admin_a))
    body = response.json()
    assert body["has_conflict"] is True
    assert "conflict_score" not in body
    text = response.content.decode()
    for secret in (partner_b.name, "777111", theirs.registered_by.email, f'"id": {theirs.pk},'):
        assert secret not in text


def test_list_is_own_only_filtered_and_searchable(api_client, bearer, admin_a, partner_a, partner_b):
    mine = submitted(partner_a, customer_name="Vance Refrigeration", customer_domain="vance.com")
    draft(partner_a, customer_name="Bob Vance Vending", customer_domain="vending.com")
    submitted(partner_b, customer_name="Scranton Business Park", customer_domain="sbp.com")
    headers = bearer(admin_a)
    everything = api_client.get(LIST, **headers).json()
    assert {d["customer_name"] for d in everything["results"]} == {"Vance Refrigeration", "Bob Vance Vending"}
    only_submitted = api_client.get(LIST, {"status": "submitted"}, **headers).json()
    assert [d["id"] for d in only_submitted["results"]] == [mine.pk]
    searched = api_client.get(LIST, {"q": "vending"}, **headers).json()
    assert [d["customer_name"] for d in searched["results"]] == ["Bob Vance Vending"]
    assert_error(api_client.get(LIST, {"status": "nonsense"}, **headers), 400, "invalid")


def test_list_query_count_is_constant(api_client, admin_a, partner_a, django_assert_max_num_queries):
    api_client.force_login(admin_a)
    draft(partner_a)
    api_client.get(LIST)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        api_client.get(LIST)
    for _ in range(15):
        draft(partner_a)
    with django_assert_max_num_queries(len(few)):
        assert len(api_client.get(LIST).json()["results"]) == 16


def test_update_rules_match_the_portal(api_client, bearer, admin_a, partner_a):
    deal = approved(partner_a)
    headers = bearer(admin_a)
    url = reverse("api:deal-detail", args=[deal.pk])
    calm = api_client.patch(url, {"stage": "commit"}, format="json", **headers)
    assert calm.json()["status"] == "approved"
    material = api_client.patch(url, {"customer_domain": "a-new-customer.com"}, format="json", **headers)
    assert material.json()["status"] == "submitted"
    assert_error(api_client.delete(url, **headers), 400, "invalid")  # only drafts are deleted
    withdrawn = api_client.post(reverse("api:deal-withdraw", args=[deal.pk]), {"reason": "x"}, format="json",
                                **headers)
    assert withdrawn.json()["status"] == "withdrawn"
    assert_error(api_client.patch(url, {"stage": "proposal"}, format="json", **headers), 400, "invalid")


def test_delete_a_draft(api_client, bearer, admin_a, partner_a):
    deal = draft(partner_a)
    assert api_client.delete(reverse("api:deal-detail", args=[deal.pk]), **bearer(admin_a)).status_code == 204
    with partner_scope(partner_a):
        assert not Deal.objects.filter(pk=deal.pk).exists()


def test_writing_needs_the_capability(api_client, bearer, partner_a):
    reader = make_member(partner=partner_a, role=Membership.Role.USER, can_register_deals=False).user
    deal = approved(partner_a)
    headers = bearer(reader)
    assert api_client.get(LIST, **headers).status_code == 200
    assert_error(api_client.post(LIST, payload(), format="json", **headers), 403, "permission_denied")
    assert_error(api_client.patch(reverse("api:deal-detail", args=[deal.pk]), {"stage": "commit"}, format="json",
                                  **headers), 403)
    extensions = reverse("api:deal-extensions", args=[deal.pk])
    assert api_client.get(extensions, **headers).status_code == 200
    assert_error(api_client.post(extensions, {"reason": "Customer needs more time."}, format="json", **headers), 403)


def test_extensions(api_client, bearer, admin_a, partner_a):
    deal = approved(partner_a)
    with partner_scope(partner_a):
        Deal.objects.filter(pk=deal.pk).update(protected_until=days_from_today(7))
    url = reverse("api:deal-extensions", args=[deal.pk])
    headers = bearer(admin_a)
    assert_error(api_client.post(url, {"reason": "short"}, format="json", **headers), 400, "invalid")
    created = api_client.post(url, {"reason": "The customer's board meets next month."}, format="json", **headers)
    assert created.status_code == 201 and created.json()["status"] == "pending"
    listed = api_client.get(url, **headers).json()
    assert [e["id"] for e in listed] == [created.json()["id"]]


def test_products_catalogue(api_client, bearer, admin_a):
    product("core")
    product("retired", active=False)
    codes = [p["code"] for p in api_client.get("/api/v1/deal-products/", **bearer(admin_a)).json()["results"]]
    assert "core" in codes and "retired" not in codes


def test_schema_describes_the_deal_endpoints_and_their_errors(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert {"/api/v1/deals/", "/api/v1/deals/{id}/", "/api/v1/deals/{id}/submit/", "/api/v1/deals/{id}/withdraw/",
            "/api/v1/deals/{id}/extensions/", "/api/v1/deal-products/"} <= set(paths)
    assert {"201", "200", "400", "403"} <= set(paths["/api/v1/deals/"]["post"]["responses"])
    assert {"400", "404"} <= set(paths["/api/v1/deals/{id}/submit/"]["post"]["responses"])
    headers = {p["name"] for p in paths["/api/v1/deals/"]["post"]["parameters"] if p["in"] == "header"}
    assert headers == {"X-Partner-Id", "Idempotency-Key"}
    deal_schema = schema["components"]["schemas"]["Deal"]["properties"]
    assert deal_schema["has_conflict"]["type"] == "boolean" and "conflict_score" not in deal_schema
