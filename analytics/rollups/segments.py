"""The segment tables: the per-partner rollups summed by the dashboards' filter dimensions (region, country,
partner type, tier), so a staff dashboard reads a few thousand rows whatever the number of partners.

``rebuild_segments()`` replaces all three tables from PartnerSnapshot, PartnerQuarterFact and PartnerPipelineFact in
one transaction: a DELETE and one INSERT ... SELECT ... GROUP BY per table, set-based, in the database (PostgreSQL
and SQLite). It runs in the worker at the end of every full refresh run (analytics.rollups.services: refresh_all,
the last chunk of the nightly fan-out), and from dirty drains and the 5-minute sweep when the segments are stale (a
refresh or health scoring since the last rebuild) and the last rebuild is at least the minimum interval old
(``rebuild_segments_if_stale``).

What a segment row means:
- Dimensions are each partner's CURRENT ones (PartnerSnapshot: region, country, partner_type, tier_id), for the
  quarter facts too: a partner that moves to another region, country, type or tier takes its whole history with
  it (the per-partner dashboards behaved the same way: they joined the facts to the current snapshot). The
  dashboards therefore never show a partner's past quarters in the region it left.
- SegmentSnapshot is also split by ``status`` (the dashboards count partners "in the program" by status) and
  holds counts: partners, with a sign-in in the last 30 days (``active_30d``), in grace, at risk, with a health
  score (``scored``), their scores' total and the 20-point histogram (``health_buckets[i]``: scores in
  [20 i, 20 i + 20), the last bucket including 100; partners without a score count in no bucket).
- SegmentQuarterFact sums every measure of PartnerQuarterFact; ``decision_hours`` is added element-wise;
  ``partners`` counts the partners with a row in the quarter. SegmentPipelineFact sums deals and amounts per stage.
- ``refreshed_at`` of a segment row is the latest ``refreshed_at`` of the per-partner rows it sums, so a
  dashboard's "as of" reads exactly as it did over the per-partner rows. RollupState ``segments`` records the
  rebuild itself (``refreshed_at``: when it read the rollups; ``full_refreshed_at``: the last complete refresh
  of every partner it includes; ``partners``: the partners summed; ``seconds``).

Freshness: a full run's segments follow its per-partner rollups within the same run (a rebuild takes ~0.3-0.5 s at
10k partners x 8 quarters on PostgreSQL here, ~5 s at 100k). Dirty drains (every few minutes and after changes)
rebuild at most once per ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS (default 300; ``rebuild_segments_if_stale``
with ``min_interval``): a drain within the interval of the last rebuild refreshes the partner rollups only and
leaves the segments stale (RollupState ``partner_facts`` newer than ``segments``), so the first drain or sweep
after the interval rebuilds even when nothing new is dirty. Dashboards read their "as of" from the segment rows,
so it stays the time of what they show. Health figures: the nightly scoring (01:30) updates PartnerSnapshot's
health columns directly; a sweep notices a score computed after the last rebuild and rebuilds, so the health
distribution and at-risk counts are at most one interval (plus a sweep) behind the scoring (and the 03:30 full
refresh rebuilds again); the at-risk list reads PartnerSnapshot and is current at once. The same sweep rebuilds
when a refresh was recorded after the last rebuild (a skipped or failed rebuild). A fanned-out run whose
completion count was lost (cache flushed) records nothing: the segments stay as of the previous rebuild until
the next refresh that changes something, at the latest the next night.

Concurrency: PostgreSQL takes a transaction-level advisory lock first, so two rebuilds (the last nightly chunk
and a dirty drain) run one after the other, each reading what was committed before its statements ran; the
dashboards keep reading the previous rows until the rebuild commits (DELETE, not TRUNCATE: readers never wait).
SQLite serialises writers by itself.
"""

import hashlib
import logging
import time as clock
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from analytics.models import (
    HealthScore,
    PartnerPipelineFact,
    PartnerQuarterFact,
    PartnerSnapshot,
    RollupState,
    SegmentPipelineFact,
    SegmentQuarterFact,
    SegmentSnapshot,
)
from analytics.models.rollups import DECISION_BUCKETS

from .sql import as_datetime, dt_param, q, table

logger = logging.getLogger(__name__)

STATE = "segments"
PARTNER_STATE = "partner_facts"  # analytics.rollups.services.STATE (not imported: services imports this module)
LOCK_KEY = int.from_bytes(hashlib.sha256(b"analytics.segments:rebuild").digest()[:8], "big", signed=True)
WORK_MEM = "64MB"
HEALTH_BUCKET_WIDTH = 20
HEALTH_BUCKETS = 5

DIMENSIONS = ("region_id", "country", "partner_type", "tier_id")
_COMMON = {"id", *DIMENSIONS, "partners", "refreshed_at"}


def _names(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def _money(model, name: str) -> bool:
    return model._meta.get_field(name).get_internal_type() == "DecimalField"


# Measures summed column by column, read from the models: a column added to both sides is summed without a code
# change (a SegmentSnapshot column without a PartnerSnapshot namesake must be listed in _SNAPSHOT_COUNTS).
QUARTER_MEASURES = tuple(n for n in _names(SegmentQuarterFact) if n not in _COMMON | {"quarter", "decision_hours"})
_SNAPSHOT_COUNTS = ("status", "active_30d", "in_grace", "at_risk", "scored", "health_sum", "health_buckets")
SNAPSHOT_MEASURES = tuple(n for n in _names(SegmentSnapshot) if n not in _COMMON and n not in _SNAPSHOT_COUNTS)
PIPELINE_MEASURES = ("deals", "amount_base")


@dataclass(frozen=True)
class Rebuild:
    partners: int          # partners (snapshots) summed
    snapshot_rows: int
    quarter_rows: int
    pipeline_rows: int
    seconds: float


# --- SQL -------------------------------------------------------------------------------------------------------


def _json_array(items: list[str]) -> str:
    function = "jsonb_build_array" if connection.vendor == "postgresql" else "json_array"
    return f"{function}({', '.join(items)})"


def _json_item(column: str, index: int) -> str:
    """Element ``index`` of a JSON list of integers (NULL when absent: summed as nothing)."""
    if connection.vendor == "postgresql":
        return f"({column} ->> {int(index)})::bigint"
    return f"json_extract({column}, '$[{int(index)}]')"


def _sum(model, alias: str, name: str) -> str:
    total = f"SUM({alias}.{q(name)})"
    # SQLite keeps decimals as floats: round the total to cents as PostgreSQL's numeric(16, 2) would store it.
    return f"COALESCE(ROUND({total}, 2), 0)" if _money(model, name) else f"COALESCE({total}, 0)"


def _group(alias: str = "s") -> str:
    return ", ".join(f"{alias}.{q(name)}" for name in DIMENSIONS)


def _snapshot_sql() -> str:
    score = "s." + q("health_score")
    buckets = []
    for i in range(HEALTH_BUCKETS):
        low = i * HEALTH_BUCKET_WIDTH
        high = low + HEALTH_BUCKET_WIDTH
        test = f"{score} >= {low}" if i == HEALTH_BUCKETS - 1 else f"{score} >= {low} AND {score} < {high}"
        buckets.append(f"COALESCE(SUM(CASE WHEN {test} THEN 1 ELSE 0 END), 0)")
    columns = [*DIMENSIONS, "status", "partners", "refreshed_at", "active_30d", "in_grace", "at_risk", "scored",
               "health_sum", "health_buckets", *SNAPSHOT_MEASURES]
    values = [
        _group(), "s." + q("status"), "COUNT(*)", f"MAX(s.{q('refreshed_at')})",
        f"SUM(CASE WHEN s.{q('active_users_30d')} > 0 THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN s.{q('in_grace')} THEN 1 ELSE 0 END)",
        f"SUM(CASE WHEN s.{q('at_risk')} THEN 1 ELSE 0 END)",
        f"COUNT({score})", f"COALESCE(SUM({score}), 0)", _json_array(buckets),
        *(_sum(PartnerSnapshot, "s", name) for name in SNAPSHOT_MEASURES),
    ]
    return (f"INSERT INTO {table(SegmentSnapshot)} ({', '.join(q(c) for c in columns)}) "
            f"SELECT {', '.join(values)} FROM {table(PartnerSnapshot)} s "
            f"GROUP BY {_group()}, s.{q('status')}")


def _quarter_sql() -> str:
    histogram = _json_array([f"COALESCE(SUM({_json_item('f.' + q('decision_hours'), i)}), 0)"
                             for i in range(DECISION_BUCKETS)])
    columns = [*DIMENSIONS, "quarter", "partners", "refreshed_at", "decision_hours", *QUARTER_MEASURES]
    values = [_group(), f"f.{q('quarter')}", "COUNT(*)", f"MAX(f.{q('refreshed_at')})", histogram,
              *(_sum(PartnerQuarterFact, "f", name) for name in QUARTER_MEASURES)]
    return (f"INSERT INTO {table(SegmentQuarterFact)} ({', '.join(q(c) for c in columns)}) "
            f"SELECT {', '.join(values)} FROM {table(PartnerQuarterFact)} f "
            f"JOIN {table(PartnerSnapshot)} s ON s.{q('partner_id')} = f.{q('partner_id')} "
            f"GROUP BY {_group()}, f.{q('quarter')}")


def _pipeline_sql() -> str:
    columns = [*DIMENSIONS, "stage", "partners", "refreshed_at", *PIPELINE_MEASURES]
    values = [_group(), f"p.{q('stage')}", "COUNT(*)", f"MAX(p.{q('refreshed_at')})",
              *(_sum(PartnerPipelineFact, "p", name) for name in PIPELINE_MEASURES)]
    return (f"INSERT INTO {table(SegmentPipelineFact)} ({', '.join(q(c) for c in columns)}) "
            f"SELECT {', '.join(values)} FROM {table(PartnerPipelineFact)} p "
            f"JOIN {table(PartnerSnapshot)} s ON s.{q('partner_id')} = p.{q('partner_id')} "
            f"GROUP BY {_group()}, p.{q('stage')}")


# --- the rebuild ------------------------------------------------------------------------------------------------


def rebuild_segments() -> Rebuild:
    """Replace the three segment tables from the per-partner rollups and record RollupState ``segments``.

    One transaction (readers see the old rows or the new ones, never a mix); on PostgreSQL one rebuild at a time
    (advisory lock; a second caller waits, then rebuilds from what is committed by then). Set-based: seven
    statements whatever the number of partners. Idempotent: the same rollups give the same rows. Reads every
    partner's rollups and writes sums only: worker, command and test use; no request should call it.
    """
    began = clock.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            # Room to hash-aggregate the quarter facts in memory instead of sorting them on disk (this transaction).
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
            # Fresh statistics first: right after a big refresh (the first nightly run, or many partners at once)
            # autovacuum has not analysed the rollups yet, and with statistics of near-empty tables the planner
            # joins facts to snapshots in nested loops: 139 s instead of 0.4 s for 10k partners (bench
            # analytics.dashboard_page_refreshed). Sampling the three tables costs a fraction of the rebuild.
            cursor.execute(f"ANALYZE {table(PartnerSnapshot)}, {table(PartnerQuarterFact)}, {table(PartnerPipelineFact)}")
        started = timezone.now()  # after the lock: every statement below sees what was committed by now
        cursor.execute(f"SELECT {q('full_refreshed_at')} FROM {table(RollupState)} WHERE {q('name')} = %s",
                       [PARTNER_STATE])
        found = cursor.fetchone()
        full = as_datetime(found[0]) if found else None
        for model in (SegmentQuarterFact, SegmentPipelineFact, SegmentSnapshot):
            cursor.execute(f"DELETE FROM {table(model)}")
        cursor.execute(_snapshot_sql())
        snapshot_rows = cursor.rowcount
        cursor.execute(_quarter_sql())
        quarter_rows = cursor.rowcount
        cursor.execute(_pipeline_sql())
        pipeline_rows = cursor.rowcount
        cursor.execute(f"SELECT COALESCE(SUM({q('partners')}), 0) FROM {table(SegmentSnapshot)}")
        partners = int(cursor.fetchone()[0] or 0)
        seconds = clock.perf_counter() - began
        RollupState.objects.bulk_create(  # one upsert
            [RollupState(name=STATE, refreshed_at=started, full_refreshed_at=full, partners=partners,
                         seconds=round(seconds, 3))],
            update_conflicts=True, unique_fields=["name"],
            update_fields=["refreshed_at", "full_refreshed_at", "partners", "seconds"])
    logger.info("analytics segments: %d partners in %d snapshot, %d quarter and %d pipeline rows, %.2f s",
                partners, snapshot_rows, quarter_rows, pipeline_rows, seconds)
    return Rebuild(partners=partners, snapshot_rows=snapshot_rows, quarter_rows=quarter_rows,
                   pipeline_rows=pipeline_rows, seconds=round(seconds, 3))


def _states() -> dict[str, datetime | None]:
    """The last segment rebuild and the last partner rollup refresh (one query)."""
    return dict(RollupState.objects.filter(name__in=[STATE, PARTNER_STATE]).values_list("name", "refreshed_at"))


def health_scored_since(moment: datetime) -> bool:
    """Whether a health score of the latest scored day was computed after ``moment`` (health scoring writes the
    snapshots' health columns without a rollup refresh). Index (day, at_risk) for the day; one statement."""
    health = table(HealthScore)
    sql = (f"SELECT 1 FROM {health} h WHERE h.{q('day')} = (SELECT MAX(m.{q('day')}) FROM {health} m) "
           f"AND h.{q('computed_at')} > %s LIMIT 1")
    with connection.cursor() as cursor:
        cursor.execute(sql, [dt_param(moment)])
        return cursor.fetchone() is not None


def drain_min_interval() -> int:
    """Seconds between two rebuilds triggered by dirty drains (ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS, default
    300; 0: every drain that finds the segments stale rebuilds). Read at each drain, not at import."""
    try:
        return max(0, int(getattr(settings, "ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS", 300)))
    except (TypeError, ValueError):
        return 300


def rebuild_segments_if_stale(*, min_interval: int = 0) -> Rebuild | None:
    """Rebuild when the segments were never built, when partner rollups were refreshed after the last rebuild (a
    drain that refreshed someone, or a rebuild that was skipped, failed or interrupted), or when health scores
    were computed since; at most two small queries when nothing is stale.

    ``min_interval`` (seconds; the drains pass ``drain_min_interval()``): not within that time of the last
    rebuild (one query; the segments stay stale, so a later call after the interval rebuilds). A tenth of it is
    forgiven, so that the 5-minute sweep is not turned away by the seconds the rebuilding drain before it spent
    refreshing (it would otherwise wait for the sweep after). State: RollupState ``segments`` and
    ``partner_facts``, nothing else."""
    states = _states()
    last, refreshed = states.get(STATE), states.get(PARTNER_STATE)
    if last is not None and min_interval > 0:
        if timezone.now() - last < timedelta(seconds=min_interval - min_interval / 10):
            return None
    if last is not None and (refreshed is None or refreshed <= last) and not health_scored_since(last):
        return None
    return rebuild_segments()
