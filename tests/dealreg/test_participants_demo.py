"""The CRM and multi-partner parts of the demo: rates, vendor accounts, participants; idempotent."""

import io
import random
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from dealreg import demo_crm
from dealreg.models import Deal, DealParticipant, VendorAccount, VendorOpportunity
from prm.common.fx import to_base
from prm.common.models import ExchangeRate
from prm.tenancy.scoping import unscoped
from tests.factories import PartnerFactory, make_member

from .engine_helpers import make_deal

pytestmark = pytest.mark.django_db


def context(partners):
    return SimpleNamespace(partners=partners, staff={}, rng=random.Random(1), now=timezone.now(), stdout=io.StringIO())


def test_demo_crm_data_is_seeded_once(settings):
    settings.BASE_CURRENCY = "EUR"
    partners = [PartnerFactory(name=f"Demo {n}") for n in range(4)]
    for partner in partners:
        make_member(partner=partner, role="admin")
        make_deal(partner=partner, status=Deal.Status.APPROVED, customer_name=f"Customer of {partner.name}")
    ctx = context(partners)
    for _ in range(2):
        demo_crm.seed_exchange_rates(ctx)
        demo_crm.seed_vendor_accounts(ctx)
        demo_crm.seed_participants(ctx)
    assert ExchangeRate.objects.count() == (len(settings.CURRENCIES) - 1) * (demo_crm.RATE_WEEKS + 1)
    amount, _rate = to_base(amount=100, currency="USD", on=timezone.localdate() - timedelta(days=200))
    assert 80 < amount < 100
    assert VendorAccount.objects.count() == len(demo_crm.VENDOR_ACCOUNTS)
    assert VendorOpportunity.objects.open().count() == 3
    with unscoped():
        participants = list(DealParticipant.objects.all())
    assert len(participants) == 4
    assert {p.status for p in participants} == {"accepted", "invited", "declined"}
    assert all(p.partner_id != p.deal.partner_id for p in participants)


def test_participants_are_not_topped_up_again_on_a_re_run():
    partners = [PartnerFactory(name=f"Demo {n}") for n in range(10)]
    for partner in partners:
        make_member(partner=partner, role="admin")
        make_deal(partner=partner, status=Deal.Status.APPROVED, customer_name=f"Customer of {partner.name}")
    ctx = context(partners)
    counts = []
    for _ in range(3):
        demo_crm.seed_participants(ctx)
        with unscoped():
            counts.append(DealParticipant.objects.count())
    assert counts == [8, 8, 8]
