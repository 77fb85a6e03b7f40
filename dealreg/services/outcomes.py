"""Outcomes: a registration closes as won (final amount, currency, date) or lost (reason).

Won revenue is converted to settings.BASE_CURRENCY at the dated rate of the close date and stored with
the rate used, so later rate changes never rewrite history. The revenue selectors (dealreg.revenue)
read these columns: sourced revenue for the registering partner, influenced revenue for participants.
"""

from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealreg.models import Deal
from prm.common.audit import audit
from prm.common.fx import to_base

from .errors import DealStateError

# Partners close what they own once it is approved (or ran out of protection); staff may also close a
# registration still waiting for a decision, e.g. when the customer decided first.
PARTNER_CLOSABLE = (Deal.Status.APPROVED, Deal.Status.EXPIRED)
STAFF_CLOSABLE = (*PARTNER_CLOSABLE, Deal.Status.SUBMITTED, Deal.Status.MORE_INFO)


class OutcomeError(ValidationError):
    """The outcome cannot be recorded as given (amount, currency, date, reason)."""


def _lock_closable(*, deal: Deal, actor) -> Deal:
    deal = Deal.objects.select_for_update().get(pk=deal.pk)
    allowed = STAFF_CLOSABLE if getattr(actor, "is_staff", False) else PARTNER_CLOSABLE
    if deal.status not in allowed:
        raise DealStateError(_("This registration cannot be closed in its current state (%(status)s).")
                             % {"status": deal.get_status_display()}, code="not_closable")
    return deal


def _clean_date(closed_on) -> date:
    if not isinstance(closed_on, date):
        raise OutcomeError(_("Enter the date the deal closed."), code="date_invalid")
    if closed_on > timezone.localdate():
        raise OutcomeError(_("The close date cannot be in the future."), code="date_future")
    return closed_on


@transaction.atomic
def deal_close_won(*, deal: Deal, amount, currency: str, closed_on: date, actor) -> Deal:
    """Record a win: amount in ``currency``, converted to the base currency at ``closed_on``'s rate.

    Locks the deal row; fails with a translated error (nothing saved) when no rate is recent enough.
    The partner's first win is passed to partners' time-to-first-value record.
    """
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise OutcomeError(_("Enter the final amount as a number."), code="amount_invalid")
    if amount <= 0:
        raise OutcomeError(_("The final amount must be more than zero."), code="amount_invalid")
    currency = (currency or "").strip().upper()
    if currency not in settings.CURRENCIES:
        raise OutcomeError(_("Choose one of the supported currencies."), code="currency_invalid")
    closed_on = _clean_date(closed_on)
    deal = _lock_closable(deal=deal, actor=actor)
    amount_base, rate = to_base(amount=amount, currency=currency, on=closed_on)  # FxRateMissingError: nothing saved
    deal.status = Deal.Status.WON
    deal.closed_at = closed_on
    deal.won_amount, deal.won_currency = amount, currency
    deal.won_amount_base, deal.fx_rate = amount_base, rate
    deal.lost_reason = ""
    deal.save(update_fields=["status", "closed_at", "won_amount", "won_currency", "won_amount_base", "fx_rate",
                             "lost_reason", "updated_at"])
    audit(actor=actor, action="dealreg.deal.won", target=deal,
          data={"amount": str(amount), "currency": currency, "amount_base": str(amount_base), "fx_rate": str(rate),
                "base_currency": settings.BASE_CURRENCY, "closed_on": closed_on.isoformat()})
    _record_first_win(deal=deal, closed_on=closed_on)
    return deal


@transaction.atomic
def deal_close_lost(*, deal: Deal, reason: str, closed_on: date, actor) -> Deal:
    """Record a loss with its reason (required). Locks the deal row."""
    reason = (reason or "").strip()
    if not reason:
        raise OutcomeError(_("Say why the deal was lost."), code="reason_required")
    closed_on = _clean_date(closed_on)
    deal = _lock_closable(deal=deal, actor=actor)
    deal.status = Deal.Status.LOST
    deal.closed_at = closed_on
    deal.lost_reason = reason
    deal.won_amount = deal.won_amount_base = deal.fx_rate = None
    deal.won_currency = ""
    deal.save(update_fields=["status", "closed_at", "lost_reason", "won_amount", "won_currency", "won_amount_base",
                             "fx_rate", "updated_at"])
    audit(actor=actor, action="dealreg.deal.lost", target=deal, data={"closed_on": closed_on.isoformat()})
    return deal


def _record_first_win(*, deal: Deal, closed_on: date) -> None:
    try:
        from partners.services.onboarding import partner_record_first_deal
    except ImportError:  # the onboarding area is optional for deal registration
        return
    from partners.models import PartnerOrganization

    partner = PartnerOrganization.objects.get(pk=deal.partner_id)
    partner_record_first_deal(partner=partner, won_at=datetime.combine(closed_on, time.min, tzinfo=UTC))
