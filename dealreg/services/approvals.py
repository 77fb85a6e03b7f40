"""Decisions on registrations: approve (by a manager or an auto-approval rule), reject, ask for more
information, in bulk; and the SLA escalation of registrations that wait too long.

Rules of engagement enforced here: the first approved registration wins, and two conflicting
registrations are never both protected. An approval re-checks conflicts while holding its
customer's decision locks (dealreg.services.locks: any two customers the engine could call
conflicting share one; unrelated approvals run side by side) and the registration's row lock, so of
two managers approving conflicting registrations at once exactly one succeeds. Vendor-direct
accounts follow the operators' policy (allowed / co-sell / refused). Every decision is audited and e-mailed to the partner (the
registrant and the partner's admins) in each person's language.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealreg.models import AutoApprovalRule, Deal, DealEvent, DealRegistrationPolicy, RejectionReason
from prm.common.audit import audit
from prm.notifications.services import notify

from .conflict_check import ConflictSummary, check_conflicts
from .errors import DealConflictError, DealStateError
from .events import record_event
from .locks import Customer, decision_lock_for
from .notices import deal_context, partner_recipients, recipient_language
from .protection import protection_end, tier_rank_for

DECIDABLE_STATUSES = (Deal.Status.SUBMITTED, Deal.Status.MORE_INFO)


def _decision_window(now: datetime) -> str:
    # One e-mail per decision: a registration sent back and decided again is a new reason to write.
    return "d-" + now.strftime("%Y%m%dT%H%M%S")


def _locked(deal: Deal) -> Deal:
    return Deal.objects.select_for_update().select_related("partner", "registered_by").get(pk=deal.pk)


def _notify_partner(*, deal: Deal, kind: str, now: datetime, extra=None) -> None:
    """E-mail the decision to the registrant and the partner's admins; ``extra(language)`` adds
    per-language context (a reason label)."""
    for user in partner_recipients(deal=deal):
        language = recipient_language(user)
        context = deal_context(deal, **(extra(language) if extra else {}))
        notify(kind=kind, recipient=user, subject=deal, partner=deal.partner_id, window=_decision_window(now),
               language=language, context=context)


# --- approve ---------------------------------------------------------------------------------------------


def _apply_approval(*, deal: Deal, actor, summary: ConflictSummary, rule: AutoApprovalRule | None, note: str,
                    now: datetime) -> Deal:
    """Approve a locked registration (the caller holds its customer's decision locks) or raise DealConflictError."""
    policy = DealRegistrationPolicy.get()
    if [hit for hit in summary.protected_hits(min_score=policy.conflict_block_score) if hit.deal_id != deal.pk]:
        raise DealConflictError(_("Another registration for this customer is already protected."), code="protected")
    co_sell = False
    if summary.vendor_hits(min_score=policy.conflict_block_score):
        rule_value = policy.vendor_account_rule
        if rule_value == DealRegistrationPolicy.VendorAccountRule.REFUSED:
            raise DealConflictError(
                _("The customer is an existing vendor account; the program does not accept registrations for it."),
                code="vendor_account",
            )
        co_sell = rule_value == DealRegistrationPolicy.VendorAccountRule.CO_SELL
    today = timezone.localdate(now)
    # A registration approved again after a material change keeps its running protection: editing
    # must not be a way to prolong it.
    if deal.protected_until is None or deal.protected_until < today:
        deal.protected_until = protection_end(partner=deal.partner, start=today)
    deal.status = Deal.Status.APPROVED
    deal.decided_at = now
    deal.decided_by = actor if getattr(actor, "pk", None) else None
    deal.decided_by_rule = rule
    deal.decision_reason = note
    deal.rejection_reason = None
    deal.approved_value = deal.value
    deal.is_co_sell = co_sell
    deal.has_conflict = summary.has_conflict
    deal.conflict_score = summary.score
    deal.save()
    kind = DealEvent.Kind.AUTO_APPROVED if rule else DealEvent.Kind.APPROVED
    record_event(deal=deal, kind=kind, actor=actor, at=now,
                 data={"protected_until": deal.protected_until.isoformat(), "co_sell": co_sell,
                       **({"note": note} if note else {})})
    audit(actor=actor, action="dealreg.deal.auto_approved" if rule else "dealreg.deal.approved", target=deal,
          data={"rule_id": rule.pk if rule else None, "protected_until": deal.protected_until.isoformat(),
                "conflict_score": summary.score, "co_sell": co_sell})
    _notify_partner(deal=deal, kind="dealreg.deal_approved", now=now,
                    extra=lambda language: {"co_sell": co_sell, "note": note, "automatic": rule is not None})
    return deal


@transaction.atomic
def deal_approve(*, deal: Deal, actor, note: str = "", now: datetime | None = None) -> Deal:
    """A manager approves a submitted registration (or one waiting for more information).

    Raises DealStateError for other states, DealConflictError when a conflicting registration is
    protected or the customer is a vendor account the policy refuses.
    """
    now = now or timezone.now()
    locks = decision_lock_for(deal)
    deal = _locked(deal)
    locks.cover(Customer.of(deal))
    if deal.status not in DECIDABLE_STATUSES:
        raise DealStateError(_("Only registrations waiting for a decision can be approved."), code="state")
    return _apply_approval(deal=deal, actor=actor, summary=check_conflicts(deal=deal), rule=None,
                           note=(note or "").strip(), now=now)


# --- auto-approval ---------------------------------------------------------------------------------------


def value_in_currency(*, amount: Decimal, currency: str, target: str, on) -> Decimal | None:
    """``amount`` in ``target`` at the rate of ``on``; None when it cannot be converted."""
    if currency == target:
        return amount
    from prm.common.fx import convert

    try:
        converted, _rate = convert(amount=amount, from_currency=currency, to_currency=target, on=on)
    except ValidationError:  # prm.common.fx: no recent rate. The limit cannot be checked: the rule does not match.
        return None
    return converted


def matching_rule(*, deal: Deal, summary: ConflictSummary, today) -> AutoApprovalRule | None:
    """The first active rule (by priority) whose every condition the registration meets."""
    rules = list(AutoApprovalRule.objects.filter(is_active=True).order_by("priority", "id"))
    rank = None
    rank_known = False
    for rule in rules:
        if summary.score > rule.max_conflict_score:
            continue
        if rule.exclude_vendor_customers and summary.vendor_hits():
            continue
        if rule.max_value is not None:
            amount = value_in_currency(amount=deal.value, currency=deal.currency, target=rule.currency, on=today)
            if amount is None or amount > rule.max_value:
                continue
        if rule.min_tier_rank is not None:
            if not rank_known:
                rank, rank_known = tier_rank_for(deal.partner), True
            if rank is None or rank < rule.min_tier_rank:
                continue
        return rule
    return None


def auto_approve(*, deal: Deal, summary: ConflictSummary, now: datetime) -> Deal:
    """Approve a just-submitted registration when a rule matches (the rule is recorded as the decider).

    Called inside the submission's transaction, under the customer's decision locks; when the approval would
    break the rules of engagement the registration simply waits for a manager.
    """
    rule = matching_rule(deal=deal, summary=summary, today=timezone.localdate(now))
    if rule is None:
        return deal
    try:
        with transaction.atomic():
            return _apply_approval(deal=deal, actor=None, summary=summary, rule=rule, note="", now=now)
    except DealConflictError:
        deal.refresh_from_db()
        return deal


# --- reject, ask for more ---------------------------------------------------------------------------------


@transaction.atomic
def deal_reject(*, deal: Deal, actor, reason: RejectionReason | None, note: str = "",
                now: datetime | None = None) -> Deal:
    """Reject with a reason from the list (and free text; required when the reason asks for it)."""
    now = now or timezone.now()
    note = (note or "").strip()
    if reason is None or not reason.is_active:
        raise ValidationError({"reason": [_("Choose a reason.")]})
    if reason.requires_note and not note:
        raise ValidationError({"note": [_("Explain the reason to the partner.")]})
    deal = _locked(deal)
    if deal.status not in DECIDABLE_STATUSES:
        raise DealStateError(_("Only registrations waiting for a decision can be rejected."), code="state")
    deal.status = Deal.Status.REJECTED
    deal.rejection_reason = reason
    deal.decision_reason = note
    deal.decided_at = now
    deal.decided_by = actor
    deal.decided_by_rule = None
    deal.save()
    record_event(deal=deal, kind=DealEvent.Kind.REJECTED, actor=actor, at=now,
                 data={"reason": reason.code, **({"note": note} if note else {})})
    audit(actor=actor, action="dealreg.deal.rejected", target=deal, data={"reason": reason.code, "note": note})
    _notify_partner(deal=deal, kind="dealreg.deal_rejected", now=now,
                    extra=lambda language: {"reason_label": reason.label_in(language), "note": note})
    return deal


@transaction.atomic
def deal_request_more_info(*, deal: Deal, actor, message: str, now: datetime | None = None) -> Deal:
    """Ask the partner for more: the registration waits for them (the SLA clock stops) until resubmitted."""
    now = now or timezone.now()
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": [_("Tell the partner what you need.")]})
    deal = _locked(deal)
    if deal.status != Deal.Status.SUBMITTED:
        raise DealStateError(_("More information can only be requested for submitted registrations."), code="state")
    deal.status = Deal.Status.MORE_INFO
    deal.decision_reason = message
    deal.decided_at = now
    deal.decided_by = actor
    deal.save()
    record_event(deal=deal, kind=DealEvent.Kind.MORE_INFO, actor=actor, at=now, data={"message": message})
    audit(actor=actor, action="dealreg.deal.more_info_requested", target=deal, data={"message": message})
    _notify_partner(deal=deal, kind="dealreg.more_info_requested", now=now, extra=lambda language: {"message": message})
    return deal


# --- bulk ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkResult:
    done: list
    failed: list  # (deal, message)


def _bulk(deals, action) -> BulkResult:
    """Run ``action(deal)`` per registration, each in its own transaction: one failure stops nothing else."""
    done, failed = [], []
    for deal in deals:
        try:
            done.append(action(deal))
        except ValidationError as error:
            failed.append((deal, " ".join(error.messages)))
    return BulkResult(done=done, failed=failed)


def deals_bulk_approve(*, deals, actor, note: str = "") -> BulkResult:
    return _bulk(deals, lambda deal: deal_approve(deal=deal, actor=actor, note=note))


def deals_bulk_reject(*, deals, actor, reason: RejectionReason | None, note: str = "") -> BulkResult:
    return _bulk(deals, lambda deal: deal_reject(deal=deal, actor=actor, reason=reason, note=note))
