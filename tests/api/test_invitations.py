"""/api/v1/invitations/: partner admins (or users with can_manage_users) invite colleagues and see pending invitations."""

import pytest

from partners.models import Invitation, Membership
from prm.common.models import AuditEvent
from prm.tenancy.scoping import partner_scope
from tests.factories import make_invitation, make_member

from .helpers import assert_error

INVITATIONS = "/api/v1/invitations/"


def pending_emails(partner) -> set[str]:
    with partner_scope(partner):
        return set(Invitation.objects.pending().values_list("email", flat=True))


def test_admin_invites_a_colleague(api_client, bearer, admin_a, partner_a):
    response = api_client.post(
        INVITATIONS,
        {"email": " New.Person@Example.com ", "role": "user", "can_claim_mdf": True},
        format="json",
        **bearer(admin_a),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "new.person@example.com"
    assert body["language"] == partner_a.default_language
    assert body["can_claim_mdf"] is True
    assert body["invited_by"]["email"] == admin_a.email
    assert "token" not in str(body).lower()  # the link goes only to the invitee's inbox
    assert pending_emails(partner_a) == {"new.person@example.com"}
    assert AuditEvent.objects.filter(action="partners.invitation.created", partner_id=partner_a.pk).exists()


def test_invalid_invitation_is_400_with_fields(api_client, bearer, admin_a, partner_a):
    response = api_client.post(INVITATIONS, {"email": "not-an-email", "role": "boss"}, format="json", **bearer(admin_a))
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"email", "role"}
    assert pending_emails(partner_a) == set()


def test_inviting_an_existing_member_is_400_on_email(api_client, bearer, admin_a, user_a, partner_a):
    response = api_client.post(INVITATIONS, {"email": user_a.email}, format="json", **bearer(admin_a))
    error = assert_error(response, 400, "invalid")
    assert user_a.email in error["fields"]["email"][0]


def test_plain_member_cannot_invite_or_list(api_client, bearer, user_a, partner_a):
    headers = bearer(user_a)
    assert_error(api_client.post(INVITATIONS, {"email": "x@example.com"}, format="json", **headers), 403)
    assert_error(api_client.get(INVITATIONS, **headers), 403)
    assert pending_emails(partner_a) == set()


def test_list_shows_own_pending_invitations_only(api_client, bearer, admin_a, partner_a, partner_b):
    make_invitation(partner=partner_a, email="a@example.com")
    make_invitation(partner=partner_b, email="b@example.com")
    body = api_client.get(INVITATIONS, **bearer(admin_a)).json()
    assert [i["email"] for i in body["results"]] == ["a@example.com"]


def test_revoke_own_pending_invitation_and_not_another_partners(api_client, bearer, admin_a, partner_a, partner_b):
    own, _ = make_invitation(partner=partner_a, email="a@example.com")
    foreign, _ = make_invitation(partner=partner_b, email="b@example.com")
    headers = bearer(admin_a)
    assert_error(api_client.delete(f"{INVITATIONS}{foreign.pk}/", **headers), 404)
    assert pending_emails(partner_b) == {"b@example.com"}
    assert api_client.delete(f"{INVITATIONS}{own.pk}/", **headers).status_code == 204
    assert pending_emails(partner_a) == set()


@pytest.mark.parametrize("rows", [1, 10])
def test_invitation_list_query_count_is_constant(api_client, bearer, partner_a, rows, django_assert_num_queries):
    caller = make_member(partner=partner_a, role=Membership.Role.ADMIN).user
    for n in range(rows):
        make_invitation(partner=partner_a, email=f"p{n}@example.com", invited_by=caller)
    headers = bearer(caller)
    api_client.get(INVITATIONS, **headers)
    with django_assert_num_queries(5):  # token, memberships, agreement gate, count, page (inviter joined)
        response = api_client.get(INVITATIONS, **headers)
    assert response.json()["count"] == rows
