"""The channel managers' workplace: partners, people and invitations of their regions.

Partner-owned rows are filtered by the scope the tenancy middleware opens for /admin/; the
partner list itself is narrowed by RegionScopedPartnerAdminMixin. Status changes and invitations
go through services (audit, session ending), never through a plain field edit.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from partners.admin.contacts import ContactsImportExportMixin
from partners.admin.offboarding import OffboardingAdminMixin
from partners.forms_admin import PartnerStatusForm, StaffInvitationForm
from partners.models import Invitation, Membership, PartnerOrganization, Region
from partners.resources import PartnerResource
from partners.services.invitations import invitation_create
from partners.services.offboarding import partner_change_status
from prm.tenancy.admin import RegionScopedPartnerAdminMixin


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "country_list")
    search_fields = ("name", "code")

    @admin.display(description=_("countries"))
    def country_list(self, obj):
        return ", ".join(obj.countries)


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("user", "role", "can_register_deals", "can_claim_mdf", "can_manage_users", "is_active", "joined_at")
    readonly_fields = ("user", "joined_at")
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False  # people join by invitation


@admin.register(PartnerOrganization)
class PartnerOrganizationAdmin(RegionScopedPartnerAdminMixin, OffboardingAdminMixin, ImportExportMixin, admin.ModelAdmin):
    resource_classes = [PartnerResource]
    list_display = ("name", "partner_type", "country", "region", "status", "channel_manager", "created_at")
    list_filter = ("status", "partner_type", "region", "country")
    search_fields = ("name", "legal_name", "website")
    list_select_related = ("region", "channel_manager")
    readonly_fields = ("status", "status_changed_at", "created_at", "status_actions")
    autocomplete_fields = ()
    inlines = [MembershipInline]
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("name", "legal_name", "partner_type", "website")}),
        (_("Location and language"), {"fields": ("country", "region", "default_language", "currency")}),
        (_("Program"), {"fields": ("channel_manager", "status", "status_changed_at", "status_actions", "created_at")}),
    )

    def has_import_permission(self, request):
        return request.user.is_superuser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "region" and not request.user.is_superuser:
            kwargs["queryset"] = request.user.regions.all()
        if db_field.name == "channel_manager":
            from prm.accounts.models import User

            kwargs["queryset"] = User.objects.filter(staff_role=User.StaffRole.CHANNEL_MANAGER, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("actions"))
    def status_actions(self, obj):
        if not obj.pk:
            return "-"
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a> {}',
            reverse("admin:partners_partnerorganization_status", args=[obj.pk]), _("Change status"),
            reverse("admin:partners_partnerorganization_invite", args=[obj.pk]), _("Invite a partner admin"),
            self.offboarding_button(obj),
        )

    def get_urls(self):
        extra = [
            path("<int:pk>/status/", self.admin_site.admin_view(self.status_view), name="partners_partnerorganization_status"),
            path("<int:pk>/invite/", self.admin_site.admin_view(self.invite_view), name="partners_partnerorganization_invite"),
        ]
        return extra + super().get_urls()

    def _get_partner_or_404(self, request, pk):
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def status_view(self, request, pk):
        partner = self._get_partner_or_404(request, pk)
        if not self.has_change_permission(request, partner):
            raise PermissionDenied
        form = PartnerStatusForm(request.POST or None, initial={"status": partner.status})
        if request.method == "POST" and form.is_valid():
            try:
                partner_change_status(partner=partner, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, _("Status changed."), messages.SUCCESS)
                return redirect("admin:partners_partnerorganization_change", partner.pk)
        context = {**self.admin_site.each_context(request), "title": _("Change status of %(name)s") % {"name": partner.name},
                   "form": form, "partner": partner, "opts": self.model._meta}
        return TemplateResponse(request, "admin/partners/partner_form_page.html", context)

    def invite_view(self, request, pk):
        partner = self._get_partner_or_404(request, pk)
        if not request.user.has_perm("partners.add_invitation"):
            raise PermissionDenied
        form = StaffInvitationForm(request.POST or None, initial={"language": partner.default_language})
        if request.method == "POST" and form.is_valid():
            try:
                invitation_create(
                    partner=partner, email=form.cleaned_data["email"], role=Membership.Role.ADMIN,
                    invited_by=request.user, language=form.cleaned_data["language"],
                )
            except ValidationError as error:
                form.add_error("email", error)
            else:
                self.message_user(request, _("Invitation sent."), messages.SUCCESS)
                return redirect("admin:partners_partnerorganization_change", partner.pk)
        context = {**self.admin_site.each_context(request),
                   "title": _("Invite a partner admin to %(name)s") % {"name": partner.name},
                   "form": form, "partner": partner, "opts": self.model._meta}
        return TemplateResponse(request, "admin/partners/partner_form_page.html", context)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user__email", "user__full_name", "partner", "role", "can_register_deals", "can_claim_mdf",
                    "can_manage_users", "is_active")
    list_filter = ("role", "is_active", "partner__region")
    search_fields = ("user__email", "user__full_name", "partner__name")
    list_select_related = ("user", "partner")
    readonly_fields = ("user", "partner", "joined_at", "removed_at", "is_active")
    fields = ("user", "partner", "role", "can_register_deals", "can_claim_mdf", "can_manage_users", "is_active",
              "joined_at", "removed_at")
    show_full_result_count = False

    def has_add_permission(self, request):
        return False  # people join by invitation

    def has_delete_permission(self, request, obj=None):
        return False  # removal keeps the record (partners.services.memberships.membership_remove)


@admin.register(Invitation)
class InvitationAdmin(ContactsImportExportMixin, admin.ModelAdmin):
    list_display = ("email", "partner", "role", "created_at", "expires_at", "accepted_at", "revoked_at", "invited_by")
    list_filter = ("role", "partner__region")
    search_fields = ("email", "partner__name")
    list_select_related = ("partner", "invited_by")
    readonly_fields = [f.name for f in Invitation._meta.fields if f.name != "token_hash"]
    exclude = ("token_hash",)

    def has_add_permission(self, request):
        return False  # staff invite from the partner's page, partners from the portal

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
