"""Claims: the partner files the actual cost and proof of a pre-approved activity; the manager approves
(spending from the reservation, releasing the rest), rejects or asks for more; the vendor pays.

Guarantees: one claim per activity (a double click finds the first); the claimed vendor share never
exceeds the reservation; every money movement goes through the ledger under the fund's row lock.
"""

from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from mdf.duplicates import duplicate_flags_for, normalize_invoice_number
from mdf.models import (
    REQUIRED_EVIDENCE,
    Activity,
    ActivityEvent,
    Claim,
    EvidenceKind,
    FundEntry,
    MdfProgram,
    Payment,
    ProofFile,
)
from prm.common.audit import audit
from prm.common.fx import to_base
from prm.common.money import format_money, minor_unit
from prm.common.uploads import CSV, JPEG, PDF, PNG, XLSX, check_upload

from .activities import record_event, release_reservation
from .errors import MdfError
from .ledger import fund_lock, ledger_post, money
from .notices import info_window, notify_partner

Kind = FundEntry.Kind
Status = Claim.Status
PROOF_TYPES = (PDF, PNG, JPEG, CSV, XLSX)
CLAIM_FIELDS = ("actual_cost", "claimed_amount", "leads", "attendees", "invoice_number", "notes")


def _claim_window_open(activity: Activity, today: date) -> None:
    if activity.status != Activity.Status.APPROVED:
        raise MdfError(_("Only pre-approved activities can be claimed."), code="state")
    if today < activity.ends_on:
        raise MdfError(_("The activity can be claimed once it has ended (on %(date)s).")
                       % {"date": activity.ends_on.isoformat()}, code="too_early")
    if activity.claim_deadline and today > activity.claim_deadline:
        raise MdfError(_("The claim window closed on %(date)s.") % {"date": activity.claim_deadline.isoformat()},
                       code="window_closed")


@transaction.atomic
def claim_start(*, activity: Activity, actor, today: date | None = None) -> tuple[Claim, bool]:
    """The activity's claim, created as a draft when there is none. Returns (claim, created).

    One per activity, enforced by the database: a double click or a racing second tab gets the first."""
    today = today or timezone.localdate()
    existing = Claim.objects.filter(activity=activity).first()
    if existing is not None:
        return existing, False
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    _claim_window_open(activity, today)
    try:
        with transaction.atomic():
            claim = Claim.objects.create(partner_id=activity.partner_id, activity=activity, currency=activity.currency,
                                         claimed_amount=activity.approved_amount, created_by=actor)
    except IntegrityError:
        return Claim.objects.get(activity=activity), False
    audit(actor=actor, action="mdf.claim.started", target=claim)
    return claim, True


def _lock(claim: Claim) -> Claim:
    return Claim.objects.select_for_update().select_related("activity").get(pk=claim.pk)


def _validate_amounts(claim: Claim) -> None:
    errors = {}
    reserved = claim.activity.approved_amount or Decimal(0)
    if claim.actual_cost is not None and claim.actual_cost <= 0:
        errors["actual_cost"] = [_("Enter the actual cost, more than zero.")]
    if claim.claimed_amount is not None:
        if claim.claimed_amount <= 0:
            errors["claimed_amount"] = [_("Enter the amount you claim, more than zero.")]
        elif claim.claimed_amount > reserved:
            errors["claimed_amount"] = [_("You can claim at most the pre-approved %(amount)s.")
                                        % {"amount": format_money(reserved, claim.currency)}]
        elif claim.actual_cost is not None and claim.claimed_amount > claim.actual_cost:
            errors["claimed_amount"] = [_("You cannot claim more than the activity actually cost.")]
    if errors:
        raise MdfError(errors, code="invalid")


@transaction.atomic
def claim_update(*, claim: Claim, actor, values: dict) -> Claim:
    """Edit a draft claim, or one sent back for more information."""
    claim = _lock(claim)
    if claim.status not in Claim.EDITABLE_STATUSES:
        raise MdfError(_("This claim has been submitted and can no longer be changed."), code="state")
    for name in CLAIM_FIELDS:
        if name in values:
            value = values[name]
            if name in ("actual_cost", "claimed_amount") and value not in (None, ""):
                value = money(value, claim.currency)
            setattr(claim, name, value if value != "" or name in ("invoice_number", "notes") else None)
    claim.invoice_number = (claim.invoice_number or "").strip()
    claim.invoice_number_normalized = normalize_invoice_number(claim.invoice_number)
    _validate_amounts(claim)
    claim.save()
    return claim


@transaction.atomic
def proof_add(*, claim: Claim, actor, upload, kind: str) -> ProofFile:
    """Attach one proof file: checked by content (PDF, PNG, JPEG, CSV, XLSX), size-limited per file and
    per claim, stored privately under a name of ours. The same file twice on one claim is refused."""
    claim = _lock(claim)
    if claim.status not in Claim.EDITABLE_STATUSES:
        raise MdfError(_("Proof can only be added while the claim is a draft or waiting for information."),
                       code="state")
    if kind not in EvidenceKind.values:
        raise MdfError({"kind": [_("Choose what the file shows.")]}, code="kind_invalid")
    program = MdfProgram.current()
    checked = check_upload(upload, allowed=PROOF_TYPES, max_bytes=program.max_file_bytes)
    totals = ProofFile.objects.filter(claim=claim).aggregate(size=Sum("size"))
    count = ProofFile.objects.filter(claim=claim).count()
    if count >= program.max_files_per_claim:
        raise MdfError(_("A claim can have at most %(count)s files.") % {"count": program.max_files_per_claim},
                       code="too_many_files")
    if (totals["size"] or 0) + checked.size > program.max_claim_bytes:
        raise MdfError(_("The files of one claim may total at most %(limit)s MB.") % {"limit": program.max_claim_mb},
                       code="claim_too_large")
    if ProofFile.objects.filter(claim=claim, sha256=checked.sha256).exists():
        raise MdfError(_("%(name)s is already attached to this claim.") % {"name": checked.original_name},
                       code="duplicate_file")
    proof = ProofFile(partner_id=claim.partner_id, claim=claim, kind=kind, original_name=checked.original_name,
                      content_type=checked.content_type, size=checked.size, sha256=checked.sha256, uploaded_by=actor)
    proof.file.save(checked.sha256, upload, save=False)
    try:
        proof.save()
    except Exception:
        proof.file.delete(save=False)
        raise
    audit(actor=actor, action="mdf.proof.added", target=claim,
          data={"file": checked.original_name, "sha256": checked.sha256, "kind": kind})
    return proof


@transaction.atomic
def proof_remove(*, proof: ProofFile, actor) -> None:
    claim = _lock(proof.claim)
    if claim.status not in Claim.EDITABLE_STATUSES:
        raise MdfError(_("Proof of a submitted claim cannot be removed."), code="state")
    name = proof.original_name
    stored = proof.file.name
    proof.delete()
    storage = ProofFile._meta.get_field("file").storage
    transaction.on_commit(lambda: storage.delete(stored))
    audit(actor=actor, action="mdf.proof.removed", target=claim, data={"file": name})


def missing_evidence(*, claim: Claim) -> list[str]:
    """Evidence kinds the activity type requires that no attached file covers."""
    required = REQUIRED_EVIDENCE.get(claim.activity.activity_type, (EvidenceKind.INVOICE,))
    present = set(ProofFile.objects.filter(claim=claim).values_list("kind", flat=True))
    return [kind for kind in required if kind not in present]


@transaction.atomic
def claim_submit(*, claim: Claim, actor, now: datetime | None = None) -> Claim:
    """Send the claim to the manager: amounts within the reservation, inside the claim window, every
    required piece of evidence attached. Flags duplicate proof (same file or invoice number on any
    other claim) for the manager. A second submit (double click) returns the claim unchanged."""
    now = now or timezone.now()
    claim = _lock(claim)
    if claim.status == Status.SUBMITTED:
        return claim
    if claim.status not in Claim.EDITABLE_STATUSES:
        raise MdfError(_("This claim has already been decided."), code="state")
    activity = claim.activity
    if claim.status == Status.DRAFT:
        _claim_window_open(activity, timezone.localdate(now))
    errors = {}
    if claim.actual_cost is None:
        errors["actual_cost"] = [_("Enter the actual cost.")]
    if claim.claimed_amount is None:
        errors["claimed_amount"] = [_("Enter the amount you claim.")]
    if not claim.invoice_number:
        errors["invoice_number"] = [_("Enter the invoice number of the main invoice.")]
    missing = missing_evidence(claim=claim)
    if missing:
        labels = ", ".join(str(EvidenceKind(kind).label) for kind in missing)
        errors["__all__"] = [_("Attach the proof this activity type needs: %(missing)s.") % {"missing": labels}]
    if errors:
        raise MdfError(errors, code="incomplete")
    _validate_amounts(claim)
    resubmission = claim.status == Status.MORE_INFO
    claim.duplicate_flags = duplicate_flags_for(claim=claim)
    claim.status, claim.submitted_at = Status.SUBMITTED, now
    claim.save(update_fields=["status", "submitted_at", "duplicate_flags", "updated_at"])
    record_event(activity=activity, kind=ActivityEvent.Kind.CLAIM_SUBMITTED, actor=actor, amount=claim.claimed_amount,
                 at=now)
    audit(actor=actor, action="mdf.claim.resubmitted" if resubmission else "mdf.claim.submitted", target=claim,
          data={"claimed": str(claim.claimed_amount), "duplicate_flags": len(claim.duplicate_flags)})
    return claim


@transaction.atomic
def claim_request_info(*, claim: Claim, actor, message: str) -> Claim:
    message = (message or "").strip()
    if not message:
        raise MdfError({"message": [_("Say what information is missing.")]}, code="message_required")
    claim = _lock(claim)
    if claim.status != Status.SUBMITTED:
        raise MdfError(_("Only submitted claims can be sent back for information."), code="state")
    claim.status, claim.info_request, claim.info_requested_at = Status.MORE_INFO, message, timezone.now()
    claim.save(update_fields=["status", "info_request", "info_requested_at", "updated_at"])
    record_event(activity=claim.activity, kind=ActivityEvent.Kind.CLAIM_INFO_REQUESTED, actor=actor, message=message)
    audit(actor=actor, action="mdf.claim.info_requested", target=claim, data={"message": message})
    notify_partner(kind="mdf.claim_info_requested", activity=claim.activity, extra={"message": message},
                   subject=claim, window=info_window(claim.info_requested_at))
    return claim


@transaction.atomic
def claim_approve(*, claim: Claim, actor, amount=None, reason: str = "", now: datetime | None = None) -> Claim:
    """Approve a submitted claim in full (``amount`` None) or in part (reason required): spend the approved
    amount from the activity's reservation and release the rest, under the fund's row lock."""
    now = now or timezone.now()
    claim = _lock(claim)
    if claim.status != Status.SUBMITTED:
        raise MdfError(_("Only submitted claims can be approved."), code="state")
    approved = claim.claimed_amount if amount in (None, "") else money(amount, claim.currency)
    reason = (reason or "").strip()
    if approved <= 0 or approved > claim.claimed_amount:
        raise MdfError({"amount": [_("Approve between %(min)s and the claimed %(max)s.") % {
            "min": format_money(minor_unit(claim.currency), claim.currency),
            "max": format_money(claim.claimed_amount, claim.currency)}]}, code="amount_invalid")
    partial = approved < claim.claimed_amount
    if partial and not reason:
        raise MdfError({"reason": [_("Give a reason for approving less than claimed.")]}, code="reason_required")
    activity = Activity.objects.select_for_update().get(pk=claim.activity_id)
    fund = fund_lock(fund_id=activity.fund_id)
    today = timezone.localdate(now)
    ledger_post(fund=fund, kind=Kind.SPEND, amount=approved, key=f"spend:claim:{claim.pk}", occurred_on=today,
                actor=actor, reason=reason, activity=activity, claim=claim)
    release_reservation(activity=activity, amount=activity.approved_amount - approved,
                        key=f"release:claim:{claim.pk}", actor=actor, claim=claim,
                        reason=_("Not claimed or not approved"))
    claim.status, claim.approved_amount, claim.decision_reason = Status.APPROVED, approved, reason
    claim.decided_by, claim.decided_at = actor, now
    claim.save(update_fields=["status", "approved_amount", "decision_reason", "decided_by", "decided_at", "updated_at"])
    activity.status = Activity.Status.COMPLETED
    activity.save(update_fields=["status", "updated_at"])
    kind = ActivityEvent.Kind.CLAIM_PARTIALLY_APPROVED if partial else ActivityEvent.Kind.CLAIM_APPROVED
    record_event(activity=activity, kind=kind, actor=actor, amount=approved, message=reason, at=now)
    audit(actor=actor, action="mdf.claim.approved", target=claim,
          data={"amount": str(approved), "currency": claim.currency, "partial": partial, "reason": reason})
    notify_partner(kind="mdf.claim_approved", activity=activity, subject=claim,
                   extra={"amount": str(approved), "claimed": str(claim.claimed_amount), "partial": partial,
                          "reason": reason})
    return claim


@transaction.atomic
def claim_reject(*, claim: Claim, actor, reason: str) -> Claim:
    """Refuse a submitted claim, with a reason; the whole reservation goes back to the fund."""
    reason = (reason or "").strip()
    if not reason:
        raise MdfError({"reason": [_("Give a reason; the partner reads it.")]}, code="reason_required")
    claim = _lock(claim)
    if claim.status not in (Status.SUBMITTED, Status.MORE_INFO):
        raise MdfError(_("Only claims waiting for a decision can be rejected."), code="state")
    activity = Activity.objects.select_for_update().get(pk=claim.activity_id)
    release_reservation(activity=activity, amount=activity.approved_amount, key=f"release:claim:{claim.pk}",
                        actor=actor, claim=claim, reason=reason)
    claim.status, claim.decision_reason, claim.decided_by, claim.decided_at = Status.REJECTED, reason, actor, timezone.now()
    claim.save(update_fields=["status", "decision_reason", "decided_by", "decided_at", "updated_at"])
    activity.status = Activity.Status.COMPLETED
    activity.save(update_fields=["status", "updated_at"])
    record_event(activity=activity, kind=ActivityEvent.Kind.CLAIM_REJECTED, actor=actor, message=reason)
    audit(actor=actor, action="mdf.claim.rejected", target=claim, data={"reason": reason})
    notify_partner(kind="mdf.claim_rejected", activity=activity, subject=claim, extra={"reason": reason})
    return claim


@transaction.atomic
def payment_record(*, claim: Claim, actor, paid_on: date, reference: str) -> Payment:
    """Record the vendor's payment of an approved claim (its approved amount, in its currency) and tell the
    partner. Once per claim: recording it again returns the first payment."""
    reference = (reference or "").strip()
    if not reference:
        raise MdfError({"reference": [_("Enter the payment reference.")]}, code="reference_required")
    if paid_on is None or paid_on > timezone.localdate():
        raise MdfError({"paid_on": [_("Enter the day the payment was made; it cannot be in the future.")]},
                       code="paid_on_invalid")
    claim = _lock(claim)
    existing = Payment.objects.filter(claim=claim).first()
    if existing is not None:
        return existing
    if claim.status != Status.APPROVED:
        raise MdfError(_("Only approved claims can be paid."), code="state")
    amount = claim.approved_amount
    base_amount, rate = to_base(amount=amount, currency=claim.currency, on=paid_on)
    fund = fund_lock(fund_id=claim.activity.fund_id)
    ledger_post(fund=fund, kind=Kind.PAYMENT, amount=amount, key=f"payment:claim:{claim.pk}", occurred_on=paid_on,
                actor=actor, reason=reference, activity=claim.activity, claim=claim)
    payment = Payment.objects.create(partner_id=claim.partner_id, claim=claim, paid_on=paid_on, reference=reference,
                                     amount=amount, currency=claim.currency, base_amount=base_amount, fx_rate=rate,
                                     recorded_by=actor)
    claim.status, claim.paid_at = Status.PAID, timezone.now()
    claim.save(update_fields=["status", "paid_at", "updated_at"])
    record_event(activity=claim.activity, kind=ActivityEvent.Kind.PAID, actor=actor, amount=amount, message=reference)
    audit(actor=actor, action="mdf.claim.paid", target=claim,
          data={"amount": str(amount), "currency": claim.currency, "reference": reference, "paid_on": paid_on.isoformat(),
                "base_amount": str(base_amount), "fx_rate": str(rate), "base_currency": settings.BASE_CURRENCY})
    notify_partner(kind="mdf.claim_paid", activity=claim.activity, subject=claim,
                   extra={"amount": str(amount), "paid_on": paid_on.isoformat(), "payment_reference": reference})
    return payment
