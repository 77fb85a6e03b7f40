"""The outbox log in the admin (read-only; operators may resend failed rows) and preferences (operators only)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from prm.tenancy.admin import OperatorOnlyMixin, RegionScopedPartnerAdminMixin

from .models import Notification, NotificationPreference
from .services import notifications_resend_failed


@admin.register(Notification)
class NotificationAdmin(RegionScopedPartnerAdminMixin, admin.ModelAdmin):
    """Channel managers (view permission via their group) see the rows of their regions' partners."""

    partner_field = "partner_id"
    list_display = ("email", "kind", "status", "created_at", "sent_at", "partner_id")
    list_filter = ("status", "kind")
    search_fields = ("email",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["resend_failed"]
    base_fields = (
        "email", "recipient", "language", "kind", "subject_key", "window", "partner_id", "status", "attempts",
        "last_error", "created_at", "claimed_at", "sent_at",
    )

    def get_fields(self, request, obj=None):
        # The context can hold links with secrets (an invitation's accept link): operators only.
        return (*self.base_fields, "context") if request.user.is_superuser else self.base_fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the log of what was sent stays

    def has_resend_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=_("Send the selected failed notifications again"), permissions=["resend"])
    def resend_failed(self, request, queryset):
        count = notifications_resend_failed(
            notification_ids=queryset.filter(status=Notification.Status.FAILED).values_list("pk", flat=True),
            actor=request.user,
        )
        self.message_user(
            request,
            ngettext("%(count)d notification queued again.", "%(count)d notifications queued again.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    list_display = ("user", "kind", "delivery", "updated_at")
    list_filter = ("delivery", "kind")
    list_select_related = ("user",)
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
