"""Tiers and benefits: programs per partner type, tiers with thresholds and benefits, regional exceptions,
each partner's tier state (grace, pending promotion, pin) and the history of every change.

Configuration (programs, tiers, exceptions) is the operators'; the state and the history are partner-owned.
Amounts are in the base currency (settings.BASE_CURRENCY); the engine lives in partners/tiers/.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import PartnerOwned

from .core import PartnerOrganization, Region

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


def _validate_base_currency(value: str) -> None:
    if value != settings.BASE_CURRENCY:
        raise ValidationError(_("Amounts are kept in the base currency %(currency)s."),
                              params={"currency": settings.BASE_CURRENCY})


def validate_partner_types(value) -> None:
    allowed = set(PartnerOrganization.PartnerType.values)
    if not isinstance(value, list) or any(item not in allowed for item in value):
        raise ValidationError(_("Choose partner types from the list."))


def validate_translations(value) -> None:
    languages = {code for code, _name in settings.LANGUAGES}
    if not isinstance(value, dict) or any(key not in languages or not isinstance(text, str) for key, text in value.items()):
        raise ValidationError(_("Translations map a language code (%(codes)s) to a name.")
                              % {"codes": ", ".join(sorted(languages))})


class TierProgram(models.Model):
    """A ladder of tiers for some partner types (resellers and referral partners do not share thresholds)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    partner_types = models.JSONField(
        _("partner types"), default=list, blank=True, validators=[validate_partner_types],
        help_text=_("Partners of these types are measured against this program's tiers. A type belongs to one program."),
    )
    grace_days = models.PositiveIntegerField(
        _("grace period (days)"), default=90,
        help_text=_("A partner that falls below its tier keeps it this long before it moves down."),
    )
    warn_before_days = models.PositiveIntegerField(
        _("final warning (days before the end of grace)"), default=14,
    )
    promotion_requires_approval = models.BooleanField(
        _("promotions need a manager's approval"), default=False,
        help_text=_("Otherwise a partner moves up as soon as it qualifies."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("tier program")
        verbose_name_plural = _("tier programs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.warn_before_days > self.grace_days:
            raise ValidationError({"warn_before_days": _("The final warning cannot come before the grace period starts.")})
        if self.is_active and self.partner_types:
            taken = set()
            for other in TierProgram.objects.filter(is_active=True).exclude(pk=self.pk).only("partner_types"):
                taken.update(set(other.partner_types) & set(self.partner_types))
            if taken:
                labels = dict(PartnerOrganization.PartnerType.choices)
                raise ValidationError({"partner_types": _("Already in another active program: %(types)s.")
                                       % {"types": ", ".join(str(labels[t]) for t in sorted(taken))}})


class Thresholds(models.Model):
    """The four measures a tier is earned on. Abstract: tiers hold the global values, exceptions override them."""

    min_won_revenue = models.DecimalField(
        _("won revenue, trailing 12 months"), max_digits=14, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    min_active_certifications = models.PositiveIntegerField(_("active certifications"), default=0)
    min_won_deals = models.PositiveIntegerField(_("won deals, trailing 12 months"), default=0)
    min_health_score = models.PositiveSmallIntegerField(
        _("minimum health score"), default=0, validators=[MaxValueValidator(100)],
    )

    class Meta:
        abstract = True


class Tier(Thresholds):
    """One step of a program (Registered < Silver < Gold < Platinum), its thresholds and its benefits."""

    program = models.ForeignKey(TierProgram, on_delete=models.CASCADE, related_name="tiers", verbose_name=_("program"))
    code = models.SlugField(_("code"), max_length=40)
    rank = models.PositiveSmallIntegerField(_("rank"), help_text=_("Higher is better; the lowest tier has the lowest rank."))
    name = models.CharField(_("name (English)"), max_length=80)
    translations = models.JSONField(
        _("name in other languages"), default=dict, blank=True, validators=[validate_translations],
        help_text=_("Language code to name; English is used where a language is missing."),
    )
    currency = models.CharField(
        _("currency"), max_length=3, default=settings.BASE_CURRENCY, editable=False, validators=[_validate_base_currency],
    )
    # Benefits: read by other apps only through partners.tiers.benefits.
    deal_protection_days = models.PositiveIntegerField(_("deal protection (days)"), default=90)
    mdf_allocation_per_quarter = models.DecimalField(
        _("MDF allocation per quarter"), max_digits=14, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))], help_text=_("A fixed fund per quarter, in the base currency."),
    )
    mdf_accrual_percent = models.DecimalField(
        _("MDF accrual (percent of won revenue)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT,
        help_text=_("Instead of a fixed allocation: a share of the partner's won revenue."),
    )
    mdf_cost_share_percent = models.DecimalField(
        _("MDF vendor cost share (percent)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT,
        help_text=_("The share of an activity's cost the vendor pays; empty uses the MDF program's default."),
    )
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=Decimal("0"),
                                           validators=PERCENT)
    priority_review = models.BooleanField(_("priority review"), default=False,
                                          help_text=_("Deal registrations and claims are reviewed first."))

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["program", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="tier_unique_program_code"),
            models.UniqueConstraint(fields=["program", "rank"], name="tier_unique_program_rank"),
            models.CheckConstraint(
                condition=~(Q(mdf_allocation_per_quarter__isnull=False) & Q(mdf_accrual_percent__isnull=False)),
                name="tier_mdf_allocation_or_accrual",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self, language: str | None = None) -> str:
        """The name in ``language`` (default: the active one), falling back to English."""
        language = (language or translation.get_language() or "en").split("-")[0]
        return (self.translations or {}).get(language) or self.name

    def clean(self) -> None:
        super().clean()
        if self.mdf_allocation_per_quarter is not None and self.mdf_accrual_percent is not None:
            raise ValidationError(_("Give either an MDF allocation per quarter or an accrual percentage, not both."))


class TierThresholdOverride(models.Model):
    """A regional exception (young markets): per criterion, a country's value beats its region's, which beats the tier's.

    Empty fields inherit. Exactly one of region and country is set.
    """

    tier = models.ForeignKey(Tier, on_delete=models.CASCADE, related_name="overrides", verbose_name=_("tier"))
    region = models.ForeignKey(Region, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                               verbose_name=_("region"))
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO 3166-1 alpha-2 code."))
    min_won_revenue = models.DecimalField(_("won revenue, trailing 12 months"), max_digits=14, decimal_places=2,
                                          null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    min_active_certifications = models.PositiveIntegerField(_("active certifications"), null=True, blank=True)
    min_won_deals = models.PositiveIntegerField(_("won deals, trailing 12 months"), null=True, blank=True)
    min_health_score = models.PositiveSmallIntegerField(_("minimum health score"), null=True, blank=True,
                                                        validators=[MaxValueValidator(100)])

    class Meta:
        verbose_name = _("regional threshold exception")
        verbose_name_plural = _("regional threshold exceptions")
        ordering = ["tier", "region", "country"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(region__isnull=False) & Q(country="")) | (Q(region__isnull=True) & Q(country__regex=r"^[A-Z]{2}$")),
                name="tier_override_region_xor_country",
            ),
            models.UniqueConstraint(fields=["tier", "region"], condition=Q(region__isnull=False),
                                    name="tier_override_unique_region"),
            models.UniqueConstraint(fields=["tier", "country"], condition=~Q(country=""),
                                    name="tier_override_unique_country"),
        ]

    def __str__(self) -> str:
        return f"{self.tier}: {self.country or self.region}"

    def clean(self) -> None:
        super().clean()
        self.country = (self.country or "").strip().upper()
        if bool(self.region_id) == bool(self.country):
            raise ValidationError(_("Choose either a region or a country."))


class PartnerTier(PartnerOwned):
    """A partner's place in its program: the tier it holds (benefits follow it) and what is under way.

    Written by the engine (partners/tiers/engine.py) and the services (pin, approval); one row per partner.
    ``tier`` is what counts while a grace period runs or a pin holds.
    """

    program = models.ForeignKey(TierProgram, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("program"))
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("tier"))
    since = models.DateField(_("in this tier since"), null=True, blank=True)
    pending_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("promotion awaiting approval"))
    pending_since = models.DateField(_("awaiting approval since"), null=True, blank=True)
    declined_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                      verbose_name=_("declined promotion"),
                                      help_text=_("Not proposed again until the partner falls back below it."))
    grace_started_on = models.DateField(_("grace period started"), null=True, blank=True)
    grace_until = models.DateField(_("moves down on"), null=True, blank=True, db_index=True)
    grace_final_warned_on = models.DateField(_("final warning sent"), null=True, blank=True)
    pinned_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                    verbose_name=_("pinned tier"))
    pinned_until = models.DateField(_("pinned until"), null=True, blank=True)
    pinned_reason = models.TextField(_("reason for the pin"), blank=True)
    pinned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("pinned by"))
    pinned_at = models.DateTimeField(_("pinned at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now)

    class Meta:
        verbose_name = _("partner tier")
        verbose_name_plural = _("partner tiers")
        ordering = ["partner_id"]
        constraints = [models.UniqueConstraint(fields=["partner"], name="partnertier_unique_partner")]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.tier or '-'}"

    @property
    def in_grace(self) -> bool:
        return self.grace_until is not None

    def is_pinned(self, on=None) -> bool:
        on = on or timezone.localdate()
        return self.pinned_tier_id is not None and (self.pinned_until is None or self.pinned_until >= on)


class TierChange(PartnerOwned):
    """One change of a partner's tier state and why: what was measured and which criteria were met or missed."""

    class Reason(models.TextChoices):
        ASSIGNED = "assigned", _("First tier assigned")
        PROMOTED = "promoted", _("Promoted")
        DEMOTED = "demoted", _("Moved down after the grace period")
        GRACE_STARTED = "grace_started", _("Below the tier: grace period started")
        GRACE_ENDED = "grace_ended", _("Back within the tier: grace period ended")
        PROMOTION_PENDING = "promotion_pending", _("Promotion awaiting approval")
        PROMOTION_APPROVED = "promotion_approved", _("Promotion approved")
        PROMOTION_DECLINED = "promotion_declined", _("Promotion declined")
        PROMOTION_LAPSED = "promotion_lapsed", _("No longer qualifies for the pending promotion")
        PINNED = "pinned", _("Tier pinned by a manager")
        PIN_REMOVED = "pin_removed", _("Pin removed")
        PIN_ENDED = "pin_ended", _("Pin ended")

    from_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name=_("from"))
    to_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("to"))
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    note = models.TextField(_("note"), blank=True)
    # {"won_revenue_ttm": {"value": "1200.00", "available": true}, ...}
    measured = models.JSONField(_("measured values"), default=dict, blank=True)
    # [{"tier": "gold", "metric": "...", "required": "...", "value": "...", "met": true, "available": true}, ...]
    criteria = models.JSONField(_("criteria"), default=list, blank=True)
    as_of = models.DateField(_("measured on"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["partner", "-at"], name="tierchange_partner_at")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()}: {self.from_tier or '-'} → {self.to_tier or '-'}"

    @property
    def missing_metrics(self) -> list[str]:
        return [code for code, item in (self.measured or {}).items() if not item.get("available", True)]
