"""Staff dashboard pages: regions side by side, one region, a panel as CSV, a region's scorecard PDF.

Channel managers and executives see their regions, operators every region; a region outside the viewer's
answers 404 (the drill-down, a CSV filter, the scorecard). Pages read rollups only (``selectors``).
"""

from functools import wraps

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from analytics.periods import parse_quarter, previous_quarter, quarter_label, quarter_start
from prm.common.downloads import private_download

from . import scorecard as scorecards
from .exports import panel_csv_response
from .filters import DashboardFilterForm, can_view_dashboards, filters_for, viewer_regions
from .panels import FRESHNESS_NOTES
from .selectors import dashboard_for, tier_labels, tiers_all


def dashboard_access(view):
    """Signed-in staff with a dashboard role (channel manager, executive, operator); others get 403."""

    @staff_member_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not can_view_dashboards(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _region_or_404(regions, code: str):
    for region in regions:
        if region.code == code:
            return region
    raise Http404


def _context(request, *, region_code: str | None = None) -> dict:
    """Regions, tiers, the filter form and the dashboard: two small queries and four statements."""
    regions = viewer_regions(request.user)
    allowed = {r.code for r in regions}
    if set(request.GET.getlist("region")) - allowed:
        raise Http404  # a region outside the viewer's is "not there", in a filter as in a URL
    region = _region_or_404(regions, region_code) if region_code else None
    tiers = tiers_all()
    form = DashboardFilterForm(request.GET or None, regions=regions, tiers=tiers, region_fixed=region is not None)
    form.is_valid()
    filters = filters_for(form, region_ids=(region.pk,) if region else None)
    dashboard = dashboard_for(filters=filters, regions=regions, tiers=tier_labels(tiers))
    query = request.GET.copy()
    query.pop("panel", None)
    if region is not None:
        query.setlist("region", [region.code])
    return {
        "form": form, "dashboard": dashboard, "region": region, "regions": regions,
        "filtered": bool(request.GET), "export_query": query.urlencode(),
        "freshness_notes": FRESHNESS_NOTES, "today": timezone.localdate(),
        "period": f"{quarter_label(filters.first_quarter)} – {quarter_label(filters.last_quarter)}",
        "chart_data": dashboard.chart_data(), "chart_text": _chart_text(),
    }


def _chart_text() -> dict:
    """What the browser needs to format chart numbers like the tables (Intl does the locale part)."""
    return {"language": translation.get_language() or settings.LANGUAGE_CODE, "currency": settings.BASE_CURRENCY,
            "days": _("%(value)s d"), "hours": _("%(value)s h"), "ratio": _("%(value)s×"), "noData": "—"}


@dashboard_access
def dashboard(request):
    """Regions side by side, then every panel for the chosen regions, countries, types, tiers and quarters."""
    return TemplateResponse(request, "analytics/dashboards/overview.html", _context(request))


@dashboard_access
def dashboard_region(request, code: str):
    """One region's dashboard, with its scorecard PDF."""
    context = _context(request, region_code=code)
    last_full = previous_quarter(quarter_start(timezone.localdate()))
    context["scorecard_quarters"] = [quarter_label(q) for q in scorecards.quarter_choices(timezone.localdate())]
    context["scorecard_default"] = quarter_label(last_full)
    return TemplateResponse(request, "analytics/dashboards/region.html", context)


@dashboard_access
def dashboard_csv(request):
    """One panel's rows as CSV (``?panel=``), with the same filters as the page it was linked from."""
    context = _context(request)
    panel = context["dashboard"].panels.get(request.GET.get("panel", ""))
    if panel is None:
        return HttpResponseBadRequest(_("Unknown panel."), content_type="text/plain; charset=utf-8")
    filters = context["dashboard"].filters
    regions = context["dashboard"].regions
    scope = regions[0].code if len(regions) == 1 else "regions"
    filename = f"{panel.id}-{scope}-{quarter_label(filters.first_quarter)}-{quarter_label(filters.last_quarter)}.csv"
    return panel_csv_response(panel, filename=filename)


@dashboard_access
def scorecard(request, code: str):
    """A region's scorecard PDF for a quarter, in the viewer's language: the stored one when it was rendered
    from the current rollups, else queued for a worker (202 and a page that refreshes itself)."""
    region = _region_or_404(viewer_regions(request.user), code)
    try:
        quarter = parse_quarter(request.GET.get("quarter") or "")
    except ValueError:
        quarter = None
    if quarter is None or quarter > quarter_start(timezone.localdate()):
        return HttpResponseBadRequest(_("Choose a quarter like 2026-Q3, not in the future."),
                                      content_type="text/plain; charset=utf-8")
    language = translation.get_language() or "en"
    stamp = scorecards.scorecard_stamp()
    name = scorecards.scorecard_name(region_id=region.pk, quarter=quarter, language=language, stamp=stamp)
    storage = scorecards.scorecard_storage()
    if storage.exists(name):
        return private_download(storage.open(name), content_type="application/pdf",
                                filename=f"scorecard-{region.code}-{quarter_label(quarter)}-{language}.pdf",
                                fallback="scorecard.pdf")
    scorecards.scorecard_queue(region_id=region.pk, quarter=quarter, language=language, stamp=stamp)
    return TemplateResponse(request, "analytics/dashboards/scorecard_pending.html",
                            {"region": region, "quarter": quarter_label(quarter)}, status=202)
