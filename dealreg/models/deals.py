"""A deal registration: an opportunity a partner found, protected for a period once approved."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import PartnerOwned


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


class Deal(PartnerOwned):
    """A partner's registration of one customer opportunity.

    ``registered_at`` is the first submission and never changes (rules of engagement: first wins).
    ``customer_domain`` is the registrable domain (prm.common.domains.company_domain) and
    ``customer_name_normalized`` the name without case, accents, punctuation and legal suffixes:
    both are what the conflict engine compares.
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

    reference = models.CharField(_("reference"), max_length=20, editable=False)
    customer_name = models.CharField(_("customer company"), max_length=200)
    customer_name_normalized = models.CharField(max_length=200, editable=False, db_index=True)
    customer_domain = models.CharField(_("customer web domain"), max_length=253, blank=True, db_index=True)
    customer_contact_email = models.EmailField(_("customer contact e-mail"), blank=True)
    customer_country = models.CharField(_("customer country"), max_length=2)
    products = models.ManyToManyField(Product, related_name="deals", verbose_name=_("products"), blank=True)
    value = models.DecimalField(_("estimated value"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3)
    expected_close_date = models.DateField(_("expected close date"))
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.QUALIFICATION)
    description = models.TextField(_("description"), blank=True)
    private_notes = models.TextField(_("private notes"), blank=True, help_text=_("Only your organisation sees these."))

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registered_deals", verbose_name=_("registered by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    protected_until = models.DateField(_("protected until"), null=True, blank=True, db_index=True)

    has_conflict = models.BooleanField(_("possible conflict"), default=False)
    conflict_score = models.PositiveSmallIntegerField(_("conflict score"), default=0)

    # Outcome: won revenue converted to the base currency at the close date's rate, with the rate kept.
    closed_at = models.DateField(_("closed on"), null=True, blank=True)
    won_amount = models.DecimalField(_("won amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    won_currency = models.CharField(_("won currency"), max_length=3, blank=True)
    won_amount_base = models.DecimalField(_("won amount (base currency)"), max_digits=14, decimal_places=2, null=True, blank=True)
    fx_rate = models.DecimalField(_("exchange rate used"), max_digits=18, decimal_places=8, null=True, blank=True)
    lost_reason = models.TextField(_("lost reason"), blank=True)

    class Meta:
        verbose_name = _("deal registration")
        verbose_name_plural = _("deal registrations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "reference"], name="deal_unique_partner_reference"),
            models.CheckConstraint(condition=Q(value__gte=0), name="deal_value_not_negative"),
            models.CheckConstraint(condition=Q(customer_country__regex=r"^[A-Z]{2}$"), name="deal_country_iso2"),
        ]
        indexes = [
            models.Index(fields=["partner", "status", "-created_at"], name="deal_partner_status_created"),
            models.Index(fields=["status", "registered_at"], name="deal_status_registered"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.customer_name}"

    def get_absolute_url(self) -> str:
        return reverse("dealreg:deal_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES
