"""Recruitment in the admin: applications ranked by IPP fit score, reviewed by the managers of their region;
the Ideal Partner Profile, configured by operators.

Applications are not partner-owned, so the tenancy scope does not narrow them: get_queryset keeps a
channel manager's (and an executive's) view to the regions of the application's country.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from partners.models import IdealProfileCriterion, PartnerApplication, Region
from partners.services.applications import (
    REASON_MAX,
    application_approve,
    application_reject,
    application_set_region,
    applications_decide,
    applications_rescore,
    can_decide_application,
    region_for_country,
)
from prm.tenancy.admin import OperatorOnlyMixin

DECISION_TEMPLATE = "admin/partners/application_decision.html"


class CriterionForm(forms.ModelForm):
    """Matching values as a comma-separated list (codes); the model's clean() checks them per attribute."""

    values = forms.CharField(
        label=_("Matching values"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Comma-separated codes. Partner types: reseller, system_integrator, isv, msp, referral. "
                    "Size bands: 1-10, 11-50, 51-200, 201-1000, 1000+. Industries: manufacturing, retail, "
                    "financial_services, healthcare, public_sector, education, telecom, energy, logistics, "
                    "professional_services, technology, media. Countries: ISO codes (DE, FR…). Regions: region codes."),
    )

    class Meta:
        model = IdealProfileCriterion
        fields = ["name", "attribute", "values", "minimum", "weight", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["values"] = ", ".join(self.instance.values or [])

    def clean_values(self) -> list[str]:
        raw = self.cleaned_data.get("values") or ""
        return [part.strip() for part in raw.replace(";", ",").replace("\n", ",").split(",") if part.strip()]


@admin.register(IdealProfileCriterion)
class IdealProfileCriterionAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    form = CriterionForm
    list_display = ("name", "attribute", "value_list", "weight", "is_active", "updated_at")
    list_filter = ("attribute", "is_active")
    list_editable = ("weight", "is_active")
    actions = ["rescore_pending"]

    @admin.display(description=_("matching values"))
    def value_list(self, obj):
        if obj.attribute == IdealProfileCriterion.Attribute.CERTIFIED_STAFF_MIN:
            return f"≥ {obj.minimum}"
        return ", ".join(obj.values or [])

    @admin.action(description=_("Score all pending applications again"))
    def rescore_pending(self, request, queryset):
        count = applications_rescore(actor=request.user)
        self.message_user(request, ngettext("%(count)d application scored again.",
                                            "%(count)d applications scored again.", count) % {"count": count})


class RegionChoiceForm(forms.Form):
    """The region an application belongs to: the one of its country by default, a manager's choice otherwise."""

    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("name"), empty_label=_("Choose a region"),
        help_text=_("Derived from the applicant's country. Choose another when a different region serves this "
                    "company; its managers then review the application, and the partner is created there."),
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].required = required  # approving without a choice keeps the application's region


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required. The applicant receives it by e-mail, in their language."),
    )


class DuplicateFilter(admin.SimpleListFilter):
    title = _("duplicates")
    parameter_name = "duplicate"

    def lookups(self, request, model_admin):
        return [("yes", _("Possible duplicate")), ("no", _("New company"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(is_duplicate=self.value() == "yes")
        return queryset


@admin.register(PartnerApplication)
class PartnerApplicationAdmin(admin.ModelAdmin):
    list_display = ("company_name", "score_display", "status", "duplicate_flag", "country", "region", "partner_type",
                    "size_band", "certified_staff", "created_at")
    list_display_links = ("company_name",)
    list_filter = ("status", DuplicateFilter, ("region", admin.RelatedOnlyFieldListFilter), "partner_type", "size_band")
    search_fields = ("company_name", "domain", "contact_email", "contact_name")
    list_select_related = ("region",)
    ordering = ("-score", "created_at", "id")
    show_full_result_count = False
    list_per_page = 50
    actions = ["approve_selected", "reject_selected"]
    readonly_fields = (
        "company_name", "website", "domain", "country", "region", "region_origin", "partner_type", "size_band",
        "certified_staff", "industry_list", "target_customers", "contact_name", "contact_email", "contact_phone",
        "language", "score", "score_breakdown", "scored_at", "duplicate_links", "status", "decided_at", "decided_by",
        "rejection_reason", "partner", "created_at", "submitted_ip", "decision_buttons",
    )
    fieldsets = (
        (_("Decision"), {"fields": ("status", "decision_buttons", "decided_at", "decided_by", "rejection_reason",
                                    "partner")}),
        (_("IPP fit"), {"fields": ("score", "score_breakdown", "scored_at")}),
        (_("Duplicates"), {"fields": ("duplicate_links",)}),
        (_("Company"), {"fields": ("company_name", "website", "domain", "country", "region", "region_origin",
                                   "partner_type", "size_band", "certified_staff", "industry_list",
                                   "target_customers")}),
        (_("Contact"), {"fields": ("contact_name", "contact_email", "contact_phone", "language")}),
        (_("Submission"), {"fields": ("created_at", "submitted_ip")}),
    )

    # --- who sees and does what ---

    def get_queryset(self, request):
        return super().get_queryset(request).for_staff(request.user)

    def has_add_permission(self, request):
        return False  # applications come from the public form

    def has_delete_permission(self, request, obj=None):
        return False  # decisions keep the record

    def _can_decide(self, request, obj=None) -> bool:
        if not self.has_change_permission(request, obj):
            return False
        return obj is None or (obj.is_pending and can_decide_application(user=request.user, application=obj))

    def has_decide_permission(self, request) -> bool:
        """Bulk approve / reject: managers and operators (each row is checked again by the service)."""
        return self._can_decide(request)

    # --- columns and read-only fields ---

    @admin.display(description=_("IPP fit"), ordering="score")
    def score_display(self, obj):
        return f"{obj.score}"

    @admin.display(description=_("duplicate"), boolean=True, ordering="is_duplicate")
    def duplicate_flag(self, obj):
        return obj.is_duplicate

    @admin.display(description=_("industries"))
    def industry_list(self, obj):
        return ", ".join(obj.industry_labels()) or "-"

    @admin.display(description=_("score contributions"))
    def score_breakdown(self, obj):
        rows = obj.score_contributions or []
        if not rows:
            return _("No Ideal Partner Profile criteria were active when this application was scored.")
        labels = dict(IdealProfileCriterion.Attribute.choices)
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((row.get("name", ""), labels.get(row.get("attribute"), row.get("attribute", "")), row.get("weight", ""),
              _("met") if row.get("matched") else _("not met"), row.get("points", 0)) for row in rows),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            _("Criterion"), _("Attribute"), _("Weight"), _("Result"), _("Points"), body,
        )

    @admin.display(description=_("same company"))
    def duplicate_links(self, obj):
        parts = []
        if obj.duplicate_of_partner_id:
            parts.append(format_html(
                '{} <a href="{}">{}</a>', _("Partner:"),
                reverse("admin:partners_partnerorganization_change", args=[obj.duplicate_of_partner_id]),
                obj.duplicate_of_partner,
            ))
        if obj.duplicate_of_application_id:
            parts.append(format_html(
                '{} <a href="{}">{}</a>', _("Earlier application:"),
                reverse("admin:partners_partnerapplication_change", args=[obj.duplicate_of_application_id]),
                obj.duplicate_of_application,
            ))
        later = list(obj.duplicates.order_by("created_at").values_list("pk", "company_name")[:10])
        for pk, name in later:
            parts.append(format_html('{} <a href="{}">{}</a>', _("Later application:"),
                                     reverse("admin:partners_partnerapplication_change", args=[pk]), name))
        if not parts:
            return _("No other partner or application uses the domain %(domain)s.") % {"domain": obj.domain}
        return format_html_join(mark_safe("<br>"), "{}", ((p,) for p in parts))

    @admin.display(description=_("region from"))
    def region_origin(self, obj):
        if obj.region_chosen_at is not None:
            return _("Chosen by %(who)s on %(when)s") % {
                "who": obj.region_chosen_by or _("a manager"),
                "when": date_format(timezone.localtime(obj.region_chosen_at), "DATETIME_FORMAT")}
        if obj.region_id is None:
            return _("No region includes the country %(country)s.") % {"country": obj.country}
        return _("The applicant's country (%(country)s)") % {"country": obj.country}

    @admin.display(description=_("review"))
    def decision_buttons(self, obj):
        if not obj.pk or not obj.is_pending:
            return "-"
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a>',
            reverse("admin:partners_partnerapplication_approve", args=[obj.pk]), _("Approve"),
            reverse("admin:partners_partnerapplication_reject", args=[obj.pk]), _("Reject"),
            reverse("admin:partners_partnerapplication_region", args=[obj.pk]), _("Change region"),
        )

    # --- single decisions ---

    def get_urls(self):
        extra = [
            path("<int:pk>/approve/", self.admin_site.admin_view(self.approve_view),
                 name="partners_partnerapplication_approve"),
            path("<int:pk>/reject/", self.admin_site.admin_view(self.reject_view),
                 name="partners_partnerapplication_reject"),
            path("<int:pk>/region/", self.admin_site.admin_view(self.region_view),
                 name="partners_partnerapplication_region"),
        ]
        return extra + super().get_urls()

    def _decidable_or_404(self, request, pk) -> PartnerApplication:
        application = get_object_or_404(self.get_queryset(request).select_related("region"), pk=pk)
        if not self._can_decide(request, application):
            raise PermissionDenied
        return application

    def _render_decision(self, request, *, title, applications, form=None, action=None, approve=False,
                         submit_label=None):
        context = {
            **self.admin_site.each_context(request), "title": title, "opts": self.model._meta,
            "applications": applications, "form": form, "action": action, "approve": approve,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME, "submit_label": submit_label,
        }
        return TemplateResponse(request, DECISION_TEMPLATE, context)

    @staticmethod
    def _region_form(request, application, *, required: bool = True):
        initial = {"region": application.region_id or getattr(region_for_country(application.country), "pk", None)}
        return RegionChoiceForm(request.POST if request.method == "POST" else None, initial=initial, required=required)

    def approve_view(self, request, pk):
        """Approve, in the region shown (the country's by default; the manager may choose another here)."""
        application = self._decidable_or_404(request, pk)
        form = self._region_form(request, application, required=False)
        if request.method == "POST" and form.is_valid():
            try:
                application_approve(application=application, actor=request.user, region=form.cleaned_data["region"])
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, _("Approved: %(name)s is onboarding and its admin is invited.")
                                  % {"name": application.company_name}, messages.SUCCESS)
            return redirect("admin:partners_partnerapplication_change", application.pk)
        return self._render_decision(request, title=_("Approve %(name)s") % {"name": application.company_name},
                                     applications=[application], approve=True, form=form)

    def region_view(self, request, pk):
        """Hand a pending application to another region (or give one to an application whose country has none)."""
        application = self._decidable_or_404(request, pk)
        form = self._region_form(request, application)
        if request.method == "POST" and form.is_valid():
            try:
                application_set_region(application=application, actor=request.user, region=form.cleaned_data["region"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, _("%(name)s now belongs to the region %(region)s.")
                                  % {"name": application.company_name, "region": form.cleaned_data["region"]},
                                  messages.SUCCESS)
                if self.get_queryset(request).filter(pk=application.pk).exists():
                    return redirect("admin:partners_partnerapplication_change", application.pk)
                return redirect("admin:partners_partnerapplication_changelist")  # handed over out of the user's regions
        return self._render_decision(request, title=_("Region of %(name)s") % {"name": application.company_name},
                                     applications=[application], form=form, submit_label=_("Save region"))

    def reject_view(self, request, pk):
        application = self._decidable_or_404(request, pk)
        form = RejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                application_reject(application=application, actor=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(request, _("Rejected; the applicant is informed."), messages.SUCCESS)
                return redirect("admin:partners_partnerapplication_change", application.pk)
        return self._render_decision(request, title=_("Reject %(name)s") % {"name": application.company_name},
                                     applications=[application], form=form)

    # --- bulk decisions ---

    def _report(self, request, outcome, done_message):
        if outcome.done:
            self.message_user(request, done_message % {"count": len(outcome.done)}, messages.SUCCESS)
        for application, reason in outcome.failed:
            self.message_user(request, f"{application.company_name}: {reason}", messages.ERROR)

    @admin.action(description=_("Approve selected applications"), permissions=["decide"])
    def approve_selected(self, request, queryset):
        outcome = applications_decide(applications=list(queryset.filter(status=PartnerApplication.Status.PENDING)),
                                      actor=request.user, approve=True)
        self._report(request, outcome, _("%(count)d applications approved."))
        skipped = queryset.filter(~Q(status=PartnerApplication.Status.PENDING)).count()
        if skipped:
            self.message_user(request, _("%(count)d already decided applications were left as they are.")
                              % {"count": skipped}, messages.WARNING)

    @admin.action(description=_("Reject selected applications…"), permissions=["decide"])
    def reject_selected(self, request, queryset):
        pending = list(queryset.filter(status=PartnerApplication.Status.PENDING).select_related("region"))
        form = RejectForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            outcome = applications_decide(applications=pending, actor=request.user, approve=False,
                                          reason=form.cleaned_data["reason"])
            self._report(request, outcome, _("%(count)d applications rejected; the applicants are informed."))
            return None
        if not pending:
            self.message_user(request, _("None of the selected applications is pending."), messages.WARNING)
            return None
        return self._render_decision(request, title=_("Reject applications"), applications=pending, form=form,
                                     action="reject_selected")
