"""External LMS completion imports in the admin (operators: a file spans every region's partners): upload a
completion export, watch every row being checked, read the errors and the preview, import the valid rows, watch
the progress bar. Progress refreshes every second with htmx, or by reloading the page without JavaScript.

Channel managers import through the staff API instead, where rows outside their regions are refused."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from enablement.imports import COLUMNS, REQUIRED, template_csv
from enablement.models import CompletionImport
from enablement.services.imports import (
    MAX_UPLOAD_BYTES,
    completion_import_confirm,
    completion_import_create,
    completion_import_is_running,
    completion_import_label,
    completion_import_percent,
)
from prm.tenancy.admin import OperatorOnlyMixin


class CompletionUploadForm(forms.Form):
    file = forms.FileField(label=_("Completion export (CSV, UTF-8, first row: column names)"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}))


@admin.register(CompletionImport)
class CompletionImportAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "original_name", "status", "progress", "total_rows", "valid_rows", "error_count",
                    "created_rows", "unchanged_rows", "created_by")
    list_filter = ("status",)
    list_select_related = ("created_by",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False  # jobs change through their own pages, never a model form

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        obj.file.delete(save=False)  # the export names people: not kept once its job is gone

    def delete_queryset(self, request, queryset):
        files = [job.file for job in queryset]
        super().delete_queryset(request, queryset)
        for file in files:
            file.delete(save=False)

    @admin.display(description=_("progress"))
    def progress(self, obj):
        return f"{completion_import_percent(obj)}%"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/progress/", view(self.progress_view), name="enablement_completionimport_progress"),
            path("<int:pk>/confirm/", view(require_POST(self.confirm_view)),
                 name="enablement_completionimport_confirm"),
            path("template/", view(self.template_view), name="enablement_completionimport_template"),
            *super().get_urls(),
        ]

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CompletionUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = completion_import_create(upload=form.cleaned_data["file"], actor=request.user)
            except ValidationError as error:
                form.add_error("file", error)
            else:
                return redirect("admin:enablement_completionimport_change", job.pk)
        columns = [(name, aliases, name in REQUIRED) for name, aliases in COLUMNS.items()]
        return TemplateResponse(request, "admin/enablement/completionimport_upload.html", self._context(
            request, title=gettext("Import completions from a learning system"), form=form, columns=columns,
            max_mb=MAX_UPLOAD_BYTES // (1024 * 1024)))

    def _job(self, request, pk) -> CompletionImport:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(CompletionImport.objects.select_related("created_by"), pk=pk)

    def _job_context(self, job: CompletionImport) -> dict:
        return {"job": job, "running": completion_import_is_running(job), "percent": completion_import_percent(job),
                "confirm_label": completion_import_label(job)
                if job.status == CompletionImport.Status.CHECKED and job.valid_rows else "",
                "preview_columns": list(job.preview[0]) if job.preview else []}

    def change_view(self, request, object_id, form_url="", extra_context=None):
        job = self._job(request, object_id)
        return TemplateResponse(request, "admin/enablement/completionimport_detail.html",
                                self._context(request, title=str(job), **self._job_context(job)))

    def progress_view(self, request, pk):
        """The status block alone, polled by htmx every second while the job runs."""
        job = self._job(request, pk)
        response = TemplateResponse(request, "admin/enablement/_completionimport_status.html", self._job_context(job))
        if not completion_import_is_running(job) and getattr(request, "htmx", False):
            response["HX-Refresh"] = "true"  # finished: reload the page to show the errors and the preview
        return response

    def confirm_view(self, request, pk):
        job = self._job(request, pk)
        if not self.has_add_permission(request):
            raise PermissionDenied
        if completion_import_confirm(job=job, actor=request.user):
            messages.success(request, gettext("The import is running."))
        else:
            messages.warning(request, gettext("This file cannot be imported in its current state."))
        return redirect("admin:enablement_completionimport_change", job.pk)

    def template_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="completions-example.csv"'
        return response
