"""The partner's tier page and API: progress per criterion, at-risk, history, fixed query count, isolation."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from partners.models import TierChange
from partners.tiers import metrics
from prm.tenancy.scoping import partner_scope

from .tier_helpers import (  # noqa: F401 - the *_fixture names register fixtures
    GOLD_FACTS,
    SILVER_FACTS,
    TODAY,
    facts_fixture,
    place,
    program_fixture,
    recalc,
    tiers_fixture,
)

pytestmark = pytest.mark.django_db
TIER_URL = "/portal/tier/"
API_URL = "/api/v1/tier/"


def add_history(partner, tier, n):
    with partner_scope(partner):
        TierChange.objects.bulk_create([
            TierChange(partner=partner, reason=TierChange.Reason.PROMOTED, from_tier=tier, to_tier=tier, as_of=TODAY)
            for _ in range(n)
        ])


def test_page_shows_tier_criteria_next_tier_and_benefits(client, user_a, partner_a, tiers, facts):
    facts[partner_a.pk] = dict(SILVER_FACTS)
    recalc(partner_a)
    client.force_login(user_a)
    response = client.get(TIER_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("partners:tier") == TIER_URL
    progress = response.context["progress"]
    assert progress.tier == tiers["silver"] and progress.next_tier == tiers["gold"]
    revenue = progress.criteria[0]
    assert revenue.metric.code == "won_revenue_ttm" and revenue.met_now and not revenue.met_next
    assert revenue.gap_next == Decimal("350000")
    assert "Silver" in html and "Gold" in html and "120" in html  # protection days of Silver
    assert "not measured yet" not in html


def test_page_says_which_metrics_are_not_measured(client, user_a, partner_a, tiers):
    with metrics.providers({}):
        client.force_login(user_a)
        html = client.get(TIER_URL).content.decode()
    assert "not measured yet" in html
    assert "Won revenue, last 12 months" in html


def test_page_shows_the_grace_period(client, user_a, partner_a, tiers, facts):
    place(partner_a, tiers["gold"])
    facts[partner_a.pk] = dict(SILVER_FACTS)
    recalc(partner_a, on=TODAY)
    client.force_login(user_a)
    response = client.get(TIER_URL)
    assert response.context["progress"].in_grace
    assert "alert--warning" in response.content.decode()


def test_expiring_certifications_are_at_risk_only_with_the_provider(client, user_a, partner_a, tiers, facts):
    place(partner_a, tiers["gold"])
    facts[partner_a.pk] = dict(GOLD_FACTS)  # 6 certifications, Gold needs 5
    client.force_login(user_a)
    assert client.get(TIER_URL).context["progress"].expiry_risk is None  # no provider: nothing said
    with metrics.providers(expiring=lambda ids, within: {pid: 2 for pid in ids}, replace=False):
        response = client.get(TIER_URL, HTTP_ACCEPT_LANGUAGE="en")
    risk = response.context["progress"].expiry_risk
    assert risk.expiring == 2 and risk.remaining == 4 and risk.required == 5 and risk.within_days == 60
    assert "depends on 2 certifications that expire within 60 days" in response.content.decode()
    with metrics.providers(expiring=lambda ids, within: {pid: 1 for pid in ids}, replace=False):
        assert client.get(TIER_URL).context["progress"].expiry_risk is None  # 5 left: still enough


def test_page_query_count_does_not_grow_with_history(client, user_a, partner_a, tiers, facts):
    facts[partner_a.pk] = dict(SILVER_FACTS)
    recalc(partner_a)
    client.force_login(user_a)
    client.get(TIER_URL)  # warm the session and caches

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(TIER_URL).status_code == 200
        return len(queries.captured_queries)

    few = count()
    add_history(partner_a, tiers["silver"], 30)
    assert count() == few


def test_page_without_program(client, user_a, partner_a):
    client.force_login(user_a)
    response = client.get(TIER_URL)
    assert response.status_code == 200
    assert "not part of a tier program" in response.content.decode()


def test_page_never_shows_another_partners_history(client, user_a, partner_a, partner_b, tiers):
    place(partner_b, tiers["platinum"])
    add_history(partner_b, tiers["platinum"], 3)
    client.force_login(user_a)
    response = client.get(TIER_URL)
    assert response.context["history"] == [] and response.context["progress"].tier is None


# --- API ---------------------------------------------------------------------------------------------------

@pytest.fixture
def api():
    return APIClient()


def test_api_returns_tier_progress_and_history(api, user_a, partner_a, tiers, facts):
    facts[partner_a.pk] = dict(SILVER_FACTS)
    recalc(partner_a)
    user_a.preferred_language = "de"
    user_a.save()
    api.force_login(user_a)
    body = api.get(API_URL).json()
    assert body["tier"] == {"code": "silver", "name": "Silber", "rank": 1}
    assert body["next_tier"]["code"] == "gold"
    assert body["benefits"]["deal_protection_days"] == 120 and body["benefits"]["is_default"] is False
    assert [c["metric"] for c in body["criteria"]] == list(metrics.METRIC_CODES)
    assert body["criteria"][0]["met_now"] is True and body["criteria"][0]["met_next"] is False
    assert body["missing_metrics"] == []
    assert [h["reason"] for h in body["history"]] == ["assigned"]
    history = api.get(API_URL + "history/").json()
    assert history["count"] == 1 and history["results"][0]["to_tier"]["code"] == "silver"


def test_api_for_another_partner_is_404(api, user_a, partner_a, partner_b, tiers):
    place(partner_b, tiers["gold"])
    add_history(partner_b, tiers["gold"], 2)
    api.force_login(user_a)
    for url in (API_URL, API_URL + "history/"):
        response = api.get(url, HTTP_X_PARTNER_ID=str(partner_b.pk))
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    own = api.get(API_URL + "history/").json()
    assert own["count"] == 0
    assert api.get(API_URL).json()["tier"] is None


def test_api_needs_a_membership(api, operator):
    api.force_login(operator)
    assert api.get(API_URL).status_code == 404


def test_api_defaults_without_a_tier(api, user_a, partner_a):
    api.force_login(user_a)
    body = api.get(API_URL).json()
    assert body["tier"] is None and body["benefits"]["is_default"] is True
    assert body["benefits"]["deal_protection_days"] == 90


def test_grace_shows_in_the_api(api, user_a, partner_a, tiers, facts):
    place(partner_a, tiers["gold"])
    facts[partner_a.pk] = dict(SILVER_FACTS)
    recalc(partner_a)
    api.force_login(user_a)
    body = api.get(API_URL).json()
    assert body["grace_until"] == (TODAY + timedelta(days=90)).isoformat()
    assert body["tier"]["code"] == "gold" and body["qualified_tier"]["code"] == "silver"
