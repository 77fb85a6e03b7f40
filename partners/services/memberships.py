"""Membership changes: roles and flags, removal (which ends sessions and tokens at once)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Membership
from prm.common.audit import audit

from .errors import MembershipError
from .sessions import end_user_access


def _active_admins(partner_id) -> int:
    return Membership.objects.filter(partner_id=partner_id, role=Membership.Role.ADMIN, is_active=True).count()


@transaction.atomic
def membership_update(*, membership: Membership, actor, role: str, can_register_deals: bool, can_claim_mdf: bool,
                      can_manage_users: bool) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Membership.Role.ADMIN and role != Membership.Role.ADMIN and _active_admins(membership.partner_id) <= 1:
        raise MembershipError(_("A partner needs at least one partner admin."))
    before = {"role": membership.role, "can_register_deals": membership.can_register_deals,
              "can_claim_mdf": membership.can_claim_mdf, "can_manage_users": membership.can_manage_users}
    membership.role = role
    membership.can_register_deals = can_register_deals
    membership.can_claim_mdf = can_claim_mdf
    membership.can_manage_users = can_manage_users
    membership.save(update_fields=["role", "can_register_deals", "can_claim_mdf", "can_manage_users"])
    audit(actor=actor, action="partners.membership.changed", target=membership, data={"before": before})
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor) -> Membership:
    """Remove a member: their access to this partner ends at once; the user and the records stay."""
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if not membership.is_active:
        return membership
    if membership.role == Membership.Role.ADMIN and _active_admins(membership.partner_id) <= 1:
        raise MembershipError(_("A partner needs at least one partner admin."))
    if actor is not None and actor.pk == membership.user_id:
        raise MembershipError(_("You cannot remove yourself."))
    membership.is_active = False
    membership.removed_at = timezone.now()
    membership.save(update_fields=["is_active", "removed_at"])
    audit(actor=actor, action="partners.membership.removed", target=membership)
    user_id = membership.user_id
    transaction.on_commit(lambda: end_user_access(user_ids=[user_id]))
    return membership
