"""Every dashboard figure against the hand-computed fixture of tests/analytics/dashboards_helpers.py."""

from decimal import Decimal

import pytest

from analytics.dashboards.filters import Filters, default_quarters
from analytics.dashboards.selectors import dashboard_for, tier_labels, tiers_all
from analytics.periods import last_quarters
from tests.analytics.dashboards_helpers import OLD, Q1, Q2, TODAY, build_world


@pytest.fixture
def world(partner_a, partner_b, region_a, region_b):
    data = build_world(partner_a, partner_b, region_a)
    data["regions"] = [region_b, region_a]  # by name: APAC, EMEA
    return data


def board(world, **overrides):
    regions = world["regions"]
    values = {"region_ids": tuple(r.pk for r in regions), "quarters": default_quarters(TODAY)}
    values.update(overrides)
    return dashboard_for(filters=Filters(**values), regions=regions, tiers=tier_labels(tiers_all()), language="en")


def kpi(dashboard, label):
    return next(k["value"] for k in dashboard.kpis if k["label"] == label)


def rows(dashboard, panel, **match):
    return [r for r in dashboard.panels[panel].rows if all(r[k] == v for k, v in match.items())]


def one(dashboard, panel, **match):
    found = rows(dashboard, panel, **match)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.django_db
def test_key_figures(world):
    d = board(world)
    assert kpi(d, "Sourced revenue") == Decimal("3650.00")        # 1000 + 250 + 400 + 2000 (not the old 99999)
    assert kpi(d, "Influenced revenue") == Decimal("1600.00")     # 500 + 100 + 1000
    assert kpi(d, "Open pipeline") == Decimal("9000.00")          # 5000 + 1000 + 3000
    assert kpi(d, "Approval rate") == 65.2                         # 15 approved / 23 decided
    assert kpi(d, "Median time to decision") == 27.0               # 12th of 23 decisions: bucket 24-48 h
    assert kpi(d, "ROPI") == 6.67                                  # 4000 attributed / 600 spent
    assert kpi(d, "Average health") == 40.7                        # (35 + 72 + 15) / 3
    assert kpi(d, "Partners at risk") == 2
    assert kpi(d, "PSAT average") == 7.7                           # 54 / 7
    assert kpi(d, "Active partners") == 66.7                       # Alpha and Beta of three


@pytest.mark.django_db
def test_regions_side_by_side(world):
    d = board(world)
    assert [r["region"] for r in d.panels["regions"].rows] == ["APAC", "EMEA"]
    emea = one(d, "regions", region="EMEA")
    assert emea == {
        "region": "EMEA", "region_code": "emea", "region_id": world["alpha"].region_id, "partners": 2,
        "sourced": Decimal("1650.00"), "influenced": Decimal("600.00"), "pipeline": Decimal("6000.00"),
        "approval_rate": 73.3, "mdf_spent": Decimal("400.00"), "ropi": 7.5, "avg_health": 53.5, "at_risk": 1,
        "psat": 7.3, "active_pct": 50.0,
    }
    apac = one(d, "regions", region="APAC")
    assert (apac["sourced"], apac["influenced"], apac["approval_rate"], apac["ropi"], apac["psat"],
            apac["active_pct"], apac["avg_health"]) == (Decimal("2000.00"), Decimal("1000.00"), 50.0, 5.0, 8.0,
                                                        100.0, 15.0)


@pytest.mark.django_db
def test_revenue_by_quarter_and_region(world):
    d = board(world)
    assert len(d.panels["revenue"].rows) == 8  # 4 quarters x 2 regions, empty cells as zeros
    q1_emea = one(d, "revenue", quarter=Q1, region="EMEA")
    assert (q1_emea["sourced"], q1_emea["influenced"], q1_emea["total"]) == (
        Decimal("1000.00"), Decimal("500.00"), Decimal("1500.00"))
    q2_emea = one(d, "revenue", quarter=Q2, region="EMEA")
    assert (q2_emea["sourced"], q2_emea["influenced"]) == (Decimal("650.00"), Decimal("100.00"))
    assert one(d, "revenue", quarter=Q2, region="APAC")["sourced"] == Decimal("0.00")
    chart = d.panels["revenue"].chart
    assert chart["stacked"] and len(chart["datasets"]) == 4
    emea_sourced = next(s for s in chart["datasets"] if s["label"] == "EMEA: sourced")
    assert emea_sourced["data"] == [0.0, 0.0, 1000.0, 650.0] and emea_sourced["stack"] == "emea"


@pytest.mark.django_db
def test_registrations_and_median_decision(world):
    d = board(world)
    q1_emea = one(d, "registrations", quarter=Q1, region="EMEA")
    assert (q1_emea["submitted"], q1_emea["approved"], q1_emea["rejected"], q1_emea["approval_rate"],
            q1_emea["median_hours"]) == (10, 6, 2, 75.0, 6.0)
    assert one(d, "registrations", quarter=Q1, region="APAC")["median_hours"] == 60.0
    q2_emea = one(d, "registrations", quarter=Q2, region="EMEA")
    assert (q2_emea["submitted"], q2_emea["approved"], q2_emea["rejected"], q2_emea["approval_rate"],
            q2_emea["median_hours"]) == (10, 5, 2, 71.4, 27.0)
    q2_apac = one(d, "registrations", quarter=Q2, region="APAC")
    assert (q2_apac["submitted"], q2_apac["approval_rate"], q2_apac["median_hours"]) == (0, None, None)


@pytest.mark.django_db
def test_pipeline_by_stage(world):
    d = board(world)
    assert [(r["stage"], r["region"], r["deals"], r["amount"]) for r in d.panels["pipeline"].rows] == [
        ("Submitted", "APAC", 2, Decimal("3000.00")), ("Submitted", "EMEA", 2, Decimal("2000.00")),
        ("Approved", "EMEA", 2, Decimal("4000.00")),
    ]


@pytest.mark.django_db
def test_time_to_first_value_by_cohort(world):
    d = board(world)
    assert d.panels["ttv"].rows == [
        {"cohort": Q1, "activated": 2, "registered": 2, "days_to_registration": 15.0, "won": 1, "days_to_win": 40.0},
        {"cohort": Q2, "activated": 1, "registered": 1, "days_to_registration": 5.0, "won": 1, "days_to_win": 30.0},
    ]


@pytest.mark.django_db
def test_tiers_grace_and_movements(world):
    d = board(world)
    assert [(r["tier"], r["region"], r["partners"], r["in_grace"]) for r in d.panels["tiers"].rows] == [
        ("Gold (Sell-through)", "APAC", 1, 0), ("Gold (Sell-through)", "EMEA", 1, 0),
        ("Silver (Sell-through)", "EMEA", 1, 1),
    ]
    assert one(d, "tier_movements", quarter=Q1, region="EMEA")["promotions"] == 1
    assert one(d, "tier_movements", quarter=Q2, region="EMEA")["demotions"] == 1
    assert one(d, "tier_movements", quarter=Q2, region="APAC") == {"quarter": Q2, "region": "APAC", "promotions": 0,
                                                                   "demotions": 0}


@pytest.mark.django_db
def test_mdf_and_ropi(world):
    d = board(world)
    assert one(d, "mdf", region="EMEA") == {
        "region": "EMEA", "allocated": Decimal("1500.00"), "reserved": Decimal("500.00"), "spent": Decimal("400.00"),
        "paid": Decimal("300.00"), "attributed": Decimal("3000.00"), "ropi": 7.5}
    apac = one(d, "mdf", region="APAC")
    assert (apac["allocated"], apac["spent"], apac["paid"], apac["ropi"]) == (
        Decimal("800.00"), Decimal("200.00"), Decimal("100.00"), 5.0)


@pytest.mark.django_db
def test_health_distribution_and_at_risk_list(world):
    d = board(world)
    emea = one(d, "health", region="EMEA")
    assert [emea[f"b{i}"] for i in range(5)] == [0, 1, 0, 1, 0] and emea["avg"] == 53.5 and emea["at_risk"] == 1
    assert [one(d, "health", region="APAC")[f"b{i}"] for i in range(5)] == [1, 0, 0, 0, 0]
    at_risk = d.panels["at_risk"].rows
    assert [(r["partner"], r["score"], r["change"]) for r in at_risk] == [
        ("Beta Solutions KK", 15, -5), ("Alpha Systems GmbH", 35, -20)]
    assert "below the at-risk threshold" in at_risk[0]["reasons"]
    # Alpha's reasons come from its latest score (today's), not yesterday's.
    assert "Pipeline growth" in at_risk[1]["reasons"] and "40%" in at_risk[1]["reasons"]
    assert "fell 20 points" in at_risk[1]["reasons"]


@pytest.mark.django_db
def test_psat_engagement_and_training(world):
    d = board(world)
    assert one(d, "psat", quarter=Q1, region="EMEA") == {
        "quarter": Q1, "region": "EMEA", "responses": 2, "average": 8.5, "promoters": 1, "detractors": 0,
        "net": 50.0}
    assert one(d, "psat", quarter=Q2, region="EMEA")["net"] == -100.0
    assert one(d, "psat", quarter=Q2, region="APAC")["average"] is None
    psat_chart = d.panels["psat"].chart
    assert psat_chart["kind"] == "line"
    assert next(s for s in psat_chart["datasets"] if s["label"] == "APAC")["data"] == [None, None, 8.0, None]
    assert one(d, "engagement", region="EMEA") == {"region": "EMEA", "partners": 2, "active": 1, "active_pct": 50.0,
                                                   "certifications": 4, "expiring": 1}
    assert one(d, "training", quarter=Q2, region="EMEA") == {"quarter": Q2, "region": "EMEA", "completions": 3,
                                                             "awarded": 1}


@pytest.mark.django_db
def test_filters_country_type_tier_and_period(world):
    france = board(world, country="FR")
    assert kpi(france, "Sourced revenue") == Decimal("400.00") and kpi(france, "Influenced revenue") == Decimal("100.00")
    assert one(france, "regions", region="EMEA")["partners"] == 1
    integrators = board(world, partner_type="system_integrator")
    assert kpi(integrators, "Sourced revenue") == Decimal("400.00")
    gold = board(world, tier_id=world["tiers"]["gold"].pk)
    assert kpi(gold, "Sourced revenue") == Decimal("3250.00") and kpi(gold, "Partners at risk") == 2
    one_quarter = board(world, quarters=(Q1,))
    assert kpi(one_quarter, "Sourced revenue") == Decimal("3000.00")
    assert [r["cohort"] for r in one_quarter.panels["ttv"].rows] == [Q1]
    five = board(world, quarters=tuple(last_quarters(TODAY, 5)))
    assert five.quarters[0] == OLD and kpi(five, "Sourced revenue") == Decimal("103649.00")


@pytest.mark.django_db
def test_region_filter_limits_every_panel(world):
    emea_only = board(world, region_ids=(world["alpha"].region_id,))
    assert [r["region"] for r in emea_only.panels["regions"].rows] == ["EMEA"]
    assert kpi(emea_only, "Sourced revenue") == Decimal("1650.00")
    assert {r["region"] for r in emea_only.panels["pipeline"].rows} == {"EMEA"}
    assert [r["partner"] for r in emea_only.panels["at_risk"].rows] == ["Alpha Systems GmbH"]
    nothing = board(world, region_ids=())
    assert kpi(nothing, "Sourced revenue") == Decimal("0") and nothing.panels["at_risk"].rows == []
