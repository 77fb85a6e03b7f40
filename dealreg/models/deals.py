"""A deal registration: an opportunity a partner found, protected for a period once approved.

Also its timeline (DealEvent), the per-partner reference counter and the staff approval queue (a proxy).
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import PartnerOwned
from prm.tenancy.scoping import PartnerScopedManager


class Product(models.Model):
    """The vendor's catalogue, managed by operators; partners pick from it when registering."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    family = models.CharField(_("product family"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["family", "name"]

    def __str__(self) -> str:
        return self.name


class DealQuerySet(models.QuerySet):
    def protected(self):
        """Approved registrations: the ones that hold the customer (rules of engagement)."""
        return self.filter(status=Deal.Status.APPROVED)

    def awaiting_decision(self):
        return self.filter(status=Deal.Status.SUBMITTED)

    def expiring_within(self, *, days: int, today):
        from datetime import timedelta

        return self.protected().filter(protected_until__gte=today, protected_until__lte=today + timedelta(days=days))


class Deal(PartnerOwned):
    """A partner's registration of one customer opportunity.

    ``registered_at`` is the first submission and never changes (rules of engagement: first wins);
    ``submitted_at`` is when it last entered the approval queue (the SLA clock).
    ``customer_domain`` is the registrable domain (prm.common.domains.company_domain) and
    ``customer_name_normalized`` the name without case, accents, punctuation and legal suffixes:
    both are what the conflict engine compares. Drafts may be incomplete; the database refuses
    any other status without value, close date and country.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        MORE_INFO = "more_info", _("More information requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Stage(models.TextChoices):
        QUALIFICATION = "qualification", _("Qualification")
        DISCOVERY = "discovery", _("Discovery")
        PROPOSAL = "proposal", _("Proposal")
        NEGOTIATION = "negotiation", _("Negotiation")
        COMMIT = "commit", _("Commit")

    OPEN_STATUSES = (Status.SUBMITTED, Status.MORE_INFO, Status.APPROVED)
    # The partner may still change these; everything else is a closed record.
    EDITABLE_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.MORE_INFO, Status.APPROVED)
    WITHDRAWABLE_STATUSES = (Status.SUBMITTED, Status.MORE_INFO, Status.APPROVED)

    reference = models.CharField(_("reference"), max_length=20, editable=False)
    customer_name = models.CharField(_("customer company"), max_length=200)
    customer_name_normalized = models.CharField(max_length=200, editable=False, db_index=True)
    customer_domain = models.CharField(_("customer web domain"), max_length=253, blank=True, db_index=True)
    customer_contact_email = models.EmailField(_("customer contact e-mail"), blank=True)
    customer_country = models.CharField(_("customer country"), max_length=2, blank=True)
    products = models.ManyToManyField(Product, related_name="deals", verbose_name=_("products"), blank=True)
    value = models.DecimalField(
        _("estimated value"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)], null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.QUALIFICATION)
    description = models.TextField(_("description"), blank=True)
    private_notes = models.TextField(_("private notes"), blank=True, help_text=_("Only your organisation sees these."))

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registered_deals", verbose_name=_("registered by")
    )
    # A client-chosen key (form token, Idempotency-Key header): a repeated create returns the first row.
    idempotency_key = models.CharField(max_length=64, blank=True, default="", editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True, db_index=True)
    submitted_at = models.DateTimeField(_("waiting since"), null=True, blank=True)
    sla_escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_by_rule = models.ForeignKey(
        "dealreg.AutoApprovalRule", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("approved by rule"),
    )
    rejection_reason = models.ForeignKey(
        "dealreg.RejectionReason", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("rejection reason"),
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    protected_until = models.DateField(_("protected until"), null=True, blank=True, db_index=True)
    # The value at the last approval: later edits beyond DEALREG_MATERIAL_CHANGE_PERCENT need re-approval.
    approved_value = models.DecimalField(
        _("value at approval"), max_digits=14, decimal_places=2, null=True, blank=True, editable=False
    )
    is_co_sell = models.BooleanField(
        _("co-sell with vendor sales"), default=False,
        help_text=_("Approved for an existing vendor account under the co-sell rule."),
    )

    # ROPI: the MDF activity that sourced this opportunity (the same partner's; checked by the services).
    mdf_activity = models.ForeignKey(
        "mdf.Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="sourced_deals",
        verbose_name=_("MDF activity"), help_text=_("The co-funded marketing activity this opportunity came from."),
    )

    has_conflict = models.BooleanField(_("possible conflict"), default=False)
    conflict_score = models.PositiveSmallIntegerField(_("conflict score"), default=0)

    # Outcome: won revenue converted to the base currency at the close date's rate, with the rate kept.
    closed_at = models.DateField(_("closed on"), null=True, blank=True)
    won_amount = models.DecimalField(_("won amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    won_currency = models.CharField(_("won currency"), max_length=3, blank=True)
    won_amount_base = models.DecimalField(_("won amount (base currency)"), max_digits=14, decimal_places=2, null=True, blank=True)
    fx_rate = models.DecimalField(_("exchange rate used"), max_digits=18, decimal_places=8, null=True, blank=True)
    lost_reason = models.TextField(_("lost reason"), blank=True)

    objects = PartnerScopedManager(DealQuerySet)

    class Meta:
        verbose_name = _("deal registration")
        verbose_name_plural = _("deal registrations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "reference"], name="deal_unique_partner_reference"),
            models.UniqueConstraint(
                fields=["partner", "idempotency_key"], condition=~Q(idempotency_key=""),
                name="deal_unique_partner_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(value__gte=0) | Q(value__isnull=True), name="deal_value_not_negative"),
            models.CheckConstraint(
                condition=Q(customer_country="") | Q(customer_country__regex=r"^[A-Z]{2}$"), name="deal_country_iso2"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(value__isnull=False) & Q(expected_close_date__isnull=False) & ~Q(customer_country="")),
                name="deal_complete_unless_draft",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "status", "-created_at"], name="deal_partner_status_created"),
            models.Index(fields=["status", "registered_at"], name="deal_status_registered"),
            models.Index(fields=["status", "submitted_at"], name="deal_status_submitted"),
            models.Index(fields=["status", "protected_until"], name="deal_status_protected_until"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.customer_name}"

    def get_absolute_url(self) -> str:
        return reverse("dealreg:deal_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    @property
    def shows_conflict_notice(self) -> bool:
        """The partner is told "a possible conflict will be reviewed" only while a decision is pending."""
        return self.has_conflict and self.status in (self.Status.SUBMITTED, self.Status.MORE_INFO)

    @property
    def is_protected(self) -> bool:
        return self.status == self.Status.APPROVED and self.protected_until is not None


class DealApprovalQueue(Deal):
    """The staff view of registrations waiting for a decision (admin: oldest first, with SLA age)."""

    class Meta:
        proxy = True
        verbose_name = _("registration awaiting approval")
        verbose_name_plural = _("approval queue")


class DealEvent(PartnerOwned):
    """One entry of a registration's timeline, shown to the partner on the detail page.

    ``data`` holds only the partner's own facts (changed fields, a manager's message); never
    anything about other partners' registrations or vendor accounts.
    """

    class Kind(models.TextChoices):
        CREATED = "created", _("Created as a draft")
        UPDATED = "updated", _("Changed")
        SUBMITTED = "submitted", _("Submitted for approval")
        REAPPROVAL = "reapproval", _("Sent back for approval after a material change")
        APPROVED = "approved", _("Approved")
        AUTO_APPROVED = "auto_approved", _("Approved automatically")
        REJECTED = "rejected", _("Rejected")
        MORE_INFO = "more_info", _("More information requested")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Protection ended")
        EXTENSION_REQUESTED = "extension_requested", _("Extension requested")
        EXTENSION_APPROVED = "extension_approved", _("Extension approved")
        EXTENSION_DENIED = "extension_denied", _("Extension denied")
        WON = "won", _("Closed as won")
        LOST = "lost", _("Closed as lost")
        PARTICIPANT = "participant", _("Partners on the deal changed")

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="events", verbose_name=_("registration"))
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("when"), db_index=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("registration event")
        verbose_name_plural = _("registration events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["deal", "at"], name="dealevent_deal_at")]

    def __str__(self) -> str:
        return f"{self.deal_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class DealReferenceCounter(PartnerOwned):
    """The last reference number a partner used in a year ("DR-2026-000123").

    Incremented with a single UPDATE ... SET last = last + 1 (a row lock until commit), so two
    registrations created at the same moment never get the same number.
    """

    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("registration reference counter")
        verbose_name_plural = _("registration reference counters")
        constraints = [models.UniqueConstraint(fields=["partner", "year"], name="dealrefcounter_unique_partner_year")]

    def __str__(self) -> str:
        return f"{self.partner_id}/{self.year}: {self.last_number}"
