"""Exchange rates (prm.common.models.ExchangeRate): operators import them with a preview; staff read them.

Registered here rather than in prm/common because deal outcomes are what needs them first; MDF reads the
same table through prm.common.fx.
"""

from django.contrib import admin
from import_export.admin import ImportExportMixin

from dealreg.resources import ExchangeRateResource
from prm.common.models import ExchangeRate


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ImportExportMixin, admin.ModelAdmin):
    resource_classes = [ExchangeRateResource]
    list_display = ("date", "from_currency", "to_currency", "rate")
    list_filter = ("from_currency", "to_currency")
    search_fields = ("from_currency", "to_currency")
    date_hierarchy = "date"
    show_full_result_count = False

    def has_import_permission(self, request):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser
