"""The audit log: who did what to which object, when and from where."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Append-only record of a security- or money-relevant action, written by services.

    Staff-only (operators read it in the admin); it is not partner-owned, so it carries the
    partner id for filtering but never appears in the portal.
    """

    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("who")
    )
    actor_repr = models.CharField(_("actor"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    target_type = models.CharField(_("object type"), max_length=100, blank=True)
    target_id = models.CharField(_("object id"), max_length=64, blank=True)
    target_repr = models.CharField(_("object"), max_length=254, blank=True)
    partner_id = models.BigIntegerField(_("partner id"), null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=400, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_repr}"


class ExchangeRate(models.Model):
    """One dated rate: 1 ``from_currency`` = ``rate`` ``to_currency``. Read by prm.common.fx.convert()."""

    date = models.DateField(_("date"))
    from_currency = models.CharField(_("from currency"), max_length=3)
    to_currency = models.CharField(_("to currency"), max_length=3)
    rate = models.DecimalField(_("rate"), max_digits=18, decimal_places=8)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-date", "from_currency", "to_currency"]
        constraints = [
            models.UniqueConstraint(fields=["date", "from_currency", "to_currency"], name="exchangerate_unique_date_pair"),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchangerate_rate_positive"),
            models.CheckConstraint(condition=~models.Q(from_currency=models.F("to_currency")), name="exchangerate_two_currencies"),
        ]
        indexes = [models.Index(fields=["from_currency", "to_currency", "-date"], name="exchangerate_pair_date")]

    def __str__(self) -> str:
        return f"{self.date} 1 {self.from_currency} = {self.rate} {self.to_currency}"

    def save(self, *args, **kwargs):
        self.from_currency = (self.from_currency or "").strip().upper()
        self.to_currency = (self.to_currency or "").strip().upper()
        super().save(*args, **kwargs)
