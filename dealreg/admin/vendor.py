"""The vendor's own accounts and opportunities (from its CRM) and the partners on multi-partner deals.

Vendor data is not partner-owned: operators import and edit it; channel managers read it (a conflict
with a vendor account names its owner). Big files go through CRM imports (dealreg/admin/imports.py).
"""

from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from dealreg.models import DealParticipant, VendorAccount, VendorOpportunity
from dealreg.resources import VendorAccountResource, VendorOpportunityResource


class _OperatorsWrite:
    """Everyone with the view permission reads; only operators import, add, change or delete."""

    def has_import_permission(self, request):
        return request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class VendorOpportunityInline(admin.TabularInline):
    model = VendorOpportunity
    fields = ("name", "stage", "amount", "currency", "close_date", "owner_name", "external_id")
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(VendorAccount)
class VendorAccountAdmin(_OperatorsWrite, ImportExportMixin, admin.ModelAdmin):
    resource_classes = [VendorAccountResource]
    list_display = ("name", "domain", "country", "owner_name", "open_opportunities", "external_id")
    list_filter = ("country",)
    search_fields = ("name", "name_normalized", "domain", "external_id", "owner_name", "owner_email")
    readonly_fields = ("name_normalized", "created_at", "updated_at")
    fields = ("name", "name_normalized", "domain", "country", "owner_name", "owner_email", "external_id",
              "created_at", "updated_at")
    inlines = [VendorOpportunityInline]
    show_full_result_count = False

    def get_queryset(self, request):
        # One aggregate in the list query, no query per row.
        open_q = ~Q(opportunities__stage__in=VendorOpportunity.CLOSED_STAGES) & Q(opportunities__isnull=False)
        return super().get_queryset(request).annotate(open_count=Count("opportunities", filter=open_q))

    @admin.display(description=_("open opportunities"), ordering="open_count")
    def open_opportunities(self, obj):
        return obj.open_count


@admin.register(VendorOpportunity)
class VendorOpportunityAdmin(_OperatorsWrite, ImportExportMixin, admin.ModelAdmin):
    resource_classes = [VendorOpportunityResource]
    list_display = ("name", "account", "stage", "amount", "currency", "close_date", "owner_name")
    list_filter = ("stage", "currency")
    search_fields = ("name", "external_id", "account__name", "account__domain", "owner_name")
    list_select_related = ("account",)
    autocomplete_fields = ("account",)
    readonly_fields = ("created_at", "updated_at")
    show_full_result_count = False


@admin.register(DealParticipant)
class DealParticipantAdmin(admin.ModelAdmin):
    """Read-only: partners change participations in the portal. Scoped by the invited partner's region."""

    list_display = ("deal", "partner", "role", "share", "status", "invited_at", "responded_at")
    list_filter = ("role", "status")
    search_fields = ("deal__reference", "deal__customer_name")
    list_select_related = ("deal", "partner")
    readonly_fields = ("deal", "partner", "role", "share", "status", "invited_by", "invited_at", "responded_by",
                       "responded_at")
    fields = readonly_fields
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
