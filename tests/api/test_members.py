"""/api/v1/members/: the caller's partner's members; another partner's member is 404; changes need can_manage_users."""

import pytest

from partners.models import Membership
from prm.accounts.models import ApiToken
from prm.tenancy.scoping import partner_scope
from tests.factories import make_member

from .helpers import assert_error

MEMBERS = "/api/v1/members/"


def member_url(membership) -> str:
    return f"{MEMBERS}{membership.pk}/"


def membership_of(user, partner) -> Membership:
    with partner_scope(partner):
        return Membership.objects.get(user=user, partner=partner)


def test_list_shows_only_own_partners_members(api_client, bearer, admin_a, user_a, partner_a, admin_b, user_b):
    response = api_client.get(MEMBERS, **bearer(user_a))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {m["email"] for m in body["results"]} == {admin_a.email, user_a.email}
    assert {"next", "previous"} <= set(body)


def test_list_is_paginated(api_client, bearer, user_a, partner_a):
    for _ in range(3):
        make_member(partner=partner_a)
    body = api_client.get(MEMBERS, {"page_size": 2}, **bearer(user_a)).json()
    assert body["count"] == 4 and len(body["results"]) == 2 and body["next"]
    assert_error(api_client.get(MEMBERS, {"page": 99}, **bearer(user_a)), 404)


def test_detail_of_own_member(api_client, bearer, user_a, admin_a, partner_a):
    target = membership_of(admin_a, partner_a)
    body = api_client.get(member_url(target), **bearer(user_a)).json()
    assert body["id"] == target.pk and body["email"] == admin_a.email and body["role"] == "admin"


def test_other_partners_member_is_404_by_token(api_client, bearer, user_a, user_b, partner_b):
    target = membership_of(user_b, partner_b)
    assert_error(api_client.get(member_url(target), **bearer(user_a)), 404, "not_found")


def test_other_partners_member_is_404_by_session(api_client, admin_a, user_b, partner_b):
    target = membership_of(user_b, partner_b)
    api_client.force_login(admin_a)
    assert_error(api_client.get(member_url(target)), 404, "not_found")
    assert_error(api_client.patch(member_url(target), {"role": "admin"}, format="json"), 404)
    assert_error(api_client.delete(member_url(target)), 404)
    assert membership_of(user_b, partner_b).is_active


def test_non_numeric_id_is_404_json(api_client, bearer, user_a):
    assert_error(api_client.get(f"{MEMBERS}abc/", **bearer(user_a)), 404)


def test_admin_changes_a_member(api_client, bearer, admin_a, user_a, partner_a):
    target = membership_of(user_a, partner_a)
    response = api_client.patch(member_url(target), {"can_claim_mdf": True}, format="json", **bearer(admin_a))
    assert response.status_code == 200, response.content
    assert response.json()["can_claim_mdf"] is True
    target.refresh_from_db()
    assert target.can_claim_mdf and target.role == "user" and target.can_register_deals  # the rest kept


def test_member_without_capability_cannot_change_or_remove(api_client, bearer, admin_a, user_a, partner_a):
    target = membership_of(admin_a, partner_a)
    headers = bearer(user_a)
    assert_error(
        api_client.patch(member_url(target), {"role": "user"}, format="json", **headers), 403, "permission_denied"
    )
    assert_error(api_client.delete(member_url(target), **headers), 403, "permission_denied")
    target.refresh_from_db()
    assert target.is_active and target.role == "admin"


def test_user_with_manage_flag_may_change(api_client, bearer, user_a, partner_a):
    manager = make_member(partner=partner_a, can_manage_users=True)
    target = membership_of(user_a, partner_a)
    response = api_client.patch(member_url(target), {"can_claim_mdf": True}, format="json", **bearer(manager.user))
    assert response.status_code == 200


def test_invalid_patch_is_400_with_fields(api_client, bearer, admin_a, user_a, partner_a):
    target = membership_of(user_a, partner_a)
    response = api_client.patch(
        member_url(target), {"role": "owner", "can_claim_mdf": "perhaps"}, format="json", **bearer(admin_a)
    )
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"role", "can_claim_mdf"}


def test_demoting_the_last_admin_is_400_not_500(api_client, bearer, admin_a, partner_a):
    target = membership_of(admin_a, partner_a)
    error = assert_error(api_client.patch(member_url(target), {"role": "user"}, format="json", **bearer(admin_a)), 400)
    assert error["fields"]["role"]
    target.refresh_from_db()
    assert target.role == "admin"


def test_removing_yourself_is_400(api_client, bearer, admin_a, partner_a):
    make_member(partner=partner_a, role=Membership.Role.ADMIN)
    target = membership_of(admin_a, partner_a)
    error = assert_error(api_client.delete(member_url(target), **bearer(admin_a)), 400, "invalid")
    assert error["fields"]["non_field_errors"]
    target.refresh_from_db()
    assert target.is_active


def test_removed_members_token_stops_working_at_once(
    api_client, bearer, admin_a, user_a, partner_a, django_capture_on_commit_callbacks
):
    victim_headers = bearer(user_a)
    assert api_client.get(MEMBERS, **victim_headers).status_code == 200
    target = membership_of(user_a, partner_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.delete(member_url(target), **bearer(admin_a))
    assert response.status_code == 204
    assert not membership_of(user_a, partner_a).is_active
    assert not ApiToken.objects.active().filter(user=user_a).exists()
    assert_error(api_client.get(MEMBERS, **victim_headers), 401)


def test_removed_member_is_closed_by_the_membership_check_alone(api_client, bearer, admin_a, user_a, partner_a):
    """Even before the token revocation runs (after commit), the per-request membership check closes access."""
    victim_headers = bearer(user_a)
    target = membership_of(user_a, partner_a)
    assert api_client.delete(member_url(target), **bearer(admin_a)).status_code == 204  # on_commit not run here
    assert ApiToken.objects.active().filter(user=user_a).exists()
    assert_error(api_client.get(MEMBERS, **victim_headers), 404)
    assert_error(api_client.get(member_url(membership_of(admin_a, partner_a)), **victim_headers), 404)


@pytest.mark.parametrize("rows", [1, 10])
def test_member_list_query_count_is_constant(api_client, bearer, partner_a, rows, django_assert_num_queries):
    caller = make_member(partner=partner_a, role=Membership.Role.ADMIN).user
    for _ in range(rows - 1):
        make_member(partner=partner_a)
    headers = bearer(caller)
    api_client.get(MEMBERS, **headers)  # first use writes last_used_at; measure the steady state
    # token lookup, memberships, count, page
    with django_assert_num_queries(5):  # token, memberships, agreement gate, count, page
        response = api_client.get(MEMBERS, **headers)
    assert response.json()["count"] == rows
