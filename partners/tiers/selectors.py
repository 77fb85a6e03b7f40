"""Reads of tier history and states for the portal, the API and the admin (the caller's scope applies)."""

from partners.models import PartnerTier, TierChange

PORTAL_HISTORY = 20


def tier_history_for_partner(*, partner, limit: int | None = PORTAL_HISTORY):
    """The partner's tier changes, newest first, with both tiers (one query)."""
    qs = (TierChange.objects.filter(partner=partner).select_related("from_tier", "to_tier")
          .order_by("-at", "-id"))
    return qs[:limit] if limit else qs


def partner_tier_list_for_staff():
    """Tier states of the partners in the staff user's scope, for the admin list."""
    return PartnerTier.objects.select_related("partner", "partner__region", "tier", "pending_tier", "pinned_tier")


def priority_review_expression(partner_field: str = "partner_id"):
    """True where the row's partner holds a tier with priority review: approval queues (deal registrations,
    MDF requests and claims) put those first, as the tier's benefits promise. Evaluate in the caller's scope."""
    from django.db.models import Exists, OuterRef

    return Exists(PartnerTier.objects.filter(partner_id=OuterRef(partner_field), tier__priority_review=True))
