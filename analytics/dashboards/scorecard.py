"""A region's scorecard PDF for a quarter: KPIs, charts as SVG, the at-risk list and tables (WeasyPrint, in a worker).

There is no database row per scorecard: its file name is derived from (region, quarter, language, the rollups'
refresh time), so a stored file is found again without a query beyond RollupState, and a refresh of the rollups
makes the next request render a new one. Names carry an HMAC of that key (unguessable even if storage were ever
exposed); files live in the private default storage and are only streamed by the region-scoped view. Rendering
is idempotent: an existing file is kept, a redelivered task does nothing, older files of the same region,
quarter and language are deleted after a new one is stored.
"""

import logging
from datetime import date
from functools import partial

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.safestring import mark_safe

from analytics.periods import last_quarters, quarter_label, quarter_start
from partners.models import Region
from prm.common.money import babel_locale

from . import queries
from .filters import Filters
from .panels import display, format_moment
from .selectors import dashboard_for, tier_labels, tiers_all
from .svg import chart_svg

logger = logging.getLogger(__name__)

QUEUE_THROTTLE_SECONDS = 120
TREND_QUARTERS = 4  # the quarter and the three before it
DIRECTORY = "analytics/scorecards"


def scorecard_storage():
    return default_storage


def quarter_choices(today: date) -> list[date]:
    """Quarters a scorecard can be asked for, newest first (the current one is partial)."""
    return list(reversed(last_quarters(today, 8)))


def scorecard_stamp() -> str:
    """The rollups' latest refresh (incremental or full) as a compact string; "0" before the first one."""
    latest = None
    for state in queries.freshness_rows():
        for moment in (state["refreshed_at"], state["full_refreshed_at"]):
            if moment and (latest is None or moment > latest):
                latest = moment
    return latest.strftime("%Y%m%dT%H%M%S") if latest else "0"


def scorecard_name(*, region_id: int, quarter: date, language: str, stamp: str) -> str:
    key = f"{region_id}|{quarter.isoformat()}|{language}|{stamp}"
    digest = salted_hmac("analytics.dashboards.scorecard", key, algorithm="sha256").hexdigest()[:24]
    return f"{DIRECTORY}/{int(region_id)}/{quarter_label(quarter)}-{language}-{stamp}-{digest}.pdf"


def _prefix(region_id: int, quarter: date, language: str) -> str:
    return f"{quarter_label(quarter)}-{language}-"


def _dispatch(region_id: int, quarter: str, language: str, stamp: str) -> None:
    from .tasks import scorecard_pdf

    try:
        scorecard_pdf.delay(region_id=region_id, quarter=quarter, language=language, stamp=stamp)
    except Exception:
        logger.warning("Queueing the scorecard of region %s for %s failed", region_id, quarter, exc_info=True)


def scorecard_queue(*, region_id: int, quarter: date, language: str, stamp: str) -> bool:
    """Queue the rendering after commit unless it was queued for the same key a moment ago (safe on every view)."""
    key = f"analytics:scorecard:{region_id}:{quarter.isoformat()}:{language}:{stamp}"
    if not cache.add(key, 1, timeout=QUEUE_THROTTLE_SECONDS):
        return False
    transaction.on_commit(partial(_dispatch, region_id, quarter.isoformat(), language, stamp), robust=True)
    return True


def scorecard_context(*, region: Region, quarter: date, language: str) -> dict:
    """What the PDF shows: the region's dashboard over the quarter and the three before it (trend charts),
    KPIs of the quarter alone, charts as SVG. Reads the rollups only (a tier query, then four statements twice)."""
    quarters = tuple(q for q in last_quarters(quarter, TREND_QUARTERS))
    trend_filters = Filters(region_ids=(region.pk,), quarters=quarters)
    regions = [region]
    tiers = tier_labels(tiers_all())
    trend = dashboard_for(filters=trend_filters, regions=regions, tiers=tiers, language=language)
    only = Filters(region_ids=(region.pk,), quarters=(quarter,))
    current = dashboard_for(filters=only, regions=regions, tiers=tiers, language=language)
    locale = babel_locale(language)

    def axis(kind):
        return lambda value: display(value, kind if kind != "money" else "compact", locale=locale)

    charts = []
    for pid, kind in (("revenue", "money"), ("registrations", "int"), ("pipeline", "money"), ("mdf", "money"),
                      ("health", "int"), ("psat", "score"), ("tiers", "int"), ("training", "int")):
        panel = trend.panels[pid]
        if panel.chart and panel.rows:
            charts.append({"title": panel.title, "description": panel.description,
                           # svg.py escapes every text it writes: safe to embed as markup.
                           "svg": mark_safe(chart_svg(panel.chart, fmt=axis(kind), width=360, height=180))})  # noqa: S308
    return {
        "region": region, "quarter": quarter, "quarter_label": quarter_label(quarter),
        "trend_period": f"{quarter_label(quarters[0])} – {quarter_label(quarters[-1])}",
        "kpis": current.kpis, "charts": charts, "trend": trend, "current": current,
        "at_risk": trend.panels["at_risk"], "tables": [current.panels[p] for p in ("mdf", "engagement", "ttv")],
        "as_of": format_moment(trend.as_of), "generated_at": timezone.now(), "language": language,
        "partial": quarter == quarter_start(timezone.localdate()),
    }


def render_scorecard_pdf(*, region: Region, quarter: date, language: str) -> bytes:
    from partners.pdf import render_html_to_pdf

    with translation.override(language), timezone.override("UTC"):
        html = render_to_string("analytics/dashboards/pdf/scorecard.html",
                                scorecard_context(region=region, quarter=quarter, language=language))
    return render_html_to_pdf(html)


def scorecard_render(*, region_id: int, quarter: date, language: str, stamp: str) -> str | None:
    """Render and store a region's scorecard unless the file for this key exists (idempotent). Returns the
    storage name; None when the region is gone."""
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        return None
    storage = scorecard_storage()
    name = scorecard_name(region_id=region_id, quarter=quarter, language=language, stamp=stamp)
    if storage.exists(name):
        return name
    content = render_scorecard_pdf(region=region, quarter=quarter, language=language)
    if storage.exists(name):  # another worker finished first
        return name
    saved = storage.save(name, ContentFile(content))
    if saved != name:  # a race left a second copy under another name
        storage.delete(saved)
    _delete_older(storage, region_id=region_id, quarter=quarter, language=language, keep=name)
    return name


def _delete_older(storage, *, region_id: int, quarter: date, language: str, keep: str) -> None:
    directory = f"{DIRECTORY}/{int(region_id)}"
    try:
        _dirs, files = storage.listdir(directory)
    except (FileNotFoundError, NotImplementedError):
        return
    prefix = _prefix(region_id, quarter, language)
    for filename in files:
        path = f"{directory}/{filename}"
        if filename.startswith(prefix) and path != keep:
            storage.delete(path)
