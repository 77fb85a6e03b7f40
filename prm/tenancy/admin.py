"""Admin mixins: channel managers and executives see only the partners of their regions.

Partner-owned models are already filtered by the scope the middleware opens for /admin/;
these mixins narrow the models that are not partner-owned (the partner itself, users).
"""

from django.contrib import admin


class RegionScopedPartnerAdminMixin:
    """For admins of PartnerOrganization (or models with a ``partner_field`` path to it)."""

    partner_field = "id"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        partner_ids = getattr(request, "staff_partner_ids", [])
        if partner_ids is None:
            return qs
        return qs.filter(**{f"{self.partner_field}__in": partner_ids})


class ReadOnlyForExecutivesMixin:
    """Executives read; they never change anything."""

    def _is_executive(self, request) -> bool:
        return getattr(request.user, "is_executive", False)

    def has_add_permission(self, request, *args):
        return not self._is_executive(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return not self._is_executive(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._is_executive(request) and super().has_delete_permission(request, obj)


class OperatorOnlyMixin:
    """Visible to operators only (configuration, the audit log)."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


__all__ = ["RegionScopedPartnerAdminMixin", "ReadOnlyForExecutivesMixin", "OperatorOnlyMixin", "admin"]
