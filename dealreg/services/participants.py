"""Multi-partner deals: the registering partner invites other partners onto its deal with a role and a
share of the attribution; the invited partner accepts or declines; the registering partner can withdraw.

Shares of live invitations (invited or accepted) never sum past 100: every change takes the deal's
row lock first and re-reads the sum under it. Rows of the other side are reached only through
dealreg.shared_deals.
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dealreg import (
    participant_notices,  # noqa: F401 - registers the notification kinds
    shared_deals,
)
from dealreg.models import Deal, DealParticipant
from prm.common.audit import audit
from prm.notifications.services import notify

MAX_TOTAL_SHARE = Decimal("100")
# A partner can be invited while the deal is still being worked; not onto a closed or refused one.
INVITABLE_STATUSES = (Deal.Status.DRAFT, Deal.Status.SUBMITTED, Deal.Status.MORE_INFO, Deal.Status.APPROVED)


class ParticipantError(ValidationError):
    """An invitation onto a deal cannot be made or answered."""


def _clean_share(share) -> Decimal:
    try:
        value = Decimal(str(share)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise ParticipantError(_("Enter the share as a number between 0 and 100."), code="share_invalid")
    if value < 0 or value > MAX_TOTAL_SHARE:
        raise ParticipantError(_("Enter the share as a number between 0 and 100."), code="share_invalid")
    return value


def _portal_url(name: str, **kwargs) -> str:
    try:
        path = reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        path = reverse("partners:home")
    return settings.SITE_URL.rstrip("/") + path


@transaction.atomic
def participant_invite(*, deal: Deal, partner_id: int, role: str, share, actor) -> DealParticipant:
    """Invite an active partner onto ``deal`` (called in the registering partner's scope).

    Locks the deal row, then checks under the lock: the deal is still open, the partner is active, not
    the registering partner, not already on the deal, and the shares stay at most 100 in total.
    The invited partner's admins are notified after commit.
    """
    share = _clean_share(share)
    if role not in DealParticipant.Role.values:
        raise ParticipantError(_("Choose a role for the partner."), code="role_invalid")
    deal = Deal.objects.select_for_update(of=("self",)).select_related("partner").get(pk=deal.pk)
    if deal.status not in INVITABLE_STATUSES:
        raise ParticipantError(_("Partners can only be invited onto open registrations."), code="deal_closed")
    invited = shared_deals.partner_choice_get(partner_id=partner_id)
    if invited is None:
        raise ParticipantError(_("Choose an active partner organisation."), code="partner_invalid")
    if invited.id == deal.partner_id:
        raise ParticipantError(_("Your own organisation is already on this deal."), code="partner_self")
    if shared_deals.has_active_participation(deal_id=deal.pk, partner_id=invited.id):
        raise ParticipantError(_("%(partner)s is already invited onto this deal.") % {"partner": invited.name},
                               code="partner_duplicate")
    total = shared_deals.active_share_total(deal_id=deal.pk)
    if total + share > MAX_TOTAL_SHARE:
        raise ParticipantError(
            _("The shares of all partners on a deal cannot exceed 100%%; %(left)s%% is left.")
            % {"left": (MAX_TOTAL_SHARE - total).quantize(Decimal("0.01"))},
            code="share_exceeded",
        )
    participant = DealParticipant(partner_id=invited.id, deal=deal, role=role, share=share,
                                  status=DealParticipant.Status.INVITED, invited_by=actor)
    try:
        with transaction.atomic():
            participant.save(force_insert=True)  # the row belongs to the invited partner
    except IntegrityError:
        raise ParticipantError(_("%(partner)s is already invited onto this deal.") % {"partner": invited.name},
                               code="partner_duplicate")
    audit(actor=actor, action="dealreg.participant.invited", target=deal,
          data={"participant_id": participant.pk, "invited_partner_id": invited.id, "role": role, "share": str(share)})
    url = _portal_url("dealreg:shared_deal_detail", pk=participant.pk)
    inviting_partner = deal.partner.name
    for user in shared_deals.partner_admin_users(partner_id=invited.id):
        notify(kind="dealreg.participant_invited", recipient=user, subject=participant, partner=invited.id,
               context={"inviting_partner": inviting_partner, "customer_name": deal.customer_name, "role": role,
                        "share": str(share), "url": url})
    return participant


@transaction.atomic
def participant_respond(*, partner, participant_id: int, accept: bool, actor) -> DealParticipant:
    """The invited partner accepts or declines (called in its scope). Only a pending invitation can be answered."""
    # The row lock orders this against a concurrent withdrawal; answering changes no share.
    participant = DealParticipant.objects.select_for_update().get(partner=partner, pk=participant_id)
    if participant.status != DealParticipant.Status.INVITED:
        raise ParticipantError(_("This invitation has already been answered or withdrawn."), code="not_pending")
    participant.status = DealParticipant.Status.ACCEPTED if accept else DealParticipant.Status.DECLINED
    participant.responded_by = actor
    participant.responded_at = timezone.now()
    participant.save(update_fields=["status", "responded_by", "responded_at"])
    audit(actor=actor, action=f"dealreg.participant.{'accepted' if accept else 'declined'}", target=participant)
    owner_partner_id, owner, reference = shared_deals.deal_owner_contact(deal_id=participant.deal_id)
    if owner is not None and owner.is_active:
        notify(kind="dealreg.participant_responded", recipient=owner, subject=participant, partner=owner_partner_id,
               window=participant.status,
               context={"partner_name": participant.partner.name, "accepted": bool(accept), "reference": reference,
                        "role": participant.role, "url": _portal_url("dealreg:deal_detail", pk=participant.deal_id)})
    return participant


@transaction.atomic
def participant_withdraw(*, deal: Deal, participant_id: int, actor) -> DealParticipant:
    """The registering partner takes a partner off its deal (called in its scope); the share is freed."""
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    participant = shared_deals.participant_for_deal_owner(deal=deal, participant_id=participant_id, lock=True)
    if participant.status not in DealParticipant.ACTIVE_STATUSES:
        raise ParticipantError(_("This partner is no longer on the deal."), code="not_active")
    participant.status = DealParticipant.Status.REMOVED
    participant.save(update_fields=["status"])
    audit(actor=actor, action="dealreg.participant.removed", target=deal,
          data={"participant_id": participant.pk, "invited_partner_id": participant.partner_id})
    return participant
