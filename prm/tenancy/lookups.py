"""Reads that must happen before a partner scope exists: whose member is this user, whose invitation is this token.

Everything here runs unscoped and returns rows that belong to the caller (their own memberships,
the invitation that their token proves), never a list of other partners' rows.
"""

from django.utils import timezone

from partners.models import Invitation, Membership, PartnerOrganization
from prm.accounts.models import ApiToken

from .scoping import unscoped


def memberships_for_user(*, user) -> list[Membership]:
    """The user's active memberships in partners that may use the portal, by partner name."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    with unscoped():
        return list(
            Membership.objects.filter(
                user=user, is_active=True, partner__status__in=PartnerOrganization.PORTAL_STATUSES
            )
            .select_related("partner", "partner__region", "partner__channel_manager")
            .order_by("partner__name", "partner_id")
        )


def has_blocked_membership(*, user) -> bool:
    """True when the user belongs to a partner whose access is closed (suspended or offboarded)."""
    with unscoped():
        return Membership.objects.filter(user=user, is_active=True).exclude(
            partner__status__in=PartnerOrganization.PORTAL_STATUSES
        ).exists()


def membership_for_user(*, user, partner_id: int | None = None) -> Membership | None:
    """The membership the request acts under: the chosen partner if the user belongs to it, else the first."""
    memberships = memberships_for_user(user=user)
    if not memberships:
        return None
    if partner_id is not None:
        for membership in memberships:
            if membership.partner_id == partner_id:
                return membership
    return memberships[0]


def invitation_for_token(*, raw_token: str) -> Invitation | None:
    """The invitation a token proves, whatever its state (the caller explains expired/used ones)."""
    if not raw_token or len(raw_token) > 200:
        return None
    with unscoped():
        return (
            Invitation.objects.select_related("partner", "invited_by")
            .filter(token_hash=Invitation.hash_token(raw_token))
            .first()
        )


def api_token_for_key(*, raw_key: str) -> ApiToken | None:
    if not raw_key or not raw_key.startswith(ApiToken.PREFIX) or len(raw_key) > 200:
        return None
    token = ApiToken.objects.active().select_related("user").filter(key_hash=ApiToken.hash_key(raw_key)).first()
    if token is not None:
        # Throttle the write: once a minute is precise enough for "last used".
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def staff_partner_ids(*, user) -> list[int] | None:
    """Partners a staff user may see: None for operators (all), else those of the user's regions."""
    if user.is_operator:
        return None
    if not (user.is_channel_manager or user.is_executive):
        return []
    region_ids = list(user.regions.values_list("id", flat=True))
    return list(PartnerOrganization.objects.in_regions(region_ids).values_list("id", flat=True))
