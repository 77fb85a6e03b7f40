"""The health score in the admin: the health model (operators set weights, targets and what "at risk" means; one
row, so the list opens the form straight away) and the daily scores, read-only with their explanation.

Scores are partner-owned: the /admin/ scope already limits channel managers and executives to their regions'
partners (another region's score answers 404); operators see all. Imported by analytics.health.wiring.ready()
(admin autodiscovery only finds analytics/admin.py).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from analytics.models import HealthModel, HealthScore
from analytics.models.health import COMPONENTS
from prm.tenancy.admin import OperatorOnlyMixin

from . import explain

WEIGHT_FIELDS = tuple(f"weight_{code}" for code in COMPONENTS)


class HealthModelForm(forms.ModelForm):
    class Meta:
        model = HealthModel
        fields = (*WEIGHT_FIELDS, "target_training_completions_90d", "target_certifications",
                  "target_asset_downloads_90d", "login_full_days", "login_zero_days", "at_risk_below", "at_risk_drop")

    def clean(self):
        cleaned = super().clean()
        weights = [cleaned.get(name) for name in WEIGHT_FIELDS]
        if all(w is not None for w in weights) and sum(weights) <= 0:
            raise ValidationError(_("Give at least one component a weight above zero: the weights are scaled to a "
                                    "score of 100."), code="no_weight")
        full, zero = cleaned.get("login_full_days"), cleaned.get("login_zero_days")
        if full is not None and zero is not None and zero <= full:
            self.add_error("login_zero_days", ValidationError(
                _("Must be more days than the full-points limit (%(days)s).") % {"days": full}, code="login_order"))
        return cleaned


@admin.register(HealthModel)
class HealthModelAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    """The singleton (pk=1): no add, no delete; the list redirects to its form."""

    form = HealthModelForm
    fieldsets = (
        (_("Weights"), {"fields": WEIGHT_FIELDS,
                        "description": _("How much each indicator counts. Components that do not apply to a partner "
                                         "(no fund, no PSAT answer, no closed deal, no pipeline) are left out and "
                                         "the others scaled to 100.")}),
        (_("Targets"), {"fields": ("target_training_completions_90d", "target_certifications",
                                   "target_asset_downloads_90d", "login_full_days", "login_zero_days")}),
        (_("At risk"), {"fields": ("at_risk_below", "at_risk_drop")}),
        (None, {"fields": ("updated_at",)}),
    )
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)
        obj = HealthModel.current()
        return HttpResponseRedirect(reverse("admin:analytics_healthmodel_change", args=[obj.pk]))


class AtRiskFilter(admin.SimpleListFilter):
    title = _("at risk")
    parameter_name = "at_risk"

    def lookups(self, request, model_admin):
        return [("1", _("At risk")), ("0", _("Not at risk"))]

    def queryset(self, request, queryset):
        if self.value() in ("0", "1"):
            return queryset.filter(at_risk=self.value() == "1")
        return queryset


@admin.register(HealthScore)
class HealthScoreAdmin(admin.ModelAdmin):
    list_display = ("partner", "day", "score", "previous_score", "change_display", "at_risk", "reasons_display")
    list_filter = (AtRiskFilter, "day")
    date_hierarchy = "day"
    search_fields = ("partner__name",)
    list_select_related = ("partner",)
    ordering = ("-day", "score")
    show_full_result_count = False
    fields = ("partner", "day", "score", "previous_score", "at_risk", "reasons_display", "components_table",
              "computed_at")
    readonly_fields = fields
    view_on_site = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("change"))
    def change_display(self, obj):
        if obj.previous_score is None:
            return "—"
        return f"{obj.score - obj.previous_score:+d}"

    @admin.display(description=_("reasons"))
    def reasons_display(self, obj):
        return ", ".join(explain.label(code) for code in obj.reasons or []) or "—"

    @admin.display(description=_("components"))
    def components_table(self, obj):
        factors = explain.factors(obj)
        if not factors:
            return "—"
        head = format_html("<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>", _("component"), _("points"),
                           _("of"), _("what was measured"))
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                                ((f.label, f"{f.points:.1f}", f"{f.weight:.1f}", f.message) for f in factors))
        return format_html("<table>{}{}</table>", head, rows)
