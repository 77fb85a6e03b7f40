"""The engine's fast paths keep its behaviour: partners skipped without reading their state are only those
decide() would not change (compared over every combination that matters), and a worker's chunks share the
configuration of one snapshot."""

import itertools
from datetime import date, timedelta

import pytest

from partners.tiers import engine
from partners.tiers.config import ProgramInfo, Rung
from partners.tiers.rules import State, decide, runs_quietly

from .tier_helpers import (  # noqa: F401 - the *_fixture names register fixtures
    NO_FACTS,
    SILVER_FACTS,
    facts_fixture,
    place,
    program_fixture,
    recalc,
    state_of,
    tiers_fixture,
)
from .tier_helpers import TODAY as DAY

TODAY = date(2026, 3, 2)
LOW, MID, TOP = Rung(10, 0, ()), Rung(11, 1, ()), Rung(12, 2, ())
RANKS = {10: 0, 11: 1, 12: 2}
PROGRAMS = [ProgramInfo(id=1, code="p", grace_days=30, warn_before_days=7, promotion_requires_approval=approval)
            for approval in (False, True)] + [ProgramInfo(id=1, code="p", grace_days=5, warn_before_days=7,
                                                          promotion_requires_approval=False)]


def test_runs_quietly_only_when_decide_changes_nothing():
    grace_ends = [None, TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1), TODAY + timedelta(days=6),
                  TODAY + timedelta(days=7), TODAY + timedelta(days=8), TODAY + timedelta(days=40)]
    checked, quiet_cases = 0, set()
    for program, held, qualified, until, warned_on, pending, declined in itertools.product(
            PROGRAMS, (10, 11, 12, 99), (None, LOW, MID, TOP), grace_ends, (None, TODAY - timedelta(days=3)),
            (None, 11, 12), (None, 11, 12)):
        if until is None and warned_on is not None:
            continue  # a final warning belongs to a grace period
        state = State(1, 7, program_id=program.id, tier_id=held, since=TODAY - timedelta(days=100),
                      pending_tier_id=pending, pending_since=TODAY - timedelta(days=5) if pending else None,
                      declined_tier_id=declined, grace_started_on=until - timedelta(days=30) if until else None,
                      grace_until=until, grace_final_warned_on=warned_on)
        quiet = runs_quietly(program=program, tier_id=held, held_rank=RANKS.get(held), qualified=qualified,
                             pending_tier_id=pending, declined_tier_id=declined, grace_until=until,
                             final_warned_on=warned_on, as_of=TODAY)
        outcome = decide(state, partner_id=7, program=program, qualified=qualified, lowest=LOW, ranks=RANKS,
                         as_of=TODAY)
        checked += 1
        if quiet:
            assert not outcome.changed and outcome.events == () and outcome.notices == (), (
                program, held, qualified, until, warned_on, pending, declined)
            quiet_cases.add(("grace" if until else "", "pending" if pending else "", "declined" if declined else ""))
    # Every case the engine relies on is exercised: steady, awaiting approval, declined, grace running on.
    assert quiet_cases == {("", "", ""), ("", "pending", ""), ("", "", "declined"), ("grace", "", "")}
    assert checked > 3000


@pytest.mark.django_db
def test_the_engine_skips_a_quiet_grace_period_without_reading_its_state(monkeypatch, partner_a, tiers, facts):
    """A partner in grace with nothing due tonight costs no state read; the night its warning is due it does."""
    place(partner_a, tiers["silver"])
    facts[partner_a.pk] = dict(SILVER_FACTS)
    recalc(partner_a, on=DAY)
    facts[partner_a.pk] = dict(NO_FACTS)
    recalc(partner_a, on=DAY + timedelta(days=1))  # grace starts (90 days, warned at the start)
    grace_until = state_of(partner_a).grace_until
    reads = []
    real = engine.read_states
    monkeypatch.setattr(engine, "read_states", lambda ids: reads.append(list(ids)) or real(ids))
    assert recalc(partner_a, on=DAY + timedelta(days=2)).changed == 0
    assert reads == [[]]
    assert recalc(partner_a, on=grace_until - timedelta(days=14)).changed == 1  # the final warning is due
    assert reads[-1] == [state_of(partner_a).pk]


@pytest.mark.django_db
def test_a_workers_chunks_share_the_configuration_of_one_snapshot(program):
    import json

    from partners.tiers.config import TierConfig

    _prog, tiers_ = program
    snapshot = TierConfig.load().snapshot()
    first = TierConfig.from_snapshot(json.loads(json.dumps(snapshot)))
    assert TierConfig.from_snapshot(json.loads(json.dumps(snapshot))) is first  # the next chunk's task
    tiers_["silver"].min_won_deals = 4
    tiers_["silver"].save()
    changed = TierConfig.from_snapshot(TierConfig.load().snapshot())
    assert changed is not first
    assert changed.tiers[tiers_["silver"].pk].min_won_deals == 4 and first.tiers[tiers_["silver"].pk].min_won_deals == 3
