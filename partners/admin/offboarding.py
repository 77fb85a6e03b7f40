"""Offboarding in the admin: offboard one partner or several with a reason, and undo it (reactivate).

Mixed into PartnerOrganizationAdmin (partners/admin/core.py); the queryset there is already narrowed
to the staff member's regions, so a manager can only act on partners of their regions.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from partners.models import PartnerOrganization
from partners.services.offboarding import partner_offboard, partner_reactivate


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required. Kept in the audit log."),
    )


class OffboardingAdminMixin:
    actions = ["offboard_selected", "reactivate_selected"]

    def get_urls(self):
        extra = [
            path("<int:pk>/offboard/", self.admin_site.admin_view(self.offboard_view),
                 name="partners_partnerorganization_offboard"),
            path("<int:pk>/reactivate/", self.admin_site.admin_view(self.reactivate_view),
                 name="partners_partnerorganization_reactivate"),
        ]
        return extra + super().get_urls()

    def offboarding_button(self, obj) -> str:
        """The link for the partner's page: offboard, or undo an offboarding."""
        if obj is None or not obj.pk:
            return ""
        if obj.status == PartnerOrganization.Status.OFFBOARDED:
            return format_html('<a class="button" href="{}">{}</a>',
                               reverse("admin:partners_partnerorganization_reactivate", args=[obj.pk]), _("Reactivate"))
        return format_html('<a class="button" href="{}">{}</a>',
                           reverse("admin:partners_partnerorganization_offboard", args=[obj.pk]), _("Offboard"))

    def _reason_view(self, request, pk, *, service, title, done):
        partner = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, partner):
            raise PermissionDenied
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                service(partner=partner, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, done, messages.SUCCESS)
                return redirect("admin:partners_partnerorganization_change", partner.pk)
        context = {**self.admin_site.each_context(request), "title": title % {"name": partner.name}, "form": form,
                   "partner": partner, "opts": self.model._meta}
        return TemplateResponse(request, "admin/partners/partner_form_page.html", context)

    def offboard_view(self, request, pk):
        return self._reason_view(
            request, pk, service=partner_offboard, title=_("Offboard %(name)s"),
            done=_("Offboarded: every session and API token of its people has ended; the records are kept."),
        )

    def reactivate_view(self, request, pk):
        return self._reason_view(
            request, pk, service=partner_reactivate, title=_("Reactivate %(name)s"),
            done=_("Reactivated: its people can sign in again."),
        )

    def _bulk_with_reason(self, request, queryset, *, service, action, title, done):
        form = ReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            count = 0
            for partner in queryset:
                try:
                    service(partner=partner, actor=request.user, reason=form.cleaned_data["reason"])
                    count += 1
                except ValidationError as error:
                    self.message_user(request, f"{partner.name}: {' '.join(error.messages)}", messages.ERROR)
            if count:
                self.message_user(request, done % {"count": count}, messages.SUCCESS)
            return None
        context = {**self.admin_site.each_context(request), "title": title, "form": form, "partners": queryset,
                   "action": action, "opts": self.model._meta,
                   "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
        return TemplateResponse(request, "admin/partners/partner_bulk_reason.html", context)

    @admin.action(description=_("Offboard selected partners…"), permissions=["change"])
    def offboard_selected(self, request, queryset):
        return self._bulk_with_reason(request, queryset, service=partner_offboard, action="offboard_selected",
                                      title=_("Offboard partners"), done=_("%(count)d partners offboarded."))

    @admin.action(description=_("Reactivate selected offboarded partners…"), permissions=["change"])
    def reactivate_selected(self, request, queryset):
        return self._bulk_with_reason(request, queryset, service=partner_reactivate, action="reactivate_selected",
                                      title=_("Reactivate partners"), done=_("%(count)d partners reactivated."))
