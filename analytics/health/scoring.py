"""Scoring: raw components (analytics.health.components) into points, a 0–100 score, a trend and the at-risk flag;
written idempotently per (partner, day).

Points per component — a fraction between 0 and 1 of the component's weight:

==================  ===========================================================================================
login_recency       full when someone signed in within ``login_full_days``, none after ``login_zero_days`` or
                    when nobody ever signed in, linear between: (zero − days) / (zero − full)
active_users        the share of active members who signed in during the last 30 days (no member: none)
training            completions in 90 days / ``target_training_completions_90d``, capped at 1 (target 0: full)
certifications      active certifications / ``target_certifications``, capped at 1 (target 0: full)
pipeline_growth     growth g = (last 90 days − 90 before) / 90 before, in %: −50% or worse none, 0% half,
                    +50% or better full, linear between: (g + 50) / 100; a pipeline that is new (nothing in the 90
                    days before) earns full points
win_rate            won / (won + lost) closed in the last 12 months
mdf_utilisation     (reserved + approved claims) / allocated on the open funds, capped at 1
psat                average PSAT score / 10 (last 180 days)
asset_downloads     downloads in 90 days / ``target_asset_downloads_90d``, capped at 1 (target 0: full)
==================  ===========================================================================================

Components that do not apply (no open fund, no PSAT answer, no closed deal, no pipeline in either window) are left
out and the weights of the others scaled to sum 100: weight_c × 100 / Σ weights present. The score is Σ fraction ×
scaled weight, rounded half up. ``previous_score`` is the partner's score on the latest day on or before 30 days
earlier; the partner is at risk when the score is below ``at_risk_below`` or more than ``at_risk_drop`` points
below that previous score. ``reasons``: the components that explain it — the biggest drops in points first when
the drop triggered it, the weakest components (less than half their weight, most missing points first) when the
threshold did; at most three.

Stored per component (``HealthScore.components``): ``value`` (login_recency: days since the last sign-in or null;
active_users, win_rate, mdf_utilisation: a percentage; training, certifications, asset_downloads: a count;
pipeline_growth: growth in % or null when new; psat: the average 0–10), ``previous`` (the comparison value where
the component has one: pipeline_growth, the 90 days before in the base currency as a string; else null — the trend
of the score itself is the series of daily rows), ``points``, ``weight`` (scaled) and, where there are figures
behind the value, ``detail`` (active_users: members and active; pipeline_growth: ``now``, the last 90 days;
win_rate: won and lost; mdf_utilisation: allocated and used; psat: responses). Kept small: 100k partners write
one row each every night, and the night's scoring reads only the earlier score and flag, not its components
(except for the few partners whose drop must be explained).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from analytics.models import HealthModel, HealthScore, PartnerSnapshot
from partners.models import PartnerOrganization
from partners.tiers.metrics import ids_condition
from prm.common import fastjson
from prm.common.pipeline import Queued, pipelined
from prm.tenancy.scoping import partners_scope

from . import components as measuring
from .components import Raw, require_scope

CHUNK_SIZE = 5000  # partners per chunk task: ten batches, so the pipeline is full most of the time
BATCH_SIZE = 500  # read, scored and written together; see score_partners
TREND_DAYS = 30
MAX_REASONS = 3


# --- points ------------------------------------------------------------------------------------------------------

def _ratio(numerator, denominator) -> float:
    return min(1.0, float(numerator) / float(denominator)) if denominator else 1.0


def login_fraction(days: int | None, *, full_days: int, zero_days: int) -> float:
    if days is None:
        return 0.0
    if days <= full_days:
        return 1.0
    if days >= zero_days or zero_days <= full_days:
        return 0.0
    return (zero_days - days) / (zero_days - full_days)


def growth_percent(now: Decimal, before: Decimal) -> float | None:
    """Growth of the last 90 days over the 90 before, in %; None when the earlier window was empty (new pipeline)."""
    if not before:
        return None
    return float((now - before) * 100 / before)


def growth_fraction(growth: float | None) -> float:
    if growth is None:
        return 1.0
    return max(0.0, min(1.0, (growth + 50) / 100))


def _money(amount: Decimal) -> str:
    """Amounts are whole cents already (sums of cents, converted with rounding to cents)."""
    return f"{amount:.2f}"


@dataclass(frozen=True, slots=True)
class Rules:
    """The model's numbers, read once per chunk (the scoring loop runs for 5,000 partners)."""

    weights: dict[str, int]
    login_full_days: int
    login_zero_days: int
    target_training: int
    target_certifications: int
    target_downloads: int
    at_risk_below: int
    at_risk_drop: int

    @classmethod
    def of(cls, model: "HealthModel | Rules") -> "Rules":
        if isinstance(model, Rules):
            return model
        return cls(weights=model.weights(), login_full_days=model.login_full_days,
                   login_zero_days=model.login_zero_days, target_training=model.target_training_completions_90d,
                   target_certifications=model.target_certifications, target_downloads=model.target_asset_downloads_90d,
                   at_risk_below=model.at_risk_below, at_risk_drop=model.at_risk_drop)


def measured(raw: Raw, model: "HealthModel | Rules") -> dict[str, tuple[float, object, object, dict | None]]:
    """{code: (fraction earned, value, previous, detail or None)} for the components that apply to a partner, in
    COMPONENTS order. ``previous`` is the comparison value where the component has one (pipeline: the 90 days
    before)."""
    rules = Rules.of(model)
    members = raw.members
    found: dict[str, tuple[float, object, object, dict | None]] = {
        "login_recency": (login_fraction(raw.days_since_login, full_days=rules.login_full_days,
                                         zero_days=rules.login_zero_days), raw.days_since_login, None, None),
        "active_users": (raw.active_30d / members if members else 0.0,
                         round(raw.active_30d * 100 / members, 1) if members else 0.0, None,
                         {"members": members, "active": raw.active_30d}),
        "training": (_ratio(raw.completions_90d, rules.target_training), raw.completions_90d, None, None),
        "certifications": (_ratio(raw.certifications, rules.target_certifications), raw.certifications, None, None),
    }
    if raw.pipeline_now or raw.pipeline_before:
        growth = growth_percent(raw.pipeline_now, raw.pipeline_before)
        found["pipeline_growth"] = (growth_fraction(growth), None if growth is None else round(growth, 1),
                                    _money(raw.pipeline_before), {"now": _money(raw.pipeline_now)})
    closed = raw.won_12m + raw.lost_12m
    if closed:
        found["win_rate"] = (raw.won_12m / closed, round(raw.won_12m * 100 / closed, 1), None,
                             {"won": raw.won_12m, "lost": raw.lost_12m})
    if raw.mdf_allocated > 0:
        used = float(raw.mdf_used) / float(raw.mdf_allocated)
        found["mdf_utilisation"] = (min(1.0, used), round(used * 100, 1), None,
                                    {"allocated": _money(raw.mdf_allocated), "used": _money(raw.mdf_used)})
    if raw.psat_responses:
        average = raw.psat_total / raw.psat_responses
        found["psat"] = (average / 10, round(average, 1), None, {"responses": raw.psat_responses})
    found["asset_downloads"] = (_ratio(raw.downloads_90d, rules.target_downloads), raw.downloads_90d, None, None)
    return found


@dataclass(frozen=True, slots=True)
class Previous:
    score: int
    components: dict | None  # None: not read
    at_risk: bool = False


@dataclass(slots=True)
class Scored:
    partner_id: int
    score: int
    previous_score: int | None
    components: dict
    at_risk: bool
    reasons: list[str]
    dropped: bool = False

    @property
    def change(self) -> int | None:
        return None if self.previous_score is None else self.score - self.previous_score


def _round(value: float) -> int:
    """Half up (a score is never negative); the epsilon keeps 44.4999999 from a float sum of 44.5 at 45."""
    return math.floor(value + 0.5 + 1e-9)


def _scaled(weights: dict[str, int], present: tuple[str, ...], cache: dict) -> tuple[tuple[float, float], ...]:
    """(scaled weight, rounded for storing) of each present component, in the order of ``present``, scaled to sum
    100 (the same few sets recur: cached per chunk)."""
    scaled = cache.get(present)
    if scaled is None:
        total = sum(weights[code] for code in present)
        scaled = cache[present] = tuple((weights[code] * 100 / total if total else 0.0,
                                         round(weights[code] * 100 / total, 2) if total else 0.0) for code in present)
    return scaled


def score_one(*, partner_id: int, raw: Raw, model: "HealthModel | Rules", previous: Previous | None,
              cache: dict | None = None) -> Scored:
    """Pure: the score of one partner from its raw components, the model and its score 30 days earlier.

    The reasons of a drop need the earlier components: pass them in ``previous.components``. When they were not read
    (``None``), a dropped partner's reasons are left empty: score_partners reads the earlier components only for
    the partners whose score dropped too far, then calls ``reasons_for``."""
    rules = Rules.of(model)
    found = measured(raw, rules)
    scaled_weights = _scaled(rules.weights, tuple(found), {} if cache is None else cache)
    components, score = {}, 0.0
    for (code, (fraction, value, compared, detail)), (scaled, stored_weight) in zip(found.items(), scaled_weights,
                                                                                   strict=True):
        points = fraction * scaled
        score += points
        # round(1.0 × w, 2) is the stored weight and 0.0 × w is 0.0: most components earn all or nothing.
        rounded = stored_weight if fraction == 1.0 else 0.0 if fraction == 0.0 else round(points, 2)
        entry = {"value": value, "previous": compared, "points": rounded, "weight": stored_weight}
        if detail is not None:
            entry["detail"] = detail
        components[code] = entry
    final = max(0, min(100, _round(score)))
    previous_score = previous.score if previous else None
    dropped = previous_score is not None and previous_score - final > rules.at_risk_drop
    below = final < rules.at_risk_below
    earlier = previous.components if previous else {}
    if dropped and earlier is None:
        reasons = []  # explained by the caller once it has read the earlier components
    elif below or dropped:
        reasons = reasons_for(components, earlier or {}, by_drop=dropped)
    else:
        reasons = []
    return Scored(partner_id=partner_id, score=final, previous_score=previous_score, components=components,
                  at_risk=dropped or below, reasons=reasons, dropped=dropped)


def reasons_for(components: dict, earlier: dict, *, by_drop: bool) -> list[str]:
    """The components that explain an at-risk score: the biggest drops in points against ``earlier`` (the
    components of the score 30 days before) first when the drop triggered it, else the weakest ones (less than half
    their weight, most missing points first); at most three, never none."""
    # (missing points, code) in component order; the sorts below are stable, so ties keep that order.
    missing = [(entry["weight"] - entry["points"], code) for code, entry in components.items()]
    drops = []
    if earlier:
        for code, entry in components.items():
            before = earlier.get(code)
            if before and float(before.get("points") or 0) - entry["points"] >= 1:
                drops.append((float(before["points"]) - entry["points"], code))
        drops = [code for _drop, code in sorted(drops, key=_first, reverse=True)]
    weak = [code for gap, code in sorted(
        (item for item in missing if components[item[1]]["points"] < components[item[1]]["weight"] / 2),
        key=_first, reverse=True)]
    ordered = (drops + weak) if by_drop else (weak + drops)
    reasons = list(dict.fromkeys(ordered))[:MAX_REASONS]
    if not reasons and components:
        reasons = [max(missing, key=_first)[1]]
    return reasons


def _first(item: tuple):
    return item[0]


# --- reads and writes of a chunk ---------------------------------------------------------------------------------

def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def previous_scores(partner_ids: Sequence[int], on_or_before: date, *, components: bool = True
                    ) -> dict[int, Previous]:
    """Each partner's score on the latest day on or before ``on_or_before`` (its components only when asked).

    PostgreSQL: one query, one probe of the unique (partner, day) index per partner (LATERAL ... LIMIT 1), whatever
    the length of the history (a plain ``day = ...`` filter lets the planner walk the (day, at_risk) index over
    every partner's row of that day instead). SQLite: the score of exactly that day (the nightly job scores every
    day), then, for the partners without one, the latest earlier day, grouped and joined back."""
    ids = [int(pid) for pid in partner_ids]
    require_scope(ids)
    if not ids:
        return {}
    if connection.vendor == "postgresql":
        return _previous_rows(*_previous_sql(ids, on_or_before, components))
    table = _q(HealthScore._meta.db_table)
    pid, day = _q("partner_id"), _q("day")
    columns = _previous_columns(components)
    limit = connection.ops.adapt_datefield_value(on_or_before)
    cond, params = ids_condition(f"h.{pid}", ids)
    found = _previous_rows(f"SELECT {columns} FROM {table} h WHERE {cond} AND h.{day} = %s", [*params, limit])
    missing = [i for i in ids if i not in found]
    if missing:
        cond, params = ids_condition(f"x.{pid}", missing)
        found.update(_previous_rows(
            f"SELECT {columns} FROM {table} h JOIN (SELECT x.{pid} AS p, MAX(x.{day}) AS d FROM {table} x "
            f"WHERE {cond} AND x.{day} < %s GROUP BY x.{pid}) m ON h.{pid} = m.p AND h.{day} = m.d", [*params, limit]))
    return found


def _previous_columns(components: bool) -> str:
    # As text: fastjson (orjson) parses it, several times faster than the driver's json loader.
    comps = f"CAST(h.{_q('components')} AS text)" if components else "NULL"
    return f"h.{_q('partner_id')}, h.{_q('score')}, {comps}, h.{_q('at_risk')}"


def _previous_sql(ids: list[int], on_or_before: date, components: bool) -> tuple[str, list]:
    """PostgreSQL's one query of ``previous_scores`` (rows for ``_previous_from_rows``)."""
    table = _q(HealthScore._meta.db_table)
    pid, day = _q("partner_id"), _q("day")
    return (f"SELECT {_previous_columns(components)} FROM unnest(%s::bigint[]) AS ids(id) CROSS JOIN LATERAL "
            f"(SELECT * FROM {table} x WHERE x.{pid} = ids.id AND x.{day} <= %s ORDER BY x.{day} DESC LIMIT 1) h",
            ["{" + ",".join(map(str, ids)) + "}", connection.ops.adapt_datefield_value(on_or_before)])


def _previous_rows(sql: str, params: list) -> dict[int, Previous]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _previous_from_rows(cursor.fetchall())


def _previous_from_rows(rows: list[tuple]) -> dict[int, Previous]:
    """Rows of (partner, score, components as JSON text or NULL when not read, at risk)."""
    return {int(pid): Previous(score=int(score), components=None if data is None else fastjson.loads(data),
                               at_risk=bool(risk))
            for pid, score, data, risk in rows}


def latest_scores(partner_ids: Sequence[int], as_of: date) -> dict[int, int]:
    """Each partner's latest score on or before ``as_of`` (the tier metric). One query."""
    return {pid: previous.score for pid, previous in previous_scores(partner_ids, as_of, components=False).items()}


def _upsert_postgresql(rows: list[Scored], day: date, now) -> None:
    """INSERT ... ON CONFLICT DO UPDATE from one JSON document of the chunk's rows (json_to_recordset): a single
    parameter, where arrays of 500 JSON strings would be quoted element by element on the client. ``json``, not
    ``jsonb``: the server splits the document and copies each row's components as text into the ``json`` column
    (prm.common.fields.PlainJSONField) instead of building a binary form of every document."""
    table = _q(HealthScore._meta.db_table)
    columns = ["partner_id", "day", "score", "previous_score", "components", "at_risk", "reasons", "computed_at"]
    updates = ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in columns[2:])
    sql = (f"INSERT INTO {table} ({', '.join(_q(c) for c in columns)}) "
           f"SELECT v.p, %s::date, v.s, v.ps, v.c, v.r, v.re, %s "
           f"FROM json_to_recordset(%s::json) AS v(p bigint, s int, ps int, c json, r boolean, re jsonb) "
           f"ON CONFLICT ({_q('partner_id')}, {_q('day')}) DO UPDATE SET {updates}")
    document = fastjson.dumps([{"p": r.partner_id, "s": r.score, "ps": r.previous_score, "c": r.components,
                               "r": r.at_risk, "re": r.reasons} for r in rows])
    with connection.cursor() as cursor:
        cursor.execute(sql, [day, now, document])


def _upsert_orm(rows: list[Scored], day: date, now) -> None:
    HealthScore.objects.bulk_create(
        [HealthScore(partner_id=r.partner_id, day=day, score=r.score, previous_score=r.previous_score,
                     components=r.components, at_risk=r.at_risk, reasons=r.reasons, computed_at=now) for r in rows],
        update_conflicts=True, unique_fields=["partner", "day"],
        update_fields=["score", "previous_score", "components", "at_risk", "reasons", "computed_at"])


def _update_snapshots(ids: list[int], day: date) -> None:
    """Copy the day's scores into the partners' snapshot rows, unless a later day is already scored. One UPDATE
    (UPDATE ... FROM: PostgreSQL, and SQLite since 3.33) that skips rows already holding those values: most
    partners' score, change and flag are the same as the night before, and an UPDATE that changes nothing still
    writes a new row version and its index entries (a third of the night's time at 100k partners)."""
    snap, health = _q(PartnerSnapshot._meta.db_table), _q(HealthScore._meta.db_table)
    cond, params = ids_condition(f"h.{_q('partner_id')}", ids)
    change = f"h.{_q('score')} - h.{_q('previous_score')}"
    current = f"{snap}.{_q('health_score')}, {snap}.{_q('health_change')}, {snap}.{_q('at_risk')}"
    distinct = (f"({current}) IS DISTINCT FROM (h.{_q('score')}, {change}, h.{_q('at_risk')})"
                if connection.vendor == "postgresql" else
                f"NOT ({snap}.{_q('health_score')} IS h.{_q('score')} AND {snap}.{_q('health_change')} IS {change} "
                f"AND {snap}.{_q('at_risk')} IS h.{_q('at_risk')})")
    sql = (f"UPDATE {snap} SET {_q('health_score')} = h.{_q('score')}, "
           f"{_q('health_change')} = {change}, {_q('at_risk')} = h.{_q('at_risk')} "
           f"FROM {health} h WHERE h.{_q('partner_id')} = {snap}.{_q('partner_id')} AND {cond} "
           f"AND h.{_q('day')} = %s AND {distinct} AND NOT EXISTS (SELECT 1 FROM {health} l "
           f"WHERE l.{_q('partner_id')} = h.{_q('partner_id')} AND l.{_q('day')} > h.{_q('day')})")
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, connection.ops.adapt_datefield_value(day)])


@dataclass
class ChunkResult:
    scored: int = 0
    at_risk: int = 0

    def add(self, other: "ChunkResult") -> "ChunkResult":
        self.scored += other.scored
        self.at_risk += other.at_risk
        return self

    def as_dict(self) -> dict:
        return {"scored": self.scored, "at_risk": self.at_risk}


def score_partners(partner_ids: Sequence[int], day: date, *, model: "HealthModel | Rules | None" = None
                   ) -> ChunkResult:
    """Score a chunk of partners for ``day`` and store it: one row per (partner, day), replaced when run again
    (idempotent: a re-delivered chunk task writes the same values), and the partners' snapshot health columns.

    A fixed number of queries per batch of BATCH_SIZE partners, in the chunk's one transaction. The caller's scope
    must cover ``partner_ids`` (the chunk task opens one).

    On PostgreSQL the batches run in a pipeline (prm.common.pipeline) so that the database and Python work at the
    same time: while Python scores batch n, the server stores batch n − 1 and reads the facts of batch n + 1. A
    batch's rows are written one step late because a partner whose score dropped needs its earlier components for
    its reasons: that read is sent after scoring and its rows arrive with the next batch's facts.
    """
    ids = sorted({int(pid) for pid in partner_ids})
    require_scope(ids)
    if not ids:
        return ChunkResult()
    rules = Rules.of(model or HealthModel.current())
    cutoff = day - timedelta(days=TREND_DAYS)
    convert = measuring.converter(day)
    upsert = _upsert_postgresql if connection.vendor == "postgresql" else _upsert_orm
    cache: dict = {}
    now = timezone.now()
    result = ChunkResult()
    batches = list(chunked(ids, BATCH_SIZE))
    with transaction.atomic(), pipelined(connection):
        reads = _send_reads(batches[0], day, cutoff)
        scored: list[Scored] = []  # the batch scored last, waiting for its drops' reasons
        earlier = None  # their earlier components, queued
        for number, batch in enumerate(batches):
            facts, previous = reads
            rows = facts.rows()  # the first read waits for everything queued: the facts, and the earlier scores
            if number + 1 < len(batches):  # first, so that the server is never idle
                reads = _send_reads(batches[number + 1], day, cutoff)
            _store(scored, earlier, cutoff, upsert, day, now)
            raw = measuring.assemble(batch, day, rows, convert)
            before = _read_previous(batch, cutoff, previous, components=False)
            scored = [score_one(partner_id=pid, raw=raw[pid], model=rules, previous=before.get(pid), cache=cache)
                      for pid in batch]
            result.add(ChunkResult(scored=len(scored), at_risk=sum(1 for r in scored if r.at_risk)))
            dropped = [row.partner_id for row in scored if row.dropped]
            earlier = _queue_previous(dropped, cutoff, components=True) if dropped else None
        _store(scored, earlier, cutoff, upsert, day, now)
        _update_snapshots(ids, day)
    measuring.report_missing_rates(convert, day)
    return result


def _send_reads(batch: list[int], day: date, cutoff: date) -> tuple[Queued, Queued | None]:
    """A batch's facts (analytics.health.components.statements) and its scores of ``cutoff``."""
    return (Queued(connection, measuring.statements(batch, day)),
            _queue_previous(batch, cutoff, components=False))


def _queue_previous(ids: list[int], cutoff: date, *, components: bool) -> Queued | None:
    """PostgreSQL: ``previous_scores``'s one query, queued. SQLite reads them when asked (two queries)."""
    if connection.vendor == "postgresql":
        return Queued(connection, [_previous_sql(ids, cutoff, components)])
    return None


def _read_previous(ids: list[int], cutoff: date, queued: Queued | None, *, components: bool) -> dict[int, Previous]:
    if queued is not None:
        return _previous_from_rows(queued.rows()[0])
    return previous_scores(ids, cutoff, components=components)


def _store(scored: list[Scored], earlier: Queued | None, cutoff: date, upsert, day: date, now) -> None:
    """Queue the upsert of a scored batch, once the reasons of its drops are known."""
    dropped = [row.partner_id for row in scored if row.dropped]
    if dropped:
        before = _read_previous(dropped, cutoff, earlier, components=True)
        for row in scored:
            if row.dropped:
                row.reasons = reasons_for(row.components, before[row.partner_id].components, by_drop=True)
    if scored:
        upsert(scored, day, now)


def accessible_partner_ids() -> list[int]:
    """Partners that are scored (onboarding and active), by id (100k ids are a small list)."""
    return list(PartnerOrganization.objects.accessible().order_by("pk").values_list("pk", flat=True))


def chunked(ids, size: int = CHUNK_SIZE):
    chunk: list[int] = []
    for pid in ids:
        chunk.append(pid)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def score_all(day: date, *, chunk_size: int = CHUNK_SIZE) -> ChunkResult:
    """Score every accessible partner for ``day`` in-process, chunk by chunk, each in its partners' scope (the
    nightly job fans the chunks out to workers instead: analytics.health_score_all)."""
    model = HealthModel.current()
    result = ChunkResult()
    for chunk in chunked(accessible_partner_ids(), chunk_size):
        with partners_scope(chunk):
            result.add(score_partners(chunk, day, model=model))
    return result
