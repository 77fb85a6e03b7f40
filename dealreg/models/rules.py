"""Rules of engagement that operators configure (policy, auto-approval rules, rejection reasons)
and the partners' protection extension requests."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from prm.tenancy.models import PartnerOwned
from prm.tenancy.scoping import PartnerScopedManager


class RejectionReason(models.Model):
    """One entry of the managers' list of rejection reasons, with its label in every portal language.

    ``label`` is the fallback; ``translations`` maps a language code to the label in that language,
    so the partner reads the reason in their own language.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    label = models.CharField(_("label"), max_length=200, help_text=_("Shown when no translation exists."))
    translations = models.JSONField(_("translations"), default=dict, blank=True,
                                    help_text=_("The label per language code, e.g. {\"de\": \"…\"}."))
    requires_note = models.BooleanField(_("needs an explanation"), default=False,
                                        help_text=_("The manager must add free text (e.g. for “Other”)."))
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.label_in()

    def label_in(self, language: str | None = None) -> str:
        language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
        return (self.translations or {}).get(language) or self.label


class AutoApprovalRule(models.Model):
    """Registrations matching every condition of an active rule are approved at submission.

    Rules are tried in ``priority`` order (lowest first); the first match decides and is recorded
    on the registration as the decider.
    """

    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100, help_text=_("Lower runs first."))
    max_conflict_score = models.PositiveSmallIntegerField(
        _("highest conflict score"), default=0, validators=[MaxValueValidator(100)],
        help_text=_("0 means: only registrations without any possible conflict."),
    )
    max_value = models.DecimalField(
        _("highest value"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)],
        help_text=_("In the rule's currency; empty means no limit."),
    )
    currency = models.CharField(_("currency"), max_length=3, default=settings.BASE_CURRENCY)
    min_tier_rank = models.PositiveSmallIntegerField(
        _("lowest tier rank"), null=True, blank=True,
        help_text=_("The partner's tier must rank at least this high (empty: any tier)."),
    )
    exclude_vendor_customers = models.BooleanField(
        _("not for existing vendor customers"), default=True,
        help_text=_("Never approve automatically when the customer matches a vendor account."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("auto-approval rule")
        verbose_name_plural = _("auto-approval rules")
        ordering = ["priority", "id"]

    def __str__(self) -> str:
        return self.name


class DealRegistrationPolicy(models.Model):
    """The program's rules of engagement that operators set (one row; ``DealRegistrationPolicy.get()``)."""

    class VendorAccountRule(models.TextChoices):
        ALLOWED = "allowed", _("Allowed: the partner may register vendor customers")
        CO_SELL = "co_sell", _("Co-sell: approved, sold together with the account owner")
        REFUSED = "refused", _("Refused: vendor customers cannot be registered")

    vendor_account_rule = models.CharField(
        _("registrations for existing vendor customers"), max_length=16, choices=VendorAccountRule.choices,
        default=VendorAccountRule.CO_SELL,
    )
    conflict_block_score = models.PositiveSmallIntegerField(
        _("conflict score that blocks approval"), default=70, validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("A protected registration or vendor account matching at least this score blocks an approval."),
    )
    extension_days = models.PositiveSmallIntegerField(
        _("days added by an extension"), default=30, validators=[MinValueValidator(1)]
    )
    max_extensions = models.PositiveSmallIntegerField(_("extensions per registration"), default=2)
    extension_window_days = models.PositiveSmallIntegerField(
        _("extension can be requested in the last … days"), default=30, validators=[MinValueValidator(1)]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("deal registration policy")
        verbose_name_plural = _("deal registration policy")

    def __str__(self) -> str:
        return str(_("Deal registration policy"))

    def save(self, *args, **kwargs):
        self.pk = 1  # a singleton
        super().save(*args, **kwargs)

    @classmethod
    def get(cls) -> "DealRegistrationPolicy":
        policy = cls.objects.filter(pk=1).first()
        if policy is None:
            policy, _created = cls.objects.get_or_create(pk=1)
        return policy


class ExtensionRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=ExtensionRequest.Status.PENDING)


class ExtensionRequest(PartnerOwned):
    """A partner asks for a longer protection of an approved registration; a manager decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DENIED = "denied", _("Denied")

    deal = models.ForeignKey("dealreg.Deal", on_delete=models.CASCADE, related_name="extension_requests",
                             verbose_name=_("registration"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested"))
    protected_until_before = models.DateField(_("protected until (before)"))
    protected_until_after = models.DateField(_("protected until (after)"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("note"), blank=True)

    objects = PartnerScopedManager(ExtensionRequestQuerySet)

    class Meta:
        verbose_name = _("protection extension request")
        verbose_name_plural = _("protection extension requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "deal"], condition=Q(status="pending"),
                                    name="extension_one_pending_per_deal"),
        ]

    def __str__(self) -> str:
        return f"{self.deal_id} → {self.get_status_display()}"
