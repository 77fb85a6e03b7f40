"""Protection extensions: the partner asks (with a reason) near the end of a protection; a manager
approves (a new end date) or denies (with a note). The partner hears the decision in their language."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dealreg.models import Deal, DealEvent, DealRegistrationPolicy, ExtensionRequest
from prm.common.audit import audit
from prm.notifications.services import notify

from .errors import DealStateError
from .events import record_event
from .notices import deal_context, partner_recipients, recipient_language

MIN_REASON_LENGTH = 10


def extension_can_request(*, deal: Deal, today: date) -> tuple[bool, str]:
    """(allowed, why not) for the portal: approved, within the policy's window, under the limit."""
    policy = DealRegistrationPolicy.get()
    if not deal.is_protected or deal.protected_until < today:
        return False, _("Only protected registrations can be extended.")
    if (deal.protected_until - today).days > policy.extension_window_days:
        return False, _("Extensions can be requested in the last %(days)d days of the protection.") % {
            "days": policy.extension_window_days}
    requests = list(ExtensionRequest.objects.filter(deal=deal).values_list("status", flat=True))
    if ExtensionRequest.Status.PENDING in requests:
        return False, _("An extension request is already waiting for a decision.")
    if requests.count(ExtensionRequest.Status.APPROVED) >= policy.max_extensions:
        return False, _("This registration has had the most extensions the program allows.")
    return True, ""


@transaction.atomic
def extension_request(*, deal: Deal, actor, reason: str, now: datetime | None = None) -> ExtensionRequest:
    """The partner asks to extend an approved registration's protection."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError({"reason": [_("Explain in a sentence why the deal needs more time.")]})
    deal = Deal.objects.select_for_update().select_related("partner").get(pk=deal.pk)
    allowed, why_not = extension_can_request(deal=deal, today=timezone.localdate(now))
    if not allowed:
        raise DealStateError(why_not, code="state")
    try:
        with transaction.atomic():
            extension = ExtensionRequest.objects.create(
                partner_id=deal.partner_id, deal=deal, reason=reason, requested_by=actor, requested_at=now,
                protected_until_before=deal.protected_until,
            )
    except IntegrityError:
        raise DealStateError(_("An extension request is already waiting for a decision."), code="state")
    record_event(deal=deal, kind=DealEvent.Kind.EXTENSION_REQUESTED, actor=actor, at=now, data={"reason": reason})
    audit(actor=actor, action="dealreg.extension.requested", target=extension, data={"deal_id": deal.pk})
    manager = deal.partner.channel_manager
    if manager is not None and manager.is_active:
        context = {key: value for key, value in deal_context(deal).items() if key != "deal_url"}  # a portal page
        site = settings.SITE_URL.rstrip("/")
        notify(kind="dealreg.extension_requested", recipient=manager, subject=extension, partner=deal.partner_id,
               context={**context, "partner_name": deal.partner.name, "reason": reason,
                        "admin_url": site + reverse("admin:dealreg_extensionrequest_decide", args=[extension.pk])})
    return extension


def _locked_pending(extension: ExtensionRequest) -> tuple[ExtensionRequest, Deal]:
    deal = Deal.objects.select_for_update().select_related("partner", "registered_by").get(pk=extension.deal_id)
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension.pk)
    if extension.status != ExtensionRequest.Status.PENDING:
        raise DealStateError(_("This extension request has already been decided."), code="state")
    return extension, deal


def _notify_decision(*, extension: ExtensionRequest, deal: Deal) -> None:
    for user in partner_recipients(deal=deal):
        notify(kind="dealreg.extension_decided", recipient=user, subject=extension, partner=deal.partner_id,
               language=recipient_language(user),
               context=deal_context(deal, approved=extension.status == ExtensionRequest.Status.APPROVED,
                                    note=extension.decision_note))


@transaction.atomic
def extension_approve(*, extension: ExtensionRequest, actor, protected_until: date | None = None, note: str = "",
                      now: datetime | None = None) -> ExtensionRequest:
    """Approve: the protection ends on ``protected_until`` (default: the policy's days added to the current end)."""
    now = now or timezone.now()
    extension, deal = _locked_pending(extension)
    if not deal.is_protected:
        raise DealStateError(_("The registration is no longer protected."), code="state")
    current = deal.protected_until
    new_end = protected_until or current + timedelta(days=DealRegistrationPolicy.get().extension_days)
    if new_end <= current:
        raise ValidationError({"protected_until": [_("The new end must be after the current one (%(date)s).")
                                                   % {"date": current.isoformat()}]})
    deal.protected_until = new_end
    deal.save(update_fields=["protected_until", "updated_at"])
    extension.status = ExtensionRequest.Status.APPROVED
    extension.protected_until_after = new_end
    extension.decided_by = actor
    extension.decided_at = now
    extension.decision_note = (note or "").strip()
    extension.save()
    record_event(deal=deal, kind=DealEvent.Kind.EXTENSION_APPROVED, actor=actor, at=now,
                 data={"protected_until": new_end.isoformat(), **({"note": extension.decision_note}
                                                                 if extension.decision_note else {})})
    audit(actor=actor, action="dealreg.extension.approved", target=extension,
          data={"deal_id": deal.pk, "before": current.isoformat(), "after": new_end.isoformat()})
    _notify_decision(extension=extension, deal=deal)
    return extension


@transaction.atomic
def extension_deny(*, extension: ExtensionRequest, actor, note: str, now: datetime | None = None) -> ExtensionRequest:
    """Deny, with a note the partner reads. The protection ends as planned."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": [_("Tell the partner why.")]})
    extension, deal = _locked_pending(extension)
    extension.status = ExtensionRequest.Status.DENIED
    extension.decided_by = actor
    extension.decided_at = now
    extension.decision_note = note
    extension.save()
    record_event(deal=deal, kind=DealEvent.Kind.EXTENSION_DENIED, actor=actor, at=now, data={"note": note})
    audit(actor=actor, action="dealreg.extension.denied", target=extension, data={"deal_id": deal.pk})
    _notify_decision(extension=extension, deal=deal)
    return extension
