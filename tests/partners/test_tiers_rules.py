"""The rules for one partner as a pure function (no database): every branch the engine relies on."""

from datetime import date, timedelta

from partners.models import TierChange
from partners.tiers.config import ProgramInfo, Rung
from partners.tiers.rules import DEMOTED, DEMOTION_WARNING, PROMOTED, State, decide

R = TierChange.Reason
TODAY = date(2026, 3, 2)
PROGRAM = ProgramInfo(id=1, code="p", grace_days=30, warn_before_days=7, promotion_requires_approval=False)
APPROVAL = ProgramInfo(id=1, code="p", grace_days=30, warn_before_days=7, promotion_requires_approval=True)
LOW, MID, TOP = Rung(10, 0, ()), Rung(11, 1, ()), Rung(12, 2, ())
RANKS = {10: 0, 11: 1, 12: 2}


def run(state, qualified, program=PROGRAM, on=TODAY):
    return decide(state, partner_id=7, program=program, qualified=qualified, lowest=LOW, ranks=RANKS, as_of=on)


def holding(tier_id, **fields):
    return State(1, 7, program_id=1, tier_id=tier_id, since=TODAY - timedelta(days=100), **fields)


def test_steady_partner_changes_nothing():
    outcome = run(holding(11), MID)
    assert not outcome.changed and outcome.events == () and outcome.notices == ()


def test_first_assignment_is_quiet():
    outcome = run(None, MID)
    assert outcome.changed and outcome.state.tier_id == 11
    assert [e.reason for e in outcome.events] == [R.ASSIGNED] and outcome.notices == ()


def test_promotion_notifies_with_a_window_per_day():
    outcome = run(holding(10), TOP)
    assert outcome.state.tier_id == 12 and [n.kind for n in outcome.notices] == [PROMOTED]
    assert outcome.notices[0].window == f"promoted:12:{TODAY.isoformat()}"


def test_grace_timeline():
    start = run(holding(12), MID)
    assert start.state.grace_until == TODAY + timedelta(days=30) and start.state.tier_id == 12
    assert [n.kind for n in start.notices] == [DEMOTION_WARNING]
    quiet = run(start.state, MID, on=TODAY + timedelta(days=22))
    assert not quiet.changed
    final = run(start.state, MID, on=TODAY + timedelta(days=23))
    assert final.changed and [n.window for n in final.notices] == [f"grace-end:{start.state.grace_until.isoformat()}"]
    assert final.events == ()  # a reminder is a notice, not a history row
    end = run(final.state, LOW, on=TODAY + timedelta(days=30))  # fell further meanwhile: to what it meets then
    assert end.state.tier_id == 10 and [n.kind for n in end.notices] == [DEMOTED]
    assert end.events[0].from_tier_id == 12 and end.events[0].to_tier_id == 10


def test_short_grace_warns_once():
    program = ProgramInfo(id=1, code="p", grace_days=5, warn_before_days=7, promotion_requires_approval=False)
    start = run(holding(12), MID, program=program)
    assert start.state.grace_final_warned_on == TODAY
    assert not run(start.state, MID, program=program, on=TODAY + timedelta(days=2)).notices


def test_nothing_qualifies_demotes_to_no_tier_after_grace():
    start = run(holding(10), None)
    end = run(start.state, None, on=TODAY + timedelta(days=30))
    assert end.state.tier_id is None and end.notices[0].window == f"demoted:0:{(TODAY + timedelta(days=30)).isoformat()}"


def test_pending_promotion_follows_the_qualification():
    pending = run(holding(10), TOP, program=APPROVAL)
    assert pending.state.pending_tier_id == 12 and pending.state.tier_id == 10
    lower = run(pending.state, MID, program=APPROVAL)
    assert lower.state.pending_tier_id == 11 and [e.reason for e in lower.events] == [R.PROMOTION_PENDING]
    lapsed = run(lower.state, LOW, program=APPROVAL)
    assert lapsed.state.pending_tier_id is None and [e.reason for e in lapsed.events] == [R.PROMOTION_LAPSED]


def test_declined_tier_is_not_proposed_again_until_below_it():
    declined = holding(10, declined_tier_id=11)
    assert not run(declined, MID, program=APPROVAL).changed
    reset = run(declined, LOW, program=APPROVAL)
    assert reset.changed and reset.state.declined_tier_id is None and reset.events == ()


def test_pin_holds_and_ends():
    pinned = holding(12, pinned_tier_id=12, pinned_until=TODAY, pinned_reason="x")
    assert not run(pinned, LOW).changed
    ended = run(pinned, LOW, on=TODAY + timedelta(days=1))
    assert ended.state.pinned_tier_id is None and ended.state.grace_until is not None
    assert [e.reason for e in ended.events] == [R.PIN_ENDED, R.GRACE_STARTED]


def test_no_program_means_no_decision():
    assert not decide(holding(11), partner_id=7, program=None, qualified=None, lowest=None, ranks=RANKS,
                      as_of=TODAY).changed
