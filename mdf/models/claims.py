"""A claim for a pre-approved activity, its proof of performance and its payment."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import PartnerOwned
from prm.tenancy.scoping import PartnerScopedManager

from .activities import ActivityType

MONEY = {"max_digits": 14, "decimal_places": 2}


class EvidenceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    ATTENDEE_LIST = "attendee_list", _("Attendee or lead list")
    PHOTO = "photo", _("Photos")
    SCREENSHOT = "screenshot", _("Screenshots of the campaign")
    REPORT = "report", _("Campaign report")
    RECORDING = "recording", _("Recording or agenda")
    OTHER = "other", _("Other")


# What a claim for each activity type must include (the checklist the partner and the manager see).
REQUIRED_EVIDENCE: dict[str, tuple[str, ...]] = {
    ActivityType.EVENT: (EvidenceKind.INVOICE, EvidenceKind.ATTENDEE_LIST, EvidenceKind.PHOTO),
    ActivityType.DIGITAL: (EvidenceKind.INVOICE, EvidenceKind.SCREENSHOT, EvidenceKind.REPORT),
    ActivityType.WEBINAR: (EvidenceKind.INVOICE, EvidenceKind.ATTENDEE_LIST, EvidenceKind.RECORDING),
    ActivityType.TRADE_SHOW: (EvidenceKind.INVOICE, EvidenceKind.PHOTO, EvidenceKind.ATTENDEE_LIST),
    ActivityType.CONTENT: (EvidenceKind.INVOICE, EvidenceKind.REPORT),
    ActivityType.OTHER: (EvidenceKind.INVOICE,),
}


class Claim(PartnerOwned):
    """The partner's claim for the vendor's share of a pre-approved activity's actual cost.

    One per activity (a double click finds the first). ``claimed_amount`` ≤ the activity's
    reservation; ``approved_amount`` (≤ claimed) is spent from it and the rest released.
    ``duplicate_flags`` lists why a manager should look twice (the same file or invoice number on
    another claim, of any partner); it holds reason codes and references, never another partner's data.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        MORE_INFO = "more_info", _("More information requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PAID = "paid", _("Paid")

    EDITABLE_STATUSES = (Status.DRAFT, Status.MORE_INFO)

    activity = models.OneToOneField(
        "mdf.Activity", on_delete=models.PROTECT, related_name="claim", verbose_name=_("activity"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    currency = models.CharField(_("currency"), max_length=3)
    actual_cost = models.DecimalField(_("actual cost"), null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    claimed_amount = models.DecimalField(_("claimed from the fund"), null=True, blank=True, **MONEY)
    leads = models.PositiveIntegerField(_("leads"), default=0)
    attendees = models.PositiveIntegerField(_("attendees"), default=0)
    invoice_number = models.CharField(_("invoice number"), max_length=64, blank=True)
    invoice_number_normalized = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    notes = models.TextField(_("notes"), blank=True)

    approved_amount = models.DecimalField(_("approved amount"), null=True, blank=True, **MONEY)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    info_request = models.TextField(_("information requested"), blank=True)
    duplicate_flags = models.JSONField(_("duplicate proof"), default=list, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, db_index=True)
    info_requested_at = models.DateTimeField(_("information requested at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    # The claim summary PDF, rendered by a worker after each decision (mdf.render_claim_summary).
    summary_pdf = models.FileField(_("claim summary PDF"), upload_to="mdf/claims/", max_length=255, blank=True,
                                   editable=False)
    summary_rendered_at = models.DateTimeField(_("summary rendered"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PartnerScopedManager()

    class Meta:
        verbose_name = _("MDF claim")
        verbose_name_plural = _("MDF claims")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(claimed_amount__isnull=True) | Q(claimed_amount__gt=0), name="mdf_claim_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | (Q(approved_amount__gt=0) & Q(approved_amount__lte=models.F("claimed_amount"))),
                name="mdf_claim_approved_within_claimed",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Claim for %(reference)s") % {"reference": self.activity.reference})

    def get_absolute_url(self) -> str:
        return reverse("mdf:activity_detail", args=[self.activity_id])

    @property
    def required_evidence(self) -> tuple[str, ...]:
        return REQUIRED_EVIDENCE.get(self.activity.activity_type, (EvidenceKind.INVOICE,))


class ClaimApprovalQueue(Claim):
    """The managers' queue of submitted claims (an admin of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("MDF claim awaiting approval")
        verbose_name_plural = _("MDF claims awaiting approval")


def proof_upload_to(instance, filename: str) -> str:
    # The stored name never uses the uploaded one: ids and the content hash only.
    return f"mdf/proof/{instance.partner_id}/{instance.claim_id}/{instance.sha256[:32]}"


class ProofFile(PartnerOwned):
    """One proof-of-performance file, stored privately and served only through a scoped view."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="proofs", verbose_name=_("claim"))
    kind = models.CharField(_("evidence"), max_length=16, choices=EvidenceKind.choices)
    file = models.FileField(_("file"), upload_to=proof_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64, db_index=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = PartnerScopedManager()

    class Meta:
        verbose_name = _("proof of performance")
        verbose_name_plural = _("proof of performance")
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "sha256"], name="mdf_proof_unique_file_per_claim"),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("mdf:proof_download", args=[self.pk])


class Payment(PartnerOwned):
    """The vendor's payment of an approved claim."""

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="payment", verbose_name=_("claim"))
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("payment reference"), max_length=100)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    base_amount = models.DecimalField(_("amount in base currency"), **MONEY)
    fx_rate = models.DecimalField(_("exchange rate used"), max_digits=18, decimal_places=8)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = PartnerScopedManager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="mdf_payment_amount_positive")]

    def __str__(self) -> str:
        return self.reference
