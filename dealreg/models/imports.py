"""Background imports of CRM data (vendor accounts, vendor opportunities, historical registrations,
exchange rates): a file in private storage, validated in full before anything is written."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One uploaded file. VALIDATING -> VALID | INVALID; VALID -> (confirmed) COMMITTING -> DONE | FAILED.

    Nothing is written unless every row is valid, and the commit is one transaction. VALIDATING and
    COMMITTING are "a step is queued or running": ``queued_at``/``dispatch_count`` record the hand-overs to
    the broker, ``started_at``/``attempts`` the workers that began the step. A dispatch lost at commit
    (broker down) or a worker that died mid-step leaves the status as it was; the sweep
    (dealreg.services.imports.import_jobs_sweep) queues the step again.
    """

    class Kind(models.TextChoices):
        VENDOR_ACCOUNTS = "vendor_accounts", _("Vendor accounts")
        VENDOR_OPPORTUNITIES = "vendor_opportunities", _("Vendor opportunities")
        DEALS = "deals", _("Historical deal registrations")
        EXCHANGE_RATES = "exchange_rates", _("Exchange rates")

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Checking rows")
        VALID = "valid", _("Ready to import")
        INVALID = "invalid", _("Rows with errors")
        COMMITTING = "committing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    RUNNING_STATUSES = (Status.VALIDATING, Status.COMMITTING)

    kind = models.CharField(_("data"), max_length=24, choices=Kind.choices)
    # The default storage is private (never served by URL): only this job reads the file.
    file = models.FileField(_("file"), upload_to="dealreg/imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.VALIDATING, db_index=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    preview = models.JSONField(_("preview"), default=list, blank=True)
    created_rows = models.PositiveIntegerField(_("rows created"), default=0)
    updated_rows = models.PositiveIntegerField(_("rows updated"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    dispatch_count = models.PositiveSmallIntegerField(_("times queued"), default=0)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("CRM import")
        verbose_name_plural = _("CRM imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name or self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("admin:dealreg_importjob_change", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.status in self.RUNNING_STATUSES

    @property
    def is_waiting(self) -> bool:
        """Queued, and no worker has begun this step since it was (last) queued."""
        return self.is_running and (self.started_at is None or (self.queued_at is not None
                                                                 and self.started_at < self.queued_at))

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0 if self.is_running else 100
        return min(100, int(self.processed_rows * 100 / self.total_rows))
