"""The one way other apps read tier benefits: ``benefits_for(partner=...)`` and the set-based
``benefits_for_partners(partner_ids=[...])``.

A partner holds its tier's benefits while a grace period runs or a pin holds. A partner without a
tier gets the defaults from settings (``PRM_TIER_DEFAULT_BENEFITS``): 90 days of deal protection,
no MDF, no discount, no priority review, unless the deployment says otherwise.

Both read partner-owned rows: call them inside a scope that covers the partner(s) (the portal,
the admin and partner tasks already are).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from partners.models import PartnerTier

BUILTIN_DEFAULTS = {
    "deal_protection_days": 90,
    "mdf_allocation_per_quarter": None,
    "mdf_accrual_percent": None,
    "mdf_cost_share_percent": None,
    "discount_percent": "0",
    "priority_review": False,
}


@dataclass(frozen=True)
class TierBenefits:
    """What a partner's tier gives it. Amounts in ``currency`` (the base currency).

    ``mdf_allocation_per_quarter`` and ``mdf_accrual_percent``: at most one is set (a fixed fund or
    an accrual on won revenue); both None means no MDF.
    """

    tier_code: str | None
    tier_rank: int | None
    deal_protection_days: int
    mdf_allocation_per_quarter: Decimal | None
    mdf_accrual_percent: Decimal | None
    mdf_cost_share_percent: Decimal | None  # None: the MDF program's default applies
    discount_percent: Decimal
    priority_review: bool
    currency: str
    is_default: bool


def _decimal(value) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def default_benefits() -> TierBenefits:
    values = {**BUILTIN_DEFAULTS, **getattr(settings, "PRM_TIER_DEFAULT_BENEFITS", {})}
    return TierBenefits(
        tier_code=None, tier_rank=None, deal_protection_days=int(values["deal_protection_days"]),
        mdf_allocation_per_quarter=_decimal(values["mdf_allocation_per_quarter"]),
        mdf_accrual_percent=_decimal(values["mdf_accrual_percent"]),
        mdf_cost_share_percent=_decimal(values.get("mdf_cost_share_percent")),
        discount_percent=_decimal(values["discount_percent"]) or Decimal("0"),
        priority_review=bool(values["priority_review"]), currency=settings.BASE_CURRENCY, is_default=True,
    )


def benefits_of_tier(tier) -> TierBenefits:
    return TierBenefits(
        tier_code=tier.code, tier_rank=tier.rank, deal_protection_days=tier.deal_protection_days,
        mdf_allocation_per_quarter=tier.mdf_allocation_per_quarter, mdf_accrual_percent=tier.mdf_accrual_percent,
        mdf_cost_share_percent=tier.mdf_cost_share_percent,
        discount_percent=tier.discount_percent, priority_review=tier.priority_review, currency=tier.currency,
        is_default=False,
    )


def benefits_for_partners(*, partner_ids: Iterable[int]) -> dict[int, TierBenefits]:
    """Benefits of every partner in ``partner_ids`` (defaults where it has no tier). One query."""
    ids = [int(pid) for pid in partner_ids]
    found = {
        row.partner_id: benefits_of_tier(row.tier)
        for row in PartnerTier.objects.filter(partner_id__in=ids, tier__isnull=False).select_related("tier")
    }
    defaults = default_benefits()
    return {pid: found.get(pid, defaults) for pid in ids}


def benefits_for(*, partner) -> TierBenefits:
    """Benefits of one partner (a PartnerOrganization or its id). One query."""
    pid = int(getattr(partner, "pk", partner))
    return benefits_for_partners(partner_ids=[pid])[pid]
