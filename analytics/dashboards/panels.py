"""Panels: the dashboard's figures as plain rows with typed columns, built from the rows of ``queries``.

One ``Panel`` feeds three views of the same numbers: the HTML table (cells pre-formatted for the active
locale), the CSV export (raw values; amounts as plain decimals with a currency column) and the chart (a small
JSON spec read by static/analytics/dashboards.js in the browser and by ``svg`` in the scorecard PDF).
Derived figures are computed here, from additive sums, never averaged averages:
approval rate = approved / (approved + rejected); ROPI = won revenue of MDF-attributed deals / MDF spent;
PSAT average = score total / responses; active partners % = partners with a sign-in in the last 30 days /
partners in the program (onboarding or active); median decision time from the summed histograms.
"""

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from babel import Locale
from babel.numbers import format_compact_decimal, format_currency, format_decimal, format_percent
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from analytics.periods import quarter_label
from analytics.stats import add_histograms, median_from_histogram
from dealreg.models import Deal
from prm.common.money import babel_locale

from .queries import HEALTH_BUCKETS

PALETTE = ("#1d4ed8", "#d97706", "#047857", "#be185d", "#6d28d9", "#0e7490", "#4d7c0f", "#b91c1c")
STAGE_ORDER = ("submitted", "more_info", "approved", *[s.value for s in Deal.Stage])


def lighter(color: str, share: float = 0.55) -> str:
    """``color`` mixed with white (a second series of the same region: influenced next to sourced)."""
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * share) for c in (red, green, blue)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


# --- typed columns --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"  # text, int, money, percent (0-100), ratio, days, hours, score, quarter

    @property
    def numeric(self) -> bool:
        return self.kind not in {"text", "quarter"}


def _number(value, pattern: str, locale: str) -> str:
    return format_decimal(value, format=pattern, locale=locale)


def display(value, kind: str, *, locale: str) -> str:
    """One table cell in the active locale; an empty figure is a dash."""
    if value is None or value == "":
        return "—"
    if kind == "money":
        return format_currency(value, settings.BASE_CURRENCY, locale=locale)
    if kind == "money0":  # key figures: whole units read faster, the tables keep the cents
        return whole_currency(value, locale)
    if kind == "change":
        return ("+" if value > 0 else "") + _number(value, "#,##0", locale)
    if kind == "int":
        return _number(value, "#,##0", locale)
    if kind == "compact":  # chart axes: "1.2M", "120K", "1.2万"
        return format_compact_decimal(value, format_type="short", locale=locale, fraction_digits=1)
    if kind == "percent":
        return format_percent(Decimal(str(value)) / 100, format="#,##0.0%", locale=locale)
    if kind == "ratio":
        return _("%(value)s×") % {"value": _number(value, "#,##0.0", locale)}
    if kind == "days":
        return _("%(value)s d") % {"value": _number(value, "#,##0.#", locale)}
    if kind == "hours":
        return _("%(value)s h") % {"value": _number(value, "#,##0.#", locale)}
    if kind == "score":
        return _number(value, "#,##0.#", locale)
    if kind == "quarter":
        return quarter_label(value) if isinstance(value, date) else str(value)
    return str(value)


def whole_currency(value, locale: str) -> str:
    """An amount in the base currency without the minor unit, in the locale's own pattern (4.941.698 €)."""
    language = Locale.parse(locale)
    pattern = copy.copy(language.currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    return pattern.apply(Decimal(value), language, currency=settings.BASE_CURRENCY, currency_digits=False)


def plain(value, kind: str) -> str:
    """One CSV cell: machine-readable (dot decimals, no grouping, no currency sign)."""
    if value is None:
        return ""
    if kind in {"money", "money0"}:
        return f"{Decimal(value):.2f}"
    if kind in {"percent", "ratio", "days", "hours", "score"}:
        return f"{float(value):.2f}".rstrip("0").rstrip(".") if float(value) != int(float(value)) else str(int(float(value)))
    if kind == "quarter":
        return quarter_label(value) if isinstance(value, date) else str(value)
    return str(value)


def as_float(value) -> float | None:
    return None if value is None else round(float(value), 2)


@dataclass
class Panel:
    """One chart and its table. ``freshness``: which rollup its figures come from (``FRESHNESS_NOTES``)."""

    id: str
    title: str
    description: str
    columns: list[Column]
    rows: list[dict]
    freshness: str
    chart: dict | None = None
    as_of: datetime | None = None
    links: list[str | None] = field(default_factory=list)   # per row: where its first cell links to
    table: list[dict] = field(default_factory=list)

    @property
    def headers(self) -> list[tuple[str, bool]]:
        return [(c.label, c.numeric) for c in self.columns]

    @property
    def note(self) -> str:
        return str(PANEL_NOTES.get(self.freshness, ""))

    def format(self, locale: str) -> None:
        """The table cells as text in ``locale`` (formatted once here, not per cell in the template)."""
        links = self.links or [None] * len(self.rows)
        self.table = [{"link": link, "cells": [(display(row.get(c.key), c.kind, locale=locale), c.numeric)
                                               for c in self.columns]}
                      for row, link in zip(self.rows, links, strict=False)]

    @property
    def has_money(self) -> bool:
        return any(c.kind == "money" for c in self.columns)


FRESHNESS_NOTES = {
    "facts": gettext_lazy("Quarter figures: refreshed within minutes of a change (deals, funds, training, "
                          "tiers, surveys) and rebuilt every night."),
    "snapshot": gettext_lazy("Current state per partner: refreshed within minutes of a change and rebuilt every "
                             "night; sign-ins count once a day."),
    "pipeline": gettext_lazy("Open pipeline: refreshed within minutes of a registration changing and rebuilt "
                             "every night, at the latest exchange rate."),
    "health": gettext_lazy("Health scores: computed every night from the previous day's figures."),
    "segments": gettext_lazy("Sums by region, country, partner type and tier: rebuilt from the partner rollups "
                             "every night, within minutes of changes (at most every few minutes) and of the nightly "
                             "health scoring. A partner that changes region or tier is counted there with its whole "
                             "history."),
}


# RollupState names (analytics.rollups.services.STATE, analytics.rollups.segments.STATE and the health job's) as
# people read them.
STATE_LABELS = {
    "partner_facts": gettext_lazy("Partner rollups (current state, quarter figures, pipeline)"),
    "health": gettext_lazy("Health scores"),
    "segments": gettext_lazy("Dashboard sums (by region, country, partner type and tier)"),
}


# The same, short, under each panel.
PANEL_NOTES = {
    "facts": gettext_lazy("Updated within minutes of a change; rebuilt nightly."),
    "snapshot": gettext_lazy("Updated within minutes of a change; rebuilt nightly."),
    "pipeline": gettext_lazy("Updated within minutes of a change; rebuilt nightly at the latest rates."),
    "health": gettext_lazy("Health scores are computed nightly."),
}


def _chart(kind: str, labels: list[str], datasets: list[dict], fmt: str, *, stacked: bool = False,
           title: str = "") -> dict:
    return {"kind": kind, "labels": labels, "datasets": datasets, "format": fmt, "stacked": stacked,
            "currency": settings.BASE_CURRENCY, "title": title}


def _dataset(label: str, data: list, color_: str, stack: str | None = None) -> dict:
    entry = {"label": str(label), "data": [as_float(v) for v in data], "color": color_}
    if stack:
        entry["stack"] = stack
    return entry


def _rate(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _ratio(numerator: Decimal, denominator: Decimal) -> float | None:
    return round(float(numerator / denominator), 2) if denominator else None


def _median_hours(histogram) -> float | None:
    value = median_from_histogram(histogram)
    return None if value is None else round(value, 1)


def median_from_counts(pairs: list[tuple[int, int]]) -> float | None:
    """The exact median of values given as (value, how many)."""
    pairs = sorted(pairs)
    total = sum(n for _v, n in pairs)
    if not total:
        return None

    def nth(k: int) -> int:  # the k-th value (0-based)
        seen = 0
        for value, n in pairs:
            seen += n
            if k < seen:
                return value
        return pairs[-1][0]

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def stage_label(stage: str) -> str:
    labels = {**dict(Deal.Status.choices), **dict(Deal.Stage.choices)}
    return str(labels.get(stage, stage))


def _max_moment(rows, key: str = "refreshed_at") -> datetime | None:
    moments = [row[key] for row in rows if row.get(key)]
    return max(moments) if moments else None


# --- the dashboard --------------------------------------------------------------------------------------------


@dataclass
class Dashboard:
    filters: object
    regions: list            # Region objects in the filters, by name
    tiers: dict              # tier id -> label
    quarters: list[date]
    kpis: list[dict]
    panels: dict[str, Panel]
    freshness: list[dict]
    as_of: datetime | None

    def panel_list(self) -> list[Panel]:
        return list(self.panels.values())

    def chart_data(self) -> dict:
        return {pid: panel.chart for pid, panel in self.panels.items() if panel.chart}


def build_dashboard(*, filters, regions, tiers: dict, quarter_rows, snapshot_rows, distributions, at_risk,
                    freshness, language: str | None = None) -> Dashboard:
    """Every panel from the five result sets (no query here)."""
    locale = babel_locale(language)
    in_scope = [r for r in regions if r.pk in set(filters.region_ids)]
    region_name = {r.pk: r.name for r in regions}
    region_color = {r.pk: color(i) for i, r in enumerate(in_scope)}
    quarters = list(filters.quarters)
    qlabels = [quarter_label(q) for q in quarters]

    by_quarter = defaultdict(lambda: defaultdict(int))      # quarter -> measure -> total over regions
    by_region = defaultdict(lambda: defaultdict(int))       # region -> measure -> total over quarters
    histograms_q, histograms_r = defaultdict(list), defaultdict(list)
    for row in quarter_rows:
        for key, value in row.items():
            if key in {"quarter", "region_id", "refreshed_at", "decision_hours"}:
                continue
            by_quarter[row["quarter"]][key] += value
            by_region[row["region_id"]][key] += value
        histograms_q[row["quarter"]].append(row["decision_hours"])
        histograms_r[row["region_id"]].append(row["decision_hours"])
    snap_region = defaultdict(lambda: defaultdict(int))
    for row in snapshot_rows:
        target = snap_region[row["region_id"]]
        for key, value in row.items():
            if key in {"region_id", "tier_id", "oldest_refresh", "refreshed_at"}:
                continue
            if key == "health_buckets":
                target[key] = [a + b for a, b in zip(target.get(key) or [0] * len(value), value, strict=True)]
            else:
                target[key] += value
    at_risk_by_region = {pk: snap_region[pk]["at_risk"] for pk in snap_region}
    facts_as_of, snapshot_as_of = _max_moment(quarter_rows), _max_moment(snapshot_rows)
    pipeline_as_of = _max_moment(distributions["pipeline"])
    panels: dict[str, Panel] = {}

    def total(measure, pool):
        return sum((pool[k][measure] for k in pool), Decimal(0) if measure.endswith("_base") else 0)

    # Regions side by side.
    region_rows = []
    for region in in_scope:
        facts, snap = by_region.get(region.pk, defaultdict(int)), snap_region.get(region.pk, defaultdict(int))
        decided = facts["registrations_approved"] + facts["registrations_rejected"]
        region_rows.append({
            "region": region.name, "region_code": region.code, "region_id": region.pk,
            "partners": snap["partners"],
            "sourced": facts["sourced_won_base"] or Decimal("0.00"),
            "influenced": facts["influenced_won_base"] or Decimal("0.00"),
            "pipeline": snap["open_pipeline_base"] or Decimal("0.00"),
            "approval_rate": _rate(facts["registrations_approved"], decided),
            "mdf_spent": facts["mdf_spent_base"] or Decimal("0.00"),
            "ropi": _ratio(facts["mdf_attributed_won_base"] or Decimal(0), facts["mdf_spent_base"] or Decimal(0)),
            "avg_health": round(snap["health_sum"] / snap["scored"], 1) if snap["scored"] else None,
            "at_risk": snap["at_risk"],
            "psat": round(facts["psat_score_sum"] / facts["psat_responses"], 1) if facts["psat_responses"] else None,
            "active_pct": _rate(snap["active_partners"], snap["partners"]),
        })
    panels["regions"] = Panel(
        "regions", _("Regions side by side"),
        _("Won revenue, approval rate, MDF spend, ROPI and PSAT over the period; partners, pipeline, health and "
          "activity as of now."),
        [Column("region", _("Region"), "text"), Column("partners", _("Partners")),
         Column("sourced", _("Sourced revenue"), "money"), Column("influenced", _("Influenced revenue"), "money"),
         Column("pipeline", _("Open pipeline"), "money"), Column("approval_rate", _("Approval rate"), "percent"),
         Column("mdf_spent", _("MDF spent"), "money"), Column("ropi", _("ROPI"), "ratio"),
         Column("avg_health", _("Average health"), "score"), Column("at_risk", _("At risk")),
         Column("psat", _("PSAT average"), "score"), Column("active_pct", _("Active partners"), "percent")],
        region_rows, "facts", as_of=facts_as_of or snapshot_as_of,
        chart=_chart("bar", [r["region"] for r in region_rows], [
            _dataset(_("Sourced revenue"), [r["sourced"] for r in region_rows], PALETTE[0]),
            _dataset(_("Influenced revenue"), [r["influenced"] for r in region_rows], lighter(PALETTE[0])),
        ], "money"),
    )

    # Sourced vs influenced won revenue by quarter and region.
    revenue_rows, revenue_sets = [], []
    cell = {(row["quarter"], row["region_id"]): row for row in quarter_rows}
    for q in quarters:
        for region in in_scope:
            row = cell.get((q, region.pk))
            sourced = row["sourced_won_base"] if row else Decimal("0.00")
            influenced = row["influenced_won_base"] if row else Decimal("0.00")
            revenue_rows.append({"quarter": q, "region": region.name, "sourced": sourced, "influenced": influenced,
                                 "total": sourced + influenced})
    for region in in_scope:
        series = [cell.get((q, region.pk)) for q in quarters]
        revenue_sets.append(_dataset(_("%(region)s: sourced") % {"region": region.name},
                                     [r["sourced_won_base"] if r else 0 for r in series],
                                     region_color[region.pk], stack=region.code))
        revenue_sets.append(_dataset(_("%(region)s: influenced") % {"region": region.name},
                                     [r["influenced_won_base"] if r else 0 for r in series],
                                     lighter(region_color[region.pk]), stack=region.code))
    panels["revenue"] = Panel(
        "revenue", _("Partner-sourced and partner-influenced won revenue"),
        _("Won deals by the quarter of their close date, in %(currency)s at each deal's rate. Sourced: the partner "
          "brought the deal; influenced: the partner helped win it.") % {"currency": settings.BASE_CURRENCY},
        [Column("quarter", _("Quarter"), "quarter"), Column("region", _("Region"), "text"),
         Column("sourced", _("Sourced"), "money"), Column("influenced", _("Influenced"), "money"),
         Column("total", _("Total"), "money")],
        revenue_rows, "facts", as_of=facts_as_of,
        chart=_chart("bar", qlabels, revenue_sets, "money", stacked=True),
    )

    # Pipeline by stage.
    pipe = defaultdict(dict)
    for row in distributions["pipeline"]:
        pipe[row["stage"]][row["region_id"]] = row
    stages = sorted(pipe, key=lambda s: (STAGE_ORDER.index(s) if s in STAGE_ORDER else len(STAGE_ORDER), s))
    pipeline_rows = []
    for stage in stages:
        for region in in_scope:
            row = pipe[stage].get(region.pk)
            if row:
                pipeline_rows.append({"stage": stage_label(stage), "region": region.name, "deals": row["deals"],
                                      "amount": row["amount"]})
    panels["pipeline"] = Panel(
        "pipeline", _("Open pipeline by stage"),
        _("Open registrations (submitted, more information requested, approved) and their estimated value in "
          "%(currency)s.") % {"currency": settings.BASE_CURRENCY},
        [Column("stage", _("Stage"), "text"), Column("region", _("Region"), "text"),
         Column("deals", _("Registrations")), Column("amount", _("Estimated value"), "money")],
        pipeline_rows, "pipeline", as_of=pipeline_as_of,
        chart=_chart("bar", [stage_label(s) for s in stages], [
            _dataset(region.name, [pipe[s].get(region.pk, {}).get("amount", 0) for s in stages],
                     region_color[region.pk], stack="pipeline") for region in in_scope], "money", stacked=True),
    )

    # Registrations: submitted / approved / rejected, approval rate, median time to decision.
    registration_rows = []
    for q in quarters:
        for region in in_scope:
            row = cell.get((q, region.pk))
            approved = row["registrations_approved"] if row else 0
            rejected = row["registrations_rejected"] if row else 0
            registration_rows.append({
                "quarter": q, "region": region.name,
                "submitted": row["registrations_submitted"] if row else 0, "approved": approved,
                "rejected": rejected, "approval_rate": _rate(approved, approved + rejected),
                "median_hours": _median_hours(row["decision_hours"]) if row else None,
            })
    panels["registrations"] = Panel(
        "registrations", _("Deal registrations"),
        _("Submitted in the quarter; approved and rejected by the quarter of the decision. Approval rate: approved "
          "of all decided. Median time to decision from submission, in hours."),
        [Column("quarter", _("Quarter"), "quarter"), Column("region", _("Region"), "text"),
         Column("submitted", _("Submitted")), Column("approved", _("Approved")), Column("rejected", _("Rejected")),
         Column("approval_rate", _("Approval rate"), "percent"),
         Column("median_hours", _("Median time to decision"), "hours")],
        registration_rows, "facts", as_of=facts_as_of,
        chart=_chart("bar", qlabels, [
            _dataset(_("Submitted"), [by_quarter[q]["registrations_submitted"] for q in quarters], PALETTE[0]),
            _dataset(_("Approved"), [by_quarter[q]["registrations_approved"] for q in quarters], PALETTE[2]),
            _dataset(_("Rejected"), [by_quarter[q]["registrations_rejected"] for q in quarters], PALETTE[7]),
        ], "number"),
    )

    # Time to first value by activation cohort.
    cohorts = {row["cohort"]: row["partners"] for row in distributions["cohorts"]}
    reg_counts, win_counts = defaultdict(list), defaultdict(list)
    for row in distributions["registration"]:
        reg_counts[row["cohort"]].append((row["days"], row["partners"]))
    for row in distributions["win"]:
        win_counts[row["cohort"]].append((row["days"], row["partners"]))
    ttv_rows = []
    for cohort in sorted(set(cohorts) | set(reg_counts) | set(win_counts)):
        ttv_rows.append({
            "cohort": cohort, "activated": cohorts.get(cohort, 0),
            "registered": sum(n for _d, n in reg_counts[cohort]),
            "days_to_registration": median_from_counts(reg_counts[cohort]),
            "won": sum(n for _d, n in win_counts[cohort]),
            "days_to_win": median_from_counts(win_counts[cohort]),
        })
    panels["ttv"] = Panel(
        "ttv", _("Time to first value"),
        _("Partners activated in each quarter (cohort), and the median number of days from activation to their "
          "first deal registration and to their first won deal (among those who got there)."),
        [Column("cohort", _("Cohort"), "quarter"), Column("activated", _("Activated")),
         Column("registered", _("With a registration")),
         Column("days_to_registration", _("Median days to first registration"), "days"),
         Column("won", _("With a win")), Column("days_to_win", _("Median days to first win"), "days")],
        ttv_rows, "snapshot", as_of=snapshot_as_of,
        chart=_chart("bar", [quarter_label(r["cohort"]) for r in ttv_rows], [
            _dataset(_("Days to first registration"), [r["days_to_registration"] for r in ttv_rows], PALETTE[0]),
            _dataset(_("Days to first win"), [r["days_to_win"] for r in ttv_rows], PALETTE[1]),
        ], "days"),
    )

    # Tier distribution and partners in grace.
    tier_cells = defaultdict(lambda: defaultdict(lambda: {"partners": 0, "in_grace": 0}))
    for row in snapshot_rows:
        target = tier_cells[row["tier_id"]][row["region_id"]]
        target["partners"] += row["partners"]
        target["in_grace"] += row["in_grace"]
    tier_ids = sorted(tier_cells, key=lambda t: (t is None, list(tiers).index(t) if t in tiers else 0))
    no_tier = _("No tier")
    tier_rows = [{"tier": tiers.get(t, no_tier) if t else no_tier, "region": region.name,
                  "partners": tier_cells[t][region.pk]["partners"], "in_grace": tier_cells[t][region.pk]["in_grace"]}
                 for t in tier_ids for region in in_scope if region.pk in tier_cells[t]]
    panels["tiers"] = Panel(
        "tiers", _("Tier distribution"),
        _("Partners in the program (onboarding or active) by their current tier; in grace: below their tier's "
          "thresholds and keeping it until the grace period ends."),
        [Column("tier", _("Tier"), "text"), Column("region", _("Region"), "text"),
         Column("partners", _("Partners")), Column("in_grace", _("In grace"))],
        tier_rows, "snapshot", as_of=snapshot_as_of,
        chart=_chart("bar", [tiers.get(t, no_tier) if t else no_tier for t in tier_ids], [
            _dataset(region.name, [tier_cells[t][region.pk]["partners"] if region.pk in tier_cells[t] else 0
                                   for t in tier_ids], region_color[region.pk], stack="tiers")
            for region in in_scope], "number", stacked=True),
    )

    movement_rows = [{"quarter": q, "region": region.name,
                      "promotions": cell[(q, region.pk)]["promotions"] if (q, region.pk) in cell else 0,
                      "demotions": cell[(q, region.pk)]["demotions"] if (q, region.pk) in cell else 0}
                     for q in quarters for region in in_scope]
    panels["tier_movements"] = Panel(
        "tier_movements", _("Tier movements"),
        _("Promotions and demotions by the quarter they took effect."),
        [Column("quarter", _("Quarter"), "quarter"), Column("region", _("Region"), "text"),
         Column("promotions", _("Promotions")), Column("demotions", _("Demotions"))],
        movement_rows, "facts", as_of=facts_as_of,
        chart=_chart("bar", qlabels, [
            _dataset(_("Promotions"), [by_quarter[q]["promotions"] for q in quarters], PALETTE[2]),
            _dataset(_("Demotions"), [by_quarter[q]["demotions"] for q in quarters], PALETTE[7]),
        ], "number"),
    )

    # MDF and ROPI by region.
    mdf_rows = []
    for region in in_scope:
        facts = by_region.get(region.pk, defaultdict(int))
        spent = facts["mdf_spent_base"] or Decimal("0.00")
        attributed = facts["mdf_attributed_won_base"] or Decimal("0.00")
        mdf_rows.append({"region": region.name, "allocated": facts["mdf_allocated_base"] or Decimal("0.00"),
                         "reserved": facts["mdf_reserved_base"] or Decimal("0.00"), "spent": spent,
                         "paid": facts["mdf_paid_base"] or Decimal("0.00"), "attributed": attributed,
                         "ropi": _ratio(attributed, spent)})
    panels["mdf"] = Panel(
        "mdf", _("Market development funds and ROPI"),
        _("Fund movements dated in the period, in %(currency)s at each entry's rate. ROPI: won revenue of deals "
          "attributed to MDF activities per unit of MDF spent.") % {"currency": settings.BASE_CURRENCY},
        [Column("region", _("Region"), "text"), Column("allocated", _("Allocated"), "money"),
         Column("reserved", _("Reserved"), "money"), Column("spent", _("Spent"), "money"),
         Column("paid", _("Paid"), "money"), Column("attributed", _("Won revenue from MDF activities"), "money"),
         Column("ropi", _("ROPI"), "ratio")],
        mdf_rows, "facts", as_of=facts_as_of,
        chart=_chart("bar", [r["region"] for r in mdf_rows], [
            _dataset(_("Allocated"), [r["allocated"] for r in mdf_rows], PALETTE[0]),
            _dataset(_("Reserved"), [r["reserved"] for r in mdf_rows], PALETTE[5]),
            _dataset(_("Spent"), [r["spent"] for r in mdf_rows], PALETTE[1]),
            _dataset(_("Paid"), [r["paid"] for r in mdf_rows], PALETTE[2]),
        ], "money"),
    )

    # Health score distribution.
    bucket_labels = [f"{low}–{high}" for low, high in HEALTH_BUCKETS]
    health_rows = []
    for region in in_scope:
        snap = snap_region.get(region.pk, defaultdict(int))
        buckets = snap.get("health_buckets") or [0] * len(HEALTH_BUCKETS)
        health_rows.append({"region": region.name, **{f"b{i}": n for i, n in enumerate(buckets)},
                            "avg": round(snap["health_sum"] / snap["scored"], 1) if snap["scored"] else None,
                            "at_risk": at_risk_by_region.get(region.pk, 0)})
    panels["health"] = Panel(
        "health", _("Health score distribution"),
        _("Partners by their latest health score (0–100); at risk: below the threshold or a sharp drop."),
        [Column("region", _("Region"), "text"),
         *[Column(f"b{i}", label) for i, label in enumerate(bucket_labels)],
         Column("avg", _("Average"), "score"), Column("at_risk", _("At risk"))],
        health_rows, "health", as_of=snapshot_as_of,
        chart=_chart("bar", bucket_labels, [
            _dataset(row["region"], [row[f"b{i}"] for i in range(len(HEALTH_BUCKETS))],
                     region_color[region.pk], stack="health") for row, region in zip(health_rows, in_scope, strict=True)
        ], "number", stacked=True),
    )

    panels["at_risk"] = Panel(
        "at_risk", _("Partners at risk"),
        ngettext("The at-risk partner with the lowest health score, and why.",
                 "The %(count)s at-risk partners with the lowest health scores, and why.",
                 len(at_risk)) % {"count": len(at_risk)} if at_risk else _("No partner is at risk."),
        [Column("partner", _("Partner"), "text"), Column("region", _("Region"), "text"),
         Column("tier", _("Tier"), "text"), Column("score", _("Health"), "int"),
         Column("change", _("Change (30 days)"), "change"), Column("reasons", _("Reasons"), "text")],
        [{"partner": row["name"], "partner_id": row["partner_id"], "region": region_name.get(row["region_id"], ""),
          "tier": tiers.get(row["tier_id"], "") if row["tier_id"] else "", "score": row["health_score"],
          "change": row["health_change"], "reasons": " · ".join(reason_texts(row))} for row in at_risk],
        "health", as_of=snapshot_as_of,
    )

    # PSAT trend.
    psat_rows, psat_sets = [], []
    for q in quarters:
        for region in in_scope:
            row = cell.get((q, region.pk))
            responses = row["psat_responses"] if row else 0
            psat_rows.append({
                "quarter": q, "region": region.name, "responses": responses,
                "average": round(row["psat_score_sum"] / responses, 1) if responses else None,
                "promoters": row["psat_promoters"] if row else 0, "detractors": row["psat_detractors"] if row else 0,
                "net": round(100 * (row["psat_promoters"] - row["psat_detractors"]) / responses, 1)
                if responses else None,
            })
    for region in in_scope:
        psat_sets.append(_dataset(region.name, [
            (cell[(q, region.pk)]["psat_score_sum"] / cell[(q, region.pk)]["psat_responses"])
            if (q, region.pk) in cell and cell[(q, region.pk)]["psat_responses"] else None for q in quarters],
            region_color[region.pk]))
    panels["psat"] = Panel(
        "psat", _("Partner satisfaction (PSAT)"),
        _("Survey answers (0–10) by quarter: the average, promoters (9–10) and detractors (0–6); net: promoters "
          "minus detractors, in percent of answers."),
        [Column("quarter", _("Quarter"), "quarter"), Column("region", _("Region"), "text"),
         Column("responses", _("Answers")), Column("average", _("Average"), "score"),
         Column("promoters", _("Promoters")), Column("detractors", _("Detractors")),
         Column("net", _("Net score"), "score")],
        psat_rows, "facts", as_of=facts_as_of,
        chart=_chart("line", qlabels, psat_sets, "score"),
    )

    # Engagement: active partners and certifications; training completions by quarter.
    engagement_rows = []
    for region in in_scope:
        snap = snap_region.get(region.pk, defaultdict(int))
        engagement_rows.append({"region": region.name, "partners": snap["partners"],
                                "active": snap["active_partners"],
                                "active_pct": _rate(snap["active_partners"], snap["partners"]),
                                "certifications": snap["active_certifications"],
                                "expiring": snap["certifications_expiring_60d"]})
    panels["engagement"] = Panel(
        "engagement", _("Active partners and certifications"),
        _("Active: someone at the partner signed in during the last 30 days, among partners in the program. "
          "Certifications: active now, and those expiring within 60 days."),
        [Column("region", _("Region"), "text"), Column("partners", _("Partners")),
         Column("active", _("Active partners")), Column("active_pct", _("Active %"), "percent"),
         Column("certifications", _("Active certifications")), Column("expiring", _("Expiring within 60 days"))],
        engagement_rows, "snapshot", as_of=snapshot_as_of,
        chart=_chart("bar", [r["region"] for r in engagement_rows], [
            _dataset(_("Active partners %"), [r["active_pct"] for r in engagement_rows], PALETTE[2])], "percent"),
    )
    training_rows = [{"quarter": q, "region": region.name,
                      "completions": cell[(q, region.pk)]["course_completions"] if (q, region.pk) in cell else 0,
                      "awarded": cell[(q, region.pk)]["certifications_awarded"] if (q, region.pk) in cell else 0}
                     for q in quarters for region in in_scope]
    panels["training"] = Panel(
        "training", _("Training completions"),
        _("Courses completed and certifications awarded, by quarter."),
        [Column("quarter", _("Quarter"), "quarter"), Column("region", _("Region"), "text"),
         Column("completions", _("Course completions")), Column("awarded", _("Certifications awarded"))],
        training_rows, "facts", as_of=facts_as_of,
        chart=_chart("bar", qlabels, [
            _dataset(_("Course completions"), [by_quarter[q]["course_completions"] for q in quarters], PALETTE[4]),
            _dataset(_("Certifications awarded"), [by_quarter[q]["certifications_awarded"] for q in quarters],
                     PALETTE[5]),
        ], "number"),
    )

    # KPI tiles over everything in the filters.
    all_hist = add_histograms(row["decision_hours"] for row in quarter_rows)
    approved, rejected = total("registrations_approved", by_quarter), total("registrations_rejected", by_quarter)
    spent, attributed = total("mdf_spent_base", by_quarter), total("mdf_attributed_won_base", by_quarter)
    responses = total("psat_responses", by_quarter)
    partners_now = sum(s["partners"] for s in snap_region.values())
    scored = sum(s["scored"] for s in snap_region.values())
    kpis = [
        {"label": _("Sourced revenue"), "value": total("sourced_won_base", by_quarter), "kind": "money0"},
        {"label": _("Influenced revenue"), "value": total("influenced_won_base", by_quarter), "kind": "money0"},
        {"label": _("Open pipeline"), "value": sum((s["open_pipeline_base"] or Decimal(0) for s in snap_region.values()),
                                                   Decimal("0.00")), "kind": "money0"},
        {"label": _("Approval rate"), "value": _rate(approved, approved + rejected), "kind": "percent"},
        {"label": _("Median time to decision"), "value": _median_hours(all_hist), "kind": "hours"},
        {"label": _("ROPI"), "value": _ratio(attributed, spent), "kind": "ratio"},
        {"label": _("Average health"), "value": round(sum(s["health_sum"] for s in snap_region.values()) / scored, 1)
         if scored else None, "kind": "score"},
        {"label": _("Partners at risk"), "value": sum(at_risk_by_region.values()), "kind": "int"},
        {"label": _("PSAT average"), "value": round(total("psat_score_sum", by_quarter) / responses, 1)
         if responses else None, "kind": "score"},
        {"label": _("Active partners"), "value": _rate(sum(s["active_partners"] for s in snap_region.values()),
                                                       partners_now), "kind": "percent"},
    ]
    for kpi in kpis:
        kpi["display"] = display(kpi["value"], kpi["kind"], locale=locale)
    panels["regions"].links = [reverse("analytics:dashboard_region", args=[r["region_code"]]) for r in region_rows]
    panels["at_risk"].links = [_admin_partner_url(row["partner_id"]) for row in panels["at_risk"].rows]
    for panel in panels.values():
        panel.format(locale)
    states = [{**state, "label": str(STATE_LABELS.get(state["name"], state["name"])),
               "note": FRESHNESS_NOTES.get(_state_kind(state["name"]), "")} for state in freshness]
    as_of_candidates = [m for m in (facts_as_of, snapshot_as_of, pipeline_as_of) if m]
    return Dashboard(filters=filters, regions=in_scope, tiers=tiers, quarters=quarters, kpis=kpis, panels=panels,
                     freshness=states, as_of=min(as_of_candidates) if as_of_candidates else None)


def _admin_partner_url(partner_id: int) -> str | None:
    try:
        return reverse("admin:partners_partnerorganization_change", args=[partner_id])
    except NoReverseMatch:
        return None


def _state_kind(name: str) -> str:
    """Map a RollupState name to its freshness note ("snapshot", "quarter_facts", "pipeline", "health"...)."""
    name = name.lower()
    for kind, words in (("segments", ("segment",)), ("health", ("health",)), ("pipeline", ("pipeline",)),
                        ("facts", ("quarter", "fact")), ("snapshot", ("snapshot",))):
        if any(word in name for word in words):
            return kind
    return ""


def reason_texts(row: dict) -> list[str]:
    """The at-risk reasons of a partner's latest health score, as sentences (components explained by
    analytics.health.explain; the threshold and drop reasons here)."""
    from analytics.health import explain
    from analytics.models import HealthScore

    reasons = row.get("reasons") or []
    components = row.get("components") or {}
    texts, explained = [], {}
    try:
        score = HealthScore(partner_id=row["partner_id"], score=row.get("health_score") or 0,
                            components=components, reasons=reasons)
        explained = {factor.code: factor for factor in explain.factors(score)}
    except Exception:  # an explanation must never break the dashboard; the codes still show
        explained = {}
    for code in reasons:
        code = str(code)
        if code in explained:
            factor = explained[code]
            texts.append(f"{factor.label}: {factor.message}" if factor.message else factor.label)
        elif code in {"below_threshold", "score_below", "low_score", "threshold"}:
            texts.append(_("Score below the at-risk threshold"))
        elif code in {"drop", "score_drop", "dropped", "fell"}:
            change = row.get("health_change")
            texts.append(_("Score fell %(points)s points in 30 days") % {"points": abs(change)} if change
                         else _("Score fell sharply in 30 days"))
        else:
            texts.append(explain.label(code))
    return texts


def format_moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
