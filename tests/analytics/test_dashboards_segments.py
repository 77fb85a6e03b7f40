"""The dashboards over the segment sums: a partner that moves region takes its history along (documented in
analytics.rollups.segments), figures follow a rebuild, and the page states how fresh the sums are."""

from decimal import Decimal

import pytest
from django.urls import reverse

from analytics.dashboards.filters import Filters, default_quarters
from analytics.dashboards.selectors import dashboard_for, tier_labels, tiers_all
from analytics.models import PartnerSnapshot
from prm.tenancy.scoping import partner_scope
from tests.analytics.dashboards_helpers import Q1, Q2, TODAY, build_world, segments


@pytest.fixture
def world(partner_a, partner_b, region_a, region_b):
    data = build_world(partner_a, partner_b, region_a)
    data["regions"] = [region_b, region_a]  # by name: APAC, EMEA
    return data


def board(world):
    regions = world["regions"]
    filters = Filters(region_ids=tuple(r.pk for r in regions), quarters=default_quarters(TODAY))
    return dashboard_for(filters=filters, regions=regions, tiers=tier_labels(tiers_all()), language="en")


def region_row(dashboard, name):
    return next(r for r in dashboard.panels["regions"].rows if r["region"] == name)


def cell(dashboard, panel, **match):
    return next(r for r in dashboard.panels[panel].rows if all(r[k] == v for k, v in match.items()))


def kpi(dashboard, label):
    return next(k["value"] for k in dashboard.kpis if k["label"] == label)


@pytest.mark.django_db
def test_a_partner_that_moves_region_is_counted_there_with_its_history(world, region_b):
    before = board(world)
    assert region_row(before, "EMEA")["sourced"] == Decimal("1650.00")
    # Gamma (EMEA, FR: Q2 sourced 400, influenced 100, open pipeline 1000 approved) moves to APAC: the next refresh
    # copies its new region into its snapshot; the rebuild groups all its quarters by it.
    gamma = world["gamma"]
    with partner_scope(gamma):
        PartnerSnapshot.objects.filter(partner=gamma).update(region=region_b, country="JP")
    segments()
    after = board(world)
    emea, apac = region_row(after, "EMEA"), region_row(after, "APAC")
    assert (emea["partners"], emea["sourced"], emea["influenced"], emea["pipeline"]) == (
        1, Decimal("1250.00"), Decimal("500.00"), Decimal("5000.00"))
    assert (apac["partners"], apac["sourced"], apac["influenced"], apac["pipeline"]) == (
        2, Decimal("2400.00"), Decimal("1100.00"), Decimal("4000.00"))
    assert cell(after, "revenue", quarter=Q2, region="APAC")["sourced"] == Decimal("400.00")
    assert cell(after, "revenue", quarter=Q2, region="EMEA")["sourced"] == Decimal("250.00")
    assert cell(after, "registrations", quarter=Q2, region="APAC")["submitted"] == 6
    assert cell(after, "tier_movements", quarter=Q2, region="APAC")["demotions"] == 1
    assert cell(after, "pipeline", stage="Approved", region="APAC")["amount"] == Decimal("1000.00")
    assert cell(after, "health", region="APAC")["b3"] == 1  # Gamma's 72
    assert cell(after, "tiers", tier="Silver (Sell-through)", region="APAC")["in_grace"] == 1
    # Totals over both regions do not change: the history moved, nothing was lost or counted twice.
    for label in ("Sourced revenue", "Influenced revenue", "Open pipeline", "Approval rate", "Median time to decision",
                  "ROPI", "Average health", "Partners at risk", "PSAT average", "Active partners"):
        assert kpi(after, label) == kpi(before, label), label
    # Time to first value is read per partner: unchanged by the move (no region split in that panel).
    assert after.panels["ttv"].rows == before.panels["ttv"].rows


@pytest.mark.django_db
def test_figures_follow_the_rebuild_not_the_partner_rows(world):
    gamma = world["gamma"]
    with partner_scope(gamma):
        PartnerSnapshot.objects.filter(partner=gamma).update(open_pipeline_base=Decimal("7000.00"))
    assert kpi(board(world), "Open pipeline") == Decimal("9000.00")   # the sums as of the last rebuild
    segments()
    assert kpi(board(world), "Open pipeline") == Decimal("15000.00")  # 5000 + 7000 + 3000


@pytest.mark.django_db
def test_the_page_lists_the_segment_rebuild_among_the_refreshes(client, operator, world):
    client.force_login(operator)
    response = client.get(reverse("analytics:dashboard"))
    states = {s["name"]: s for s in response.context["dashboard"].freshness}
    assert states["segments"]["partners"] == 3
    assert states["segments"]["label"] == "Dashboard sums (by region, country, partner type and tier)"
    assert "Dashboard sums" in response.content.decode()
    assert Q1 in response.context["dashboard"].quarters
