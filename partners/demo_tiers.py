"""Demo tier program: three programs by partner-type group, Registered < Silver < Gold < Platinum with
thresholds and benefits, regional exceptions for young markets, and the demo partners' tiers — one in
a grace period, one pinned by its manager, one with a promotion awaiting approval.

``seed_tier_demo(ctx)`` is called by partners/demo.py; idempotent (what exists is kept).
``ensure_tier_programs()`` is reused by generate_dataset.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from partners.models import (
    PartnerOrganization,
    PartnerTier,
    Region,
    Tier,
    TierChange,
    TierProgram,
    TierThresholdOverride,
)
from prm.tenancy.scoping import partners_scope

_T = PartnerOrganization.PartnerType
R = TierChange.Reason

NAMES = {
    "registered": {"de": "Registriert", "fr": "Enregistré", "es": "Registrado", "ja": "レジスタード"},
    "silver": {"de": "Silber", "fr": "Argent", "es": "Plata", "ja": "シルバー"},
    "gold": {"de": "Gold", "fr": "Or", "es": "Oro", "ja": "ゴールド"},
    "platinum": {"de": "Platin", "fr": "Platine", "es": "Platino", "ja": "プラチナ"},
}
LADDER = [("registered", "Registered"), ("silver", "Silver"), ("gold", "Gold"), ("platinum", "Platinum")]

# code -> (name, partner types, grace days, approval, thresholds per tier (revenue, certs, deals, health),
#          benefits per tier (protection days, MDF per quarter, accrual %, discount %, priority))
PROGRAMS = {
    "sell-through": (
        "Resellers and managed service providers", [_T.RESELLER, _T.MSP], 90, False,
        [(0, 0, 0, 0), (100_000, 2, 3, 40), (500_000, 5, 10, 60), (1_500_000, 10, 25, 75)],
        [(90, None, None, 0, False), (120, 5_000, None, 5, False), (150, 15_000, None, 10, True),
         (180, 40_000, None, 15, True)],
    ),
    "services": (
        "System integrators and software vendors", [_T.SYSTEM_INTEGRATOR, _T.ISV], 90, True,
        [(0, 0, 0, 0), (50_000, 3, 2, 40), (250_000, 6, 6, 60), (1_000_000, 12, 15, 75)],
        [(90, None, None, 0, False), (120, 4_000, None, 5, False), (150, 12_000, None, 8, True),
         (180, 30_000, None, 12, True)],
    ),
    "referral": (
        "Referral partners", [_T.REFERRAL], 60, False,
        [(0, 0, 0, 0), (25_000, 1, 2, 30), (100_000, 2, 5, 50), (300_000, 3, 10, 70)],
        [(90, None, None, 0, False), (90, None, 1, 0, False), (120, None, 2, 0, True), (150, None, 3, 0, True)],
    ),
}

# Young markets: (program, tier, region code or country, revenue, certifications, deals, health); None inherits.
EXCEPTIONS = [
    ("sell-through", "silver", "latam", 50_000, None, 2, None),
    ("sell-through", "gold", "latam", 250_000, 3, 6, None),
    ("services", "silver", "IN", 25_000, 2, None, None),
    ("services", "gold", "apac", 150_000, None, None, None),
]


@transaction.atomic
def ensure_tier_programs() -> dict[str, dict[str, Tier]]:
    """The demo programs and tiers, created when missing (operators' edits to existing ones are kept).
    A fixed number of statements (generate_dataset runs it too). Returns program code -> tier code -> Tier."""
    programs = {p.code: p for p in TierProgram.objects.filter(code__in=list(PROGRAMS))}
    TierProgram.objects.bulk_create([
        TierProgram(code=code, name=name, partner_types=[str(t) for t in types], grace_days=grace, warn_before_days=14,
                    promotion_requires_approval=approval)
        for code, (name, types, grace, approval, _limits, _perks) in PROGRAMS.items() if code not in programs
    ])
    programs = {p.code: p for p in TierProgram.objects.filter(code__in=list(PROGRAMS))}
    existing: dict[int, list[Tier]] = {p.pk: [] for p in programs.values()}
    for tier in Tier.objects.filter(program__in=list(programs.values())):
        existing[tier.program_id].append(tier)
    missing = []
    for code, (_name, _types, _grace, _approval, thresholds, benefits) in PROGRAMS.items():
        program = programs[code]
        taken_codes = {t.code for t in existing[program.pk]}
        taken_ranks = {t.rank for t in existing[program.pk]}
        for rank, ((tier_code, tier_name), limits, perks) in enumerate(zip(LADDER, thresholds, benefits, strict=True)):
            if tier_code in taken_codes or rank in taken_ranks:
                continue
            revenue, certs, deals, health = limits
            days, mdf, accrual, discount, priority = perks
            missing.append(Tier(
                program=program, code=tier_code, rank=rank, name=tier_name, translations=NAMES[tier_code],
                min_won_revenue=Decimal(revenue), min_active_certifications=certs, min_won_deals=deals,
                min_health_score=health, deal_protection_days=days,
                mdf_allocation_per_quarter=Decimal(mdf) if mdf is not None else None,
                mdf_accrual_percent=Decimal(accrual) if accrual is not None else None,
                discount_percent=Decimal(discount), priority_review=priority,
            ))
    Tier.objects.bulk_create(missing)
    found: dict[str, dict[str, Tier]] = {code: {} for code in programs}
    codes = {p.pk: code for code, p in programs.items()}
    for tier in Tier.objects.filter(program__in=list(programs.values())):
        found[codes[tier.program_id]][tier.code] = tier
    _ensure_exceptions(found)
    return found


def _ensure_exceptions(found: dict[str, dict[str, Tier]]) -> None:
    regions = {r.code: r for r in Region.objects.filter(code__in=[e[2] for e in EXCEPTIONS])}
    tier_ids = [t.pk for ladder in found.values() for t in ladder.values()]
    have = {(o.tier_id, o.region_id, o.country)
            for o in TierThresholdOverride.objects.filter(tier_id__in=tier_ids)}
    wanted = []
    for program_code, tier_code, place, revenue, certs, deals, health in EXCEPTIONS:
        tier = found.get(program_code, {}).get(tier_code)
        region = regions.get(place)
        if tier is None or (region is None and len(place) != 2):
            continue
        key = (tier.pk, region.pk if region else None, "" if region else place)
        if key in have:
            continue
        wanted.append(TierThresholdOverride(
            tier=tier, region=region, country="" if region else place,
            min_won_revenue=Decimal(revenue) if revenue is not None else None,
            min_active_certifications=certs, min_won_deals=deals, min_health_score=health))
    TierThresholdOverride.objects.bulk_create(wanted)


# Featured demo partners in a particular state: name -> (tier, situation).
SPECIAL = {
    "Nordlicht IT GmbH": ("platinum", "plain"),
    "Summit Ridge Technologies Inc.": ("gold", "plain"),
    "Sakura Systems KK": ("gold", "grace"),
    "Soluciones Andinas SA": ("gold", "pinned"),
    "Lumière Conseil SAS": ("gold", "pending"),
}


def seed_tier_demo(ctx) -> None:
    """Programs, tiers, exceptions, and a tier state with history for each eligible demo partner."""
    tiers = ensure_tier_programs()
    program_of = {t: code for code, (_n, types, *_rest) in PROGRAMS.items() for t in types}
    eligible = [p for p in ctx.partners if p.status in PartnerOrganization.PORTAL_STATUSES]
    if not eligible:
        return
    managers = ctx.staff.get("channel_manager", [])
    today = ctx.now.date()
    with partners_scope([p.pk for p in eligible]):
        done = set(PartnerTier.objects.values_list("partner_id", flat=True))
        states, history = [], []
        for partner in eligible:
            if partner.pk in done:
                continue
            program_code = program_of.get(partner.partner_type)
            if program_code is None or not tiers.get(program_code):
                continue
            ladder = tiers[program_code]
            wanted, situation = SPECIAL.get(partner.name, (None, "plain"))
            if wanted is None:
                if partner.status != PartnerOrganization.Status.ACTIVE:
                    wanted = "registered"
                else:
                    wanted = ctx.rng.choices(["registered", "silver", "gold"], weights=[4, 4, 2])[0]
            tier = ladder[wanted]
            since = today - timedelta(days=ctx.rng.randint(40, 400))
            state = PartnerTier(partner=partner, program_id=tier.program_id, tier=tier, since=since, updated_at=ctx.now)
            first = ladder["registered"]
            assigned_on = since - timedelta(days=ctx.rng.randint(90, 300)) if tier != first else since
            history.append(TierChange(partner=partner, reason=R.ASSIGNED, to_tier=first, as_of=assigned_on,
                                      at=ctx.now - timedelta(days=(today - assigned_on).days)))
            if tier != first:
                history.append(TierChange(partner=partner, reason=R.PROMOTED, from_tier=first, to_tier=tier, as_of=since,
                                          at=ctx.now - timedelta(days=(today - since).days)))
            if situation == "grace":
                started = today - timedelta(days=30)
                state.grace_started_on, state.grace_until = started, started + timedelta(days=90)
                history.append(TierChange(partner=partner, reason=R.GRACE_STARTED, from_tier=tier, to_tier=tier,
                                          as_of=started, at=ctx.now - timedelta(days=30)))
            elif situation == "pinned" and managers:
                manager = managers[0]
                state.pinned_tier, state.pinned_until = tier, today + timedelta(days=120)
                state.pinned_reason = "Strategic launch partner for the new region; reviewed at the end of the quarter."
                state.pinned_by, state.pinned_at = manager, ctx.now - timedelta(days=10)
                history.append(TierChange(partner=partner, reason=R.PINNED, from_tier=tier, to_tier=tier,
                                          note=state.pinned_reason, actor=manager, as_of=today - timedelta(days=10),
                                          at=ctx.now - timedelta(days=10)))
            elif situation == "pending":
                state.pending_tier, state.pending_since = ladder["platinum"], today - timedelta(days=2)
                history.append(TierChange(partner=partner, reason=R.PROMOTION_PENDING, from_tier=tier,
                                          to_tier=ladder["platinum"], as_of=state.pending_since,
                                          at=ctx.now - timedelta(days=2)))
            states.append(state)
        PartnerTier.objects.bulk_create(states)
        TierChange.objects.bulk_create(history)
    if states:
        ctx.stdout.write(f"Tiers: {len(states)} demo partners placed in {len(tiers)} programs.")
