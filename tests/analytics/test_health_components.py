"""Health components: each raw measurement and its points against hand-computed figures, the scaling of the weights
when components do not apply, and the fixed number of queries per chunk."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics.health import components, scoring
from analytics.health.scoring import growth_fraction, login_fraction
from prm.tenancy.scoping import ScopeError, partner_scope, partners_scope
from tests.factories import PartnerFactory

from .health_helpers import DAY, days_ago, deal, full_fixture, fund, member, model, psat, rate

pytestmark = pytest.mark.django_db


def test_each_raw_component_is_measured_in_its_window(partner_a):
    full_fixture(partner_a)
    with partner_scope(partner_a):
        raw = components.measure([partner_a.pk], DAY)[partner_a.pk]
    assert (raw.members, raw.active_30d, raw.days_since_login) == (4, 1, 3)
    assert raw.completions_90d == 2
    assert raw.certifications == 1
    assert (raw.pipeline_now, raw.pipeline_before) == (Decimal("1900.00"), Decimal("2000"))
    assert (raw.won_12m, raw.lost_12m) == (2, 1)
    assert (raw.mdf_allocated, raw.mdf_used) == (Decimal("1000"), Decimal("500"))
    assert (raw.psat_responses, raw.psat_total) == (2, 14)
    assert raw.downloads_90d == 3


def test_points_of_every_component_with_the_default_model(partner_a):
    full_fixture(partner_a)
    with partner_scope(partner_a):
        scoring.score_partners([partner_a.pk], DAY)
        from analytics.models import HealthScore

        row = HealthScore.objects.get(partner=partner_a, day=DAY)
    c = row.components
    # Weights 15/10/10/15/15/10/10/10/5 sum to 100: nothing to scale.
    assert {code: c[code]["weight"] for code in c} == {
        "login_recency": 15, "active_users": 10, "training": 10, "certifications": 15, "pipeline_growth": 15,
        "win_rate": 10, "mdf_utilisation": 10, "psat": 10, "asset_downloads": 5}
    assert c["login_recency"] == {"value": 3, "previous": None, "points": 15.0, "weight": 15.0}
    assert c["active_users"]["value"] == 25.0 and c["active_users"]["points"] == 2.5
    assert c["active_users"]["detail"] == {"members": 4, "active": 1}
    assert c["training"]["value"] == 2 and c["training"]["points"] == 6.67          # 2/3 of 10
    assert c["certifications"]["value"] == 1 and c["certifications"]["points"] == 7.5  # 1/2 of 15
    assert c["pipeline_growth"]["value"] == -5.0 and c["pipeline_growth"]["points"] == 6.75  # (−5+50)/100 of 15
    assert c["pipeline_growth"]["previous"] == "2000.00" and c["pipeline_growth"]["detail"] == {"now": "1900.00"}
    assert c["win_rate"]["value"] == 66.7 and c["win_rate"]["points"] == 6.67        # 2/3 of 10
    assert c["mdf_utilisation"]["value"] == 50.0 and c["mdf_utilisation"]["points"] == 5.0
    assert c["psat"]["value"] == 7.0 and c["psat"]["points"] == 7.0
    assert c["asset_downloads"]["value"] == 3 and c["asset_downloads"]["points"] == 3.0  # 3/5 of 5
    # 15 + 2.5 + 6.667 + 7.5 + 6.75 + 6.667 + 5 + 7 + 3 = 60.08
    assert row.score == 60 and row.previous_score is None and row.at_risk is False and row.reasons == []


def test_components_that_do_not_apply_are_left_out_and_the_rest_scaled_to_100(partner_a):
    member(partner_a, last_login=days_ago(0))
    with partner_scope(partner_a):
        scoring.score_partners([partner_a.pk], DAY)
    from .health_helpers import score_of

    row = score_of(partner_a)
    assert set(row.components) == {"login_recency", "active_users", "training", "certifications", "asset_downloads"}
    # 15 + 10 + 10 + 15 + 5 = 55 present: login 15 × 100/55 = 27.27, active 18.18 → 45.45
    assert row.components["login_recency"]["weight"] == 27.27 and row.components["login_recency"]["points"] == 27.27
    assert row.components["active_users"]["points"] == 18.18
    assert row.components["training"] == {"value": 0, "previous": None, "points": 0.0, "weight": 18.18}
    assert row.score == 45


def test_a_new_pipeline_earns_full_points_and_a_collapsed_one_none(partner_a, partner_b):
    deal(partner_a, value="100", registered_at=days_ago(5))
    deal(partner_b, value="100", registered_at=days_ago(120))
    with partners_scope([partner_a.pk, partner_b.pk]):
        raw = components.measure([partner_a.pk, partner_b.pk], DAY)
    new = scoring.measured(raw[partner_a.pk], model())["pipeline_growth"]
    gone = scoring.measured(raw[partner_b.pk], model())["pipeline_growth"]
    assert new[:2] == (1.0, None) and gone[:2] == (0.0, -100.0)


def test_a_missing_exchange_rate_leaves_the_amount_out(partner_a):
    deal(partner_a, value="100", registered_at=days_ago(5))
    deal(partner_a, value="100", currency="BRL", registered_at=days_ago(5))  # no BRL rate
    with partner_scope(partner_a):
        raw = components.measure([partner_a.pk], DAY)[partner_a.pk]
    assert raw.pipeline_now == Decimal("100")


@pytest.mark.parametrize(("days", "expected"), [
    (None, 0.0), (0, 1.0), (7, 1.0), (8, 52 / 53), (34, 26 / 53), (59, 1 / 53), (60, 0.0), (400, 0.0)])
def test_login_recency_is_full_then_linear_then_zero(days, expected):
    assert login_fraction(days, full_days=7, zero_days=60) == pytest.approx(expected)


@pytest.mark.parametrize(("growth", "expected"), [
    (-100.0, 0.0), (-50.0, 0.0), (-40.0, 0.1), (0.0, 0.5), (25.0, 0.75), (50.0, 1.0), (300.0, 1.0), (None, 1.0)])
def test_pipeline_growth_points(growth, expected):
    assert growth_fraction(growth) == pytest.approx(expected)


def test_targets_of_zero_give_full_points(partner_a):
    member(partner_a, last_login=days_ago(0))
    with partner_scope(partner_a):
        raw = components.measure([partner_a.pk], DAY)[partner_a.pk]
    found = scoring.measured(raw, model(target_training_completions_90d=0, target_certifications=0,
                                        target_asset_downloads_90d=0))
    assert found["training"][0] == found["certifications"][0] == found["asset_downloads"][0] == 1.0


def test_measuring_needs_a_scope_covering_the_partners(partner_a, partner_b):
    with pytest.raises(ScopeError):
        components.measure([partner_a.pk], DAY)
    with partner_scope(partner_a), pytest.raises(ScopeError):
        components.measure([partner_a.pk, partner_b.pk], DAY)


def test_queries_per_chunk_do_not_grow_with_partners(region_a):
    rate("USD", "0.9")

    def build(n):
        partners = [PartnerFactory(region=region_a) for _ in range(n)]
        for partner in partners:
            member(partner, last_login=days_ago(2))
            deal(partner, value="10", currency="USD", registered_at=days_ago(3))
            fund(partner, allocated="100", spent="10")
            psat(partner, score=9, when=days_ago(4))
        return [p.pk for p in partners]

    def count(ids):
        model()
        with partners_scope(ids), CaptureQueriesContext(connection) as queries:
            scoring.score_partners(ids, DAY)
        return len(queries.captured_queries)

    one, thirty = build(1), build(30)
    assert count(one) == count(thirty)


def test_pipeline_and_outcomes_are_read_in_one_pass_over_the_registrations(partner_a, partner_b):
    """One query over the chunk's registrations gives both the pipeline per currency and the outcomes: outcomes in
    several currencies add up, a partner with only closed deals has outcomes and no pipeline, and one with only
    pipeline has no outcomes."""
    from dealreg.models import Deal

    rate("USD", "0.5")
    # partner_a: won in EUR and in USD, lost in USD (closed long ago, outside the pipeline windows), and pipeline
    # in both currencies now and in the 90 days before.
    deal(partner_a, value="100", status="won", registered_at=days_ago(300), closed_at=DAY - timedelta(days=20))
    deal(partner_a, value="100", currency="USD", status="won", registered_at=days_ago(300),
         closed_at=DAY - timedelta(days=40))
    deal(partner_a, value="100", currency="USD", status="lost", registered_at=days_ago(300),
         closed_at=DAY - timedelta(days=50))
    deal(partner_a, value="1000", registered_at=days_ago(10))
    deal(partner_a, value="300", currency="USD", registered_at=days_ago(100))
    deal(partner_a, value="999", status="rejected", registered_at=days_ago(5))  # never pipeline
    # partner_b: a won deal outside twelve months and a registration now.
    deal(partner_b, value="50", currency="USD", status="won", registered_at=days_ago(500),
         closed_at=DAY - timedelta(days=400))
    deal(partner_b, value="40", currency="USD", registered_at=days_ago(2))
    ids = [partner_a.pk, partner_b.pk]
    with partners_scope(ids), CaptureQueriesContext(connection) as queries:
        raw = components.measure(ids, DAY)
    deal_table = Deal._meta.db_table
    assert sum(1 for q in queries.captured_queries if deal_table in q["sql"]) == 1
    a, b = raw[partner_a.pk], raw[partner_b.pk]
    assert (a.won_12m, a.lost_12m) == (2, 1)
    assert (a.pipeline_now, a.pipeline_before) == (Decimal("1000"), Decimal("150.00"))
    assert (b.won_12m, b.lost_12m) == (0, 0)
    assert (b.pipeline_now, b.pipeline_before) == (Decimal("20.00"), Decimal("0"))
