"""Set-based tier recalculation over a chunk of partners (the nightly fan-out sends ~10,000 per task).

Per chunk: one query for the partners with a summary of their tier states, one per metric provider,
the rules (partners/tiers/rules.py) only for partners whose state they could change (rules.runs_quietly
tells which they would leave as they are: steady, a promotion still awaiting approval, a grace period
running on; the others' full states in one more query), then bulk writes of only what changed (states,
history, notices). Idempotent: a second run on the same facts finds nothing to change and writes nothing.
``dry_run`` decides and writes nothing.

The caller opens a partner scope that covers the chunk (the task uses partners_scope(ids)). Concurrency
is optimistic: a state written by someone else after the read (a manager's pin) wins, see writes.py.
"""

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from partners.models import PartnerOrganization, PartnerTier
from prm.tenancy.scoping import ScopeError, current_partner_ids

from . import metrics
from .config import ProgramInfo, Rung, TierConfig
from .rules import STATE_FIELDS, Outcome, State, decide, runs_quietly

assert len(metrics.METRICS) == 4, "qualify() compares four thresholds"

# Partners per chunk task. Most of a chunk's cost is per partner, the rest (a dozen statements, the notices' reads,
# a transaction) per chunk: 10,000 took 1.0 s against 1.6 s for 45 chunks of 2,000 over 90k partners (bench,
# PostgreSQL), at a peak of 8-15 MB of Python memory per chunk.
CHUNK_SIZE = 10_000
ELIGIBLE_STATUSES = PartnerOrganization.PORTAL_STATUSES


@dataclass(frozen=True, slots=True)
class PartnerFacts:
    """What the rules need about one partner: where it is, what it measured, what it qualifies for."""

    partner_id: int
    region_id: int | None
    country: str
    language: str
    name: str
    program: ProgramInfo | None
    ladder: tuple[Rung, ...]
    measured: tuple
    qualified: Rung | None


@dataclass
class ChunkResult:
    partners: int = 0
    changed: int = 0
    events: Counter = field(default_factory=Counter)
    notices: Counter = field(default_factory=Counter)
    missing_metrics: tuple[str, ...] = ()

    def add(self, other: "ChunkResult") -> "ChunkResult":
        self.partners += other.partners
        self.changed += other.changed
        self.events.update(other.events)
        self.notices.update(other.notices)
        self.missing_metrics = other.missing_metrics or self.missing_metrics
        return self

    def as_dict(self) -> dict:
        return {"partners": self.partners, "changed": self.changed, "events": dict(self.events),
                "notices": dict(self.notices), "missing_metrics": list(self.missing_metrics)}


def chunked(ids: Iterable[int], size: int = CHUNK_SIZE) -> Iterator[list[int]]:
    chunk: list[int] = []
    for pid in ids:
        chunk.append(pid)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def eligible_partner_ids() -> Iterator[int]:
    """Partners whose tier is kept up to date (onboarding and active), by id. Streams: 100k ids are fine."""
    return (PartnerOrganization.objects.filter(status__in=ELIGIBLE_STATUSES).order_by("pk")
            .values_list("pk", flat=True).iterator(chunk_size=CHUNK_SIZE))


def qualify(ladder: tuple[Rung, ...], measured: tuple) -> Rung | None:
    """The highest rung whose every threshold is met."""
    a, b, c, d = measured
    for rung in ladder:
        t = rung.thresholds
        if a >= t[0] and b >= t[1] and c >= t[2] and d >= t[3]:
            return rung
    return None


def load_states(partner_ids: Sequence[int], *, lock: bool) -> dict[int, State]:
    qs = PartnerTier.objects.filter(partner_id__in=list(partner_ids))
    if lock:
        qs = qs.select_for_update()
    return {row[1]: State(*row) for row in qs.values_list("id", "partner_id", *STATE_FIELDS)}


def evaluate(partner_ids: Sequence[int], *, as_of: date, config: TierConfig,
             measurements: metrics.Measurements | None = None) -> list[PartnerFacts]:
    """Measure (unless given) and qualify eligible partners among ``partner_ids``. Reads only."""
    partners = list(
        PartnerOrganization.objects.filter(pk__in=list(partner_ids), status__in=ELIGIBLE_STATUSES)
        .order_by("pk").values_list("pk", "partner_type", "region_id", "country", "default_language", "name")
    )
    if measurements is None:
        measurements = metrics.measure([p[0] for p in partners], as_of)
    columns = [measurements.values.get(m.code, {}) for m in metrics.METRICS]
    zeros = [Decimal("0") if m.money else 0 for m in metrics.METRICS]
    program_for, ladder_for = config.program_for, config.ladder
    facts = []
    for pid, partner_type, region_id, country, language, name in partners:
        program = program_for(partner_type)
        ladder = ladder_for(program.id, region_id, country) if program is not None else ()
        measured = tuple(column.get(pid, zero) for column, zero in zip(columns, zeros, strict=True))
        facts.append(PartnerFacts(pid, region_id, country, language, name, program, ladder, measured,
                                  qualify(ladder, measured) if ladder else None))
    return facts


# --- the chunk run -------------------------------------------------------------------------------------------

def require_scope(partner_ids: Sequence[int]) -> None:
    """The chunk reads are plain SQL (an ORM query with two 10,000-item IN lists costs more than the whole
    recalculation of the chunk), so they check the active partner scope themselves: they fail closed like
    the scoped managers, outside a scope or for a partner the scope does not cover."""
    allowed = current_partner_ids()  # raises ScopeError without a scope; None: scopes disabled (operators)
    if allowed is not None and not set(partner_ids) <= set(allowed):
        raise ScopeError("The tier engine was asked for partners outside the active scope.")


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def read_chunk(partner_ids: Sequence[int]) -> list[tuple]:
    """Eligible partners among ``partner_ids``, by id: (id, type, region id, country, state id, program id,
    tier id, pending tier id, declined tier id, pinned, grace until, grace final warning) (NULLs: no state):
    what rules.runs_quietly needs to skip a partner without reading its whole state."""
    ids = [int(pid) for pid in partner_ids]
    require_scope(ids)
    if not ids:
        return []
    q = connection.ops.quote_name
    p, t = PartnerOrganization._meta, PartnerTier._meta
    col = {name: f"t.{q(t.get_field(name).column)}" for name in STATE_FIELDS}
    in_ids, params = metrics.ids_condition("p.id", ids, probe=False)
    in_statuses, status_params = metrics.ids_condition(f"p.{q('status')}", [str(s) for s in ELIGIBLE_STATUSES], "text")
    # The id range on the state side too: without it the planner may scan every state for each chunk.
    sql = (f"SELECT p.id, p.{q('partner_type')}, p.{q('region_id')}, p.{q('country')}, t.id, {col['program_id']}, "
           f"{col['tier_id']}, {col['pending_tier_id']}, {col['declined_tier_id']}, ({col['pinned_tier_id']} IS NOT NULL), "
           f"{col['grace_until']}, {col['grace_final_warned_on']} "
           f"FROM {q(p.db_table)} p LEFT JOIN {q(t.db_table)} t "
           f"ON t.{q('partner_id')} = p.id AND t.{q('partner_id')} BETWEEN %s AND %s "
           f"WHERE {in_ids} AND {in_statuses} ORDER BY p.id")
    return _fetch(sql, [min(ids), max(ids)] + params + status_params)


def read_states(state_ids: list[int]) -> dict[int, tuple[State, object]]:
    """Full state rows by id (partner id -> (State, updated_at as read)); only for partners the rules must see."""
    if not state_ids:
        return {}
    q = connection.ops.quote_name
    t = PartnerTier._meta
    columns = ", ".join(q(t.get_field(name).column) for name in ("id", "partner", *STATE_FIELDS, "updated_at"))
    where, params = metrics.ids_condition("id", state_ids)
    rows = _fetch(f"SELECT {columns} FROM {q(t.db_table)} WHERE {where}", params)
    return {row[1]: (State(*row[:-1]), row[-1]) for row in rows}


@dataclass(frozen=True, slots=True)
class Change:
    """A partner whose state changes: what the writer needs for the state row, history and notices."""

    facts: PartnerFacts
    outcome: Outcome
    read_at: object  # the state's updated_at as read (None: no state yet): a concurrent change wins


def _rungs(ladder: tuple[Rung, ...]) -> tuple[tuple, ...]:
    """The ladder flattened for the chunk loop: (rung, four thresholds) from the highest rung down."""
    return tuple((rung, *rung.thresholds) for rung in ladder)


def decide_chunk(rows: list[tuple], *, as_of: date, config: TierConfig) -> list[Change]:
    """The rules for every row; only partners whose state changes come back. Skipped without reading their
    state or building anything: a partner without a tier that qualifies for none, and a partner whose state
    the rules would leave as it is (rules.runs_quietly: steady, a promotion still awaiting approval, a grace
    period running on). The loop qualifies inline, and checks the steady case inline too (a function call
    per row costs more than the rest of the loop at 100k partners)."""
    measurements = metrics.measure([row[0] for row in rows], as_of)
    c0, c1, c2, c3 = (measurements.values.get(m.code, {}) for m in metrics.METRICS)
    z0, z1, z2, z3 = (Decimal("0") if m.money else 0 for m in metrics.METRICS)
    places: dict[tuple, tuple] = {}  # (type, region, country) -> (program, ladder, rungs): a few dozen per run
    ranks = config.ranks
    undecided = []
    append = undecided.append
    for row in rows:
        (pid, partner_type, region_id, country, state_id, program_id, tier_id, pending_id, declined_id, pinned,
         grace_until, warned_on) = row
        key = (partner_type, region_id, country)
        place = places.get(key)
        if place is None:
            program = config.program_for(partner_type)
            ladder = config.ladder(program.id, region_id, country) if program is not None else ()
            place = places[key] = (program, ladder, _rungs(ladder))
        program, ladder, rungs = place
        if program is None:
            continue
        a, b, c, d = measured = (c0.get(pid, z0), c1.get(pid, z1), c2.get(pid, z2), c3.get(pid, z3))
        qualified = None
        for rung, t0, t1, t2, t3 in rungs:
            if a >= t0 and b >= t1 and c >= t2 and d >= t3:
                qualified = rung
                break
        if qualified is None and state_id is None:
            continue  # nothing held, nothing earned: decide() would assign nothing
        if not pinned and program_id == program.id:
            if pending_id is None and declined_id is None and grace_until is None:
                if qualified is not None and tier_id == qualified.tier_id:
                    continue  # steady: the common case, checked without a call
            elif runs_quietly(program=program, tier_id=tier_id, held_rank=ranks.get(tier_id), qualified=qualified,
                              pending_tier_id=pending_id, declined_tier_id=declined_id, grace_until=grace_until,
                              final_warned_on=warned_on, as_of=as_of):
                continue
        append((pid, region_id, country, state_id, program, ladder, measured, qualified))
    states = read_states([item[3] for item in undecided if item[3] is not None])
    changes = []
    for pid, region_id, country, _state_id, program, ladder, measured, qualified in undecided:
        state, read_at = states.get(pid, (None, None))
        outcome = decide(state, partner_id=pid, program=program, qualified=qualified,
                         lowest=ladder[-1] if ladder else None, ranks=ranks, as_of=as_of)
        if outcome.changed:
            facts = PartnerFacts(pid, region_id, country, "", "", program, ladder, measured, qualified)
            changes.append(Change(facts, outcome, read_at))
    return changes


def recalculate_chunk(*, partner_ids: Sequence[int], as_of: date, config: TierConfig | None = None,
                      dry_run: bool = False) -> ChunkResult:
    """Recalculate one chunk in one transaction: read, measure, decide, write only what changed.

    A state changed by someone else meanwhile (a manager's pin) is not overwritten: its write is skipped
    with its history and notices, and the next run decides again.
    """
    from .writes import write_changes  # the writer imports the notification kinds; keep the engine light

    config = config or TierConfig.load()
    with transaction.atomic():
        rows = read_chunk(partner_ids)
        changes = decide_chunk(rows, as_of=as_of, config=config)
        result = ChunkResult(partners=len(rows), changed=len(changes),
                             missing_metrics=tuple(c for c in metrics.METRIC_CODES if not metrics.available(c)))
        for change in changes:
            result.events.update(e.reason for e in change.outcome.events)
            result.notices.update(n.kind for n in change.outcome.notices)
        if changes and not dry_run:
            result.changed = write_changes(changes, config=config, as_of=as_of)
    return result


def recalculate(*, partner_ids: Iterable[int], as_of: date, dry_run: bool = False,
                chunk_size: int = CHUNK_SIZE) -> ChunkResult:
    """All of ``partner_ids`` in-process, chunk by chunk (on-demand runs, the benchmark). The caller's
    scope must cover them; the nightly job sends the chunks to workers instead."""
    config = TierConfig.load()
    total = ChunkResult()
    for chunk in chunked(partner_ids, chunk_size):
        total.add(recalculate_chunk(partner_ids=chunk, as_of=as_of, config=config, dry_run=dry_run))
    return total
