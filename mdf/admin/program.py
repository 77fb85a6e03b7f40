"""The MDF program's rules (one row): operators only."""

from django.contrib import admin
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from mdf.models import MdfProgram
from prm.tenancy.admin import OperatorOnlyMixin


@admin.register(MdfProgram)
class MdfProgramAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    """One row: the list opens it directly (created with the defaults the first time)."""

    fieldsets = (
        (_("Requests and claims"), {"fields": ("default_cost_share_percent", "claim_window_days",
                                               "info_reminder_days")}),
        (_("Funds"), {"fields": ("fund_grace_days", "expiry_warning_days")}),
        (_("Proof of performance"), {"fields": ("max_file_mb", "max_claim_mb", "max_files_per_claim")}),
    )

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            return super().changelist_view(request, extra_context)  # the usual 403
        return redirect("admin:mdf_mdfprogram_change", MdfProgram.current().pk)

    def has_add_permission(self, request):
        return False  # MdfProgram.current() creates the one row

    def has_delete_permission(self, request, obj=None):
        return False
