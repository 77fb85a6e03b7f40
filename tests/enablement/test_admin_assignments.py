"""Channel managers assign learning paths in the admin to members of partners in their regions only."""

import pytest
from django.urls import reverse

from enablement.models import Enrollment, PathAssignment
from prm.common.models import AuditEvent
from prm.tenancy.scoping import partner_scope
from tests.enablement.helpers import course, path

pytestmark = pytest.mark.django_db
ASSIGN = "admin:enablement_pathassignment_assign"


def test_manager_assigns_a_path_to_a_member_of_their_region(client, manager_a, partner_a, user_a):
    learning = path(course(), course())
    client.force_login(manager_a)
    with partner_scope(partner_a):
        membership = user_a.memberships.get(partner=partner_a)
    response = client.post(reverse(ASSIGN), {"member": membership.pk, "path": learning.pk, "due_on": ""})
    assert response.status_code == 302
    with partner_scope(partner_a):
        assignment = PathAssignment.objects.get(user=user_a, path=learning)
        assert assignment.assigned_by == manager_a
        assert Enrollment.objects.filter(user=user_a, source=Enrollment.Source.ASSIGNED).count() == 2
    assert AuditEvent.objects.filter(action="enablement.path.assigned", actor=manager_a).exists()
    listing = client.get(reverse("admin:enablement_pathassignment_changelist")).content.decode()
    assert user_a.email in listing


def test_members_of_other_regions_are_not_offered_and_cannot_be_posted(client, manager_a, partner_b, user_b):
    learning = path(course())
    client.force_login(manager_a)
    page = client.get(reverse(ASSIGN)).content.decode()
    assert user_b.email not in page
    with partner_scope(partner_b):
        membership = user_b.memberships.get(partner=partner_b)
    response = client.post(reverse(ASSIGN), {"member": membership.pk, "path": learning.pk})
    assert response.status_code == 200  # the form refuses the choice
    with partner_scope(partner_b):
        assert not PathAssignment.objects.exists()


def test_executives_cannot_assign(client, executive_a):
    client.force_login(executive_a)
    assert client.get(reverse(ASSIGN)).status_code == 403
