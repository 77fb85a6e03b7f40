"""Reads for partners: every list is one query (plus a count) whatever its length."""

from django.db.models import Count, Q

from .models import Invitation, Membership, PartnerOrganization


def member_list_for_portal(*, partner: PartnerOrganization):
    return Membership.objects.filter(partner=partner, is_active=True).select_related("user").order_by("user__email")


def invitation_list_pending(*, partner: PartnerOrganization):
    return Invitation.objects.pending().filter(partner=partner).select_related("invited_by").order_by("-created_at")


def member_get(*, partner: PartnerOrganization, pk: int) -> Membership:
    """One active member of the partner; another partner's id is simply not found (404)."""
    return Membership.objects.select_related("user").get(partner=partner, pk=pk, is_active=True)


def partner_summary(*, partner: PartnerOrganization) -> dict:
    counts = Membership.objects.filter(partner=partner).aggregate(
        members=Count("id", filter=Q(is_active=True)),
        admins=Count("id", filter=Q(is_active=True, role=Membership.Role.ADMIN)),
    )
    counts["pending_invitations"] = Invitation.objects.pending().filter(partner=partner).count()
    return counts


def partner_list_for_staff(*, partner_ids: list[int] | None):
    qs = PartnerOrganization.objects.select_related("region", "channel_manager")
    return qs if partner_ids is None else qs.filter(pk__in=partner_ids)


def partner_counts_by_region_and_status(*, partner_ids: list[int] | None) -> list[dict]:
    qs = partner_list_for_staff(partner_ids=partner_ids)
    return list(qs.values("region__name", "status").annotate(n=Count("id")).order_by("region__name", "status"))
