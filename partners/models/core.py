"""The tenant root (PartnerOrganization), regions, memberships with roles, and invitations."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import PartnerOwned
from prm.tenancy.scoping import PartnerScopedManager


class Region(models.Model):
    """A sales region: staff are scoped to regions, dashboards compare them."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    countries = models.JSONField(
        _("countries"), default=list, blank=True, help_text=_("ISO 3166-1 alpha-2 codes of the countries in this region.")
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerOrganizationQuerySet(models.QuerySet):
    def accessible(self):
        """Partners whose people may use the portal."""
        return self.filter(status__in=PartnerOrganization.PORTAL_STATUSES)

    def in_regions(self, region_ids):
        return self.filter(region_id__in=list(region_ids))


class PartnerOrganization(models.Model):
    """A partner company: the tenant. Everything it owns points here through a non-null ``partner`` FK."""

    class PartnerType(models.TextChoices):
        RESELLER = "reseller", _("Reseller (VAR)")
        SYSTEM_INTEGRATOR = "system_integrator", _("System integrator")
        ISV = "isv", _("Software vendor (ISV)")
        MSP = "msp", _("Managed service provider")
        REFERRAL = "referral", _("Referral partner")

    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        ONBOARDING = "onboarding", _("Onboarding")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        OFFBOARDED = "offboarded", _("Offboarded")

    PORTAL_STATUSES = (Status.ONBOARDING, Status.ACTIVE)

    name = models.CharField(_("name"), max_length=200)
    legal_name = models.CharField(_("legal name"), max_length=250, blank=True)
    partner_type = models.CharField(_("partner type"), max_length=32, choices=PartnerType.choices)
    country = models.CharField(_("country"), max_length=2, help_text=_("ISO 3166-1 alpha-2 code."))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="partners", verbose_name=_("region"))
    default_language = models.CharField(
        _("default language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.BASE_CURRENCY)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROSPECT, db_index=True)
    channel_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="managed_partners", verbose_name=_("channel manager"),
        limit_choices_to={"staff_role": "channel_manager"},
    )
    website = models.URLField(_("website"), blank=True)
    # The website's registrable domain, kept in step by save(): duplicate applications and channel
    # conflicts match on it. db_default covers rows written by COPY / bulk_create.
    domain = models.CharField(
        _("web domain"), max_length=253, blank=True, default="", db_default="", db_index=True, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    # Time to first value: set once each (partners.services.onboarding), read by analytics.
    activated_at = models.DateTimeField(_("activated"), null=True, blank=True)
    first_deal_registered_at = models.DateTimeField(_("first deal registered"), null=True, blank=True)
    first_deal_won_at = models.DateTimeField(_("first deal won"), null=True, blank=True)

    objects = PartnerOrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")
        ordering = ["name"]
        indexes = [models.Index(fields=["region", "status"])]
        constraints = [models.CheckConstraint(condition=Q(country__regex=r"^[A-Z]{2}$"), name="partner_country_iso2")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        from prm.common.domains import company_domain

        self.domain = company_domain(self.website)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "website" in update_fields and "domain" not in update_fields:
            kwargs["update_fields"] = [*update_fields, "domain"]
        super().save(*args, **kwargs)

    @property
    def is_accessible(self) -> bool:
        return self.status in self.PORTAL_STATUSES


class Membership(PartnerOwned):
    """A user's place in a partner: role plus the capability flags the portal checks."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Partner admin")
        USER = "user", _("Partner user")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.USER)
    can_register_deals = models.BooleanField(_("can register deals"), default=True)
    can_claim_mdf = models.BooleanField(_("can claim MDF"), default=False)
    can_manage_users = models.BooleanField(_("can manage users"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["user__email"]
        constraints = [models.UniqueConstraint(fields=["partner", "user"], name="membership_unique_partner_user")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.partner_id}"

    def get_absolute_url(self) -> str:
        return reverse("partners:member_detail", kwargs={"pk": self.pk})

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    # Capability checks the portal uses; a partner admin can do everything in its partner.
    def can(self, capability: str) -> bool:
        if self.is_admin:
            return True
        return bool(getattr(self, capability, False))


def invitation_expiry():
    return timezone.now() + timedelta(days=settings.PRM_INVITATION_DAYS)


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())


class Invitation(PartnerOwned):
    """An invitation to join a partner with a role. Single-use, expiring; only the token's hash is stored."""

    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=16, choices=Membership.Role.choices, default=Membership.Role.USER)
    can_register_deals = models.BooleanField(_("can register deals"), default=True)
    can_claim_mdf = models.BooleanField(_("can claim MDF"), default=False)
    can_manage_users = models.BooleanField(_("can manage users"), default=False)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE)
    full_name = models.CharField(_("full name"), max_length=200, blank=True, default="")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("invited by")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), default=invitation_expiry)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = PartnerScopedManager(InvitationQuerySet)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            # At most one open invitation per e-mail address and partner.
            models.UniqueConstraint(
                fields=["partner", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_partner_email",
            )
        ]

    def __str__(self) -> str:
        return self.email

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @staticmethod
    def hash_token(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"
