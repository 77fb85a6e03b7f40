"""Managers' tier actions: pin, unpin, approve, decline, thresholds; benefits; the Celery fan-out."""

import dataclasses
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from partners.models import TierChange
from partners.services.tiers import (
    tier_pin,
    tier_promotions_approve,
    tier_promotions_decline,
    tier_thresholds_update,
    tier_unpin,
)
from partners.tiers import benefits, engine, tasks
from partners.tiers.rules import DEMOTION_WARNING
from prm.common.models import AuditEvent
from prm.notifications.models import Notification
from prm.notifications.rendering import render_notification
from prm.tenancy.scoping import partner_scope, partners_scope
from tests.factories import PartnerFactory

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


# --- pin -------------------------------------------------------------------------------------------------

def test_pin_applies_at_once_is_audited_and_notifies(partner_a, admin_a, manager_a, tiers, facts):
    place(partner_a, tiers["silver"])
    with partner_scope(partner_a):
        tier_pin(partner=partner_a, tier=tiers["gold"], until=TODAY + timedelta(days=10), reason="Strategic account",
                 actor=manager_a, today=TODAY)
    state = state_of(partner_a)
    assert state.tier == tiers["gold"] and state.pinned_until == TODAY + timedelta(days=10)
    assert state.pinned_by == manager_a and state.pinned_reason == "Strategic account"
    [change] = history_of(partner_a)
    assert change.reason == R.PINNED and change.actor == manager_a and change.note == "Strategic account"
    event = AuditEvent.objects.get(action="partners.tier.pinned")
    assert event.partner_id == partner_a.pk and event.data["until"] == (TODAY + timedelta(days=10)).isoformat()
    assert Notification.objects.filter(kind="partners.tier_promoted", email=admin_a.email).count() == 1
    # The engine respects it while the facts say otherwise.
    facts[partner_a.pk] = dict(NO_FACTS)
    recalc(partner_a, on=TODAY + timedelta(days=5))
    assert state_of(partner_a).tier == tiers["gold"]


@pytest.mark.parametrize("kwargs, code", [
    ({"reason": " "}, "reason"),
    ({"until": TODAY - timedelta(days=1)}, "until"),
])
def test_pin_refuses_bad_input_and_saves_nothing(partner_a, manager_a, tiers, kwargs, code):
    args = {"tier": tiers["gold"], "until": TODAY + timedelta(days=5), "reason": "Because", **kwargs}
    with partner_scope(partner_a), pytest.raises(ValidationError) as error:
        tier_pin(partner=partner_a, actor=manager_a, today=TODAY, **args)
    assert error.value.code == code
    assert state_of(partner_a) is None and not AuditEvent.objects.filter(action="partners.tier.pinned").exists()


def test_pin_refuses_a_tier_of_another_program(partner_a, manager_a, tiers):
    _p, referral = make_program(code="referral", types=("referral",))
    with partner_scope(partner_a), pytest.raises(ValidationError):
        tier_pin(partner=partner_a, tier=referral["gold"], until=TODAY, reason="x", actor=manager_a, today=TODAY)


def test_unpin_lets_the_rules_apply_again(partner_a, manager_a, tiers, facts):
    place(partner_a, tiers["gold"], pinned_tier=tiers["gold"], pinned_until=TODAY + timedelta(days=30))
    with partner_scope(partner_a):
        tier_unpin(partner=partner_a, actor=manager_a, reason="Review done", today=TODAY)
    assert state_of(partner_a).pinned_tier is None
    facts[partner_a.pk] = dict(SILVER_FACTS)
    recalc(partner_a)
    assert state_of(partner_a).grace_until == TODAY + timedelta(days=90)
    assert [c.reason for c in history_of(partner_a)] == [R.PIN_REMOVED, R.GRACE_STARTED]
    assert AuditEvent.objects.filter(action="partners.tier.unpinned").count() == 1


# --- approval ----------------------------------------------------------------------------------------------

@pytest.fixture
def pending(partner_a, tiers, facts, program):
    program[0].promotion_requires_approval = True
    program[0].save()
    place(partner_a, tiers["silver"])
    facts[partner_a.pk] = dict(GOLD_FACTS)
    recalc(partner_a)
    assert state_of(partner_a).pending_tier == tiers["gold"]
    return partner_a


def test_approve_moves_the_partner_and_notifies(pending, admin_a, manager_a, tiers):
    with partner_scope(pending):
        assert tier_promotions_approve(partner_ids=[pending.pk], actor=manager_a, today=TODAY) == 1
    state = state_of(pending)
    assert state.tier == tiers["gold"] and state.pending_tier is None
    assert history_of(pending)[-1].reason == R.PROMOTION_APPROVED and history_of(pending)[-1].actor == manager_a
    assert Notification.objects.filter(kind="partners.tier_promoted", email=admin_a.email).count() == 1
    assert AuditEvent.objects.filter(action="partners.tier.promotion_approved").count() == 1
    recalc(pending, on=TODAY + timedelta(days=1))
    assert len(history_of(pending)) == 2  # stable


def test_decline_needs_a_reason_and_is_not_proposed_again(pending, manager_a, tiers, facts):
    with partner_scope(pending), pytest.raises(ValidationError):
        tier_promotions_decline(partner_ids=[pending.pk], actor=manager_a, reason="")
    with partner_scope(pending):
        tier_promotions_decline(partner_ids=[pending.pk], actor=manager_a, reason="Not yet", today=TODAY)
    state = state_of(pending)
    assert state.pending_tier is None and state.declined_tier == tiers["gold"] and state.tier == tiers["silver"]
    recalc(pending, on=TODAY + timedelta(days=1))
    assert state_of(pending).pending_tier is None
    # Qualifying for a higher tier than the declined one proposes again.
    facts[pending.pk] = {"won_revenue_ttm": Decimal("2000000"), "active_certifications": 12, "won_deals_ttm": 30,
                         "health_score": 90}
    recalc(pending, on=TODAY + timedelta(days=2))
    assert state_of(pending).pending_tier == tiers["platinum"]


def test_approve_without_anything_pending_is_refused(partner_a, manager_a, tiers):
    place(partner_a, tiers["silver"])
    with partner_scope(partner_a), pytest.raises(ValidationError):
        tier_promotions_approve(partner_ids=[partner_a.pk], actor=manager_a)


# --- thresholds ------------------------------------------------------------------------------------------

def test_thresholds_update_validates_the_ladder_and_audits(program, operator):
    prog, tiers_ = program
    with pytest.raises(ValidationError):
        tier_thresholds_update(program=prog, edits={tiers_["silver"].pk: {"min_won_revenue": "900000"}}, actor=operator)
    with pytest.raises(ValidationError):
        tier_thresholds_update(program=prog, edits={tiers_["silver"].pk: {"min_health_score": 101}}, actor=operator)
    tier_thresholds_update(program=prog, edits={tiers_["silver"].pk: {"min_won_revenue": "80000"}}, actor=operator)
    tiers_["silver"].refresh_from_db()
    assert tiers_["silver"].min_won_revenue == Decimal("80000.00")
    event = AuditEvent.objects.get(action="partners.tier.thresholds_updated")
    assert event.data["changes"]["silver"]["before"] == {"min_won_revenue": "100000.00"}


# --- benefits --------------------------------------------------------------------------------------------

def test_benefits_defaults_without_a_tier_come_from_settings(partner_a, settings):
    with partner_scope(partner_a):
        default = benefits.benefits_for(partner=partner_a)
    assert default.is_default and default.deal_protection_days == 90 and default.discount_percent == 0
    assert default.mdf_allocation_per_quarter is None and default.currency == settings.BASE_CURRENCY
    settings.PRM_TIER_DEFAULT_BENEFITS = {"deal_protection_days": 60}
    with partner_scope(partner_a):
        assert benefits.benefits_for(partner=partner_a).deal_protection_days == 60


def test_benefits_follow_the_tier_held_set_based(partner_a, region_a, tiers, django_assert_num_queries):
    others = [PartnerFactory(region=region_a) for _ in range(3)]
    place(partner_a, tiers["gold"], grace_until=TODAY + timedelta(days=5))  # in grace: still Gold
    ids = [partner_a.pk, *(p.pk for p in others)]
    with partners_scope(ids), django_assert_num_queries(1):
        found = benefits.benefits_for_partners(partner_ids=ids)
    assert found[partner_a.pk].tier_code == "gold" and found[partner_a.pk].deal_protection_days == 150
    assert found[partner_a.pk].discount_percent == Decimal("10")
    assert all(found[p.pk].is_default for p in others)
    with pytest.raises(dataclasses.FrozenInstanceError):
        found[partner_a.pk].deal_protection_days = 1


# --- notifications -----------------------------------------------------------------------------------------

def test_warning_e_mail_renders_in_the_partners_language(partner_a, admin_a, tiers, facts):
    place(partner_a, tiers["gold"])
    facts[partner_a.pk] = dict(SILVER_FACTS)
    recalc(partner_a)
    row = Notification.objects.get(kind=DEMOTION_WARNING)
    assert row.language == "de" and row.partner_id == partner_a.pk
    message = render_notification(row)
    body = message.body
    assert "Gold" in message.subject and partner_a.name in message.subject
    assert "Silber" in body  # the tier it would move to, in German
    assert row.context["portal_url"].endswith("/portal/tier/")


# --- tasks -------------------------------------------------------------------------------------------------

def test_nightly_fan_out_enqueues_chunks_not_partners(monkeypatch, region_a, tiers):
    partners = [PartnerFactory(region=region_a) for _ in range(5)]
    PartnerFactory(region=region_a, status="offboarded")
    sent = []
    monkeypatch.setattr(engine, "CHUNK_SIZE", 2)
    monkeypatch.setattr(tasks.tiers_recalculate_chunk, "delay", lambda **kwargs: sent.append(kwargs))
    assert tasks.tiers_recalculate_all(as_of="2026-03-02") == 3
    assert [len(call["partner_ids"]) for call in sent] == [2, 2, 1]
    assert sorted(pid for call in sent for pid in call["partner_ids"]) == sorted(p.pk for p in partners)
    assert {call["as_of"] for call in sent} == {"2026-03-02"}
    assert sent[0]["config"] == sent[1]["config"]  # one configuration for the whole night
    json.dumps(sent[0]["config"])  # travels through the broker as JSON


def test_config_snapshot_gives_the_same_ladders(program, region_a):
    from partners.models import TierThresholdOverride
    from partners.tiers.config import TierConfig

    TierThresholdOverride.objects.create(tier=program[1]["silver"], region=region_a, min_won_revenue=Decimal("50000"))
    TierThresholdOverride.objects.create(tier=program[1]["gold"], country="DE", min_won_deals=4)
    loaded = TierConfig.load()
    again = TierConfig.from_snapshot(json.loads(json.dumps(loaded.snapshot())))
    for where in [(region_a.pk, "DE"), (region_a.pk, "FR"), (None, "JP")]:
        assert again.ladder(program[0].pk, *where) == loaded.ladder(program[0].pk, *where)
    assert again.program_for("reseller") == loaded.program_for("reseller")
    assert again.tiers[program[1]["gold"].pk].display_name("de") == "Gold"


def test_chunk_task_runs_in_its_scope_and_is_idempotent(partner_a, tiers, facts):
    facts[partner_a.pk] = dict(SILVER_FACTS)
    first = tasks.tiers_recalculate_chunk(partner_ids=[partner_a.pk], as_of=TODAY.isoformat())
    second = tasks.tiers_recalculate_chunk(partner_ids=[partner_a.pk], as_of=TODAY.isoformat())
    assert first["changed"] == 1 and second["changed"] == 0
    assert len(history_of(partner_a)) == 1


def test_a_partner_type_belongs_to_one_active_program(program):
    from partners.models import TierProgram, TierThresholdOverride

    other = TierProgram(code="other", name="Other", partner_types=["reseller", "msp"])
    with pytest.raises(ValidationError) as error:
        other.full_clean()
    assert "partner_types" in error.value.message_dict
    other.partner_types = ["msp"]
    other.full_clean()
    both = TierThresholdOverride(tier=program[1]["silver"], region=None, country="")
    with pytest.raises(ValidationError):
        both.full_clean()
