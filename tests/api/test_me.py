"""GET/PATCH /api/v1/me/: the caller and their memberships; invalid input is a 400 with field errors."""

from partners.models import Membership, PartnerOrganization
from prm.common.models import AuditEvent
from tests.factories import make_member

from .helpers import assert_error

ME = "/api/v1/me/"


def test_me_lists_own_memberships_only(api_client, bearer, user_a, partner_a, partner_b, admin_b):
    make_member(partner=partner_b, user=user_a, role=Membership.Role.ADMIN)
    body = api_client.get(ME, **bearer(user_a)).json()
    assert body["email"] == user_a.email
    by_partner = {m["partner_id"]: m for m in body["memberships"]}
    assert set(by_partner) == {partner_a.pk, partner_b.pk}
    assert by_partner[partner_a.pk] == {
        "partner_id": partner_a.pk,
        "partner_name": partner_a.name,
        "role": "user",
        "can_register_deals": True,
        "can_claim_mdf": False,
        "can_manage_users": False,
    }
    # A partner admin can do everything, whatever the stored flags say.
    assert by_partner[partner_b.pk]["can_manage_users"] is True


def test_me_leaves_out_closed_partners(api_client, bearer, user_a, partner_a):
    PartnerOrganization.objects.filter(pk=partner_a.pk).update(status=PartnerOrganization.Status.SUSPENDED)
    assert api_client.get(ME, **bearer(user_a)).json()["memberships"] == []


def test_patch_me_updates_profile_and_audits(api_client, bearer, user_a):
    response = api_client.patch(
        ME,
        {"full_name": "Anna Weber", "preferred_language": "de", "timezone": "Europe/Berlin", "email": "x@evil.test"},
        format="json",
        **bearer(user_a),
    )
    assert response.status_code == 200, response.content
    user_a.refresh_from_db()
    assert (user_a.full_name, user_a.preferred_language, user_a.timezone) == ("Anna Weber", "de", "Europe/Berlin")
    assert user_a.email != "x@evil.test"  # read-only
    assert response.json()["timezone"] == "Europe/Berlin"
    event = AuditEvent.objects.get(action="accounts.profile.changed")
    assert event.data["fields"] == ["full_name", "preferred_language", "timezone"]


def test_patch_me_invalid_values_give_400_with_fields_and_change_nothing(api_client, bearer, user_a):
    before = (user_a.full_name, user_a.preferred_language, user_a.timezone)
    response = api_client.patch(
        ME,
        {"full_name": "New", "preferred_language": "xx", "timezone": "Mars/Olympus"},
        format="json",
        **bearer(user_a),
    )
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"preferred_language", "timezone"}
    user_a.refresh_from_db()
    assert (user_a.full_name, user_a.preferred_language, user_a.timezone) == before
    assert not AuditEvent.objects.filter(action="accounts.profile.changed").exists()


def test_put_is_not_allowed(api_client, bearer, user_a):
    assert_error(api_client.put(ME, {}, format="json", **bearer(user_a)), 405)
