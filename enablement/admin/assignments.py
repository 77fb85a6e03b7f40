"""Learning paths given to people, in the admin: channel managers (their regions) and operators see them and
assign a path to a member of a partner, through the same service as partner admins in the portal."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from enablement.models import LearningPath, PathAssignment
from enablement.services import path_assign
from partners.models import Membership

from .base import ReadOnlyAdminMixin


class MemberChoice(forms.ModelChoiceField):
    def label_from_instance(self, membership):
        return f"{membership.user.get_full_name() or membership.user.email} · {membership.partner.name}"


class AssignPathForm(forms.Form):
    member = MemberChoice(label=_("Member"), queryset=Membership.objects.none(), empty_label=_("Choose a member"))
    path = forms.ModelChoiceField(label=_("Learning path"), queryset=LearningPath.objects.none(),
                                  empty_label=_("Choose a path"))
    due_on = forms.DateField(label=_("Due (optional)"), required=False,
                             widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin request runs in the staff user's region scope: only members of those partners are offered.
        self.fields["member"].queryset = (Membership.objects.filter(is_active=True, user__is_active=True)
                                          .select_related("user", "partner").order_by("partner__name", "user__email"))
        self.fields["path"].queryset = LearningPath.objects.filter(is_published=True).order_by("title")


@admin.register(PathAssignment)
class PathAssignmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "partner", "path", "assigned_by", "assigned_at", "due_on")
    list_filter = ("path", "partner__region")
    list_select_related = ("user", "partner", "path", "assigned_by")
    search_fields = ("user__email", "user__full_name", "partner__name", "path__code")
    ordering = ("-assigned_at", "-id")
    actions = None
    fields = ("partner", "user", "path", "assigned_by", "assigned_at", "due_on")
    change_list_template = "admin/enablement/pathassignment/change_list.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.assign_view)
        return [path("assign/", view, name="enablement_pathassignment_assign"), *super().get_urls()]

    def assign_view(self, request):
        """Assign a path to a member of a partner in the staff user's regions (managers and operators)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = AssignPathForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            membership = form.cleaned_data["member"]
            try:
                path_assign(partner=membership.partner, user=membership.user, path=form.cleaned_data["path"],
                            assigned_by=request.user, due_on=form.cleaned_data["due_on"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, gettext("%(path)s assigned to %(person)s.") % {
                    "path": form.cleaned_data["path"].title, "person": membership.user.email})
                return redirect(reverse("admin:enablement_pathassignment_changelist"))
        return TemplateResponse(request, "admin/enablement/pathassignment/assign.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "title": gettext("Assign a learning path"),
        })
