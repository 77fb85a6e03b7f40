"""Builders for the MDF API tests and the API cross-partner table: a funded partner's activities and claims in
each state, made through the real services. Each takes a partner and returns the id the URL needs."""

from decimal import Decimal

from mdf.models import Claim, Fund
from mdf.services import claim_approve, claim_start
from partners.models import Membership
from prm.tenancy.scoping import partner_scope
from tests.factories import StaffFactory, make_member

from .helpers import (
    PDF_BYTES,
    activity_values,
    approved_activity,
    ended,
    fund_with,
    submitted_activity,
    submitted_claim,
)
from .helpers import upload as make_upload

FUNDS = Decimal("10000")


def claimant(partner):
    """A partner user allowed to claim MDF (not an admin)."""
    return make_member(partner=partner, role=Membership.Role.USER, can_claim_mdf=True).user


def manager_of(partner):
    manager = StaffFactory()
    manager.regions.add(partner.region)
    return manager


def fund_of(partner) -> int:
    return fund_with(partner, FUNDS).pk


def draft_of(partner) -> int:
    from mdf.services import activity_create

    fund_with(partner, FUNDS)
    with partner_scope(partner):
        activity, _ = activity_create(partner=partner, actor=claimant(partner), values=activity_values())
    return activity.pk


def submitted_of(partner) -> int:
    fund_with(partner, FUNDS)
    return submitted_activity(partner, claimant(partner)).pk


def approved_ended(partner):
    fund_with(partner, FUNDS)
    return ended(approved_activity(partner, claimant(partner), manager_of(partner)))


def claim_draft_of(partner) -> int:
    """An ended, pre-approved activity with a draft claim; returns the activity's id."""
    activity = approved_ended(partner)
    with partner_scope(partner):
        claim_start(activity=activity, actor=claimant(partner))
    return activity.pk


def proof_of(partner) -> dict:
    """URL kwargs of a proof file on a draft claim."""
    from mdf.services import proof_add

    activity_id = claim_draft_of(partner)
    with partner_scope(partner):
        claim = Claim.objects.get(activity_id=activity_id)
        proof = proof_add(claim=claim, actor=claimant(partner), kind="invoice",
                          upload=make_upload("invoice.pdf", PDF_BYTES + b"meta"))
    return {"pk": activity_id, "proof_id": proof.pk}


def submitted_claim_obj(partner) -> Claim:
    activity = approved_ended(partner)
    return submitted_claim(activity, claimant(partner), invoice=f"INV-{activity.pk}-{partner.pk}")


def submitted_claim_activity_of(partner) -> int:
    return submitted_claim_obj(partner).activity_id


def submitted_claim_of(partner) -> int:
    return submitted_claim_obj(partner).pk


def approved_claim_of(partner) -> int:
    claim = submitted_claim_obj(partner)
    with partner_scope(partner):
        claim_approve(claim=claim, actor=manager_of(partner))
    return claim.pk


def fund_totals(partner) -> dict:
    with partner_scope(partner):
        fund = Fund.objects.get(partner=partner)
        return {"allocated": fund.allocated, "reserved": fund.reserved, "spent": fund.spent, "paid": fund.paid}
