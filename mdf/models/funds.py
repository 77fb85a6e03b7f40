"""A partner's fund for one period and its ledger.

The fund row carries running totals that every ledger write updates under a row lock, in the same
transaction as the entry; database constraints refuse any total that would make the available
balance negative. The entries are append-only (database triggers, mdf/sql.py) and explain every cent:
``fund_ledger_totals`` (selectors) re-derives the totals from them.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from prm.tenancy.models import PartnerOwned
from prm.tenancy.scoping import PartnerScopedManager

MONEY = {"max_digits": 14, "decimal_places": 2}
HALF_CENT = Value(Decimal("0.005"))


class FundQuerySet(models.QuerySet):
    def current(self, *, today):
        """Funds whose period covers ``today``."""
        return self.filter(period_start__lte=today, period_end__gte=today)

    def requestable(self, *, today):
        """Funds a new request may draw from: the period has started and the grace period has not ended."""
        return self.filter(status=Fund.Status.OPEN, period_start__lte=today, expires_on__gte=today)


class Fund(PartnerOwned):
    """One partner's market development fund for one period, in the partner's currency."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("fund status", "Open")
        EXPIRED = "expired", pgettext_lazy("fund status", "Expired")

    label = models.CharField(_("period"), max_length=20, help_text=_("For example 2026-Q4."))
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    expires_on = models.DateField(_("unused balance expires"), help_text=_("Period end plus the grace period."))
    currency = models.CharField(_("currency"), max_length=3)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)

    # Running totals, written only by mdf.services.ledger together with an entry.
    allocated = models.DecimalField(_("allocated"), default=0, **MONEY)
    reserved = models.DecimalField(_("reserved"), default=0, **MONEY)
    spent = models.DecimalField(_("approved claims"), default=0, **MONEY)
    paid = models.DecimalField(_("paid"), default=0, **MONEY)
    expired = models.DecimalField(_("expired"), default=0, **MONEY)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expired_at = models.DateTimeField(_("expired at"), null=True, blank=True)

    objects = PartnerScopedManager(FundQuerySet)

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "period_start"], name="mdf_fund_unique_partner_period"),
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="mdf_fund_period_order"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0) & Q(reserved__gte=0) & Q(spent__gte=0) & Q(paid__gte=0) & Q(expired__gte=0),
                name="mdf_fund_totals_not_negative",
            ),
            # The rule of the whole app: the available balance never goes below zero. Amounts are whole minor
            # units, so "> -half a cent" is exactly ">= 0" on PostgreSQL's numeric; SQLite evaluates the sum
            # in floating point (2372591.8200000003), and the half cent keeps it from refusing exact zeros.
            models.CheckConstraint(
                condition=Q(allocated__gt=F("reserved") + F("spent") + F("expired") - HALF_CENT),
                name="mdf_fund_available_not_negative",
            ),
            models.CheckConstraint(condition=Q(paid__lt=F("spent") + HALF_CENT), name="mdf_fund_paid_within_spent"),
        ]
        indexes = [models.Index(fields=["status", "expires_on"])]

    def __str__(self) -> str:
        return f"{self.label} ({self.currency})"

    @property
    def available(self):
        return self.allocated - self.reserved - self.spent - self.expired

    @property
    def approved_unpaid(self):
        return self.spent - self.paid


class FundEntry(PartnerOwned):
    """One movement of a fund. Amounts are positive; ``kind`` says which totals they move.

    ``key`` makes every automatic movement idempotent (``reservation:activity:42``); a second write
    with the same key is refused by the unique constraint and the ledger service returns the first.
    ``base_amount``/``fx_rate`` record the amount in the base currency at the rate of ``occurred_on``.
    """

    class Kind(models.TextChoices):
        ALLOCATION = "allocation", _("Allocation")
        ACCRUAL = "accrual", _("Accrual")
        DEDUCTION = "deduction", _("Deduction")
        RESERVATION = "reservation", _("Reservation")
        RELEASE = "release", _("Release")
        SPEND = "spend", _("Approved claim")
        PAYMENT = "payment", _("Payment")
        EXPIRY = "expiry", _("Expiry")

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="entries", verbose_name=_("fund"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    base_amount = models.DecimalField(_("amount in base currency"), **MONEY)
    base_currency = models.CharField(_("base currency"), max_length=3, default=settings.BASE_CURRENCY)
    fx_rate = models.DecimalField(_("exchange rate used"), max_digits=18, decimal_places=8)
    occurred_on = models.DateField(_("date"))
    key = models.CharField(_("key"), max_length=80)
    activity = models.ForeignKey(
        "mdf.Activity", on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("activity"),
    )
    claim = models.ForeignKey(
        "mdf.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("claim"),
    )
    deal = models.ForeignKey(
        "dealreg.Deal", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("won deal"),
    )
    reason = models.TextField(_("reason"), blank=True)
    # PROTECT, not SET_NULL: an entry is never updated (people are deactivated, not deleted).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    objects = PartnerScopedManager()

    class Meta:
        verbose_name = _("fund entry")
        verbose_name_plural = _("fund entries")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "key"], name="mdf_entry_unique_fund_key"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="mdf_entry_amount_positive"),
        ]
        indexes = [models.Index(fields=["fund", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"
