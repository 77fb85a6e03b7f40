"""The vendor's own customers and open opportunities, imported from its CRM: direct sales the conflict
engine checks every registration against. Vendor data, not partner-owned: only staff see it."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from prm.common.domains import company_domain

from ..normalize import normalize_company_name


class VendorAccount(models.Model):
    """A customer the vendor sells to directly. ``name_normalized`` and ``domain`` are what conflicts compare."""

    name = models.CharField(_("name"), max_length=200)
    name_normalized = models.CharField(max_length=200, editable=False, db_index=True)
    domain = models.CharField(_("web domain"), max_length=253, blank=True, db_index=True,
                              help_text=_("The registrable domain, e.g. example.com."))
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2 code."))
    owner_email = models.EmailField(_("account owner e-mail"), blank=True)
    owner_name = models.CharField(_("account owner"), max_length=200, blank=True)
    # NULL when the CRM gave none: NULLs never collide, so imports can upsert on this column.
    external_id = models.CharField(_("CRM id"), max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("vendor account")
        verbose_name_plural = _("vendor accounts")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(country="") | Q(country__regex=r"^[A-Z]{2}$"), name="vendoraccount_country_iso2"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.normalize()
        super().save(*args, **kwargs)

    def normalize(self) -> None:
        """Fill the derived columns; bulk imports call it since bulk_create skips save()."""
        self.name_normalized = normalize_company_name(self.name)
        self.domain = company_domain(self.domain)
        self.country = (self.country or "").strip().upper()
        self.external_id = (self.external_id or "").strip() or None


class VendorOpportunityQuerySet(models.QuerySet):
    def open(self):
        return self.exclude(stage__in=VendorOpportunity.CLOSED_STAGES)


class VendorOpportunity(models.Model):
    """An opportunity of the vendor's direct sales team on one of its accounts."""

    class Stage(models.TextChoices):
        PROSPECTING = "prospecting", _("Prospecting")
        QUALIFICATION = "qualification", _("Qualification")
        PROPOSAL = "proposal", _("Proposal")
        NEGOTIATION = "negotiation", _("Negotiation")
        CLOSED_WON = "closed_won", _("Closed won")
        CLOSED_LOST = "closed_lost", _("Closed lost")

    CLOSED_STAGES = (Stage.CLOSED_WON, Stage.CLOSED_LOST)

    account = models.ForeignKey(VendorAccount, on_delete=models.CASCADE, related_name="opportunities",
                                verbose_name=_("account"))
    name = models.CharField(_("name"), max_length=200)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.PROSPECTING, db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    close_date = models.DateField(_("expected close date"), null=True, blank=True)
    owner_email = models.EmailField(_("owner e-mail"), blank=True)
    owner_name = models.CharField(_("owner"), max_length=200, blank=True)
    external_id = models.CharField(_("CRM id"), max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = VendorOpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("vendor opportunity")
        verbose_name_plural = _("vendor opportunities")
        ordering = ["-close_date", "-id"]
        indexes = [models.Index(fields=["account", "stage"], name="vendoropp_account_stage")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="vendoropp_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.external_id = (self.external_id or "").strip() or None
        self.currency = (self.currency or "").strip().upper()
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.stage not in self.CLOSED_STAGES
