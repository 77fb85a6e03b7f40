"""Revenue reads for tiers and analytics, set-based over partner ids: one aggregate query per call.

Sourced revenue is the won amount (in the base currency, at the close date's rate) of the deals a
partner registered; influenced revenue is a participant's share of the deals it accepted a role on.
The caller's scope must cover ``partner_ids`` (the tier engine opens one per chunk).
"""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Min, Sum

from .models import Deal, DealParticipant

MONEY = DecimalField(max_digits=18, decimal_places=2)


def ttm_start(as_of: date) -> date:
    """The first day of the trailing twelve months ending on ``as_of`` (inclusive): 2026-03-15 -> 2025-03-16."""
    try:
        year_ago = as_of.replace(year=as_of.year - 1)
    except ValueError:  # 29 February
        year_ago = as_of.replace(year=as_of.year - 1, day=28)
    return date.fromordinal(year_ago.toordinal() + 1)


def _won_ttm(partner_ids: Iterable[int], as_of: date):
    return Deal.objects.filter(partner_id__in=list(partner_ids), status=Deal.Status.WON,
                               closed_at__gte=ttm_start(as_of), closed_at__lte=as_of)


def won_revenue_ttm(partner_ids: Iterable[int], as_of: date) -> dict[int, Decimal]:
    """Sourced revenue: base-currency won amounts of each partner's own registrations closed in the TTM window."""
    rows = _won_ttm(partner_ids, as_of).values("partner_id").annotate(total=Sum("won_amount_base"))
    return {row["partner_id"]: row["total"] or Decimal("0") for row in rows}


def won_deals_ttm(partner_ids: Iterable[int], as_of: date) -> dict[int, int]:
    """Number of each partner's own registrations won in the TTM window."""
    rows = _won_ttm(partner_ids, as_of).values("partner_id").annotate(n=Count("id"))
    return {row["partner_id"]: row["n"] for row in rows}


def won_ttm(partner_ids: Iterable[int], as_of: date) -> dict[str, dict[int, Decimal | int]]:
    """Sourced revenue and won deals from one query (the tier engine's group provider)."""
    rows = _won_ttm(partner_ids, as_of).values("partner_id").annotate(total=Sum("won_amount_base"), n=Count("id"))
    return {
        "won_revenue_ttm": {row["partner_id"]: row["total"] or Decimal("0") for row in rows},
        "won_deals_ttm": {row["partner_id"]: row["n"] for row in rows},
    }


def influenced_revenue_ttm(partner_ids: Iterable[int], as_of: date) -> dict[int, Decimal]:
    """Influenced revenue: each partner's share (percent) of the won deals it accepted a role on, TTM window.

    Rounded to cents per partner, after summing (shares of several deals add up before rounding).
    """
    credited = ExpressionWrapper(F("deal__won_amount_base") * F("share") / Decimal("100"), output_field=MONEY)
    rows = (
        DealParticipant.objects.filter(
            partner_id__in=list(partner_ids), status=DealParticipant.Status.ACCEPTED, deal__status=Deal.Status.WON,
            deal__closed_at__gte=ttm_start(as_of), deal__closed_at__lte=as_of,
        )
        .values("partner_id")
        .annotate(total=Sum(credited))
    )
    return {row["partner_id"]: Decimal(row["total"] or 0).quantize(Decimal("0.01")) for row in rows}


def first_registered_at(partner_ids: Iterable[int]) -> dict[int, datetime]:
    """When each partner first submitted a registration (drafts do not count)."""
    rows = (Deal.objects.filter(partner_id__in=list(partner_ids), registered_at__isnull=False)
            .values("partner_id").annotate(first=Min("registered_at")))
    return {row["partner_id"]: row["first"] for row in rows}


def first_won_on(partner_ids: Iterable[int]) -> dict[int, date]:
    """The close date of each partner's first won registration."""
    rows = (Deal.objects.filter(partner_id__in=list(partner_ids), status=Deal.Status.WON, closed_at__isnull=False)
            .values("partner_id").annotate(first=Min("closed_at")))
    return {row["partner_id"]: row["first"] for row in rows}
