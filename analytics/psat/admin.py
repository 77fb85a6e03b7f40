"""PSAT in the admin: surveys (operators: quarterly waves, event surveys on/off, anonymity, link validity, "send
now"), responses read-only for channel managers and executives of the partners' regions (the tenancy middleware
scopes /admin/ to them; operators see all), a CSV export of selected responses, and the results page (average and
NPS by region, tier and partner type).

An anonymous response has no person to show: the list, the detail page and the CSV say "Anonymous", and no
field of the response (nor any page here) links it to an invitation or a time of day. Invitations are not listed
per person at all: who used their link, next to the named answers, would tell who gave the anonymous ones.
"""

import csv
import io
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from analytics.models import PsatResponse, PsatSurvey
from analytics.periods import last_quarters, parse_quarter, quarter_label
from analytics.periods import quarter_start as quarter_of
from prm.tenancy.admin import OperatorOnlyMixin, RegionScopedPartnerAdminMixin

from .selectors import PASSIVE_MIN, PROMOTER_MIN, psat_results

CSV_BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COMMENT_PREVIEW = 120


def category(score: int) -> str:
    if score >= PROMOTER_MIN:
        return gettext("Promoter")
    if score >= PASSIVE_MIN:
        return gettext("Passive")
    return gettext("Detractor")


def person_label(response: PsatResponse) -> str:
    """The person who answered, or "Anonymous": the only way this module names anyone."""
    if response.user_id is None:
        return gettext("Anonymous")
    user = response.user
    return f"{user.full_name} <{user.email}>" if user.full_name else user.email


# --- surveys (operators) ----------------------------------------------------------------------------------------


class PsatSurveyForm(forms.ModelForm):
    class Meta:
        model = PsatSurvey
        fields = ("kind", "quarter", "is_active", "allow_anonymous", "link_valid_days")

    def clean(self):
        data = super().clean()
        kind, quarter = data.get("kind"), data.get("quarter")
        if kind == PsatSurvey.Kind.QUARTERLY:
            if quarter is None:
                self.add_error("quarter", _("Choose a day of the quarter this pulse is for."))
            else:
                data["quarter"] = quarter_of(quarter)
                self.instance.quarter = data["quarter"]
                if PsatSurvey.objects.filter(kind=kind, quarter=data["quarter"]).exclude(pk=self.instance.pk).exists():
                    self.add_error("quarter", _("There is already a pulse for %(quarter)s.")
                                   % {"quarter": quarter_label(data["quarter"])})
        elif kind:
            data["quarter"] = None
            self.instance.quarter = None
            if PsatSurvey.objects.filter(kind=kind).exclude(pk=self.instance.pk).exists():
                self.add_error("kind", _("This event survey exists already; switch it on or off instead."))
        if data.get("link_valid_days") == 0:
            self.add_error("link_valid_days", _("Links must stay valid for at least one day."))
        return data


@admin.register(PsatSurvey)
class PsatSurveyAdmin(OperatorOnlyMixin, admin.ModelAdmin):
    form = PsatSurveyForm
    list_display = ("__str__", "kind", "is_active", "allow_anonymous", "link_valid_days", "invited", "answered",
                    "wave_completed_at", "created_at")
    list_filter = ("kind", "is_active")
    actions = ["send_now"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            invited_count=Count("invitations"),
            answered_count=Count("invitations", filter=Q(invitations__used_at__isnull=False)),
        )

    def get_readonly_fields(self, request, obj=None):
        # A wave's links are out: changing what it is for would mislabel every answer.
        return ("kind", "quarter") if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # answers point at it (PROTECT); switch it off instead

    @admin.display(description=_("invited"), ordering="invited_count")
    def invited(self, obj):
        return obj.invited_count

    @admin.display(description=_("answered"), ordering="answered_count")
    def answered(self, obj):
        return obj.answered_count

    @admin.action(description=_("Send the invitations of the selected quarterly pulses now"), permissions=["change"])
    def send_now(self, request, queryset):
        from .tasks import psat_send_wave

        waves = [s for s in queryset if s.kind == PsatSurvey.Kind.QUARTERLY and s.is_active and s.quarter]
        for survey in waves:
            transaction.on_commit(partial(psat_send_wave.delay, quarter=survey.quarter.isoformat(),
                                          actor_id=request.user.pk))
        skipped = len(queryset) - len(waves)
        if waves:
            self.message_user(request, ngettext(
                "%(count)d pulse is being sent in the background; each person is invited once.",
                "%(count)d pulses are being sent in the background; each person is invited once.",
                len(waves)) % {"count": len(waves)}, messages.SUCCESS)
        if skipped:
            self.message_user(request, ngettext(
                "%(count)d survey skipped: only active quarterly pulses are sent this way.",
                "%(count)d surveys skipped: only active quarterly pulses are sent this way.",
                skipped) % {"count": skipped}, messages.WARNING)


# --- responses (channel managers, executives, operators) --------------------------------------------------------


class CategoryFilter(admin.SimpleListFilter):
    title = _("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return [("promoter", _("Promoters (9–10)")), ("passive", _("Passives (7–8)")),
                ("detractor", _("Detractors (0–6)"))]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "promoter":
            return queryset.filter(score__gte=PROMOTER_MIN)
        if value == "passive":
            return queryset.filter(score__gte=PASSIVE_MIN, score__lt=PROMOTER_MIN)
        if value == "detractor":
            return queryset.filter(score__lt=PASSIVE_MIN)
        return queryset


@admin.register(PsatResponse)
class PsatResponseAdmin(RegionScopedPartnerAdminMixin, admin.ModelAdmin):
    partner_field = "partner_id"
    change_list_template = "analytics/psat/admin_change_list.html"
    list_display = ("submitted_on", "partner", "region", "score", "score_category", "comment_preview", "person")
    list_select_related = ("partner", "partner__region", "survey", "user")
    list_filter = ("survey", ("partner__region", admin.RelatedOnlyFieldListFilter), "partner__partner_type",
                   CategoryFilter)
    search_fields = ("partner__name", "comment")
    ordering = ("-submitted_at", "-id")
    show_full_result_count = False
    list_per_page = 50
    actions = ["export_csv"]
    # "user" is never a field here: person() shows "Anonymous" for anonymous answers.
    fields = ("survey", "partner", "region", "score", "score_category", "comment", "person", "submitted_on")
    readonly_fields = fields
    view_on_site = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("submitted"), ordering="submitted_at")
    def submitted_on(self, obj):
        # The day only: anonymous answers keep no time of day, so none is shown for any answer.
        return timezone.localdate(obj.submitted_at)

    @admin.display(description=_("region"), ordering="partner__region__name")
    def region(self, obj):
        return obj.partner.region.name

    @admin.display(description=_("category"))
    def score_category(self, obj):
        return category(obj.score)

    @admin.display(description=_("comment"))
    def comment_preview(self, obj):
        text = obj.comment or "—"
        return text if len(text) <= COMMENT_PREVIEW else text[:COMMENT_PREVIEW - 1] + "…"

    @admin.display(description=_("person"))
    def person(self, obj):
        return person_label(obj)

    # -- CSV -------------------------------------------------------------------------------------------------

    @admin.action(description=_("Export the selected responses as CSV"), permissions=["view"])
    def export_csv(self, request, queryset):
        rows = queryset.select_related("partner", "partner__region", "survey", "user").order_by("-submitted_at", "-id")
        return csv_response(responses_csv(rows), filename="psat-responses.csv")

    # -- results ---------------------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view(self.results_view)
        return [path("results/", view, name="analytics_psatresponse_results"), *super().get_urls()]

    def results_view(self, request):
        """Average score and NPS by region, tier and partner type for one survey (optionally one quarter), over
        the responses the staff user may see."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        surveys = list(PsatSurvey.objects.order_by("-quarter", "kind", "-id"))
        survey = _chosen_survey(surveys, request.GET.get("survey", ""))
        quarter = None
        label = request.GET.get("quarter", "").strip()
        if label:
            try:
                quarter = parse_quarter(label)
            except ValueError:
                self.message_user(request, gettext("Choose a quarter from the list."), messages.ERROR)
        results = psat_results(survey=survey, quarter=quarter) if survey else None
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "title": gettext("PSAT results"),
            "surveys": surveys, "survey": survey, "results": results,
            "quarters": [quarter_label(q) for q in reversed(last_quarters(timezone.localdate(), 8))],
            "quarter": quarter_label(quarter) if quarter else "",
            "changelist_url": reverse("admin:analytics_psatresponse_changelist"),
        }
        return TemplateResponse(request, "analytics/psat/admin_results.html", context)


def _chosen_survey(surveys: list[PsatSurvey], wanted: str) -> PsatSurvey | None:
    if wanted.isdigit():
        for survey in surveys:
            if survey.pk == int(wanted):
                return survey
    quarterly = [s for s in surveys if s.kind == PsatSurvey.Kind.QUARTERLY]
    return (quarterly or surveys or [None])[0]


def _text(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text  # stays text in a spreadsheet


def responses_csv(responses) -> str:
    """One row per response: day, survey, partner, region, partner type, score, category, person ("Anonymous"
    for anonymous answers), comment. UTF-8 with a byte-order mark for Excel; formulas neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([gettext("Submitted"), gettext("Survey"), gettext("Partner"), gettext("Region"),
                     gettext("Partner type"), gettext("Score"), gettext("Category"), gettext("Person"),
                     gettext("Comment")])
    for response in responses:
        writer.writerow([
            timezone.localdate(response.submitted_at).isoformat(), _text(response.survey), _text(response.partner.name),
            _text(response.partner.region.name), response.partner.get_partner_type_display(), response.score,
            category(response.score), _text(person_label(response)), _text(response.comment),
        ])
    return CSV_BOM + buffer.getvalue()


def csv_response(text: str, *, filename: str) -> HttpResponse:
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
