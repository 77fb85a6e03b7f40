"""The PostgreSQL write paths of the tier engine (INSERT/UPDATE … FROM unnest, history as jsonb[], the
skip of a state changed after the engine read it). Skipped on SQLite; the lead's CI runs it with DATABASE_URL."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from partners.models import PartnerTier, TierChange
from partners.tiers import engine
from prm.notifications.models import Notification
from tests.factories import PartnerFactory, make_member

from .tier_helpers import (  # noqa: F401 - the *_fixture names register fixtures
    GOLD_FACTS,
    NO_FACTS,
    TODAY,
    facts_fixture,
    history_of,
    program_fixture,
    recalc,
    state_of,
    tiers_fixture,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db,
]


def test_unnest_writes_states_history_and_notices(region_a, tiers, facts):
    partners = [PartnerFactory(region=region_a) for _ in range(6)]
    for partner in partners:
        make_member(partner=partner, role="admin")
        facts[partner.pk] = dict(GOLD_FACTS)
    first = recalc(*partners)
    assert first.changed == 6 and {state_of(p).tier.code for p in partners} == {"gold"}
    change = history_of(partners[0])[0]
    assert change.measured["won_revenue_ttm"] == {"value": "600000", "available": True}
    assert {c["metric"] for c in change.criteria} == {"won_revenue_ttm", "active_certifications", "won_deals_ttm",
                                                       "health_score"}
    assert recalc(*partners).changed == 0

    for partner in partners[:3]:
        facts[partner.pk] = dict(NO_FACTS)
    later = TODAY + timedelta(days=1)
    assert recalc(*partners, on=later).changed == 3
    assert all(state_of(p).grace_until == later + timedelta(days=90) for p in partners[:3])
    assert Notification.objects.filter(kind="partners.tier_demotion_warning").count() == 3


def test_a_state_changed_after_the_read_is_not_overwritten(partner_a, tiers, facts, monkeypatch):
    facts[partner_a.pk] = dict(GOLD_FACTS)
    recalc(partner_a)
    facts[partner_a.pk] = {**GOLD_FACTS, "won_revenue_ttm": Decimal("0")}
    real_read = engine.read_states

    def read_then_someone_writes(state_ids):
        found = real_read(state_ids)
        PartnerTier.objects.filter(id__in=state_ids).update(updated_at=timezone.now())
        return found

    monkeypatch.setattr(engine, "read_states", read_then_someone_writes)
    assert recalc(partner_a, on=TODAY + timedelta(days=1)).changed == 0
    assert state_of(partner_a).grace_until is None
    assert [c.reason for c in history_of(partner_a)] == [TierChange.Reason.ASSIGNED]
