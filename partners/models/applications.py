"""Recruitment: applications from the public form and the Ideal Partner Profile (IPP) they are scored against.

Applications precede a partner, so they are not partner-owned: staff see them by region (the region
whose countries include the application's country), operators see all.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .core import PartnerOrganization, Region


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    RETAIL = "retail", _("Retail and consumer goods")
    FINANCIAL_SERVICES = "financial_services", _("Financial services")
    HEALTHCARE = "healthcare", _("Healthcare and life sciences")
    PUBLIC_SECTOR = "public_sector", _("Public sector")
    EDUCATION = "education", _("Education")
    TELECOM = "telecom", _("Telecommunications")
    ENERGY = "energy", _("Energy and utilities")
    LOGISTICS = "logistics", _("Transport and logistics")
    PROFESSIONAL_SERVICES = "professional_services", _("Professional services")
    TECHNOLOGY = "technology", _("Technology and software")
    MEDIA = "media", _("Media and entertainment")


class SizeBand(models.TextChoices):
    """Employee bands, smallest first (the order is the IPP's notion of "at least this big")."""

    MICRO = "1-10", _("1–10 employees")
    SMALL = "11-50", _("11–50 employees")
    MEDIUM = "51-200", _("51–200 employees")
    LARGE = "201-1000", _("201–1,000 employees")
    ENTERPRISE = "1000+", _("More than 1,000 employees")


class IdealProfileCriterion(models.Model):
    """One weighted attribute of the partners who succeed. An application's score is the share of the
    total weight of active criteria that it meets (0–100)."""

    class Attribute(models.TextChoices):
        PARTNER_TYPE = "partner_type", _("Partner type")
        COUNTRY = "country", _("Country")
        REGION = "region", _("Region")
        SIZE_BAND = "size_band", _("Company size")
        CERTIFIED_STAFF_MIN = "certified_staff_min", _("Certified staff (minimum)")
        INDUSTRIES = "industries", _("Industries")

    name = models.CharField(_("name"), max_length=100, help_text=_("Shown next to the points in each application's score."))
    attribute = models.CharField(_("attribute"), max_length=32, choices=Attribute.choices)
    values = models.JSONField(
        _("matching values"), default=list, blank=True,
        help_text=_("The values that match: partner types, ISO country codes, region codes, size bands or industries."),
    )
    minimum = models.PositiveIntegerField(
        _("minimum"), null=True, blank=True, help_text=_("For certified staff: the smallest number that matches.")
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("ideal partner profile criterion")
        verbose_name_plural = _("ideal partner profile criteria")
        ordering = ["-weight", "name"]
        constraints = [models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=100), name="ipp_weight_1_100")]

    def __str__(self) -> str:
        return self.name

    def allowed_values(self) -> set[str] | None:
        """The values this attribute accepts (None: checked elsewhere, e.g. region codes)."""
        from partners.countries import country_codes

        return {
            self.Attribute.PARTNER_TYPE: set(PartnerOrganization.PartnerType.values),
            self.Attribute.COUNTRY: set(country_codes()),
            self.Attribute.SIZE_BAND: set(SizeBand.values),
            self.Attribute.INDUSTRIES: set(Industry.values),
        }.get(self.attribute)

    def clean(self):
        if self.attribute == self.Attribute.CERTIFIED_STAFF_MIN:
            if self.minimum is None:
                raise ValidationError({"minimum": _("Enter the smallest number of certified staff that matches.")})
            self.values = []
            return
        values = self.values if isinstance(self.values, list) else []
        values = [str(v).strip() for v in values if str(v).strip()]
        if self.attribute == self.Attribute.COUNTRY:
            values = [v.upper() for v in values]
        if not values:
            raise ValidationError({"values": _("Enter at least one matching value.")})
        allowed = self.allowed_values()
        if self.attribute == self.Attribute.REGION:
            allowed = set(Region.objects.values_list("code", flat=True))
        unknown = sorted(set(values) - allowed) if allowed is not None else []
        if unknown:
            raise ValidationError(
                {"values": _("Unknown values for %(attribute)s: %(values)s.")
                 % {"attribute": self.get_attribute_display(), "values": ", ".join(unknown)}}
            )
        self.values = sorted(set(values))
        self.minimum = None


class PartnerApplicationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=PartnerApplication.Status.PENDING)

    def for_staff(self, user):
        """Operators: all. Channel managers and executives: the applications of their regions."""
        if user.is_operator:
            return self
        if not (user.is_channel_manager or user.is_executive):
            return self.none()
        return self.filter(region__in=user.regions.all())


class PartnerApplication(models.Model):
    """A company's application to join the program, from the public form."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    # What the applicant told us.
    company_name = models.CharField(_("company"), max_length=200)
    website = models.CharField(_("web domain"), max_length=253, help_text=_("As entered, e.g. www.example.com."))
    domain = models.CharField(_("registrable domain"), max_length=253, db_index=True, editable=False)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code."))
    partner_type = models.CharField(_("partner type"), max_length=32, choices=PartnerOrganization.PartnerType.choices)
    size_band = models.CharField(_("company size"), max_length=16, choices=SizeBand.choices)
    certified_staff = models.PositiveIntegerField(_("certified staff"), validators=[MaxValueValidator(100_000)])
    industries = models.JSONField(_("industries"), default=list)
    target_customers = models.TextField(_("target customers"), max_length=2000)
    contact_name = models.CharField(_("contact name"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact phone"), max_length=32)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)

    # Derived at submission (and on rescoring) from the country, unless a manager chose the region at review.
    region = models.ForeignKey(
        Region, on_delete=models.SET_NULL, null=True, blank=True, related_name="applications", verbose_name=_("region"),
        help_text=_("The region whose countries include the application's country, unless a manager chose another."),
    )
    region_chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("region chosen by"),
        help_text=_("Set when a manager chose the region at review; rescoring then keeps it."),
    )
    region_chosen_at = models.DateTimeField(_("region chosen"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("IPP fit score"), default=0, db_index=True)
    score_contributions = models.JSONField(_("score contributions"), default=list, blank=True)
    scored_at = models.DateTimeField(_("scored"), null=True, blank=True)
    is_duplicate = models.BooleanField(_("possible duplicate"), default=False, db_index=True)
    duplicate_of_partner = models.ForeignKey(
        PartnerOrganization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("same domain as partner"),
    )
    duplicate_of_application = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates",
        verbose_name=_("same domain as application"),
    )

    # Spam and double-submit protection.
    idempotency_key = models.UUIDField(_("submission key"), default=uuid.uuid4, unique=True, editable=False)
    submitted_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True, db_index=True)

    # The decision.
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True, max_length=2000)
    partner = models.ForeignKey(
        PartnerOrganization, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("partner created"),
    )

    objects = PartnerApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner application")
        verbose_name_plural = _("partner applications")
        ordering = ["-score", "created_at", "id"]
        indexes = [models.Index(fields=["region", "status", "-score"], name="application_region_score")]
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="application_score_0_100"),
            models.CheckConstraint(condition=Q(country__regex=r"^[A-Z]{2}$"), name="application_country_iso2"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="application_rejection_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return self.company_name

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    def industry_labels(self) -> list[str]:
        labels = dict(Industry.choices)
        return [str(labels.get(code, code)) for code in self.industries or []]
