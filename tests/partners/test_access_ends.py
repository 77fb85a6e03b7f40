"""Removing a member or suspending a partner ends their sessions and tokens at once."""

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from partners.models import Membership, PartnerOrganization
from partners.services.memberships import membership_remove
from partners.services.organizations import partner_set_status
from prm.accounts.models import ApiToken
from prm.tenancy.scoping import partner_scope
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}).status_code == 302


def test_removed_member_loses_portal_and_sessions_at_once(client, partner_a, admin_a, user_a, django_capture_on_commit_callbacks):
    login(client, user_a)
    assert client.get(reverse("partners:home")).status_code == 200
    assert Session.objects.count() == 1
    with partner_scope(partner_a), django_capture_on_commit_callbacks(execute=True):
        membership_remove(membership=Membership.objects.get(user=user_a), actor=admin_a)
    assert Session.objects.count() == 0
    response = client.get(reverse("partners:home"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_suspended_partner_closes_portal_sessions_and_tokens(client, partner_a, admin_a, manager_a, django_capture_on_commit_callbacks):
    ApiToken.objects.create(user=admin_a, name="ci", key_prefix="prm_x", key_hash=ApiToken.hash_key("prm_x"))
    login(client, admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        partner_set_status(partner=partner_a, status=PartnerOrganization.Status.SUSPENDED, actor=manager_a, reason="audit")
    assert not ApiToken.objects.active().filter(user=admin_a).exists()
    assert Session.objects.count() == 0
    client.force_login(admin_a)  # even with a fresh session the portal stays closed
    response = client.get(reverse("partners:home"))
    assert response.status_code == 403


def test_last_admin_cannot_be_removed(partner_a, admin_a, user_a):
    from django.core.exceptions import ValidationError

    with partner_scope(partner_a), pytest.raises(ValidationError):
        membership_remove(membership=Membership.objects.get(user=admin_a), actor=user_a)


def test_user_without_membership_gets_404_in_portal(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert client.get(reverse("partners:home")).status_code == 404
