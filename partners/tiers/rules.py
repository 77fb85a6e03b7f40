"""The tier rules for one partner, as a pure function: given its state, the tier it qualifies for and
the program, what changes and which events and notices follow. No database access: the engine
applies it to thousands of partners per chunk, the tests to one.

- a pin holds until its end date; a pin that has ended is removed and the rules apply again;
- promotions are immediate, or become a pending promotion when the program wants approval
  (a declined promotion is not proposed again until the partner falls back below it);
- a partner below its tier keeps it for the program's grace period, is warned at the start and
  ``warn_before_days`` before the end, and moves to the tier it then qualifies for;
- a partner back within its tier during grace keeps it and the grace period ends;
- the first tier is assigned without a notice (launching a program must not mail every partner).
"""

from dataclasses import dataclass, fields, replace
from datetime import date, timedelta

from partners.models import TierChange

from .config import ProgramInfo, Rung

R = TierChange.Reason

PROMOTED = "partners.tier_promoted"
DEMOTION_WARNING = "partners.tier_demotion_warning"
DEMOTED = "partners.tier_demoted"


@dataclass(slots=True)
class State:
    """The engine's fields of a PartnerTier row (``id`` None: not stored yet)."""

    id: int | None
    partner_id: int
    program_id: int | None = None
    tier_id: int | None = None
    since: date | None = None
    pending_tier_id: int | None = None
    pending_since: date | None = None
    declined_tier_id: int | None = None
    grace_started_on: date | None = None
    grace_until: date | None = None
    grace_final_warned_on: date | None = None
    pinned_tier_id: int | None = None
    pinned_until: date | None = None
    pinned_reason: str = ""
    pinned_by_id: int | None = None
    pinned_at: object = None


STATE_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(State) if f.name not in ("id", "partner_id"))


@dataclass(frozen=True, slots=True)
class Event:
    """A history row to write. ``criteria_tier_id``: the tier whose criteria explain the event."""

    reason: str
    from_tier_id: int | None
    to_tier_id: int | None
    criteria_tier_id: int | None


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str
    from_tier_id: int | None
    to_tier_id: int | None
    grace_until: date | None
    window: str


@dataclass(frozen=True, slots=True)
class Outcome:
    state: State
    changed: bool
    events: tuple[Event, ...]
    notices: tuple[Notice, ...]


def _clear_pin(s: State) -> None:
    s.pinned_tier_id = s.pinned_until = s.pinned_by_id = s.pinned_at = None
    s.pinned_reason = ""


def _clear_grace(s: State) -> None:
    s.grace_started_on = s.grace_until = s.grace_final_warned_on = None


def _clear_pending(s: State) -> None:
    s.pending_tier_id = s.pending_since = None


def _higher(a: int | None, b: int | None, ranks: dict[int, int]) -> int | None:
    if a is None or b is None:
        return a if b is None else b
    return a if ranks[a] >= ranks[b] else b


def decide(current: State | None, *, partner_id: int, program: ProgramInfo | None, qualified: Rung | None,
           lowest: Rung | None, ranks: dict[int, int], as_of: date) -> Outcome:
    """The partner's next state. ``qualified``: the highest tier whose thresholds it meets (None: none);
    ``lowest``: the program's lowest tier; ``ranks``: tier id -> rank."""
    if program is None:  # its partner type has no program: nothing decides about it
        return Outcome(current or State(None, partner_id), False, (), ())
    s = replace(current) if current is not None else State(None, partner_id)
    events: list[Event] = []
    notices: list[Notice] = []
    ev, note = events.append, notices.append

    if s.program_id != program.id or (s.tier_id is not None and s.tier_id not in ranks):
        previous, s.program_id = s.tier_id, program.id
        if previous is not None:  # moved to another program (or its tier left the program): start over in it
            s.tier_id = s.since = s.declined_tier_id = None
            _clear_grace(s), _clear_pending(s), _clear_pin(s)
            return _assign(s, previous, program, qualified, lowest, ranks, as_of, events, notices, current)

    if s.pinned_tier_id is not None:
        if s.pinned_until is not None and s.pinned_until < as_of:
            ev(Event(R.PIN_ENDED, s.tier_id, s.tier_id, s.tier_id))
            _clear_pin(s)
        else:
            if s.tier_id != s.pinned_tier_id:
                ev(Event(R.PINNED, s.tier_id, s.pinned_tier_id, s.pinned_tier_id))
                s.tier_id, s.since = s.pinned_tier_id, as_of
            _clear_grace(s), _clear_pending(s)
            return _outcome(current, s, events, notices)

    if s.tier_id is None:
        return _assign(s, None, program, qualified, lowest, ranks, as_of, events, notices, current)

    held = ranks[s.tier_id]
    q_id = qualified.tier_id if qualified is not None else None
    q = qualified.rank if qualified is not None else -1
    if q >= held:
        if s.grace_until is not None:
            ev(Event(R.GRACE_ENDED, s.tier_id, s.tier_id, s.tier_id))
            _clear_grace(s)
        if q == held:
            if s.pending_tier_id is not None:
                ev(Event(R.PROMOTION_LAPSED, s.tier_id, s.pending_tier_id, s.pending_tier_id))
                _clear_pending(s)
            s.declined_tier_id = None
        elif program.promotion_requires_approval:
            declined = s.declined_tier_id
            if declined is not None and ranks.get(declined, -1) > q:
                s.declined_tier_id = declined = None  # it fell back below the declined tier: may be proposed again
            if s.pending_tier_id != q_id and q_id != declined:
                ev(Event(R.PROMOTION_PENDING, s.tier_id, q_id, q_id))
                s.pending_tier_id, s.pending_since = q_id, as_of
        else:
            ev(Event(R.PROMOTED, s.tier_id, q_id, q_id))
            note(Notice(PROMOTED, s.tier_id, q_id, None, f"promoted:{q_id}:{as_of.isoformat()}"))
            s.tier_id, s.since, s.declined_tier_id = q_id, as_of, None
            _clear_pending(s)
        return _outcome(current, s, events, notices)

    # Below the tier it holds.
    if s.pending_tier_id is not None:
        ev(Event(R.PROMOTION_LAPSED, s.tier_id, s.pending_tier_id, s.pending_tier_id))
        _clear_pending(s)
    s.declined_tier_id = None
    if s.grace_until is None and program.grace_days > 0:
        s.grace_started_on, s.grace_until = as_of, as_of + timedelta(days=program.grace_days)
        # A grace period shorter than the warning period gets one warning, not two.
        s.grace_final_warned_on = as_of if program.warn_before_days >= program.grace_days else None
        ev(Event(R.GRACE_STARTED, s.tier_id, s.tier_id, s.tier_id))
        note(Notice(DEMOTION_WARNING, s.tier_id, q_id, s.grace_until, f"grace:{s.grace_until.isoformat()}"))
    elif s.grace_until is None or as_of >= s.grace_until:
        ev(Event(R.DEMOTED, s.tier_id, q_id, s.tier_id))
        note(Notice(DEMOTED, s.tier_id, q_id, None, f"demoted:{q_id or 0}:{as_of.isoformat()}"))
        s.tier_id, s.since = q_id, as_of
        _clear_grace(s)
    elif s.grace_final_warned_on is None and as_of >= s.grace_until - timedelta(days=program.warn_before_days):
        s.grace_final_warned_on = as_of
        note(Notice(DEMOTION_WARNING, s.tier_id, q_id, s.grace_until, f"grace-end:{s.grace_until.isoformat()}"))
    return _outcome(current, s, events, notices)


def runs_quietly(*, program: ProgramInfo, tier_id: int | None, held_rank: int | None, qualified: Rung | None,
                 pending_tier_id: int | None, declined_tier_id: int | None, grace_until: date | None,
                 final_warned_on: date | None, as_of: date) -> bool:
    """True only when decide() would change nothing, for a stored state of ``program`` without a pin, from the
    few fields the engine reads for every partner. ``held_rank``: the rank of ``tier_id`` (None: a tier the
    configuration does not know, which decide() handles). The cases, most partners on most nights:
    - steady: it holds exactly the tier it qualifies for, nothing under way;
    - a promotion awaits a manager's approval (or was declined) and it still qualifies for exactly that tier;
    - a grace period runs on: still below its tier, the period not over and no warning due.
    The engine skips such partners without reading their state. Kept next to decide(): the two must agree (a
    test compares them over every combination)."""
    if held_rank is None:
        return False
    q_id, q = (qualified.tier_id, qualified.rank) if qualified is not None else (None, -1)
    if grace_until is None:
        if pending_tier_id is None and declined_tier_id is None:
            return q_id == tier_id
        if not program.promotion_requires_approval or q <= held_rank:
            return False
        if declined_tier_id is None:
            return pending_tier_id == q_id
        return pending_tier_id is None and declined_tier_id == q_id
    if pending_tier_id is not None or declined_tier_id is not None:
        return False
    return (q < held_rank and as_of < grace_until
            and (final_warned_on is not None or as_of < grace_until - timedelta(days=program.warn_before_days)))


def _assign(s: State, previous: int | None, program: ProgramInfo, qualified: Rung | None, lowest: Rung | None,
            ranks, as_of, events, notices, current) -> Outcome:
    if qualified is None:
        if previous is not None:
            events.append(Event(R.ASSIGNED, previous, None, previous))
        return _outcome(current, s, events, notices)
    target = qualified
    if program.promotion_requires_approval and lowest is not None and qualified.tier_id != lowest.tier_id:
        target = lowest  # start at the bottom; the higher tier waits for a manager
    s.tier_id, s.since = target.tier_id, as_of
    events.append(Event(R.ASSIGNED, previous, target.tier_id, target.tier_id))
    if target is not qualified:
        s.pending_tier_id, s.pending_since = qualified.tier_id, as_of
        events.append(Event(R.PROMOTION_PENDING, target.tier_id, qualified.tier_id, qualified.tier_id))
    return _outcome(current, s, events, notices)


def _outcome(current: State | None, s: State, events, notices) -> Outcome:
    if current is None:
        changed = s.tier_id is not None or bool(events)
    else:
        changed = any(getattr(current, name) != getattr(s, name) for name in STATE_FIELDS)
    return Outcome(s, changed, tuple(events), tuple(notices))
