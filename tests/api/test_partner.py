"""GET /api/v1/partner/: the caller's own organisation, chosen with X-Partner-Id among several."""

from partners.models import Membership, PartnerOrganization
from tests.factories import PartnerFactory, make_member

from .helpers import assert_error

PARTNER = "/api/v1/partner/"


def test_own_partner(api_client, bearer, user_a, partner_a):
    body = api_client.get(PARTNER, **bearer(user_a)).json()
    assert body["id"] == partner_a.pk
    assert body["name"] == partner_a.name
    assert body["region"] == {"id": partner_a.region_id, "code": "emea", "name": "EMEA"}


def test_own_partner_by_session(api_client, user_b, partner_b):
    api_client.force_login(user_b)
    assert api_client.get(PARTNER).json()["id"] == partner_b.pk


def test_x_partner_id_selects_among_own_partners(api_client, bearer, user_a, partner_a, partner_b):
    make_member(partner=partner_b, user=user_a)
    headers = bearer(user_a)
    assert api_client.get(PARTNER, HTTP_X_PARTNER_ID=str(partner_b.pk), **headers).json()["id"] == partner_b.pk
    assert api_client.get(PARTNER, HTTP_X_PARTNER_ID=str(partner_a.pk), **headers).json()["id"] == partner_a.pk


def test_x_partner_id_of_a_partner_not_belonged_to_is_404(api_client, bearer, user_a, partner_b, region_a):
    other = PartnerFactory(region=region_a)
    headers = bearer(user_a)
    assert_error(api_client.get(PARTNER, HTTP_X_PARTNER_ID=str(partner_b.pk), **headers), 404, "not_found")
    assert_error(api_client.get(PARTNER, HTTP_X_PARTNER_ID=str(other.pk), **headers), 404, "not_found")


def test_user_without_membership_is_404(api_client, bearer, operator):
    assert_error(api_client.get(PARTNER, **bearer(operator)), 404)


def test_suspended_partner_is_closed_at_once(api_client, bearer, user_a, partner_a):
    headers = bearer(user_a)
    assert api_client.get(PARTNER, **headers).status_code == 200
    PartnerOrganization.objects.filter(pk=partner_a.pk).update(status=PartnerOrganization.Status.SUSPENDED)
    assert_error(api_client.get(PARTNER, **headers), 404)


def test_partner_is_read_only(api_client, bearer, admin_a):
    assert_error(api_client.patch(PARTNER, {"name": "Hijacked"}, format="json", **bearer(admin_a)), 405)


def test_membership_roles_do_not_leak_between_partners(api_client, bearer, user_a, partner_b):
    # Admin in B, plain user in A: acting for A must not grant B's admin rights.
    make_member(partner=partner_b, user=user_a, role=Membership.Role.ADMIN)
    headers = bearer(user_a)
    member_b = make_member(partner=partner_b)
    # No X-Partner-Id: the first partner by name (Alpha = A) is used, where user_a cannot manage users.
    assert_error(api_client.get("/api/v1/invitations/", **headers), 403)
    response = api_client.get("/api/v1/invitations/", HTTP_X_PARTNER_ID=str(partner_b.pk), **headers)
    assert response.status_code == 200
    assert_error(api_client.get(f"/api/v1/members/{member_b.pk}/", **headers), 404)


def test_suspending_a_partner_revokes_its_peoples_tokens(
    api_client, bearer, user_a, operator, partner_a, django_capture_on_commit_callbacks
):
    from partners.services.organizations import partner_set_status
    from prm.accounts.models import ApiToken

    headers = bearer(user_a)
    with django_capture_on_commit_callbacks(execute=True):
        partner_set_status(partner=partner_a, status="suspended", actor=operator, reason="Audit finding")
    assert not ApiToken.objects.active().filter(user=user_a).exists()
    assert_error(api_client.get("/api/v1/me/", **headers), 401)
