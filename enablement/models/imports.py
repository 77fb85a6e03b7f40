"""Completions imported from an external learning system: a CSV in private storage, checked in a dry run
(every row's problem listed), then written by a worker with progress. Rows for unknown people or courses are
reported in the job and never silently dropped."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class CompletionImport(models.Model):
    """VALIDATING -> CHECKED (dry run done: valid and rejected rows counted, errors listed) -> (confirmed)
    IMPORTING -> DONE | FAILED. Staff-only; spans partners (a row's person decides its partner)."""

    class Status(models.TextChoices):
        VALIDATING = "validating", _("Checking rows")
        CHECKED = "checked", _("Checked: ready to import")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    file = models.FileField(_("file"), upload_to="enablement/imports/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.VALIDATING,
                              db_index=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    valid_rows = models.PositiveIntegerField(_("valid rows"), default=0)
    error_count = models.PositiveIntegerField(_("rows with errors"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    preview = models.JSONField(_("preview"), default=list, blank=True)
    created_rows = models.PositiveIntegerField(_("completions recorded"), default=0)
    unchanged_rows = models.PositiveIntegerField(_("already imported"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                                   verbose_name=_("uploaded by"))
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("completion import")
        verbose_name_plural = _("completion imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name or str(self.pk)

    def get_absolute_url(self) -> str:
        return reverse("admin:enablement_completionimport_change", args=[self.pk])
