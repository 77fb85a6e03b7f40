"""Shared setup for the tier tests: a reseller program Registered < Silver < Gold < Platinum, fake metric
providers fed from a dict, and a one-call recalculation in the right scope."""

from datetime import date
from decimal import Decimal

import pytest

from partners.models import PartnerTier, Tier, TierChange, TierProgram
from partners.tiers import engine, metrics
from prm.tenancy.scoping import partner_scope, partners_scope

TODAY = date(2026, 3, 2)

# (code, name, rank, revenue, certifications, deals, health, protection days, discount)
LADDER = [
    ("registered", "Registered", 0, 0, 0, 0, 0, 90, 0),
    ("silver", "Silver", 1, 100_000, 2, 3, 40, 120, 5),
    ("gold", "Gold", 2, 500_000, 5, 10, 60, 150, 10),
    ("platinum", "Platinum", 3, 1_500_000, 10, 25, 75, 180, 15),
]
GOLD_FACTS = {"won_revenue_ttm": Decimal("600000"), "active_certifications": 6, "won_deals_ttm": 12, "health_score": 70}
SILVER_FACTS = {"won_revenue_ttm": Decimal("150000"), "active_certifications": 3, "won_deals_ttm": 4, "health_score": 50}
NO_FACTS = {"won_revenue_ttm": Decimal("0"), "active_certifications": 0, "won_deals_ttm": 0, "health_score": 0}


def make_program(*, code="resellers", types=("reseller",), grace_days=90, warn_before_days=14, approval=False):
    program = TierProgram.objects.create(code=code, name=code.title(), partner_types=list(types), grace_days=grace_days,
                                         warn_before_days=warn_before_days, promotion_requires_approval=approval)
    tiers = {}
    for tier_code, name, rank, revenue, certs, deals, health, days, discount in LADDER:
        tiers[tier_code] = Tier.objects.create(
            program=program, code=tier_code, name=name, rank=rank, min_won_revenue=Decimal(revenue),
            min_active_certifications=certs, min_won_deals=deals, min_health_score=health, deal_protection_days=days,
            discount_percent=Decimal(discount),
            translations={"de": {"registered": "Registriert", "silver": "Silber", "gold": "Gold",
                                 "platinum": "Platin"}[tier_code]},
        )
    return program, tiers


# Imported by the test modules under these function names; the tests ask for "program", "tiers", "facts".
@pytest.fixture(name="program")
def program_fixture(db):
    return make_program()


@pytest.fixture(name="tiers")
def tiers_fixture(program):
    return program[1]


@pytest.fixture(name="facts")
def facts_fixture():
    """``facts[partner_id] = {...}``: what every fake provider reports (absent partners measure zero)."""
    data: dict[int, dict] = {}

    def provider(code):
        return lambda ids, as_of: {pid: data[pid][code] for pid in ids if pid in data and code in data[pid]}

    with metrics.providers({code: provider(code) for code in metrics.METRIC_CODES}):
        yield data


def recalc(*partners, on=TODAY):
    with partners_scope([p.pk for p in partners]):
        return engine.recalculate(partner_ids=[p.pk for p in partners], as_of=on)


def state_of(partner) -> PartnerTier | None:
    with partner_scope(partner):
        return PartnerTier.objects.select_related("tier", "pending_tier", "pinned_tier").filter(partner=partner).first()


def history_of(partner) -> list[TierChange]:
    with partner_scope(partner):
        return list(TierChange.objects.filter(partner=partner).select_related("from_tier", "to_tier").order_by("at", "id"))


def place(partner, tier, *, since=TODAY, **extra) -> PartnerTier:
    """Give the partner a stored tier, as an earlier run would have."""
    with partner_scope(partner):
        return PartnerTier.objects.create(partner=partner, program_id=tier.program_id, tier=tier, since=since, **extra)
