"""Activities: the partner's request for funds, the manager's pre-approval (which reserves the vendor's
share in the fund), cancellation and the lapse of an unclaimed activity.

Every write: one transaction, row locks (the activity, then its fund), an audit row, a timeline
event, and the partner's e-mail after commit (prm.notifications: at most once per reason).
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mdf.models import Activity, ActivityEvent, ActivityType, Fund, FundEntry, MdfProgram, MdfReferenceCounter
from partners.models import PartnerOrganization
from partners.tiers.benefits import benefits_for
from prm.common.audit import audit
from prm.common.money import format_money, minor_unit

from .errors import InsufficientFunds, MdfError
from .funds import fund_requestable
from .ledger import fund_lock, ledger_post, money
from .notices import info_window, notify_partner

Kind = FundEntry.Kind
Status = Activity.Status
REFERENCE_FORMAT = "MDF-{year}-{number:05d}"
EDITABLE_FIELDS = ("activity_type", "title", "description", "starts_on", "ends_on", "planned_cost",
                   "expected_leads", "expected_pipeline")


def next_reference(*, partner, year: int) -> str:
    """The partner's next activity reference for ``year`` (an atomic increment, safe under races)."""
    counters = MdfReferenceCounter.objects.filter(partner=partner, year=year)
    if not counters.update(last_number=F("last_number") + 1):
        try:
            with transaction.atomic():
                MdfReferenceCounter.objects.create(partner=partner, year=year, last_number=1)
        except IntegrityError:
            counters.update(last_number=F("last_number") + 1)
    number = counters.values_list("last_number", flat=True).get()
    return REFERENCE_FORMAT.format(year=year, number=number)


def cost_share_percent_for(*, partner) -> Decimal:
    """The vendor's share of an activity's cost: the partner's tier's, else the program's default."""
    tier_share = benefits_for(partner=partner).mdf_cost_share_percent
    return tier_share if tier_share is not None else MdfProgram.current().default_cost_share_percent


def record_event(*, activity: Activity, kind: str, actor=None, amount=None, message: str = "",
                 at: datetime | None = None) -> ActivityEvent:
    return ActivityEvent.objects.create(partner_id=activity.partner_id, activity=activity, kind=kind,
                                        at=at or timezone.now(), actor=actor if getattr(actor, "pk", None) else None,
                                        amount=amount, message=message)


def _derive(activity: Activity) -> None:
    activity.planned_cost = money(activity.planned_cost, activity.currency)
    activity.requested_amount = money(activity.planned_cost * activity.cost_share_percent / Decimal(100),
                                      activity.currency)


def _validate(activity: Activity) -> None:
    errors = {}
    if not (activity.title or "").strip():
        errors["title"] = [_("Give the activity a title.")]
    if activity.activity_type not in ActivityType.values:
        errors["activity_type"] = [_("Choose one of the activity types.")]
    if not activity.starts_on:
        errors["starts_on"] = [_("Enter the day the activity starts.")]
    if not activity.ends_on:
        errors["ends_on"] = [_("Enter the day the activity ends.")]
    if activity.ends_on and activity.starts_on and activity.ends_on < activity.starts_on:
        errors["ends_on"] = [_("The activity cannot end before it starts.")]
    if activity.planned_cost is None or activity.planned_cost <= 0:
        errors["planned_cost"] = [_("Enter the planned cost, more than zero.")]
    if errors:
        raise MdfError(errors, code="invalid")


def _validate_for_submission(activity: Activity, *, today: date) -> None:
    _validate(activity)
    if activity.starts_on < today - timedelta(days=1) and activity.status == Status.DRAFT:
        raise MdfError({"starts_on": [_("Ask for funds before the activity starts.")]}, code="starts_in_past")


@transaction.atomic
def activity_create(*, partner: PartnerOrganization, actor, values: dict, idempotency_key: str = "",
                    submit: bool = False, now: datetime | None = None) -> tuple[Activity, bool]:
    """Create a draft request (and submit it when ``submit``). Returns (activity, created).

    Idempotent per partner and ``idempotency_key``: a double click or a retried API call returns the
    first activity. With ``submit``, a request that fails the submission checks is not saved at all.
    """
    now = now or timezone.now()
    key = (idempotency_key or "").strip()[:64]
    if key:
        existing = Activity.objects.filter(partner=partner, idempotency_key=key).first()
        if existing is not None:
            return existing, False
    activity = Activity(partner=partner, created_by=actor, idempotency_key=key, currency=partner.currency,
                        cost_share_percent=cost_share_percent_for(partner=partner),
                        **{name: values[name] for name in EDITABLE_FIELDS if name in values})
    _validate(activity)
    _derive(activity)
    try:
        with transaction.atomic():
            activity.reference = next_reference(partner=partner, year=now.year)
            activity.save()
    except IntegrityError:
        if key:
            existing = Activity.objects.filter(partner=partner, idempotency_key=key).first()
            if existing is not None:
                return existing, False
        raise
    record_event(activity=activity, kind=ActivityEvent.Kind.CREATED, actor=actor, at=now)
    audit(actor=actor, action="mdf.activity.created", target=activity)
    if submit:
        activity = activity_submit(activity=activity, actor=actor, now=now)
    return activity, True


def _lock(activity: Activity) -> Activity:
    return Activity.objects.select_for_update().get(pk=activity.pk)


@transaction.atomic
def activity_update(*, activity: Activity, actor, values: dict) -> Activity:
    """Edit a draft, or a request sent back for more information. The cost share stays the one fixed at creation."""
    activity = _lock(activity)
    if activity.status not in Activity.EDITABLE_STATUSES:
        raise MdfError(_("Only drafts and requests sent back for more information can be edited."), code="state")
    for name in EDITABLE_FIELDS:
        if name in values:
            setattr(activity, name, values[name])
    _validate(activity)
    _derive(activity)
    activity.save()
    audit(actor=actor, action="mdf.activity.updated", target=activity)
    return activity


@transaction.atomic
def activity_submit(*, activity: Activity, actor, now: datetime | None = None) -> Activity:
    """Send a draft (or an answered information request) to the manager. Checks the fund it will draw
    from has the vendor's share available now; the reservation itself happens at pre-approval."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    activity = _lock(activity)
    if activity.status not in Activity.EDITABLE_STATUSES:
        raise MdfError(_("This request has already been submitted."), code="state")
    _validate_for_submission(activity, today=today)
    fund = fund_requestable(partner=activity.partner, today=today)
    if fund is None:
        raise InsufficientFunds(_("Your organisation has no market development fund open for this period."),
                                code="no_fund")
    if activity.requested_amount > fund.available:
        raise InsufficientFunds(
            {"planned_cost": [_("The vendor's share, %(amount)s, is more than the %(available)s available in your "
                                "%(period)s fund.") % {"amount": format_money(activity.requested_amount, activity.currency),
                                                       "available": format_money(fund.available, fund.currency),
                                                       "period": fund.label}]},
            code="insufficient_funds",
        )
    resubmission = activity.status == Status.MORE_INFO
    activity.fund = fund
    activity.status = Status.SUBMITTED
    activity.submitted_at = now
    activity.first_submitted_at = activity.first_submitted_at or now
    activity.save(update_fields=["fund", "status", "submitted_at", "first_submitted_at", "updated_at"])
    record_event(activity=activity, kind=ActivityEvent.Kind.SUBMITTED, actor=actor, amount=activity.requested_amount,
                 at=now)
    audit(actor=actor, action="mdf.activity.resubmitted" if resubmission else "mdf.activity.submitted", target=activity)
    return activity


@transaction.atomic
def activity_request_info(*, activity: Activity, actor, message: str) -> Activity:
    """The manager sends a request back with a question; the partner edits and resubmits."""
    message = (message or "").strip()
    if not message:
        raise MdfError({"message": [_("Say what information is missing.")]}, code="message_required")
    activity = _lock(activity)
    if activity.status != Status.SUBMITTED:
        raise MdfError(_("Only submitted requests can be sent back for information."), code="state")
    activity.status, activity.info_request, activity.info_requested_at = Status.MORE_INFO, message, timezone.now()
    activity.save(update_fields=["status", "info_request", "info_requested_at", "updated_at"])
    record_event(activity=activity, kind=ActivityEvent.Kind.INFO_REQUESTED, actor=actor, message=message)
    audit(actor=actor, action="mdf.activity.info_requested", target=activity, data={"message": message})
    notify_partner(kind="mdf.activity_info_requested", activity=activity, extra={"message": message},
                   window=info_window(activity.info_requested_at))
    return activity


@transaction.atomic
def activity_approve(*, activity: Activity, actor, amount=None, reason: str = "",
                     now: datetime | None = None) -> Activity:
    """Pre-approve a submitted request in full (``amount`` None) or in part (a reason is required),
    reserving the approved vendor share in its fund. Locks the activity, then the fund: concurrent
    approvals against one fund never reserve past its available balance."""
    now = now or timezone.now()
    activity = _lock(activity)
    if activity.status != Status.SUBMITTED:
        raise MdfError(_("Only submitted requests can be pre-approved."), code="state")
    approved = activity.requested_amount if amount in (None, "") else money(amount, activity.currency)
    reason = (reason or "").strip()
    if approved <= 0 or approved > activity.requested_amount:
        raise MdfError({"amount": [_("Approve between %(min)s and the requested %(max)s.") % {
            "min": format_money(minor_unit(activity.currency), activity.currency),
            "max": format_money(activity.requested_amount, activity.currency)}]}, code="amount_invalid")
    partial = approved < activity.requested_amount
    if partial and not reason:
        raise MdfError({"reason": [_("Give a reason for approving less than requested.")]}, code="reason_required")
    fund = fund_lock(fund_id=activity.fund_id)
    if fund.status != Fund.Status.OPEN:
        raise MdfError(_("The fund of this request has expired."), code="fund_expired")
    ledger_post(fund=fund, kind=Kind.RESERVATION, amount=approved, key=f"reservation:activity:{activity.pk}",
                occurred_on=timezone.localdate(now), actor=actor, reason=reason, activity=activity)
    program = MdfProgram.current()
    activity.status = Status.APPROVED
    activity.approved_amount = approved
    activity.claim_deadline = activity.ends_on + timedelta(days=program.claim_window_days)
    activity.decision_reason, activity.decided_by, activity.decided_at = reason, actor, now
    activity.save(update_fields=["status", "approved_amount", "claim_deadline", "decision_reason", "decided_by",
                                 "decided_at", "updated_at"])
    kind = ActivityEvent.Kind.PARTIALLY_APPROVED if partial else ActivityEvent.Kind.APPROVED
    record_event(activity=activity, kind=kind, actor=actor, amount=approved, message=reason, at=now)
    audit(actor=actor, action="mdf.activity.approved", target=activity,
          data={"amount": str(approved), "currency": activity.currency, "partial": partial, "reason": reason})
    notify_partner(kind="mdf.activity_approved", activity=activity,
                   extra={"amount": str(approved), "partial": partial, "reason": reason,
                          "claim_deadline": activity.claim_deadline.isoformat()})
    return activity


@transaction.atomic
def activity_reject(*, activity: Activity, actor, reason: str) -> Activity:
    """Refuse a submitted request, with a reason the partner reads. Nothing was reserved yet."""
    reason = (reason or "").strip()
    if not reason:
        raise MdfError({"reason": [_("Give a reason; the partner reads it.")]}, code="reason_required")
    activity = _lock(activity)
    if activity.status not in (Status.SUBMITTED, Status.MORE_INFO):
        raise MdfError(_("Only requests waiting for a decision can be rejected."), code="state")
    activity.status, activity.decision_reason = Status.REJECTED, reason
    activity.decided_by, activity.decided_at = actor, timezone.now()
    activity.save(update_fields=["status", "decision_reason", "decided_by", "decided_at", "updated_at"])
    record_event(activity=activity, kind=ActivityEvent.Kind.REJECTED, actor=actor, message=reason)
    audit(actor=actor, action="mdf.activity.rejected", target=activity, data={"reason": reason})
    notify_partner(kind="mdf.activity_rejected", activity=activity, extra={"reason": reason})
    return activity


def release_reservation(*, activity: Activity, amount: Decimal, key: str, actor=None, reason: str = "",
                        claim=None) -> None:
    """Give ``amount`` of the activity's reservation back to its fund (fund locked here). On a fund that has
    already expired the released money expires with it at once, so an expired fund never shows money available."""
    if amount <= 0:
        return
    fund = fund_lock(fund_id=activity.fund_id)
    today = timezone.localdate()
    ledger_post(fund=fund, kind=Kind.RELEASE, amount=amount, key=key, occurred_on=today, actor=actor, reason=reason,
                activity=activity, claim=claim)
    if fund.status == Fund.Status.EXPIRED:
        ledger_post(fund=fund, kind=Kind.EXPIRY, amount=amount, key=f"expiry:{key}", occurred_on=today,
                    reason=_("Released after the fund expired"), activity=activity, claim=claim)


def discard_draft_claim(*, activity: Activity) -> None:
    """Delete the activity's unsubmitted claim with its proof; the stored files go once the transaction commits."""
    from mdf.models import Claim, ProofFile

    drafts = Claim.objects.filter(activity=activity, status=Claim.Status.DRAFT)
    names = list(ProofFile.objects.filter(claim__in=drafts).values_list("file", flat=True))
    drafts.delete()
    if names:
        storage = ProofFile._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


@transaction.atomic
def activity_cancel(*, activity: Activity, actor, reason: str = "") -> Activity:
    """The partner withdraws a request. A pre-approved one gives its reservation back, unless a claim was filed."""
    activity = _lock(activity)
    if activity.status not in Activity.CANCELLABLE_STATUSES:
        raise MdfError(_("This activity can no longer be cancelled."), code="state")
    if activity.status == Status.APPROVED:
        from mdf.models import Claim

        claim = Claim.objects.filter(activity=activity).exclude(status=Claim.Status.DRAFT).first()
        if claim is not None:
            raise MdfError(_("A claim has been filed for this activity; it can no longer be cancelled."), code="claimed")
        discard_draft_claim(activity=activity)
        release_reservation(activity=activity, amount=activity.approved_amount, key=f"release:activity:{activity.pk}",
                            actor=actor, reason=reason or _("Activity cancelled"))
    activity.status = Status.CANCELLED
    activity.save(update_fields=["status", "updated_at"])
    record_event(activity=activity, kind=ActivityEvent.Kind.CANCELLED, actor=actor, message=reason)
    audit(actor=actor, action="mdf.activity.cancelled", target=activity, data={"reason": reason})
    return activity


@transaction.atomic
def activity_lapse(*, activity_id: int, today: date) -> bool:
    """Close a pre-approved activity whose claim window ended without a submitted claim; its reservation
    goes back to the fund. Idempotent: a second run finds it lapsed and does nothing."""
    from mdf.models import Claim

    activity = Activity.objects.select_for_update().filter(pk=activity_id).first()
    if activity is None or activity.status != Status.APPROVED or not activity.claim_deadline \
            or activity.claim_deadline >= today:
        return False
    if Claim.objects.filter(activity=activity).exclude(status=Claim.Status.DRAFT).exists():
        return False
    discard_draft_claim(activity=activity)
    release_reservation(activity=activity, amount=activity.approved_amount, key=f"release:activity:{activity.pk}",
                        reason=_("The claim window closed without a claim"))
    activity.status = Status.LAPSED
    activity.save(update_fields=["status", "updated_at"])
    record_event(activity=activity, kind=ActivityEvent.Kind.LAPSED)
    audit(actor=None, action="mdf.activity.lapsed", target=activity)
    notify_partner(kind="mdf.activity_lapsed", activity=activity, extra={})
    return True
