"""The notification outbox and per-user preferences."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """One e-mail to one recipient for one reason. Written in the transaction of the change that causes it.

    ``dedupe_key`` = recipient + kind + subject + window, unique: the same reason never produces a
    second row, so it is never sent twice. Addressed to a person (not partner-owned); its content
    comes from the recipient's own partner scope.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DIGEST = "digest", _("Waiting for the daily digest")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        SUPPRESSED = "suppressed", _("Suppressed by preference")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True,
        related_name="notifications", verbose_name=_("recipient"),
    )
    email = models.EmailField(_("e-mail address"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    subject_key = models.CharField(_("subject"), max_length=128, help_text=_("What the notice is about, e.g. partners.invitation:42."))
    window = models.CharField(_("window"), max_length=32, default="once", help_text=_("Repeat period, e.g. once or 2026-11-24."))
    dedupe_key = models.CharField(max_length=300, unique=True, editable=False)
    partner_id = models.BigIntegerField(_("partner id"), null=True, blank=True, db_index=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    # When a worker claimed the row (PENDING/DIGEST -> SENDING); the sweep fails rows stuck in SENDING.
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} → {self.email}"


class NotificationPreference(models.Model):
    """A user's choice for one non-essential kind: off, immediate, or in the daily digest."""

    class Delivery(models.TextChoices):
        IMMEDIATE = "immediate", _("Right away")
        DIGEST = "digest", _("Daily digest")
        OFF = "off", _("Off")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(_("kind"), max_length=64)
    delivery = models.CharField(_("delivery"), max_length=16, choices=Delivery.choices, default=Delivery.IMMEDIATE)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique_user_kind")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}: {self.delivery}"


class NudgeRule(models.Model):
    """An operator's settings for one automated nudge rule (registered in code by its owning app).

    ``params`` holds the thresholds the rule declares (``prm.notifications.nudges``); a missing key takes
    the rule's default. A disabled rule's job still runs (and is logged) but sends nothing.
    """

    code = models.CharField(_("rule"), max_length=64, primary_key=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    params = models.JSONField(_("thresholds"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("updated by"))

    class Meta:
        verbose_name = _("nudge rule")
        verbose_name_plural = _("nudge rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class NudgeRun(models.Model):
    """One run of one nudge rule: when, and how many notices it wrote (each notice once, by its dedupe key)."""

    rule = models.CharField(_("rule"), max_length=64, db_index=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    enabled = models.BooleanField(_("rule enabled"), default=True)
    sent = models.PositiveIntegerField(_("notices written"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("nudge run")
        verbose_name_plural = _("nudge runs")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["rule", "-started_at"], name="nudge_run_rule_latest")]

    def __str__(self) -> str:
        return f"{self.rule} {self.started_at:%Y-%m-%d %H:%M}"
