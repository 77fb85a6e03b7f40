"""Users in the admin: operators manage everyone; channel managers see the people of their partners."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from import_export.admin import ImportExportMixin

from partners.resources import UserResource
from prm.tenancy.admin import OperatorOnlyMixin

from .models import ApiToken, User
from .roles import sync_staff_groups


@admin.register(User)
class UserAdmin(ImportExportMixin, BaseUserAdmin):
    resource_classes = [UserResource]
    ordering = ("email",)
    list_display = ("email", "full_name", "staff_role", "preferred_language", "is_active", "last_login")
    list_filter = ("staff_role", "is_active", "preferred_language", "regions")
    search_fields = ("email", "full_name")
    filter_horizontal = ("regions", "groups", "user_permissions")
    readonly_fields = ("last_login", "date_joined", "last_seen_at", "is_staff", "is_superuser")
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("full_name", "preferred_language", "timezone")}),
        (_("Staff"), {"fields": ("staff_role", "regions", "is_active", "is_staff", "is_superuser")}),
        (_("Important dates"), {"fields": ("last_login", "last_seen_at", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "staff_role", "password1", "password2")}),)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        partner_ids = getattr(request, "staff_partner_ids", [])
        if partner_ids is None:
            return qs
        # Staff see the people of their partners (joins, not the scoped Membership manager).
        return qs.filter(memberships__partner_id__in=partner_ids).distinct()

    def has_import_permission(self, request):
        return request.user.is_superuser

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        sync_staff_groups(form.instance)


@admin.register(ApiToken)
class ApiTokenAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    list_display = ("name", "user", "key_prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__email", "key_prefix")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "key_prefix", "created_at", "last_used_at", "expires_at", "revoked_at")
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        message = ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)
