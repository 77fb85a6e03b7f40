"""CRM imports in the admin (operators): upload a CSV, watch every row being checked, read the row errors
or the preview, confirm, watch the write. Progress refreshes every second with htmx, or by reloading.
While a step is queued or running, the page says which, since when, and whether it was queued again."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from dealreg.imports import columns_for, write_csv
from dealreg.models import ImportJob
from dealreg.services.imports import (
    LOST_DISPATCH_AFTER,
    MAX_ATTEMPTS,
    import_job_confirm,
    import_job_create,
    import_job_progress,
)
from prm.tenancy.admin import OperatorOnlyMixin


def _when(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") if moment else "—"


def job_state(job: ImportJob, *, now=None) -> str:
    """Where a queued or running step stands, for the operator; "" once the job has finished."""
    if not job.is_running:
        return ""
    now = now or timezone.now()
    if job.is_waiting:
        since = job.queued_at or job.created_at
        text = gettext("Waiting for a background worker since %(when)s.") % {"when": _when(since)}
        if job.dispatch_count > 1:
            text += " " + gettext("Queued again automatically (%(count)d times so far).") % {"count": job.dispatch_count}
        if now - since > LOST_DISPATCH_AFTER:
            text += " " + gettext("It is queued again every few minutes until a worker takes it.")
        return text
    text = gettext("Running since %(when)s.") % {"when": _when(job.started_at)}
    if job.attempts > 1:
        text += " " + gettext("Attempt %(attempt)d of %(max)d: an earlier run stopped without finishing.") % {
            "attempt": job.attempts, "max": MAX_ATTEMPTS}
    return text


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file contains"), choices=ImportJob.Kind.choices)
    file = forms.FileField(label=_("CSV file (UTF-8, first row: column names)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".txt")):
            raise ValidationError(_("Upload a .csv file."))
        return upload


@admin.register(ImportJob)
class ImportJobAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "original_name", "status", "state", "progress", "total_rows",
                    "error_count", "created_by")
    list_filter = ("kind", "status")
    list_select_related = ("created_by",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False  # jobs change through their own pages, never a model form

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    @admin.display(description=_("state"))
    def state(self, obj):
        return job_state(obj) or "—"

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return f"{obj.percent}%"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/progress/", view(self.progress_view), name="dealreg_importjob_progress"),
            path("<int:pk>/confirm/", view(require_POST(self.confirm_view)), name="dealreg_importjob_confirm"),
            path("template/<str:kind>/", view(self.template_view), name="dealreg_importjob_template"),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = import_job_create(kind=form.cleaned_data["kind"], upload=form.cleaned_data["file"],
                                        actor=request.user)
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect("admin:dealreg_importjob_change", job.pk)
        kinds = [(value, label, *columns_for(value)) for value, label in ImportJob.Kind.choices]
        return TemplateResponse(request, "dealreg/admin/importjob_upload.html",
                                self._context(request, title=_("Import CRM data"), form=form, kinds=kinds))

    def _job(self, request, pk) -> ImportJob:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)

    def _job_context(self, job: ImportJob) -> dict:
        done, total = import_job_progress(job=job)
        percent = int(done * 100 / total) if total else (0 if job.is_running else 100)
        return {"job": job, "done": done, "total": total, "percent": percent, "state": job_state(job),
                "preview_columns": list(job.preview[0]) if job.preview else []}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._job(request, object_id)
        return TemplateResponse(request, "dealreg/admin/importjob_detail.html",
                                self._context(request, title=str(job), **self._job_context(job)))

    def progress_view(self, request, pk):
        """The status block alone, polled by htmx every second while the job runs."""
        job = self._job(request, pk)
        response = TemplateResponse(request, "dealreg/admin/_importjob_status.html", self._job_context(job))
        if not job.is_running and getattr(request, "htmx", False):
            response["HX-Refresh"] = "true"  # finished: reload the page to show the errors or the preview
        return response

    def confirm_view(self, request, pk):
        job = self._job(request, pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        if import_job_confirm(job=job, actor=request.user):
            messages.success(request, _("The import is running."))
        else:
            messages.warning(request, _("This file cannot be imported in its current state."))
        return redirect("admin:dealreg_importjob_change", job.pk)

    def template_view(self, request, kind):
        if kind not in ImportJob.Kind.values or not self.has_view_permission(request):
            raise PermissionDenied
        required, optional = columns_for(kind)
        response = HttpResponse(write_csv([*required, *optional], []), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
        return response
