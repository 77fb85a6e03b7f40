"""Every read of the staff dashboards: a few GROUP BY statements over the segment tables, filtered by region ids.

Staff requests run in a scope of the viewer's partners; for thousands of partners a partner-id IN list would be
the biggest part of every statement, so these reads are raw SQL filtered by ``region_id`` instead (the caller's
``Filters`` only ever hold the viewer's regions: see ``analytics.dashboards.filters``). They read rollups only:
the segment sums (``SegmentQuarterFact``, ``SegmentSnapshot``, ``SegmentPipelineFact``: the per-partner rollups
summed by region, country, partner type and tier, rebuilt after refresh runs by ``analytics.rollups.segments``;
after the incremental ones at most every ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS), so a page reads a few thousand
rows whatever the number of partners. Two reads need partners' own rows and stay on ``PartnerSnapshot``: time to
first value (medians need each partner's day counts; the activation-cohort index narrows it to the period's
cohorts) and the at-risk list (the 25 lowest health scores, with their latest ``HealthScore``, partner names).
Never deals, ledger entries or enrollments.

Segments group each partner's history by its CURRENT dimensions (a partner that moved to another region or tier
shows all its quarters there), as the per-partner reads did; see analytics.rollups.segments.

Four statements feed a whole dashboard, whatever the number of partners:
``quarter_rows`` (every per-quarter measure, by quarter and region), ``snapshot_rows`` (the current state, by
region and tier), ``distribution_rows`` (pipeline by stage, time to first value by cohort and the RollupState
rows) and ``at_risk_rows`` (the 25 lowest health scores with their reasons). ``freshness_rows`` reads
RollupState alone (the scorecard's cache key).
Amounts come back as Decimal in the base currency, days as ``date``, times as aware ``datetime``.
"""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from django.db import connection
from django.utils.dateparse import parse_datetime

from analytics.models import (
    HealthScore,
    PartnerSnapshot,
    RollupState,
    SegmentPipelineFact,
    SegmentQuarterFact,
    SegmentSnapshot,
)
from analytics.models.rollups import DECISION_BUCKETS
from partners.models import PartnerOrganization

from .filters import Filters

CENT = Decimal("0.01")
AT_RISK_LIMIT = 25
# Health score buckets: 0-19, 20-39, 40-59, 60-79, 80-100.
HEALTH_BUCKETS = ((0, 19), (20, 39), (40, 59), (60, 79), (80, 100))
PORTAL_STATUSES = tuple(str(s) for s in PartnerOrganization.PORTAL_STATUSES)

SNAP = PartnerSnapshot._meta.db_table
SEG_QUARTER = SegmentQuarterFact._meta.db_table
SEG_SNAP = SegmentSnapshot._meta.db_table
SEG_PIPE = SegmentPipelineFact._meta.db_table
HEALTH = HealthScore._meta.db_table
STATE = RollupState._meta.db_table
PARTNER = PartnerOrganization._meta.db_table

# What a panel or the regional KPI API (analytics.home.selectors.region_kpis) shows.
QUARTER_SUMS = (
    "registrations_submitted", "registrations_approved", "registrations_rejected", "sourced_won_base",
    "influenced_won_base", "won_deals",
    "mdf_allocated_base", "mdf_reserved_base", "mdf_spent_base", "mdf_paid_base", "mdf_attributed_won_base",
    "course_completions", "certifications_awarded", "promotions", "demotions",
    "psat_responses", "psat_score_sum", "psat_promoters", "psat_detractors",
)
SNAPSHOT_SUMS = (
    "open_deals", "open_pipeline_base", "won_revenue_ttm_base", "influenced_revenue_ttm_base", "won_deals_ttm",
    "active_certifications", "certifications_expiring_60d", "mdf_available_base",
)
MONEY_COLUMNS = frozenset(c for c in QUARTER_SUMS + SNAPSHOT_SUMS if c.endswith("_base")) | {"amount"}
# Snapshot sums the segment table has no column for (none today): summed from PartnerSnapshot in the same
# statement, so a new snapshot measure shows before the segment table grows a column for it.
_SEGMENT_SNAPSHOT_COLUMNS = {f.attname for f in SegmentSnapshot._meta.concrete_fields}
SNAPSHOT_SUMS_FROM_PARTNERS = tuple(c for c in SNAPSHOT_SUMS if c not in _SEGMENT_SNAPSHOT_COLUMNS)
SNAPSHOT_COUNTS = ("snapshots", "partners", "active_partners", "in_grace", "at_risk", "scored", "health_sum")


# --- conversions (SQLite returns strings and floats where PostgreSQL returns dates and numerics) ---------------


def money(value) -> Decimal:
    if value is None:
        return Decimal("0.00")
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return value.quantize(CENT)


def day(value) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(str(value)[:10])


def moment(value) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = parse_datetime(str(value))
        if value is None:
            return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def integer(value) -> int:
    return int(value or 0)


def from_json(value, default):
    if value is None:
        return default
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError:
            return default
    return value


def _histogram_item(column: str, index: int) -> str:
    """Element ``index`` of a JSON integer list, 0 when absent (the histogram of decision times)."""
    if connection.vendor == "postgresql":
        return f"COALESCE(({column} ->> {int(index)})::bigint, 0)"
    return f"COALESCE(json_extract({column}, '$[{int(index)}]'), 0)"


def _fetch(sql: str, params: list) -> tuple[list[str], list[tuple]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [col[0] for col in cursor.description]
        return columns, cursor.fetchall()


def _placeholders(values) -> str:
    return ", ".join(["%s"] * len(values))


def snapshot_where(filters: Filters, alias: str = "s") -> tuple[str, list]:
    """The dimension filters on the snapshot: regions (always), country, partner type, tier."""
    if not filters.region_ids:
        return "1 = 0", []
    clauses = [f"{alias}.region_id IN ({_placeholders(filters.region_ids)})"]
    params: list = [int(pk) for pk in filters.region_ids]
    if filters.country:
        clauses.append(f"{alias}.country = %s")
        params.append(filters.country)
    if filters.partner_type:
        clauses.append(f"{alias}.partner_type = %s")
        params.append(filters.partner_type)
    if filters.tier_id:
        clauses.append(f"{alias}.tier_id = %s")
        params.append(int(filters.tier_id))
    return " AND ".join(clauses), params


# --- the five statements --------------------------------------------------------------------------------------


def quarter_rows(filters: Filters) -> list[dict]:
    """Every additive per-quarter measure of the period, by (quarter, region), with the summed decision-time
    histogram (``decision_hours``: a list of DECISION_BUCKETS counts). One statement over the segment sums."""
    if not filters.region_ids:
        return []
    where, params = snapshot_where(filters, "f")
    sums = ", ".join(f"SUM(f.{name}) AS {name}" for name in QUARTER_SUMS)
    buckets = ", ".join(f"SUM({_histogram_item('f.decision_hours', i)}) AS h{i}" for i in range(DECISION_BUCKETS))
    sql = (
        f'SELECT f."quarter" AS quarter, f.region_id AS region_id, {sums}, {buckets}, '
        f"MAX(f.refreshed_at) AS refreshed_at FROM {SEG_QUARTER} f "
        f'WHERE {where} AND f."quarter" >= %s AND f."quarter" <= %s '
        f'GROUP BY f."quarter", f.region_id ORDER BY f."quarter", f.region_id'
    )
    columns, rows = _fetch(sql, [*params, filters.first_quarter, filters.last_quarter])
    out = []
    for values in rows:
        raw = dict(zip(columns, values, strict=True))
        row = {"quarter": day(raw["quarter"]), "region_id": raw["region_id"],
               "refreshed_at": moment(raw["refreshed_at"]),
               "decision_hours": [integer(raw[f"h{i}"]) for i in range(DECISION_BUCKETS)]}
        for name in QUARTER_SUMS:
            row[name] = money(raw[name]) if name in MONEY_COLUMNS else integer(raw[name])
        out.append(row)
    return out


def snapshot_rows(filters: Filters) -> list[dict]:
    """The current state by (region, tier): partners in the program (onboarding or active), those with a sign-in
    in the last 30 days, in grace, at risk, the health-score buckets and the snapshot sums. One statement over the
    segment sums (plus, in the same statement, PartnerSnapshot for a sum the segments lack: see
    SNAPSHOT_SUMS_FROM_PARTNERS). ``refreshed_at``: the latest refresh of a partner summed; ``oldest_refresh``:
    the oldest of the segments' latest refreshes (a segment keeps one time: its partners' latest refresh)."""
    if not filters.region_ids:
        return []
    where, params = snapshot_where(filters)
    # Literals from code (the two portal statuses), not input: inlined so parameters keep one order.
    in_program = "s.status IN (" + ", ".join(f"'{status}'" for status in PORTAL_STATUSES) + ")"
    buckets = [f"SUM({_histogram_item('s.health_buckets', i)})" for i in range(len(HEALTH_BUCKETS))]
    sums = [f"SUM(s.{name})" if name not in SNAPSHOT_SUMS_FROM_PARTNERS else "0" for name in SNAPSHOT_SUMS]
    segment = [
        "SUM(s.partners)", f"SUM(CASE WHEN {in_program} THEN s.partners ELSE 0 END)",
        f"SUM(CASE WHEN {in_program} THEN s.active_30d ELSE 0 END)", "SUM(s.in_grace)", "SUM(s.at_risk)",
        "SUM(s.scored)", "SUM(s.health_sum)", *buckets, *sums, "MIN(s.refreshed_at)", "MAX(s.refreshed_at)",
    ]
    names = [*SNAPSHOT_COUNTS, *(f"b{i}" for i in range(len(HEALTH_BUCKETS))), *SNAPSHOT_SUMS, "oldest_refresh",
             "refreshed_at"]
    sql = (f"SELECT s.region_id AS region_id, s.tier_id AS tier_id, "
           f"{', '.join(f'{expr} AS {name}' for expr, name in zip(segment, names, strict=True))} "
           f"FROM {SEG_SNAP} s WHERE {where} GROUP BY s.region_id, s.tier_id")
    if SNAPSHOT_SUMS_FROM_PARTNERS:
        extra = ["0"] * (len(SNAPSHOT_COUNTS) + len(HEALTH_BUCKETS)) + [
            f"SUM(s.{name})" if name in SNAPSHOT_SUMS_FROM_PARTNERS else "0" for name in SNAPSHOT_SUMS] + ["NULL", "NULL"]
        sql += (f" UNION ALL SELECT s.region_id, s.tier_id, {', '.join(extra)} FROM {SNAP} s "
                f"WHERE {where} GROUP BY s.region_id, s.tier_id")
        params = [*params, *params]
    columns, rows = _fetch(sql, params)
    merged: dict[tuple, dict] = {}
    for values in rows:
        raw = dict(zip(columns, values, strict=True))
        key = (raw["region_id"], raw["tier_id"])
        row = merged.setdefault(key, {
            "region_id": raw["region_id"], "tier_id": raw["tier_id"], "oldest_refresh": None, "refreshed_at": None,
            "health_buckets": [0] * len(HEALTH_BUCKETS), **{name: 0 for name in SNAPSHOT_COUNTS},
            **{name: money(0) if name in MONEY_COLUMNS else 0 for name in SNAPSHOT_SUMS}})
        oldest, latest = moment(raw["oldest_refresh"]), moment(raw["refreshed_at"])
        if oldest is not None and (row["oldest_refresh"] is None or oldest < row["oldest_refresh"]):
            row["oldest_refresh"] = oldest
        if latest is not None and (row["refreshed_at"] is None or latest > row["refreshed_at"]):
            row["refreshed_at"] = latest
        row["health_buckets"] = [n + integer(raw[f"b{i}"]) for i, n in enumerate(row["health_buckets"])]
        for name in SNAPSHOT_COUNTS:
            row[name] += integer(raw[name])
        for name in SNAPSHOT_SUMS:
            row[name] += money(raw[name]) if name in MONEY_COLUMNS else integer(raw[name])
    # A (region, tier) only the fallback branch saw (partners added since the last rebuild) waits for the rebuild.
    ordered = sorted(merged.items(), key=lambda item: (item[0][0], item[0][1] is None, item[0][1] or 0))
    return [row for _key, row in ordered if row["snapshots"]]


def distribution_rows(filters: Filters) -> dict[str, list[dict]]:
    """Open pipeline by (region, stage) from the segment sums; time to first value by activation cohort from
    PartnerSnapshot (how many partners were activated per cohort, and how many took N days to their first
    registration / first win: medians need the distribution, which is small: cohorts x distinct day counts; the
    cohort index limits the scan to partners activated in the period); and every RollupState row (how fresh the
    rollups are). One statement: a UNION ALL of five small groupings, so a page stays within its query budget."""
    out: dict[str, list[dict]] = {"pipeline": [], "cohorts": [], "registration": [], "win": [], "states": []}
    states = (
        f"SELECT 'state' AS kind, NULL AS region_id, name AS label, NULL AS cohort, partners AS days, NULL AS n, "
        f"NULL AS amount, refreshed_at AS at, full_refreshed_at AS at_full FROM {STATE}"
    )
    params: list = []
    if filters.region_ids:
        where, where_params = snapshot_where(filters)
        pipe_where, _same = snapshot_where(filters, "p")
        cohort_where = f"{where} AND s.cohort >= %s AND s.cohort <= %s"
        cohort_params = [*where_params, filters.first_quarter, filters.last_quarter]
        sql = (
            f"SELECT 'pipeline' AS kind, p.region_id AS region_id, CAST(p.stage AS varchar(40)) AS label, "
            f"CAST(NULL AS date) AS cohort, CAST(NULL AS integer) AS days, SUM(p.deals) AS n, "
            f"SUM(p.amount_base) AS amount, MAX(p.refreshed_at) AS at, MAX(p.refreshed_at) AS at_full "
            f"FROM {SEG_PIPE} p WHERE {pipe_where} GROUP BY p.region_id, p.stage "
            f"UNION ALL "
            f"SELECT 'cohort', NULL, NULL, s.cohort, NULL, COUNT(*), NULL, NULL, NULL FROM {SNAP} s "
            f"WHERE {cohort_where} GROUP BY s.cohort "
            f"UNION ALL "
            f"SELECT 'registration', NULL, NULL, s.cohort, s.days_to_first_registration, COUNT(*), NULL, NULL, NULL "
            f"FROM {SNAP} s WHERE {cohort_where} AND s.days_to_first_registration IS NOT NULL "
            f"GROUP BY s.cohort, s.days_to_first_registration "
            f"UNION ALL "
            f"SELECT 'win', NULL, NULL, s.cohort, s.days_to_first_win, COUNT(*), NULL, NULL, NULL "
            f"FROM {SNAP} s WHERE {cohort_where} AND s.days_to_first_win IS NOT NULL "
            f"GROUP BY s.cohort, s.days_to_first_win "
            f"UNION ALL {states}"
        )
        params = [*where_params, *cohort_params, *cohort_params, *cohort_params]
    else:
        sql = states
    columns, rows = _fetch(sql, params)
    for values in rows:
        raw = dict(zip(columns, values, strict=True))
        kind = raw["kind"]
        if kind == "pipeline":
            out["pipeline"].append({"region_id": raw["region_id"], "stage": raw["label"], "deals": integer(raw["n"]),
                                    "amount": money(raw["amount"]), "refreshed_at": moment(raw["at"])})
        elif kind == "cohort":
            out["cohorts"].append({"cohort": day(raw["cohort"]), "partners": integer(raw["n"])})
        elif kind == "state":
            out["states"].append({"name": raw["label"], "partners": integer(raw["days"]),
                                  "refreshed_at": moment(raw["at"]), "full_refreshed_at": moment(raw["at_full"])})
        else:
            out[kind].append({"cohort": day(raw["cohort"]), "days": integer(raw["days"]), "partners": integer(raw["n"])})
    out["states"].sort(key=lambda state: state["name"])
    return out


def at_risk_rows(filters: Filters, limit: int = AT_RISK_LIMIT) -> list[dict]:
    """The at-risk partners with the lowest health scores (then the largest drops), with the reasons and
    components of each one's latest HealthScore. The limit is applied before any join. One statement."""
    if not filters.region_ids:
        return []
    where, params = snapshot_where(filters)
    sql = (
        f"SELECT top.partner_id AS partner_id, p.name AS name, top.region_id AS region_id, top.country AS country, "
        f"top.partner_type AS partner_type, top.tier_id AS tier_id, top.health_score AS health_score, "
        f'top.health_change AS health_change, h."day" AS scored_on, h.reasons AS reasons, h.components AS components '
        f"FROM (SELECT s.partner_id, s.region_id, s.country, s.partner_type, s.tier_id, s.health_score, "
        f"s.health_change FROM {SNAP} s WHERE {where} AND s.at_risk "
        f"ORDER BY COALESCE(s.health_score, 0), COALESCE(s.health_change, 0), s.partner_id LIMIT %s) top "
        f"JOIN {PARTNER} p ON p.id = top.partner_id "
        f"LEFT JOIN {HEALTH} h ON h.partner_id = top.partner_id "
        f'AND h."day" = (SELECT MAX(h2."day") FROM {HEALTH} h2 WHERE h2.partner_id = top.partner_id) '
        f"ORDER BY COALESCE(top.health_score, 0), COALESCE(top.health_change, 0), p.name, top.partner_id"
    )
    columns, rows = _fetch(sql, [*params, int(limit)])
    out = []
    for values in rows:
        raw = dict(zip(columns, values, strict=True))
        raw["scored_on"] = day(raw["scored_on"])
        raw["reasons"] = from_json(raw["reasons"], [])
        raw["components"] = from_json(raw["components"], {})
        out.append(raw)
    return out


def freshness_rows() -> list[dict]:
    """Every RollupState row (how fresh each rollup is). One statement."""
    columns, rows = _fetch(
        f"SELECT name, refreshed_at, full_refreshed_at, partners, seconds FROM {STATE} ORDER BY name", [])
    out = []
    for values in rows:
        raw = dict(zip(columns, values, strict=True))
        raw["refreshed_at"], raw["full_refreshed_at"] = moment(raw["refreshed_at"]), moment(raw["full_refreshed_at"])
        out.append(raw)
    return out
