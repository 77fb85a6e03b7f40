"""/api/v1/staff/partners/: staff see the partners of their regions (operators all); partner users get 403."""

import pytest
from allauth.mfa.models import Authenticator

from partners.models import PartnerOrganization
from tests.factories import PartnerFactory

from .helpers import assert_error

STAFF_PARTNERS = "/api/v1/staff/partners/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {p["id"] for p in response.json()["results"]}


def test_manager_sees_partners_of_own_regions_only(api_client, bearer, manager_a, partner_a, partner_b):
    headers = bearer(manager_a)
    assert ids(api_client.get(STAFF_PARTNERS, **headers)) == {partner_a.pk}
    assert api_client.get(f"{STAFF_PARTNERS}{partner_a.pk}/", **headers).json()["name"] == partner_a.name
    assert_error(api_client.get(f"{STAFF_PARTNERS}{partner_b.pk}/", **headers), 404, "not_found")


def test_manager_by_session(api_client, manager_a, partner_a, partner_b):
    api_client.force_login(manager_a)
    assert ids(api_client.get(STAFF_PARTNERS)) == {partner_a.pk}
    assert_error(api_client.get(f"{STAFF_PARTNERS}{partner_b.pk}/"), 404)


def test_executive_sees_own_regions(api_client, bearer, executive_a, partner_a, partner_b):
    assert ids(api_client.get(STAFF_PARTNERS, **bearer(executive_a))) == {partner_a.pk}


def test_operator_sees_all(api_client, bearer, operator, partner_a, partner_b):
    headers = bearer(operator)
    assert ids(api_client.get(STAFF_PARTNERS, **headers)) == {partner_a.pk, partner_b.pk}
    assert api_client.get(f"{STAFF_PARTNERS}{partner_b.pk}/", **headers).status_code == 200


def test_partner_users_get_403(api_client, bearer, admin_a, user_b, partner_a):
    assert_error(api_client.get(STAFF_PARTNERS, **bearer(admin_a)), 403, "permission_denied")
    assert_error(api_client.get(f"{STAFF_PARTNERS}{partner_a.pk}/", **bearer(user_b)), 403, "permission_denied")


def test_anonymous_gets_401(api_client, partner_a):
    assert_error(api_client.get(STAFF_PARTNERS), 401)


def test_filters(api_client, bearer, operator, partner_a, partner_b, region_a):
    suspended = PartnerFactory(
        region=region_a, status=PartnerOrganization.Status.SUSPENDED, partner_type=PartnerOrganization.PartnerType.MSP
    )
    headers = bearer(operator)
    assert ids(api_client.get(STAFF_PARTNERS, {"status": "suspended"}, **headers)) == {suspended.pk}
    assert ids(api_client.get(STAFF_PARTNERS, {"partner_type": "msp"}, **headers)) == {suspended.pk}
    assert ids(api_client.get(STAFF_PARTNERS, {"region": "emea"}, **headers)) == {partner_a.pk, suspended.pk}
    assert ids(api_client.get(STAFF_PARTNERS, {"region": str(partner_b.region_id)}, **headers)) == {partner_b.pk}
    assert ids(api_client.get(STAFF_PARTNERS, {"region": "emea", "status": "active"}, **headers)) == {partner_a.pk}


def test_filter_cannot_widen_a_managers_scope(api_client, bearer, manager_a, partner_b):
    assert ids(api_client.get(STAFF_PARTNERS, {"region": "apac"}, **bearer(manager_a))) == set()


def test_invalid_filter_is_400_with_fields(api_client, bearer, operator, partner_a):
    error = assert_error(
        api_client.get(STAFF_PARTNERS, {"status": "bogus", "partner_type": "x"}, **bearer(operator)), 400
    )
    assert set(error["fields"]) == {"status", "partner_type"}


def test_staff_token_needs_mfa_when_required(api_client, bearer, manager_a, partner_a, settings):
    settings.REQUIRE_STAFF_MFA = True
    headers = bearer(manager_a)
    assert_error(api_client.get(STAFF_PARTNERS, **headers), 403, "permission_denied")
    Authenticator.objects.create(user=manager_a, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert ids(api_client.get(STAFF_PARTNERS, **headers)) == {partner_a.pk}


@pytest.mark.parametrize("rows", [1, 10])
def test_staff_list_query_count_is_constant(api_client, bearer, manager_a, region_a, rows, django_assert_num_queries):
    for _ in range(rows):
        PartnerFactory(region=region_a, channel_manager=manager_a)
    headers = bearer(manager_a)
    api_client.get(STAFF_PARTNERS, **headers)
    # token, regions, partner ids, count, page (region and channel manager joined)
    with django_assert_num_queries(5):
        response = api_client.get(STAFF_PARTNERS, **headers)
    assert response.json()["count"] == rows
