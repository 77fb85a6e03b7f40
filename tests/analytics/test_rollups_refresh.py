"""refresh_partners against hand-computed figures (rollups_helpers.build_world): currency conversion at dated rates,
sourced vs influenced revenue, quarter boundaries, decisions and their median, MDF kinds, enablement, tier moves,
PSAT, and the snapshot (time to first value, active users, pipeline, health)."""

from datetime import date
from decimal import Decimal

import pytest

from analytics.models import PartnerPipelineFact, PartnerQuarterFact, PartnerSnapshot
from analytics.models.rollups import DECISION_BUCKETS
from analytics.rollups.refresh import refresh_partners
from analytics.stats import add_histograms, median_from_histogram
from dealreg.revenue import influenced_revenue_ttm, won_revenue_ttm
from prm.tenancy.scoping import partner_scope, partners_scope

from .rollups_helpers import TODAY, at, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(partner_a, partner_b):
    w = build_world(partner_a, partner_b)
    assert refresh_partners([w.a.pk, w.b.pk, w.c.pk], today=TODAY) == 3
    return w


def quarters(partner) -> dict[date, PartnerQuarterFact]:
    with partner_scope(partner):
        return {row.quarter: row for row in PartnerQuarterFact.objects.filter(partner=partner)}


def snapshot(partner) -> PartnerSnapshot:
    with partner_scope(partner):
        return PartnerSnapshot.objects.get(partner=partner)


def hist(**buckets) -> list[int]:
    out = [0] * DECISION_BUCKETS
    for key, n in buckets.items():
        out[int(key[1:])] = n
    return out


def test_registrations_by_quarter_with_conversion_at_the_registration_day(world):
    q = quarters(world.a)
    # 2026-Q1: 10,000 EUR (31 Mar 23:30), 1,000,000 JPY at 15 Jan's rate (0.0060 of 10 Jan) = 6,000, 5,000 EUR.
    assert q[date(2026, 1, 1)].registrations_submitted == 3
    assert q[date(2026, 1, 1)].pipeline_submitted_base == Decimal("21000.00")
    # 2026-Q2: 1,000 USD on 1 Apr 00:30 at 1 Apr's 0.95 (not 31 Mar's 0.90) = 950, 3,000 withdrawn, 4,000 more info.
    assert q[date(2026, 4, 1)].registrations_submitted == 3
    assert q[date(2026, 4, 1)].pipeline_submitted_base == Decimal("7950.00")
    # 2025-Q2: 2,000 + 1,000 EUR; the draft never counts.
    assert q[date(2025, 4, 1)].registrations_submitted == 2
    assert q[date(2025, 4, 1)].pipeline_submitted_base == Decimal("3000.00")
    assert sum(r.registrations_submitted for r in q.values()) == 8


def test_decisions_histogram_and_median(world):
    q = quarters(world.a)
    # Q1: JPY deal approved after 24 h (bucket [24, 48) = 6), the rejection after 30 minutes (bucket 0).
    assert (q[date(2026, 1, 1)].registrations_approved, q[date(2026, 1, 1)].registrations_rejected) == (1, 1)
    assert q[date(2026, 1, 1)].decision_seconds_sum == 86400 + 1800
    assert q[date(2026, 1, 1)].decision_hours == hist(b0=1, b6=1)
    # Q2: the 31 March registration approved on 1 April after 2 h (bucket [2, 4) = 2); "more information" is no decision.
    assert (q[date(2026, 4, 1)].registrations_approved, q[date(2026, 4, 1)].registrations_rejected) == (1, 0)
    assert q[date(2026, 4, 1)].decision_seconds_sum == 7200
    assert q[date(2026, 4, 1)].decision_hours == hist(b2=1)
    # 2025-Q2: the lost deal was approved after 3 h.
    assert q[date(2025, 4, 1)].decision_hours == hist(b2=1)
    total = add_histograms(row.decision_hours for row in q.values())
    assert total == hist(b0=1, b2=2, b6=1)
    # 4 decisions: the 2nd falls in [2, 4) h, which holds 2 of them: 2 + 2 × (2 − 1) / 2 = 3 h.
    assert median_from_histogram(total) == pytest.approx(3.0)


def test_sourced_vs_influenced_split(world):
    q_a, q_b, q_c = quarters(world.a), quarters(world.b), quarters(world.c)
    q2 = date(2026, 4, 1)
    # A's own JPY win: the stored close-date base amount (6,500 at 0.0065), not a reconversion.
    assert q_a[q2].won_deals == 1 and q_a[q2].sourced_won_base == Decimal("6500.00")
    assert q_a[q2].mdf_attributed_won_base == Decimal("6500.00")
    # 30 % of C's 10,000 for A, 20 % for B; A's mere invitation on C's 7,000 deal credits nothing.
    assert q_a[q2].influenced_won_base == Decimal("3000.00")
    assert q_b[q2].influenced_won_base == Decimal("2000.00")
    assert q_c[q2].sourced_won_base == Decimal("17000.00") and q_c[q2].influenced_won_base == 0
    assert q_c[q2].won_deals == 2
    # Quarter of the close date: the lost deal in 2025-Q3, the old win in 2025-Q2.
    assert q_a[date(2025, 7, 1)].lost_deals == 1
    assert q_a[date(2025, 4, 1)].won_deals == 1 and q_a[date(2025, 4, 1)].sourced_won_base == Decimal("1000.00")


def test_mdf_kinds_by_quarter(world):
    q = quarters(world.a)
    q1, q2 = q[date(2026, 1, 1)], q[date(2026, 4, 1)]
    # 31 March's reservation is Q1; its release on 1 April is Q2.
    assert q1.mdf_reserved_base == Decimal("100.00")
    assert q2.mdf_allocated_base == Decimal("10300.00")  # 10,000 + 500 accrual − 200 deduction; July's not yet
    assert q2.mdf_reserved_base == Decimal("2900.00")    # 4,000 − 1,000 − 100
    assert (q2.mdf_spent_base, q2.mdf_paid_base) == (Decimal("2500.00"), Decimal("2000.00"))
    assert date(2026, 7, 1) not in q
    # B's JPY allocation counts at the base amount stored on the entry.
    assert quarters(world.b)[date(2026, 4, 1)].mdf_allocated_base == Decimal("6500.00")


def test_enablement_tiers_and_psat(world):
    q = quarters(world.a)
    q1, q2 = q[date(2026, 1, 1)], q[date(2026, 4, 1)]
    assert (q1.course_completions, q2.course_completions) == (1, 1)  # 31 Mar 23:59 vs 1 Apr 00:01
    assert q1.certifications_awarded == 1 and q2.certifications_awarded == 1  # the revoked one left out
    assert q[date(2025, 1, 1)].certifications_awarded == 1
    assert (q2.promotions, q2.demotions) == (1, 1)  # promoted, then pinned lower; pending/grace are not moves
    assert (q2.psat_responses, q2.psat_score_sum, q2.psat_promoters, q2.psat_detractors) == (4, 29, 2, 1)
    assert (q1.psat_responses, q1.psat_score_sum, q1.psat_promoters, q1.psat_detractors) == (1, 6, 0, 1)


def test_quarter_rows_are_sparse_and_kept_for_twelve_quarters(world):
    q = quarters(world.a)
    assert min(q) >= date(2023, 7, 1) and max(q) == date(2026, 4, 1)
    assert set(q) == {date(2025, 1, 1), date(2025, 4, 1), date(2025, 7, 1), date(2026, 1, 1), date(2026, 4, 1)}
    assert {row.refreshed_at for row in q.values()} == {snapshot(world.a).refreshed_at}


def test_snapshot_of_the_subject_partner(world):
    s = snapshot(world.a)
    assert (s.region_id, s.country, s.partner_type, s.status) == (world.a.region_id, "DE", "reseller", "active")
    assert (s.tier_id, s.in_grace) == (world.silver.pk, True)
    # Activated 1 March 2025: first registration 20 March (the partner's record) = 19 days; first win
    # 10 June 2025 (from the registrations: the partner row has none) = 101 days.
    assert (s.activated_on, s.cohort) == (date(2025, 3, 1), date(2025, 1, 1))
    assert (s.days_to_first_registration, s.days_to_first_win) == (19, 101)
    # 3 active members; one signed in within 30 days; the removed member's later sign-in does not count.
    assert (s.users, s.active_users_30d) == (3, 1)
    assert s.last_login_at == at(2026, 6, 10, 8)
    # Open: approved (protected to 20 June: ends within 7 days), submitted USD, more information.
    assert (s.open_deals, s.protected_deals, s.expiring_deals_7d) == (3, 1, 1)
    assert s.open_pipeline_base == Decimal("14920.00")  # 10,000 + 1,000 USD × 0.92 (1 June) + 4,000
    # TTM from 16 June 2025: the JPY win (6,500) counts, 10 June 2025's does not.
    assert (s.won_revenue_ttm_base, s.won_deals_ttm) == (Decimal("6500.00"), 1)
    assert s.influenced_revenue_ttm_base == Decimal("3000.00")
    assert (s.active_certifications, s.certifications_expiring_60d) == (2, 1)
    assert (s.mdf_available_base, s.mdf_pending_claims) == (Decimal("7300.00"), 1)
    assert (s.health_score, s.health_change, s.at_risk) == (55, -20, True)


def test_snapshot_of_other_partners(world):
    b, c = snapshot(world.b), snapshot(world.c)
    assert b.influenced_revenue_ttm_base == Decimal("2000.00") and b.won_revenue_ttm_base == 0
    assert b.mdf_available_base == Decimal("6400.00")  # 1,000,000 JPY at 1 June's 0.0064
    assert (b.health_score, b.health_change, b.at_risk, b.tier_id) == (None, None, False, None)
    assert (b.activated_on, b.days_to_first_registration) == (None, None)
    assert (c.won_revenue_ttm_base, c.won_deals_ttm) == (Decimal("17000.00"), 2)


def test_pipeline_facts_by_stage(world):
    with partner_scope(world.a):
        rows = {r.stage: (r.deals, r.amount_base) for r in PartnerPipelineFact.objects.filter(partner=world.a)}
    assert rows == {"proposal": (1, Decimal("10000.00")), "discovery": (1, Decimal("920.00")),
                    "qualification": (1, Decimal("4000.00"))}


def test_ttm_figures_agree_with_the_tier_engines_revenue_reads(world):
    ids = [world.a.pk, world.b.pk, world.c.pk]
    with partners_scope(ids):
        sourced, influenced = won_revenue_ttm(ids, TODAY), influenced_revenue_ttm(ids, TODAY)
    for partner in (world.a, world.b, world.c):
        s = snapshot(partner)
        assert s.won_revenue_ttm_base == sourced.get(partner.pk, 0)
        assert s.influenced_revenue_ttm_base == influenced.get(partner.pk, 0)


def test_a_missing_rate_falls_back_instead_of_failing(partner_a):
    from analytics.rollups.rates import BaseRates

    from .rollups_helpers import rates

    rates()
    book = BaseRates(start=date(2026, 1, 1), end=TODAY)
    assert book.rate("USD", date(2026, 4, 1)) == Decimal("0.95")        # the day's own rate
    assert book.rate("JPY", date(2026, 4, 30)) == Decimal("0.0060")     # 110 days old: the latest older rate
    assert book.rate("JPY", date(2026, 1, 2)) == Decimal("0.0060")      # before the first rate: the earliest later
    assert book.rate("CHF", date(2026, 4, 1)) is None                    # never any: left out
    assert book.to_base(Decimal("100"), "CHF", date(2026, 4, 1)) == 0 and book.missing == 1
    assert book.rate("EUR", date(2026, 4, 1)) == 1
