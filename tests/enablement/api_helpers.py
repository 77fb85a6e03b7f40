"""Builders for the enablement API tests and the API cross-partner table: a member of the partner enrolled on a
course through the real service. Each takes a partner and returns the id the URL needs."""

from enablement.services import course_enroll
from prm.tenancy.scoping import partner_scope
from tests.factories import StaffFactory, make_member

from .helpers import course


def manager_of(partner):
    manager = StaffFactory()
    manager.regions.add(partner.region)
    return manager


def enrollment_of(partner, *, user=None, item=None) -> int:
    """A member's enrollment on a published course (a new member and course unless given)."""
    user = user or make_member(partner=partner).user
    item = item or course()
    with partner_scope(partner):
        enrollment, _ = course_enroll(partner=partner, user=user, course=item)
    return enrollment.pk
