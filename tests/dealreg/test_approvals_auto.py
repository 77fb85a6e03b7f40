"""Auto-approval rules: a registration that meets every condition of an active rule is approved at submission,
with the rule recorded as the decider; otherwise it waits for a manager."""

from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from dealreg.models import AutoApprovalRule, Deal, DealEvent
from dealreg.services import protection
from prm.common.models import AuditEvent
from prm.notifications.models import Notification
from prm.tenancy.scoping import partner_scope

from .engine_helpers import make_account, make_rate
from .registration_helpers import approved, submitted

pytestmark = pytest.mark.django_db


def rule(**fields) -> AutoApprovalRule:
    defaults = {"name": "Small and clean", "max_conflict_score": 0, "max_value": Decimal("50000"), "currency": "EUR"}
    return AutoApprovalRule.objects.create(**{**defaults, **fields})


def test_matching_registration_is_approved_at_submission_by_the_rule(partner_a):
    small = rule()
    deal = submitted(partner_a, value=Decimal("20000"))
    assert deal.status == Deal.Status.APPROVED
    assert deal.decided_by_rule == small and deal.decided_by is None
    assert deal.protected_until is not None
    with partner_scope(partner_a):
        assert deal.events.filter(kind=DealEvent.Kind.AUTO_APPROVED).exists()
    audit = AuditEvent.objects.get(action="dealreg.deal.auto_approved", target_id=str(deal.pk))
    assert audit.data["rule_id"] == small.pk
    sent = Notification.objects.get(kind="dealreg.deal_approved", email=deal.registered_by.email)
    assert sent.context["automatic"] is True


def test_no_rule_no_automatic_approval(partner_a):
    assert submitted(partner_a).status == Deal.Status.SUBMITTED


def test_value_above_the_limit_waits(partner_a):
    rule(max_value=Decimal("10000"))
    assert submitted(partner_a, value=Decimal("10000.01")).status == Deal.Status.SUBMITTED
    assert submitted(partner_a, value=Decimal("10000")).status == Deal.Status.APPROVED


def test_value_in_another_currency_is_converted_at_todays_rate(partner_a):
    rule(max_value=Decimal("9000"), currency="EUR")
    assert submitted(partner_a, value=Decimal("10000"), currency="USD").status == Deal.Status.SUBMITTED  # no rate yet
    make_rate(timezone.localdate(), "USD", "EUR", "0.8")
    assert submitted(partner_a, value=Decimal("10000"), currency="USD").status == Deal.Status.APPROVED  # 8,000 EUR
    assert submitted(partner_a, value=Decimal("12000"), currency="USD").status == Deal.Status.SUBMITTED  # 9,600 EUR


def test_any_possible_conflict_above_the_rules_score_waits(partner_a, partner_b):
    rule(max_conflict_score=0)
    submitted(partner_b, customer_name="Soylent Corp", customer_domain="soylent.com")
    deal = submitted(partner_a, customer_name="Soylent Corp", customer_domain="soylent.com")
    assert deal.has_conflict and deal.status == Deal.Status.SUBMITTED


def test_a_rule_never_protects_a_registration_that_conflicts_with_a_protected_one(partner_a, partner_b):
    approved(partner_b, customer_name="Tyrell Corporation", customer_domain="tyrell.com")
    rule(max_conflict_score=100, max_value=None)
    deal = submitted(partner_a, customer_name="Tyrell Corporation", customer_domain="tyrell.com")
    assert deal.status == Deal.Status.SUBMITTED and deal.has_conflict and deal.protected_until is None


def test_minimum_tier_rank(partner_a, monkeypatch):
    rule(min_tier_rank=3)
    benefits = SimpleNamespace(deal_protection_days=90, tier_rank=2)
    monkeypatch.setattr(protection, "tier_benefits_for", lambda partner: benefits)
    assert submitted(partner_a).status == Deal.Status.SUBMITTED
    benefits.tier_rank = 3
    assert submitted(partner_a).status == Deal.Status.APPROVED
    benefits.tier_rank = None  # no tier at all
    assert submitted(partner_a).status == Deal.Status.SUBMITTED


def test_existing_vendor_customers_are_left_to_a_manager(partner_a):
    rule(max_conflict_score=100, exclude_vendor_customers=True)
    make_account(name="Stark Industries", domain="stark.com")
    assert submitted(partner_a, customer_name="Stark Industries", customer_domain="stark.com").status == "submitted"


def test_rules_run_in_priority_order_and_inactive_rules_are_ignored(partner_a):
    rule(name="Disabled", priority=1, is_active=False)
    second = rule(name="Second", priority=20)
    first = rule(name="First", priority=10)
    deal = submitted(partner_a)
    assert deal.decided_by_rule == first != second
