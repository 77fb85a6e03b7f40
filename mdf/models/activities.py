"""An MDF activity: the partner's request for funds (pre-approval), its timeline and its reference counter."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import PartnerOwned
from prm.tenancy.scoping import PartnerScopedManager

MONEY = {"max_digits": 14, "decimal_places": 2}


class ActivityType(models.TextChoices):
    EVENT = "event", _("Event")
    DIGITAL = "digital", _("Digital campaign")
    WEBINAR = "webinar", _("Webinar")
    TRADE_SHOW = "trade_show", _("Trade show")
    CONTENT = "content", _("Content")
    OTHER = "other", _("Other")


class ActivityQuerySet(models.QuerySet):
    def awaiting_decision(self):
        return self.filter(status=Activity.Status.SUBMITTED)

    def claimable(self):
        """Pre-approved activities whose reservation is still held (no settled claim)."""
        return self.filter(status=Activity.Status.APPROVED)


class Activity(PartnerOwned):
    """A marketing activity the partner asks the vendor to co-fund.

    ``requested_amount`` is the vendor's share of ``planned_cost`` at ``cost_share_percent``;
    ``approved_amount`` (≤ requested) is what the pre-approval reserved in ``fund``.
    ``claim_deadline`` is fixed at approval: the activity's end plus the program's claim window.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        MORE_INFO = "more_info", _("More information requested")
        APPROVED = "approved", _("Pre-approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        LAPSED = "lapsed", _("Claim window closed")
        COMPLETED = "completed", _("Claim settled")

    EDITABLE_STATUSES = (Status.DRAFT, Status.MORE_INFO)
    CANCELLABLE_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.MORE_INFO, Status.APPROVED)

    reference = models.CharField(_("reference"), max_length=20, editable=False)
    fund = models.ForeignKey(
        "mdf.Fund", on_delete=models.PROTECT, null=True, blank=True, related_name="activities", verbose_name=_("fund"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    activity_type = models.CharField(_("activity type"), max_length=16, choices=ActivityType.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    currency = models.CharField(_("currency"), max_length=3)
    planned_cost = models.DecimalField(_("planned cost"), validators=[MinValueValidator(Decimal("0.01"))], **MONEY)
    cost_share_percent = models.DecimalField(
        _("vendor share (percent)"), max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    requested_amount = models.DecimalField(_("requested from the fund"), **MONEY)
    expected_leads = models.PositiveIntegerField(_("expected leads"), default=0)
    expected_pipeline = models.DecimalField(_("expected pipeline"), default=0, validators=[MinValueValidator(0)], **MONEY)

    approved_amount = models.DecimalField(_("pre-approved amount"), null=True, blank=True, **MONEY)
    claim_deadline = models.DateField(_("claim by"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)
    info_request = models.TextField(_("information requested"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(_("first submitted"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, db_index=True)
    info_requested_at = models.DateTimeField(_("information requested at"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("created by"),
    )
    idempotency_key = models.CharField(max_length=64, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PartnerScopedManager(ActivityQuerySet)

    class Meta:
        verbose_name = _("MDF activity")
        verbose_name_plural = _("MDF activities")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "reference"], name="mdf_activity_unique_partner_reference"),
            models.UniqueConstraint(
                fields=["partner", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="mdf_activity_unique_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="mdf_activity_dates_order"),
            models.CheckConstraint(condition=Q(requested_amount__gte=0), name="mdf_activity_requested_not_negative"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | (Q(approved_amount__gt=0) & Q(approved_amount__lte=F("requested_amount"))),
                name="mdf_activity_approved_within_requested",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("mdf:activity_detail", args=[self.pk])


class ActivityApprovalQueue(Activity):
    """The managers' queue of requests waiting for pre-approval (an admin of its own)."""

    class Meta:
        proxy = True
        verbose_name = _("MDF request awaiting pre-approval")
        verbose_name_plural = _("MDF requests awaiting pre-approval")


class ActivityEvent(PartnerOwned):
    """One step of an activity's (and its claim's) timeline, shown to the partner."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        SUBMITTED = "submitted", _("Submitted")
        INFO_REQUESTED = "info_requested", _("More information requested")
        APPROVED = "approved", _("Pre-approved")
        PARTIALLY_APPROVED = "partially_approved", _("Partially pre-approved")
        REJECTED = "rejected", _("Rejected")
        CANCELLED = "cancelled", _("Cancelled")
        LAPSED = "lapsed", _("Claim window closed")
        CLAIM_SUBMITTED = "claim_submitted", _("Claim submitted")
        CLAIM_INFO_REQUESTED = "claim_info_requested", _("More information requested on the claim")
        CLAIM_APPROVED = "claim_approved", _("Claim approved")
        CLAIM_PARTIALLY_APPROVED = "claim_partially_approved", _("Claim partially approved")
        CLAIM_REJECTED = "claim_rejected", _("Claim rejected")
        PAID = "paid", _("Paid")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="events", verbose_name=_("activity"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    at = models.DateTimeField(_("when"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by"),
    )
    amount = models.DecimalField(_("amount"), null=True, blank=True, **MONEY)
    message = models.TextField(_("message"), blank=True)

    objects = PartnerScopedManager()

    class Meta:
        verbose_name = _("activity event")
        verbose_name_plural = _("activity events")
        ordering = ["at", "id"]


class MdfReferenceCounter(PartnerOwned):
    """The partner's last activity number per year (MDF-2026-00012)."""

    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    objects = PartnerScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["partner", "year"], name="mdf_reference_counter_unique")]
