"""Partner status changes. Suspending or offboarding ends every session and token of its people at once."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Membership, PartnerOrganization
from prm.common.audit import audit
from prm.tenancy.scoping import partner_scope

from .errors import MembershipError
from .sessions import end_user_access

CLOSED = {PartnerOrganization.Status.SUSPENDED, PartnerOrganization.Status.OFFBOARDED}


@transaction.atomic
def partner_set_status(*, partner: PartnerOrganization, status: str, actor, reason: str = "") -> PartnerOrganization:
    partner = PartnerOrganization.objects.select_for_update().get(pk=partner.pk)
    if status not in PartnerOrganization.Status.values:
        raise MembershipError(_("Unknown status."))
    if status in CLOSED and not reason.strip():
        raise MembershipError(_("A reason is required."))
    previous = partner.status
    if previous == status:
        return partner
    partner.status = status
    partner.status_changed_at = timezone.now()
    update_fields = ["status", "status_changed_at"]
    if status == PartnerOrganization.Status.ACTIVE and partner.activated_at is None:
        partner.activated_at = partner.status_changed_at  # time to first value counts from here
        update_fields.append("activated_at")
    partner.save(update_fields=update_fields)
    audit(actor=actor, action=f"partners.partner.{status}", target=partner, partner=partner,
          data={"from": previous, "reason": reason})
    if status in CLOSED:
        with partner_scope(partner):
            user_ids = list(Membership.objects.filter(is_active=True).values_list("user_id", flat=True))
        # Sessions and tokens end for all of them (people in another partner too: they sign in again).
        transaction.on_commit(lambda: end_user_access(user_ids=user_ids))
    return partner
