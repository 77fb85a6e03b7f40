"""Analytics in the API: the partner's KPIs and health (GET /api/v1/kpis/, /api/v1/health/), staff KPIs by region
(GET /api/v1/staff/kpis/regions/[<code>/]) and a partner's health for staff (GET /api/v1/staff/health/<id>/).
Hand-built rollups; isolation between partners and regions; fixed query counts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from analytics.periods import last_quarters, quarter_label
from analytics.rollups.segments import rebuild_segments
from prm.accounts.services import api_token_create
from tests.analytics import home_helpers as h
from tests.api.helpers import assert_error
from tests.factories import PartnerFactory, RegionFactory

pytestmark = pytest.mark.django_db
KPIS, HEALTH = "/api/v1/kpis/", "/api/v1/health/"
REGIONS, STAFF_HEALTH = "/api/v1/staff/kpis/regions/", "/api/v1/staff/health/"


@pytest.fixture
def api():
    return APIClient()


def bearer(user) -> dict:
    _, raw_key = api_token_create(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw_key}"}


def ok(response) -> dict | list:
    assert response.status_code == 200, response.content
    return response.json()


# --- the partner's own figures -------------------------------------------------------------------------------------


def test_partner_kpis_from_the_rollups(api, partner_a, user_a):
    refreshed = timezone.now() - timedelta(hours=3)
    h.snapshot(partner_a, refreshed_at=refreshed, open_deals=7, protected_deals=4, expiring_deals_7d=1,
               open_pipeline_base=Decimal("125000.00"), won_revenue_ttm_base=Decimal("480250.50"),
               influenced_revenue_ttm_base=Decimal("35000.00"), won_deals_ttm=9, active_certifications=3,
               mdf_available_base=Decimal("6000.00"), mdf_pending_claims=2)
    quarters = last_quarters(h.today(), 4)
    h.quarter_fact(partner_a, quarters[3], sourced_won_base=Decimal("12000.00"), influenced_won_base=Decimal("3000.00"),
                   registrations_submitted=5, registrations_approved=3, registrations_rejected=1,
                   mdf_spent_base=Decimal("750.00"), course_completions=2, won_deals=1)
    h.quarter_fact(partner_a, quarters[0] - timedelta(days=1), sourced_won_base=Decimal("99.00"))  # a fifth quarter
    h.health(partner_a, score=40, previous=55)
    body = ok(api.get(KPIS, **bearer(user_a)))
    assert body["currency"] == "EUR"
    snapshot = body["snapshot"]
    assert (snapshot["open_deals"], snapshot["protected_deals"], snapshot["won_deals_ttm"]) == (7, 4, 9)
    assert (snapshot["open_pipeline"], snapshot["won_revenue_ttm"], snapshot["influenced_revenue_ttm"]) == (
        "125000.00", "480250.50", "35000.00")
    assert (snapshot["mdf_available"], snapshot["mdf_pending_claims"]) == ("6000.00", 2)
    assert body["as_of"] == snapshot["refreshed_at"]
    assert [q["quarter"] for q in body["quarters"]] == [quarter_label(q) for q in quarters]
    latest = body["quarters"][3]
    assert (latest["sourced_won"], latest["influenced_won"], latest["mdf_spent"]) == ("12000.00", "3000.00", "750.00")
    assert (latest["registrations_submitted"], latest["approval_rate"], latest["course_completions"]) == (5, "75.0", 2)
    assert body["quarters"][0] == {**body["quarters"][0], "sourced_won": "0.00", "approval_rate": None}
    health = body["health"]
    assert (health["score"], health["previous_score"], health["change"], health["at_risk"]) == (40, 55, -15, True)
    assert health["reasons"] == [{"code": "pipeline_growth", "label": "Pipeline growth"}]


def test_partner_kpis_before_the_first_refresh(api, partner_a, user_a):
    body = ok(api.get(KPIS, **bearer(user_a)))
    assert body["snapshot"] is None and body["as_of"] is None
    assert len(body["quarters"]) == 4 and all(q["registrations_submitted"] == 0 for q in body["quarters"])
    assert body["health"]["score"] is None and body["health"]["components"] == []


def test_health_with_its_components_explained(api, partner_a, user_a):
    h.health(partner_a)
    health = ok(api.get(HEALTH, **bearer(user_a)))
    assert health["partner_id"] == partner_a.pk and health["day"] == h.today().isoformat()
    components = {c["code"]: c for c in health["components"]}
    assert list(components) == ["login_recency", "certifications", "pipeline_growth"]  # the model's order
    assert components["pipeline_growth"] == {
        "code": "pipeline_growth", "label": "Pipeline growth", "points": 0.0, "weight": 40.0, "value": -40.0,
        "previous": 10.0, "message": "Pipeline fell 40% compared with the 90 days before."}
    assert [f["code"] for f in health["improvements"]] == ["pipeline_growth", "certifications"]
    assert health["improvements"][1]["message"] == "Earn 1 more certification."


def test_another_partners_figures_are_never_returned(api, partner_a, partner_b, user_a, user_b):
    h.snapshot(partner_a, open_deals=71)
    h.snapshot(partner_b, open_deals=12)
    h.health(partner_a, score=33)
    assert ok(api.get(KPIS, **bearer(user_b)))["snapshot"]["open_deals"] == 12
    assert ok(api.get(HEALTH, **bearer(user_b)))["score"] is None
    # Naming the other partner is answered like a partner that does not exist.
    assert_error(api.get(KPIS, HTTP_X_PARTNER_ID=str(partner_a.pk), **bearer(user_b)), 404, "not_found")
    assert_error(api.get(HEALTH, HTTP_X_PARTNER_ID=str(partner_a.pk), **bearer(user_b)), 404, "not_found")
    assert ok(api.get(KPIS, **bearer(user_a)))["snapshot"]["open_deals"] == 71


def test_staff_have_no_partner_kpis(api, manager_a, partner_a):
    assert_error(api.get(KPIS, **bearer(manager_a)), 404)


def test_anonymous_gets_401(api, partner_a):
    for url in (KPIS, HEALTH, REGIONS, f"{STAFF_HEALTH}{partner_a.pk}/"):
        assert_error(api.get(url), 401)


# --- staff: regions -------------------------------------------------------------------------------------------


@pytest.fixture
def emea_partners(region_a, partner_a):
    """Two partners in EMEA with snapshots and quarter facts (partner B, in APAC, has its own)."""
    other = PartnerFactory(name="Gamma SARL", region=region_a, country="FR")
    quarter = last_quarters(h.today(), 1)[0]
    h.snapshot(partner_a, open_deals=3, open_pipeline_base=Decimal("1000.00"), won_revenue_ttm_base=Decimal("500.00"),
               influenced_revenue_ttm_base=Decimal("50.00"), mdf_available_base=Decimal("10.00"), health_score=80,
               active_users_30d=2)
    h.snapshot(other, open_deals=4, open_pipeline_base=Decimal("2500.50"), won_revenue_ttm_base=Decimal("250.00"),
               mdf_available_base=Decimal("5.00"), health_score=35, at_risk=True)
    h.quarter_fact(partner_a, quarter, sourced_won_base=Decimal("100.00"), registrations_approved=3,
                   registrations_rejected=1)
    h.quarter_fact(other, quarter, sourced_won_base=Decimal("40.00"), registrations_approved=1,
                   registrations_rejected=3)
    rebuild_segments()  # the regional KPIs read the segment sums, as the dashboards do
    return partner_a, other


@pytest.fixture
def apac_partner(partner_b):
    h.snapshot(partner_b, open_deals=100, open_pipeline_base=Decimal("999999.00"), health_score=10)
    h.quarter_fact(partner_b, last_quarters(h.today(), 1)[0], sourced_won_base=Decimal("77777.00"))
    rebuild_segments()
    return partner_b


def test_manager_sees_own_regions_figures_summed_by_hand(api, manager_a, emea_partners, apac_partner):
    rows = ok(api.get(REGIONS, **bearer(manager_a)))
    assert [row["region"]["code"] for row in rows] == ["emea"]
    (row,) = rows
    assert (row["partners"], row["active_partners"], row["at_risk_partners"]) == (2, 1, 1)
    assert (row["open_deals"], row["open_pipeline"], row["won_revenue_ttm"]) == (7, "3500.50", "750.00")
    assert (row["influenced_revenue_ttm"], row["mdf_available"]) == ("50.00", "15.00")
    assert row["average_health"] == "57.5" and row["currency"] == "EUR"  # (80 + 35) / 2
    latest = row["quarters"][-1]
    assert (latest["sourced_won"], latest["registrations_approved"], latest["approval_rate"]) == ("140.00", 4, "50.0")
    assert row["as_of"] is not None


def test_region_detail_and_other_regions_answer_404(api, manager_a, executive_a, emea_partners, apac_partner):
    assert ok(api.get(f"{REGIONS}emea/", **bearer(manager_a)))["open_deals"] == 7
    assert ok(api.get(f"{REGIONS}emea/", **bearer(executive_a)))["open_deals"] == 7
    for code in ("apac", "nowhere"):
        assert_error(api.get(f"{REGIONS}{code}/", **bearer(manager_a)), 404, "not_found")


def test_operator_sees_every_region(api, operator, emea_partners, apac_partner):
    rows = {row["region"]["code"]: row for row in ok(api.get(REGIONS, **bearer(operator)))}
    assert set(rows) == {"emea", "apac"}
    assert rows["apac"]["open_pipeline"] == "999999.00" and rows["apac"]["quarters"][-1]["sourced_won"] == "77777.00"
    assert ok(api.get(f"{REGIONS}apac/", **bearer(operator)))["open_deals"] == 100


def test_a_region_without_rollups_has_zeros(api, manager_a, region_a):
    (row,) = ok(api.get(REGIONS, **bearer(manager_a)))
    assert (row["partners"], row["open_pipeline"], row["average_health"], row["as_of"]) == (0, "0.00", None, None)


def test_partner_users_get_403_on_staff_endpoints(api, admin_a, partner_a):
    for url in (REGIONS, f"{REGIONS}emea/", f"{STAFF_HEALTH}{partner_a.pk}/"):
        assert_error(api.get(url, **bearer(admin_a)), 403, "permission_denied")


# --- staff: a partner's health -----------------------------------------------------------------------------------


def test_staff_read_health_of_partners_in_their_regions_only(api, manager_a, operator, partner_a, partner_b):
    h.health(partner_a)
    h.health(partner_b, score=12)
    body = ok(api.get(f"{STAFF_HEALTH}{partner_a.pk}/", **bearer(manager_a)))
    assert body["score"] == 40 and body["components"][2]["message"].startswith("Pipeline fell 40%")
    assert_error(api.get(f"{STAFF_HEALTH}{partner_b.pk}/", **bearer(manager_a)), 404, "not_found")
    assert_error(api.get(f"{STAFF_HEALTH}999999/", **bearer(manager_a)), 404, "not_found")
    assert ok(api.get(f"{STAFF_HEALTH}{partner_b.pk}/", **bearer(operator)))["score"] == 12
    assert_error(api.get(f"{STAFF_HEALTH}999999/", **bearer(operator)), 404, "not_found")


def test_staff_health_before_the_first_score(api, manager_a, partner_a):
    body = ok(api.get(f"{STAFF_HEALTH}{partner_a.pk}/", **bearer(manager_a)))
    assert body == {**body, "partner_id": partner_a.pk, "score": None, "components": [], "improvements": []}


# --- cost -----------------------------------------------------------------------------------------------------------


def queries_for(api, url, headers) -> int:
    api.get(url, **headers)
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url, **headers).status_code == 200
    return len(queries.captured_queries)


def test_partner_endpoints_cost_the_same_with_one_quarter_or_many(api, partner_a, user_a):
    headers = bearer(user_a)
    h.snapshot(partner_a)
    h.health(partner_a)
    h.quarter_fact(partner_a, last_quarters(h.today(), 1)[0])
    few = {url: queries_for(api, url, headers) for url in (KPIS, HEALTH)}
    for quarter in last_quarters(h.today(), 12)[:-1]:
        h.quarter_fact(partner_a, quarter, registrations_submitted=2)
    many = {url: queries_for(api, url, headers) for url in (KPIS, HEALTH)}
    assert many == few and few[KPIS] <= 12, few


def test_region_kpis_cost_the_same_with_one_partner_or_many(api, manager_a, region_a, partner_a):
    headers = bearer(manager_a)
    h.snapshot(partner_a)
    rebuild_segments()
    few = queries_for(api, REGIONS, headers)
    quarter = last_quarters(h.today(), 1)[0]
    for n in range(15):
        partner = PartnerFactory(region=region_a, name=f"Extra {n}")
        h.snapshot(partner, open_deals=n)
        h.quarter_fact(partner, quarter, registrations_submitted=n)
    RegionFactory(code="latam", name="LATAM")  # not the manager's: changes nothing
    rebuild_segments()
    many = queries_for(api, REGIONS, headers)
    assert many == few and few <= 12, (few, many)
    (row,) = ok(api.get(REGIONS, **headers))
    assert row["partners"] == 16 and row["quarters"][-1]["registrations_submitted"] == sum(range(15))


def test_the_schema_documents_the_endpoints(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert {"/api/v1/kpis/", "/api/v1/health/", "/api/v1/staff/kpis/regions/", "/api/v1/staff/kpis/regions/{code}/",
            "/api/v1/staff/health/{partner_id}/"} <= set(paths)
    assert {"200", "401", "404"} <= set(paths["/api/v1/kpis/"]["get"]["responses"])
    assert [p["name"] for p in paths["/api/v1/kpis/"]["get"]["parameters"] if p["in"] == "header"] == ["X-Partner-Id"]
    assert "404" in paths["/api/v1/staff/health/{partner_id}/"]["get"]["responses"]
