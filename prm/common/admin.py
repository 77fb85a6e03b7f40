"""The audit log, read-only, for operators."""

from django.contrib import admin

from prm.tenancy.admin import OperatorOnlyMixin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    list_display = ("created_at", "action", "actor_repr", "target_repr", "partner_id", "ip_address")
    list_filter = ("action",)
    search_fields = ("action", "actor_repr", "target_repr", "target_id")
    date_hierarchy = "created_at"
    show_full_result_count = False
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
