"""The tier engine: thresholds, regional exceptions, grace, pins, approval, idempotency, missing metrics."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from partners.models import PartnerTier, TierChange, TierThresholdOverride
from partners.tiers import engine, metrics
from prm.notifications.models import Notification
from prm.tenancy.scoping import partner_scope
from tests.factories import PartnerFactory, RegionFactory

from .tier_helpers import (  # noqa: F401 - the *_fixture names register fixtures
    GOLD_FACTS,
    NO_FACTS,
    SILVER_FACTS,
    TODAY,
    facts_fixture,
    history_of,
    make_program,
    place,
    program_fixture,
    recalc,
    state_of,
    tiers_fixture,
)

pytestmark = pytest.mark.django_db
R = TierChange.Reason


def tier_code(partner):
    state = state_of(partner)
    return state.tier.code if state and state.tier else None


# --- thresholds -----------------------------------------------------------------------------------------

def test_partner_gets_the_highest_tier_whose_every_threshold_it_meets(partner_a, tiers, facts):
    facts[partner_a.pk] = dict(GOLD_FACTS)
    recalc(partner_a)
    assert tier_code(partner_a) == "gold"
    [change] = history_of(partner_a)
    assert change.reason == R.ASSIGNED and change.to_tier == tiers["gold"]
    assert change.measured["won_revenue_ttm"] == {"value": "600000", "available": True}
    assert {c["metric"]: c["met"] for c in change.criteria} == {
        "won_revenue_ttm": True, "active_certifications": True, "won_deals_ttm": True, "health_score": True}


def test_one_missed_criterion_keeps_the_partner_below(partner_a, partner_b, tiers, facts, region_a):
    other = PartnerFactory(region=region_a, country="DE")
    facts[partner_a.pk] = {**GOLD_FACTS, "active_certifications": 4}  # Gold needs 5
    facts[other.pk] = {**GOLD_FACTS, "health_score": 59}  # Gold needs 60
    recalc(partner_a, other)
    assert tier_code(partner_a) == "silver"
    assert tier_code(other) == "silver"


def test_partner_types_without_a_program_are_left_alone(partner_a, tiers, facts):
    partner_a.partner_type = "referral"
    partner_a.save()
    facts[partner_a.pk] = dict(GOLD_FACTS)
    result = recalc(partner_a)
    assert result.changed == 0 and state_of(partner_a) is None


def test_closed_partners_are_not_recalculated(partner_a, tiers, facts):
    partner_a.status = "suspended"
    partner_a.save()
    facts[partner_a.pk] = dict(GOLD_FACTS)
    assert recalc(partner_a).partners == 0
    assert state_of(partner_a) is None


# --- regional exceptions ---------------------------------------------------------------------------------

def test_country_beats_region_beats_global_per_criterion(region_a, region_b, tiers, facts):
    silver = tiers["silver"]
    TierThresholdOverride.objects.create(tier=silver, region=region_a, min_won_revenue=Decimal("50000"),
                                         min_active_certifications=1)
    TierThresholdOverride.objects.create(tier=silver, country="DE", min_won_revenue=Decimal("30000"))
    german = PartnerFactory(region=region_a, country="DE")
    french = PartnerFactory(region=region_a, country="FR")
    japanese = PartnerFactory(region=region_b, country="JP")
    for partner in (german, french, japanese):
        facts[partner.pk] = {**SILVER_FACTS, "won_revenue_ttm": Decimal("40000"), "active_certifications": 1}
    recalc(german, french, japanese)
    # DE: revenue 30k (country) and certifications 1 (inherited from the region): Silver.
    assert tier_code(german) == "silver"
    # FR: the region asks 50k.
    assert tier_code(french) == "registered"
    # JP: the global 100k and 2 certifications.
    assert tier_code(japanese) == "registered"


# --- promotion, grace, demotion ----------------------------------------------------------------------------

def test_promotion_is_immediate_and_notifies_the_partner_admins(partner_a, admin_a, user_a, tiers, facts):
    place(partner_a, tiers["silver"], since=TODAY - timedelta(days=200))
    facts[partner_a.pk] = dict(GOLD_FACTS)
    recalc(partner_a)
    state = state_of(partner_a)
    assert state.tier == tiers["gold"] and state.since == TODAY
    assert [c.reason for c in history_of(partner_a)] == [R.PROMOTED]
    sent = Notification.objects.filter(kind="partners.tier_promoted")
    assert [n.email for n in sent] == [admin_a.email]  # admins only
    assert sent[0].language == "de" and sent[0].context["tier_name"] == "Gold"


def test_grace_warns_at_start_and_before_the_end_then_demotes(partner_a, admin_a, tiers, facts, program):
    place(partner_a, tiers["gold"], since=TODAY - timedelta(days=300))
    facts[partner_a.pk] = dict(SILVER_FACTS)

    recalc(partner_a)  # day 0: below Gold
    state = state_of(partner_a)
    assert state.tier == tiers["gold"]
    assert state.grace_started_on == TODAY and state.grace_until == TODAY + timedelta(days=90)
    warnings = Notification.objects.filter(kind="partners.tier_demotion_warning")
    assert warnings.count() == 1
    assert warnings[0].context["grace_until"] == (TODAY + timedelta(days=90)).isoformat()
    with translation.override(partner_a.default_language):  # notices speak the partner's language
        label = translation.gettext("Active certifications")
    assert any(label in line for line in warnings[0].context["missed"])

    recalc(partner_a, on=TODAY + timedelta(days=75))  # 15 days before the end: no final warning yet
    assert warnings.count() == 1
    recalc(partner_a, on=TODAY + timedelta(days=76))  # 14 days before the end: the final warning
    assert warnings.count() == 2
    recalc(partner_a, on=TODAY + timedelta(days=80))
    assert warnings.count() == 2  # once
    recalc(partner_a, on=TODAY + timedelta(days=89))
    assert tier_code(partner_a) == "gold"
    assert not Notification.objects.filter(kind="partners.tier_demoted").exists()

    recalc(partner_a, on=TODAY + timedelta(days=90))  # the grace period is over
    state = state_of(partner_a)
    assert state.tier == tiers["silver"] and state.grace_until is None and state.since == TODAY + timedelta(days=90)
    assert [c.reason for c in history_of(partner_a)] == [R.GRACE_STARTED, R.DEMOTED]
    demoted = history_of(partner_a)[-1]
    assert demoted.from_tier == tiers["gold"] and demoted.to_tier == tiers["silver"]
    assert {c["metric"]: c["met"] for c in demoted.criteria}["active_certifications"] is False
    assert Notification.objects.filter(kind="partners.tier_demoted").count() == 1


def test_recovering_during_grace_keeps_the_tier(partner_a, tiers, facts):
    place(partner_a, tiers["gold"])
    facts[partner_a.pk] = dict(SILVER_FACTS)
    recalc(partner_a)
    facts[partner_a.pk] = dict(GOLD_FACTS)
    recalc(partner_a, on=TODAY + timedelta(days=10))
    state = state_of(partner_a)
    assert state.tier == tiers["gold"] and state.grace_until is None
    assert [c.reason for c in history_of(partner_a)] == [R.GRACE_STARTED, R.GRACE_ENDED]


def test_no_grace_period_demotes_at_once(partner_a, tiers, facts, program):
    program[0].grace_days = 0
    program[0].warn_before_days = 0
    program[0].save()
    place(partner_a, tiers["gold"])
    facts[partner_a.pk] = dict(SILVER_FACTS)
    recalc(partner_a)
    assert tier_code(partner_a) == "silver"


# --- pins ----------------------------------------------------------------------------------------------

def test_pin_holds_until_its_end_date(partner_a, manager_a, tiers, facts):
    place(partner_a, tiers["gold"], pinned_tier=tiers["gold"], pinned_until=TODAY + timedelta(days=30),
          pinned_reason="Launch partner", pinned_by=manager_a)
    facts[partner_a.pk] = dict(NO_FACTS)
    recalc(partner_a)
    recalc(partner_a, on=TODAY + timedelta(days=30))  # the last pinned day
    state = state_of(partner_a)
    assert state.tier == tiers["gold"] and state.grace_until is None
    assert history_of(partner_a) == []

    recalc(partner_a, on=TODAY + timedelta(days=31))  # the pin has ended: usual rules, with grace
    state = state_of(partner_a)
    assert state.pinned_tier is None and state.tier == tiers["gold"]
    assert state.grace_until == TODAY + timedelta(days=31 + 90)
    assert [c.reason for c in history_of(partner_a)] == [R.PIN_ENDED, R.GRACE_STARTED]


# --- approval --------------------------------------------------------------------------------------------

def test_promotion_waits_for_approval_when_the_program_says_so(partner_a, tiers, facts, program):
    program[0].promotion_requires_approval = True
    program[0].save()
    place(partner_a, tiers["silver"])
    facts[partner_a.pk] = dict(GOLD_FACTS)
    recalc(partner_a)
    state = state_of(partner_a)
    assert state.tier == tiers["silver"] and state.pending_tier == tiers["gold"]
    assert [c.reason for c in history_of(partner_a)] == [R.PROMOTION_PENDING]
    assert not Notification.objects.filter(kind="partners.tier_promoted").exists()
    recalc(partner_a, on=TODAY + timedelta(days=1))
    assert len(history_of(partner_a)) == 1  # still pending, nothing new


def test_first_assignment_under_approval_starts_at_the_bottom(partner_a, tiers, facts, program):
    program[0].promotion_requires_approval = True
    program[0].save()
    facts[partner_a.pk] = dict(GOLD_FACTS)
    recalc(partner_a)
    state = state_of(partner_a)
    assert state.tier == tiers["registered"] and state.pending_tier == tiers["gold"]


# --- idempotency and missing metrics ---------------------------------------------------------------------

def test_a_second_run_changes_nothing_and_writes_nothing(partner_a, partner_b, region_a, tiers, facts):
    others = [PartnerFactory(region=region_a) for _ in range(3)]
    for partner in [partner_a, *others]:
        facts[partner.pk] = dict(SILVER_FACTS)
    place(others[0], tiers["gold"])  # will start grace
    recalc(partner_a, *others)
    with partner_scope(partner_a):
        assert TierChange.objects.count() == 1
    with CaptureQueriesContext(connection) as queries:
        result = recalc(partner_a, *others)
    assert result.changed == 0 and result.partners == 4
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []


def test_queries_per_chunk_do_not_grow_with_partners(region_a, tiers, facts):
    few = [PartnerFactory(region=region_a) for _ in range(2)]
    many = [PartnerFactory(region=region_a) for _ in range(12)]
    for partner in few + many:
        facts[partner.pk] = dict(SILVER_FACTS)

    def count(partners):
        with CaptureQueriesContext(connection) as queries:
            recalc(*partners)
        return len(queries.captured_queries)

    assert count(few) == count(many)


def test_missing_metrics_count_as_zero_and_are_recorded(partner_a, tiers):
    with metrics.providers({"won_revenue_ttm": lambda ids, as_of: {pid: Decimal("999999") for pid in ids}}):
        result = recalc(partner_a)
    assert set(result.missing_metrics) == {"active_certifications", "won_deals_ttm", "health_score"}
    assert tier_code(partner_a) == "registered"  # Silver needs certifications nobody measures yet
    [change] = history_of(partner_a)
    assert change.measured["won_revenue_ttm"]["available"] is True
    assert change.measured["active_certifications"] == {"value": "0", "available": False}
    assert set(change.missing_metrics) == {"active_certifications", "won_deals_ttm", "health_score"}


def test_group_provider_is_called_once_per_chunk(partner_a, tiers, region_a):
    calls = []
    other = PartnerFactory(region=region_a)

    def both(ids, as_of):
        calls.append(sorted(ids))
        return {"won_revenue_ttm": {pid: Decimal("200000") for pid in ids}, "won_deals_ttm": {pid: 5 for pid in ids}}

    with metrics.providers(groups=[(("won_revenue_ttm", "won_deals_ttm"), both)]):
        recalc(partner_a, other)
    assert calls == [sorted([partner_a.pk, other.pk])]


def test_unknown_metric_codes_are_refused():
    with pytest.raises(ValueError):
        metrics.register("revenue", lambda ids, as_of: {})


def test_dry_run_writes_nothing(partner_a, tiers, facts):
    facts[partner_a.pk] = dict(GOLD_FACTS)
    with partner_scope(partner_a):
        result = engine.recalculate(partner_ids=[partner_a.pk], as_of=TODAY, dry_run=True)
        assert result.changed == 1 and not PartnerTier.objects.exists()


def test_moving_to_another_program_starts_over(partner_a, tiers, facts):
    _program, referral = make_program(code="referral", types=("referral",))
    place(partner_a, tiers["gold"])
    partner_a.partner_type = "referral"
    partner_a.save()
    facts[partner_a.pk] = dict(SILVER_FACTS)
    recalc(partner_a)
    state = state_of(partner_a)
    assert state.tier == referral["silver"] and state.program_id == referral["silver"].program_id
    [change] = history_of(partner_a)
    assert change.reason == R.ASSIGNED and change.from_tier == tiers["gold"]


def test_regions_and_regionless_rungs_are_cached_per_place(region_a, tiers, facts):
    partners = [PartnerFactory(region=RegionFactory(code=f"r{i}"), country="DE") for i in range(3)]
    for partner in partners:
        facts[partner.pk] = dict(GOLD_FACTS)
    recalc(*partners)
    assert {tier_code(p) for p in partners} == {"gold"}


# --- isolation ---------------------------------------------------------------------------------------------

def test_chunk_reads_fail_closed_outside_a_scope(partner_a, partner_b, tiers, facts):
    from prm.tenancy.scoping import ScopeError

    with pytest.raises(ScopeError):
        engine.read_chunk([partner_a.pk])
    with partner_scope(partner_a), pytest.raises(ScopeError):
        engine.recalculate(partner_ids=[partner_a.pk, partner_b.pk], as_of=TODAY)
    assert state_of(partner_a) is None and state_of(partner_b) is None


def test_a_concurrent_change_is_not_overwritten(partner_a, tiers, facts, monkeypatch):
    """A state written between the engine's read and its write (a manager's pin) wins; the engine's
    history for it is not written either."""
    from partners.tiers import writes

    place(partner_a, tiers["silver"])
    facts[partner_a.pk] = dict(GOLD_FACTS)
    real_update = writes._update_states

    def pinned_meanwhile(existing, now):
        with partner_scope(partner_a):
            PartnerTier.objects.filter(partner=partner_a).update(updated_at=now - timedelta(seconds=1))
        return real_update(existing, now) if connection.vendor == "postgresql" else set()

    monkeypatch.setattr(writes, "_update_states", pinned_meanwhile)
    result = recalc(partner_a)
    assert result.changed == 0
    assert tier_code(partner_a) == "silver" and history_of(partner_a) == []
