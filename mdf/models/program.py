"""The MDF program's settings: one row operators edit in the admin (claim window, grace, limits, cost share)."""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class MdfProgram(models.Model):
    """The program's rules. There is one row (pk=1); ``MdfProgram.current()`` creates it with the defaults.

    The cost share of a partner comes from its tier when the tier sets one, else from here.
    """

    default_cost_share_percent = models.DecimalField(
        _("vendor cost share (percent)"), max_digits=5, decimal_places=2, default=Decimal("50"), validators=PERCENT,
        help_text=_("The share of an activity's cost the vendor pays, unless the partner's tier says otherwise."),
    )
    claim_window_days = models.PositiveIntegerField(
        _("claim window (days)"), default=60, validators=[MinValueValidator(1)],
        help_text=_("How long after an activity ends its claim may be filed."),
    )
    fund_grace_days = models.PositiveIntegerField(
        _("fund grace period (days)"), default=30,
        help_text=_("How long after the end of its period a fund's unused balance can still be requested."),
    )
    expiry_warning_days = models.PositiveIntegerField(
        _("warn before a fund expires (days)"), default=30, validators=[MinValueValidator(1)],
    )
    info_reminder_days = models.PositiveIntegerField(
        _("remind about requested information after (days)"), default=5, validators=[MinValueValidator(1)],
    )
    max_file_mb = models.PositiveIntegerField(
        _("largest proof file (MB)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    max_claim_mb = models.PositiveIntegerField(
        _("largest total proof per claim (MB)"), default=50, validators=[MinValueValidator(1), MaxValueValidator(500)],
    )
    max_files_per_claim = models.PositiveIntegerField(
        _("most proof files per claim"), default=20, validators=[MinValueValidator(1), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("MDF program")
        verbose_name_plural = _("MDF program")

    def __str__(self) -> str:
        return str(_("MDF program"))

    @classmethod
    def current(cls) -> "MdfProgram":
        program, _created = cls.objects.get_or_create(pk=1)
        return program

    @property
    def max_file_bytes(self) -> int:
        return self.max_file_mb * 1024 * 1024

    @property
    def max_claim_bytes(self) -> int:
        return self.max_claim_mb * 1024 * 1024
