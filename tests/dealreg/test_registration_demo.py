"""The demo data of deal registration: every state, conflicting pairs, overdue registrations; idempotent."""

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from dealreg.models import AutoApprovalRule, Deal, DealEvent, Product, RejectionReason
from dealreg.sla import is_overdue
from prm.tenancy.scoping import unscoped

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    with unscoped():
        return {"deals": Deal.objects.count(), "events": DealEvent.objects.count(), "products": Product.objects.count(),
                "reasons": RejectionReason.objects.count(), "rules": AutoApprovalRule.objects.count()}


def test_demo_has_registrations_in_every_state_with_conflicts_and_overdue_ones():
    output = seed()
    assert "dealreg:" in output
    with unscoped():
        deals = list(Deal.objects.select_related("partner"))
        statuses = Counter(d.status for d in deals)
        assert set(statuses) == set(Deal.Status.values)
        # the deliberate pairs: one partner protected, another waiting on the same customer, both flagged
        helios = [d for d in deals if d.customer_domain == "helios-logistik-demo.de"]
        assert sorted(d.status for d in helios) == ["approved", "submitted"]
        assert all(d.has_conflict for d in helios) and len({d.partner_id for d in helios}) == 2
        # no other two protected registrations conflict: the made-up customers are all different
        protected = [d for d in deals if d.status == Deal.Status.APPROVED]
        assert len({d.customer_domain for d in protected}) == len(protected)
        now = timezone.now()
        assert any(is_overdue(d.submitted_at, now=now) for d in deals if d.status == Deal.Status.SUBMITTED)
        assert all(d.registered_at and d.reference.startswith("DR-") for d in deals if d.status != Deal.Status.DRAFT)
        assert DealEvent.objects.filter(kind=DealEvent.Kind.APPROVED).exists()
        won = [d for d in deals if d.status == Deal.Status.WON]
        assert all(d.closed_at and d.won_amount for d in won)
    assert RejectionReason.objects.get(code="duplicate").label_in("ja")


def test_demo_is_idempotent():
    seed()
    first = snapshot()
    seed()
    assert snapshot() == first
