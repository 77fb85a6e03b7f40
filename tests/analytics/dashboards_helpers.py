"""Rollup rows for the dashboard tests, written directly with hand-chosen numbers (amounts already in the base
currency, as the rollups store them). Two regions, three partners, two quarters.

    EMEA (region_a): Alpha (DE, reseller, Gold)       Gamma (FR, system integrator, Silver)
    APAC (region_b): Beta (JP, reseller, Gold)

``build_world`` and ``seed_sample`` end with ``segments()`` (rebuild_segments: the dashboards read the segment sums); a
test that adds rows afterwards calls it again.

Quarter facts (Q2 = the current quarter, Q1 = the one before):
    partner  quarter  submitted approved rejected  sourced   influenced  mdf alloc/res/spent/paid  attributed  psat n/sum/prom/det  courses  certs  promo/demo  decision_hours
    Alpha    Q1        10        6        2         1000.00   500.00      1000/400/300/200          3000.00     2/17/1/0              3        1      1/0        [0,0,2,4,2,0,...]
    Alpha    Q2         4        2        2          250.00     0.00         0/100/100/100           0.00     1/5/0/1               1        0      0/0        [0,0,0,0,0,0,4,...]
    Gamma    Q2         6        3        0          400.00   100.00       500/0/0/0                  0.00     0                     2        1      0/1        [3,0,...]
    Beta     Q1         8        4        4         2000.00  1000.00       800/200/200/100          1000.00     4/32/2/1              0        0      0/0        [0,0,0,0,0,0,0,8,...]
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from analytics.models import HealthScore, PartnerPipelineFact, PartnerQuarterFact, PartnerSnapshot, RollupState
from analytics.models.rollups import DECISION_BUCKETS
from analytics.periods import last_quarters, previous_quarter, quarter_start
from analytics.rollups.segments import rebuild_segments
from partners.models import PartnerOrganization, Tier, TierProgram
from prm.tenancy.scoping import partner_scope
from tests.factories import PartnerFactory

TODAY = timezone.localdate()
Q2 = quarter_start(TODAY)            # the current quarter
Q1 = previous_quarter(Q2)            # the one before
OLD = last_quarters(TODAY, 5)[0]     # five quarters back: outside the default period of four


def refreshed() -> datetime:
    return datetime(TODAY.year, TODAY.month, TODAY.day, 6, 0, tzinfo=UTC)


def histogram(**buckets: int) -> list[int]:
    """A decision-time histogram: histogram(b2=2, b3=4) puts 2 decisions in bucket 2 and 4 in bucket 3."""
    values = [0] * DECISION_BUCKETS
    for key, n in buckets.items():
        values[int(key[1:])] = n
    return values


def tiers() -> dict[str, Tier]:
    program = TierProgram.objects.create(code="sell", name="Sell-through", partner_types=["reseller"])
    return {"gold": Tier.objects.create(program=program, code="gold", rank=3, name="Gold"),
            "silver": Tier.objects.create(program=program, code="silver", rank=2, name="Silver")}


def snapshot(partner, **values) -> PartnerSnapshot:
    defaults = {"region_id": partner.region_id, "country": partner.country, "partner_type": partner.partner_type,
                "status": partner.status, "refreshed_at": refreshed()}
    defaults.update(values)
    # update_or_create: where on-commit hooks run (transaction=True tests), the rollup refresh may have written a
    # row for a new partner already; these hand-chosen numbers replace it.
    with partner_scope(partner):
        return PartnerSnapshot.objects.update_or_create(partner=partner, defaults=defaults)[0]


def fact(partner, quarter, **values) -> PartnerQuarterFact:
    values.setdefault("refreshed_at", refreshed())
    with partner_scope(partner):
        return PartnerQuarterFact.objects.update_or_create(partner=partner, quarter=quarter, defaults=values)[0]


def pipeline(partner, stage, deals, amount) -> PartnerPipelineFact:
    with partner_scope(partner):
        return PartnerPipelineFact.objects.update_or_create(
            partner=partner, stage=stage,
            defaults={"deals": deals, "amount_base": Decimal(amount), "refreshed_at": refreshed()})[0]


def health(partner, day, score, *, reasons=(), components=None, at_risk=False) -> HealthScore:
    with partner_scope(partner):
        return HealthScore.objects.create(partner=partner, day=day, score=score, components=components or {},
                                          reasons=list(reasons), at_risk=at_risk, computed_at=refreshed())


def segments() -> None:
    """Sum the rows written so far into the segment tables (what the dashboards read), recorded as rebuilt at the
    same hand-chosen time as the rollups (the scorecard's file name follows the latest RollupState time)."""
    rebuild_segments()
    RollupState.objects.filter(name="segments").update(refreshed_at=refreshed(), full_refreshed_at=refreshed())


def build_world(partner_a, partner_b, region_a) -> dict:
    """The three partners' rollups described in the module docstring; returns the objects by name."""
    ladder = tiers()
    gamma = PartnerFactory(name="Gamma Conseil SA", region=region_a, country="FR",
                           partner_type=PartnerOrganization.PartnerType.SYSTEM_INTEGRATOR)
    alpha, beta = partner_a, partner_b

    snapshot(alpha, tier=ladder["gold"], cohort=Q1, activated_on=Q1 + timedelta(days=9), days_to_first_registration=10,
             days_to_first_win=40, users=5, active_users_30d=3, open_deals=3, open_pipeline_base=Decimal("5000.00"),
             active_certifications=3, certifications_expiring_60d=1, health_score=35, health_change=-20,
             at_risk=True)
    snapshot(gamma, tier=ladder["silver"], in_grace=True, cohort=Q1, activated_on=Q1 + timedelta(days=31),
             days_to_first_registration=20, users=2, active_users_30d=0, open_deals=1,
             open_pipeline_base=Decimal("1000.00"), active_certifications=1, health_score=72, health_change=2)
    snapshot(beta, tier=ladder["gold"], cohort=Q2, activated_on=Q2 + timedelta(days=4), days_to_first_registration=5,
             days_to_first_win=30, users=4, active_users_30d=4, open_deals=2, open_pipeline_base=Decimal("3000.00"),
             active_certifications=2, health_score=15, health_change=-5, at_risk=True)

    fact(alpha, Q1, registrations_submitted=10, registrations_approved=6, registrations_rejected=2,
         decision_hours=histogram(b2=2, b3=4, b4=2), won_deals=3, sourced_won_base=Decimal("1000.00"),
         influenced_won_base=Decimal("500.00"), mdf_allocated_base=Decimal("1000.00"),
         mdf_reserved_base=Decimal("400.00"), mdf_spent_base=Decimal("300.00"), mdf_paid_base=Decimal("200.00"),
         mdf_attributed_won_base=Decimal("3000.00"), course_completions=3, certifications_awarded=1, promotions=1,
         psat_responses=2, psat_score_sum=17, psat_promoters=1, psat_detractors=0)
    fact(alpha, Q2, registrations_submitted=4, registrations_approved=2, registrations_rejected=2,
         decision_hours=histogram(b6=4), won_deals=1, sourced_won_base=Decimal("250.00"),
         mdf_reserved_base=Decimal("100.00"), mdf_spent_base=Decimal("100.00"), mdf_paid_base=Decimal("100.00"),
         course_completions=1, psat_responses=1, psat_score_sum=5, psat_detractors=1)
    fact(gamma, Q2, registrations_submitted=6, registrations_approved=3, decision_hours=histogram(b0=3),
         sourced_won_base=Decimal("400.00"), influenced_won_base=Decimal("100.00"),
         mdf_allocated_base=Decimal("500.00"), course_completions=2, certifications_awarded=1, demotions=1)
    fact(beta, Q1, registrations_submitted=8, registrations_approved=4, registrations_rejected=4,
         decision_hours=histogram(b7=8), sourced_won_base=Decimal("2000.00"), influenced_won_base=Decimal("1000.00"),
         mdf_allocated_base=Decimal("800.00"), mdf_reserved_base=Decimal("200.00"), mdf_spent_base=Decimal("200.00"),
         mdf_paid_base=Decimal("100.00"), mdf_attributed_won_base=Decimal("1000.00"), psat_responses=4,
         psat_score_sum=32, psat_promoters=2, psat_detractors=1)
    # A quarter outside the default period (five quarters back): never counted by default.
    fact(alpha, OLD, registrations_submitted=99, sourced_won_base=Decimal("99999.00"))

    pipeline(alpha, "submitted", 2, "2000.00")
    pipeline(alpha, "approved", 1, "3000.00")
    pipeline(gamma, "approved", 1, "1000.00")
    pipeline(beta, "submitted", 2, "3000.00")

    health(alpha, TODAY - timedelta(days=1), 55)
    health(alpha, TODAY, 35, at_risk=True, reasons=["pipeline_growth", "score_drop"],
           components={"pipeline_growth": {"value": -40, "previous": 10, "points": 0, "weight": 15}})
    health(beta, TODAY, 15, at_risk=True, reasons=["score_below"], components={})
    RollupState.objects.update_or_create(name="partner_facts", defaults={
        "refreshed_at": refreshed(), "full_refreshed_at": refreshed(), "partners": 3})
    segments()
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "tiers": ladder}


def seed_sample(regions, *, partners_per_region: int = 12, quarters: int = 8, seed: int = 7) -> None:
    """Plausible rollups for a screenshot: every region gets partners with a tier, a cohort, pipeline in three
    stages and eight quarters of facts (numbers from a seeded random generator, so every chart has a shape)."""
    import random

    rng = random.Random(seed)
    ladder = tiers()
    tier_list = [ladder["gold"], ladder["silver"], None]
    periods = last_quarters(TODAY, quarters)
    for r_index, region in enumerate(regions):
        countries = region.countries or ["DE"]
        for n in range(partners_per_region):
            partner = PartnerFactory(name=f"{region.name} Partner {n + 1:02d}", region=region,
                                     country=countries[n % len(countries)])
            score = max(3, min(98, int(rng.gauss(60 - 6 * r_index, 20))))
            cohort = periods[rng.randrange(len(periods))]
            snapshot(partner, tier=tier_list[n % 3], in_grace=n % 7 == 0, cohort=cohort,
                     activated_on=cohort + timedelta(days=3), days_to_first_registration=rng.randint(3, 60),
                     days_to_first_win=rng.randint(30, 200) if n % 2 else None, users=rng.randint(1, 9),
                     active_users_30d=rng.randint(0, 3), open_pipeline_base=Decimal(rng.randint(5, 90) * 1000),
                     active_certifications=rng.randint(0, 4), health_score=score,
                     health_change=rng.randint(-25, 10), at_risk=score < 40)
            for stage in ("qualification", "discovery", "proposal", "negotiation", "commit"):
                pipeline(partner, stage, rng.randint(0, 4), str(rng.randint(1, 60) * 1000))
            for q_index, quarter in enumerate(periods):
                growth = 1 + q_index / 10
                approved, rejected = rng.randint(1, 6), rng.randint(0, 3)
                spent = Decimal(rng.randint(0, 8) * 500)
                responses = rng.randint(0, 3)
                fact(partner, quarter, registrations_submitted=approved + rejected + rng.randint(0, 3),
                     registrations_approved=approved, registrations_rejected=rejected,
                     decision_hours=histogram(**{f"b{rng.randint(2, 8)}": approved + rejected}),
                     sourced_won_base=Decimal(int(rng.randint(5, 40) * 1000 * growth)),
                     influenced_won_base=Decimal(int(rng.randint(0, 20) * 1000 * growth)),
                     mdf_allocated_base=Decimal(5000), mdf_reserved_base=Decimal(rng.randint(0, 6) * 500),
                     mdf_spent_base=spent, mdf_paid_base=spent / 2, mdf_attributed_won_base=spent * rng.randint(2, 9),
                     course_completions=rng.randint(0, 5), certifications_awarded=rng.randint(0, 2),
                     promotions=int(rng.random() < .1), demotions=int(rng.random() < .05), psat_responses=responses,
                     psat_score_sum=sum(rng.randint(5, 10) for _ in range(responses)),
                     psat_promoters=responses // 2, psat_detractors=int(responses > 2))
            if score < 40:
                health(partner, TODAY, score, at_risk=True, reasons=["pipeline_growth", "score_below"],
                       components={"pipeline_growth": {"value": -rng.randint(20, 60), "points": 0, "weight": 15}})
    RollupState.objects.update_or_create(name="partner_facts", defaults={
        "refreshed_at": refreshed(), "full_refreshed_at": refreshed(), "partners": len(regions) * partners_per_region})
    segments()
