"""Attribution shares under concurrency on PostgreSQL: two invitations racing for the same deal never sum
past 100 (the deal's row lock). Skipped on SQLite (it serialises every write anyway)."""

from decimal import Decimal

import pytest
from django.db import connection

from dealreg.models import Deal, DealParticipant
from dealreg.services.participants import ParticipantError, participant_invite
from prm.tenancy.scoping import partner_scope, unscoped
from tests.concurrency import run_together
from tests.factories import PartnerFactory

from .engine_helpers import make_deal

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]


def test_two_invitations_at_once_never_exceed_100(partner_a, admin_a):
    deal = make_deal(partner=partner_a, status=Deal.Status.APPROVED)
    invited = [PartnerFactory(name=f"Racer {n}") for n in range(2)]

    def invite(partner):
        def call():
            with partner_scope(partner_a):
                return participant_invite(deal=deal, partner_id=partner.pk, role="influencer", share="60",
                                          actor=admin_a)
        return call

    results = run_together(invite(invited[0]), invite(invited[1]))
    assert sum(isinstance(r, DealParticipant) for r in results) == 1
    assert sum(isinstance(r, ParticipantError) for r in results) == 1
    with unscoped():
        assert sum(p.share for p in DealParticipant.objects.filter(deal_id=deal.pk)) == Decimal("60.00")
