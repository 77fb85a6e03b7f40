"""Tiers with priority review put the partner's deal registrations, MDF requests and MDF claims first in the
managers' queues, as the tier page promises; the rest stay oldest first."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from dealreg.models import Deal
from mdf.models import Activity, Claim
from partners.models import PartnerTier, Tier, TierProgram
from prm.tenancy.scoping import partner_scope, unscoped
from tests.dealreg import registration_helpers as deals
from tests.factories import PartnerFactory, make_member
from tests.mdf.helpers import approved_activity, ended, fund_with, submitted_activity, submitted_claim

pytestmark = pytest.mark.django_db


@pytest.fixture
def priority_partner(region_a):
    partner = PartnerFactory(name="Priority Partner GmbH", region=region_a, country="DE")
    program, _ = TierProgram.objects.get_or_create(code="priority", defaults={"name": "Priority"})
    tier = Tier.objects.create(program=program, code="platinum", name="Platinum", rank=9, priority_review=True)
    with partner_scope(partner):
        PartnerTier.objects.create(partner=partner, program=program, tier=tier, since=timezone.localdate())
    return partner


def _age(model, pk, days):
    with unscoped():
        model.objects.filter(pk=pk).update(submitted_at=timezone.now() - timedelta(days=days))


def _order(client, url, first, second):
    html = client.get(url).content.decode()
    assert first in html and second in html
    return html.index(first) < html.index(second)


def test_priority_partners_come_first_in_every_queue(client, manager_a, partner_a, admin_a, priority_partner):
    vip = make_member(partner=priority_partner, role="admin").user
    fund_with(partner_a, Decimal("100000"))
    fund_with(priority_partner, Decimal("100000"))
    # MDF requests: the ordinary one waited longer, the priority one still comes first.
    old = submitted_activity(partner_a, admin_a, title="Ordinary old request")
    new = submitted_activity(priority_partner, vip, title="Priority new request")
    _age(Activity, old.pk, 5)
    _age(Activity, new.pk, 1)
    client.force_login(manager_a)
    assert _order(client, reverse("admin:mdf_activityapprovalqueue_changelist"), "Priority new request",
                  "Ordinary old request")
    # MDF claims
    ordinary = submitted_claim(ended(approved_activity(partner_a, admin_a, manager_a, title="Claim A")), admin_a,
                               invoice="INV-A")
    priority = submitted_claim(ended(approved_activity(priority_partner, vip, manager_a, title="Claim B")), vip,
                               invoice="INV-B")
    _age(Claim, ordinary.pk, 5)
    _age(Claim, priority.pk, 1)
    assert _order(client, reverse("admin:mdf_claimapprovalqueue_changelist"), priority_partner.name, partner_a.name)
    # Deal registrations
    with partner_scope(partner_a):
        first = deals.draft(partner_a, actor=admin_a, customer_name="Ordinary Customer AG")
    with partner_scope(priority_partner):
        second = deals.draft(priority_partner, actor=vip, customer_name="Priority Customer AG")
    with unscoped():
        Deal.objects.filter(pk__in=[first.pk, second.pk]).update(status=Deal.Status.SUBMITTED)
    _age(Deal, first.pk, 5)
    _age(Deal, second.pk, 1)
    assert _order(client, reverse("admin:dealreg_dealapprovalqueue_changelist"), "Priority Customer AG",
                  "Ordinary Customer AG")
