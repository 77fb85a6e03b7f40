"""Builders for the MDF portal tests and the cross-partner URL table (tests/tenancy/test_meta.py): each returns
the URL kwargs of one of ``partner``'s objects in the state its page or action needs."""

from decimal import Decimal

from mdf.models import Claim
from mdf.services import activity_create, claim_start, proof_add
from partners.models import Membership
from prm.tenancy.scoping import partner_scope
from tests.factories import StaffFactory, make_member

from .helpers import (
    PDF_BYTES,
    activity_values,
    approved_activity,
    ended,
    fund_with,
    seed_rates,
    submitted_claim,
    upload,
)


def claimer(partner):
    """A partner user allowed to claim MDF (not an admin)."""
    return make_member(partner=partner, role=Membership.Role.USER, can_claim_mdf=True).user


def manager():
    return StaffFactory()


def funded(partner, amount=Decimal("50000")):
    seed_rates()
    return fund_with(partner, amount)


def fund_of(partner) -> dict:
    return {"pk": funded(partner).pk}


def draft_of(partner) -> dict:
    funded(partner)
    with partner_scope(partner):
        activity, _created = activity_create(partner=partner, actor=claimer(partner), values=activity_values())
    return {"pk": activity.pk}


def claimable(partner):
    """A pre-approved activity that has ended, inside its claim window, without a claim yet."""
    funded(partner)
    return ended(approved_activity(partner, claimer(partner), manager()))


def claimable_of(partner) -> dict:
    return {"pk": claimable(partner).pk}


def draft_claim(partner) -> Claim:
    activity = claimable(partner)
    with partner_scope(partner):
        claim, _created = claim_start(activity=activity, actor=claimer(partner))
        return claim


def draft_claim_of(partner) -> dict:
    return {"pk": draft_claim(partner).activity_id}


def proof_of(partner) -> dict:
    claim = draft_claim(partner)
    with partner_scope(partner):
        proof = proof_add(claim=claim, actor=claimer(partner), upload=upload("invoice.pdf", PDF_BYTES + b"meta"),
                          kind="invoice")
    return {"pk": proof.pk}


def submitted_claim_of(partner) -> dict:
    activity = claimable(partner)
    claim = submitted_claim(activity, claimer(partner))
    return {"pk": claim.activity_id}
