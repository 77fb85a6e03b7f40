"""Admin mixins: channel managers and executives see only the partners of their regions.

Partner-owned models are already filtered by the scope the middleware opens for /admin/;
these mixins narrow the models that are not partner-owned (the partner itself, users).
"""


class RegionScopedPartnerAdminMixin:
    """For admins of PartnerOrganization (or models with a ``partner_field`` path to it)."""

    partner_field = "id"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        partner_ids = getattr(request, "staff_partner_ids", [])
        if partner_ids is None:
            return qs
        return qs.filter(**{f"{self.partner_field}__in": partner_ids})


class OperatorOnlyMixin:
    """Visible to operators only (configuration, the audit log)."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


