"""A partner's progress: per criterion where it stands against its tier and the next one, measured now
with the engine's own code (read-only), and what is at risk.

At risk: a grace period under way (the tier ends on a date unless the missed criteria recover), and,
when enablement provides expiry dates (``metrics.register_expiring_certifications``), a tier that
depends on certifications expiring within ``PRM_TIER_AT_RISK_DAYS`` days. Without that provider
nothing is said about expiry.

Query count is fixed: the configuration (4), the partner (1), its state (1), one per metric
provider, one for the expiry provider; whatever the partner's history or facts.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from partners.models import PartnerTier, Tier

from . import metrics
from .config import ProgramInfo, Rung, TierConfig
from .criteria import rung_of
from .engine import evaluate


@dataclass(frozen=True)
class CriterionProgress:
    metric: metrics.Metric
    value: Decimal | int
    available: bool
    required_now: Decimal | int | None   # for the tier held (None: no tier)
    required_next: Decimal | int | None  # for the next tier (None: at the top)

    @property
    def met_now(self) -> bool | None:
        return None if self.required_now is None else self.value >= self.required_now

    @property
    def met_next(self) -> bool | None:
        return None if self.required_next is None else self.value >= self.required_next

    @property
    def percent_next(self) -> int:
        """How far toward the next tier's minimum, 0-100 (100 when none is needed)."""
        if not self.required_next:
            return 100
        return int(min(self.value, self.required_next) * 100 / self.required_next)

    @property
    def gap_next(self) -> Decimal | int:
        return max(self.required_next - self.value, 0) if self.required_next is not None else 0


@dataclass(frozen=True)
class ExpiryRisk:
    tier: Tier
    expiring: int
    within_days: int
    remaining: int   # active certifications once those expire
    required: int


@dataclass(frozen=True)
class TierProgress:
    as_of: date
    program: ProgramInfo | None
    state: PartnerTier | None
    tier: Tier | None
    next_tier: Tier | None
    qualified_tier: Tier | None
    criteria: tuple[CriterionProgress, ...]
    missing_metrics: tuple[metrics.Metric, ...]
    expiry_risk: ExpiryRisk | None

    @property
    def in_grace(self) -> bool:
        return self.state is not None and self.state.grace_until is not None

    @property
    def pending_tier(self) -> Tier | None:
        return self.state.pending_tier if self.state is not None and self.state.pending_tier_id else None

    @property
    def pinned(self) -> bool:
        return self.state is not None and self.state.is_pinned(self.as_of)

    @property
    def missed_now(self) -> tuple[CriterionProgress, ...]:
        return tuple(c for c in self.criteria if c.met_now is False)

    @property
    def at_risk(self) -> bool:
        return self.in_grace or self.expiry_risk is not None

    @property
    def qualifies_higher(self) -> bool:
        if self.qualified_tier is None:
            return False
        return self.tier is None or self.qualified_tier.rank > self.tier.rank


def _next_rung(ladder: tuple[Rung, ...], held: Rung | None) -> Rung | None:
    if held is None:
        return ladder[-1] if ladder else None
    above = [rung for rung in ladder if rung.rank > held.rank]
    return above[-1] if above else None  # the ladder runs from the top down


def tier_progress_for(*, partner, as_of: date | None = None) -> TierProgress:
    """The partner's progress (its scope must be active). Measures now; changes nothing."""
    as_of = as_of or timezone.localdate()
    config = TierConfig.load()
    state = (PartnerTier.objects.filter(partner_id=partner.pk)
             .select_related("tier", "pending_tier", "pinned_tier").first())
    facts = evaluate([partner.pk], as_of=as_of, config=config)
    available = metrics.available_codes()
    missing = tuple(m for m in metrics.METRICS if m.code not in available)
    if not facts or facts[0].program is None:
        return TierProgress(as_of, None, state, state.tier if state else None, None, None, (), missing, None)
    item = facts[0]
    tier = config.tiers.get(state.tier_id) if state is not None and state.tier_id else None
    held = rung_of(item.ladder, tier.id) if tier else None
    upcoming = _next_rung(item.ladder, held)
    criteria = tuple(
        CriterionProgress(metric=m, value=item.measured[i], available=m.code in available,
                          required_now=held.thresholds[i] if held else None,
                          required_next=upcoming.thresholds[i] if upcoming else None)
        for i, m in enumerate(metrics.METRICS)
    )
    return TierProgress(
        as_of=as_of, program=item.program, state=state, tier=tier,
        next_tier=config.tiers.get(upcoming.tier_id) if upcoming else None,
        qualified_tier=config.tiers.get(item.qualified.tier_id) if item.qualified else None,
        criteria=criteria, missing_metrics=missing,
        expiry_risk=_expiry_risk(partner.pk, tier, held, item.measured),
    )


def _expiry_risk(partner_id: int, tier: Tier | None, held: Rung | None, measured: tuple) -> ExpiryRisk | None:
    if tier is None or held is None:
        return None
    index = metrics.METRIC_CODES.index(metrics.ACTIVE_CERTIFICATIONS)
    required = int(held.thresholds[index])
    if required <= 0:
        return None
    within = int(getattr(settings, "PRM_TIER_AT_RISK_DAYS", 60))
    expiring = metrics.expiring_certifications([partner_id], within)
    if not expiring:
        return None
    count = expiring.get(partner_id, 0)
    remaining = int(measured[index]) - count
    if count <= 0 or remaining >= required:
        return None
    return ExpiryRisk(tier=tier, expiring=count, within_days=within, remaining=max(remaining, 0), required=required)
