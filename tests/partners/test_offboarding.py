"""Offboarding: every session and token ends at once, portal 403 and API 404, records kept, undo restores access."""

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from partners.models import Invitation, Membership, PartnerOrganization
from partners.services import offboarding
from partners.services.offboarding import (
    partner_offboard,
    partner_reactivate,
    register_offboarding_hook,
    status_before_offboarding,
)
from prm.accounts.models import ApiToken
from prm.accounts.services import api_token_create
from prm.common.models import AuditEvent
from prm.tenancy.scoping import partner_scope
from tests.factories import DEFAULT_PASSWORD, make_invitation

pytestmark = pytest.mark.django_db

S = PartnerOrganization.Status


def login(client, user):
    assert client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD}).status_code == 302


@pytest.fixture
def hooks(monkeypatch):
    """An isolated hook registry for the test."""
    registry: list = []
    monkeypatch.setattr(offboarding, "OFFBOARDING_HOOKS", registry)
    return registry


def test_offboarding_ends_access_everywhere_and_keeps_the_records(
        client, partner_a, admin_a, user_a, manager_a, partner_b, admin_b, django_capture_on_commit_callbacks, hooks):
    _, raw_key = api_token_create(user=admin_a, name="ci")
    _, other_key = api_token_create(user=admin_b, name="ci")
    invitation, _raw = make_invitation(partner=partner_a, email="pending@alpha.example")
    login(client, user_a)
    other = client.__class__()
    login(other, admin_b)
    assert client.get(reverse("partners:home")).status_code == 200
    api = APIClient()
    assert api.get("/api/v1/partner/", HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        partner_offboard(partner=partner_a, actor=manager_a, reason="Contract ended")

    partner_a.refresh_from_db()
    assert partner_a.status == S.OFFBOARDED
    # sessions and tokens of the partner's people are gone; partner B's are not
    assert {s.get_decoded().get("_auth_user_id") for s in Session.objects.all()} == {str(admin_b.pk)}
    assert not ApiToken.objects.active().filter(user__in=[admin_a, user_a]).exists()
    assert ApiToken.objects.active().filter(user=admin_b).count() == 1
    # the old token is refused; a signed-in member gets the access-closed page, the API answers 404
    assert api.get("/api/v1/partner/", HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code == 401
    client.force_login(user_a)
    closed = client.get(reverse("partners:home"))
    assert closed.status_code == 403
    assert "partners/portal/access_closed.html" in [t.name for t in closed.templates]
    for path in (reverse("partners:team"), reverse("partners:organization")):
        assert client.get(path).status_code == 403
    api.force_authenticate(None)
    api.force_login(admin_a)
    for path in ("/api/v1/partner/", "/api/v1/members/"):
        assert api.get(path).status_code == 404
    assert other.get(reverse("partners:home")).status_code == 200  # partner B is untouched
    assert APIClient().get("/api/v1/partner/", HTTP_AUTHORIZATION=f"Bearer {other_key}").status_code == 200
    # every record stays
    with partner_scope(partner_a):
        assert Membership.objects.filter(is_active=True).count() == 2
        assert Invitation.objects.filter(pk=invitation.pk).exists()
    event = AuditEvent.objects.get(action="partners.partner.offboarded")
    assert event.actor == manager_a and event.data == {"from": "active", "reason": "Contract ended"}


def test_reactivation_restores_access_but_not_the_old_sessions(
        client, partner_a, admin_a, manager_a, django_capture_on_commit_callbacks):
    login(client, admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        partner_offboard(partner=partner_a, actor=manager_a, reason="Contract ended")
    response = client.get(reverse("partners:home"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]  # the session is gone

    partner_reactivate(partner=partner_a, actor=manager_a, reason="Renewed after all")
    partner_a.refresh_from_db()
    assert partner_a.status == S.ACTIVE
    assert client.get(reverse("partners:home")).status_code == 302  # still signed out: sessions do not come back
    login(client, admin_a)
    assert client.get(reverse("partners:home")).status_code == 200
    _, new_key = api_token_create(user=admin_a, name="new")
    assert APIClient().get("/api/v1/partner/", HTTP_AUTHORIZATION=f"Bearer {new_key}").status_code == 200
    assert AuditEvent.objects.filter(action="partners.partner.reactivated", data__reason="Renewed after all").exists()


def test_reactivation_returns_to_the_previous_portal_status(partner_a, manager_a):
    PartnerOrganization.objects.filter(pk=partner_a.pk).update(status=S.ONBOARDING)
    partner_a.refresh_from_db()
    partner_offboard(partner=partner_a, actor=manager_a, reason="Stalled")
    assert status_before_offboarding(partner=partner_a) == S.ONBOARDING
    assert partner_reactivate(partner=partner_a, actor=manager_a, reason="Back").status == S.ONBOARDING


def test_reasons_are_required_and_states_are_checked(partner_a, manager_a):
    for reason in ("", "  "):
        with pytest.raises(ValidationError):
            partner_offboard(partner=partner_a, actor=manager_a, reason=reason)
    with pytest.raises(ValidationError):
        partner_reactivate(partner=partner_a, actor=manager_a, reason="not offboarded")
    partner_offboard(partner=partner_a, actor=manager_a, reason="End")
    with pytest.raises(ValidationError):
        partner_offboard(partner=partner_a, actor=manager_a, reason="Twice")
    with pytest.raises(ValidationError):
        partner_reactivate(partner=partner_a, actor=manager_a, reason="")
    partner_a.refresh_from_db()
    assert partner_a.status == S.OFFBOARDED


def test_hooks_run_in_the_transaction_and_can_stop_it(partner_a, manager_a, hooks):
    seen = []

    @register_offboarding_hook
    def settle(*, partner, actor, reason):
        seen.append((partner.pk, partner.status, actor, reason))

    partner_offboard(partner=partner_a, actor=manager_a, reason="End")
    assert seen == [(partner_a.pk, S.OFFBOARDED, manager_a, "End")]
    register_offboarding_hook(settle)  # registering twice does not run it twice
    assert hooks == [settle]

    partner_reactivate(partner=partner_a, actor=manager_a, reason="Back")

    def refuse(**kwargs):
        raise ValidationError("Open MDF cannot be settled.")

    register_offboarding_hook(refuse)
    with pytest.raises(ValidationError):
        partner_offboard(partner=partner_a, actor=manager_a, reason="Again")
    partner_a.refresh_from_db()
    assert partner_a.status == S.ACTIVE  # nothing half-done


# --- the admin --------------------------------------------------------------------------------------------

def test_manager_offboards_and_reactivates_from_the_partner_page(client, manager_a, partner_a, admin_a, hooks,
                                                                 django_capture_on_commit_callbacks):
    api_token_create(user=admin_a, name="ci")
    client.force_login(manager_a)
    change = client.get(reverse("admin:partners_partnerorganization_change", args=[partner_a.pk])).content.decode()
    offboard_url = reverse("admin:partners_partnerorganization_offboard", args=[partner_a.pk])
    assert offboard_url in change
    assert client.post(offboard_url, {"reason": ""}).status_code == 200  # the reason is required
    partner_a.refresh_from_db()
    assert partner_a.status == S.ACTIVE
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(offboard_url, {"reason": "Left the program"}).status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.status == S.OFFBOARDED and not ApiToken.objects.active().filter(user=admin_a).exists()
    reactivate_url = reverse("admin:partners_partnerorganization_reactivate", args=[partner_a.pk])
    assert reactivate_url in client.get(
        reverse("admin:partners_partnerorganization_change", args=[partner_a.pk])).content.decode()
    assert client.post(reactivate_url, {"reason": "Came back"}).status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.status == S.ACTIVE


def test_status_page_offboarding_runs_the_hooks(client, manager_a, partner_a, hooks):
    calls = []
    register_offboarding_hook(lambda **kwargs: calls.append(kwargs["reason"]))
    client.force_login(manager_a)
    url = reverse("admin:partners_partnerorganization_status", args=[partner_a.pk])
    assert client.post(url, {"status": "offboarded", "reason": "Via status"}).status_code == 302
    assert calls == ["Via status"]


def test_bulk_offboarding_needs_a_reason_and_stays_in_the_region(client, manager_a, partner_a, partner_b, hooks):
    client.force_login(manager_a)
    changelist = reverse("admin:partners_partnerorganization_changelist")
    selection = {"action": "offboard_selected", "_selected_action": [partner_a.pk, partner_b.pk]}
    page = client.post(changelist, selection)
    assert page.status_code == 200 and [p.pk for p in page.context["partners"]] == [partner_a.pk]
    assert client.post(changelist, {**selection, "reason": "Wind-down"}).status_code == 302
    partner_a.refresh_from_db()
    partner_b.refresh_from_db()
    assert partner_a.status == S.OFFBOARDED and partner_b.status == S.ACTIVE
    back = {"action": "reactivate_selected", "_selected_action": [partner_a.pk], "reason": "Undo"}
    assert client.post(changelist, back).status_code == 302
    partner_a.refresh_from_db()
    assert partner_a.status == S.ACTIVE


def test_manager_cannot_offboard_another_regions_partner(client, manager_a, partner_b, executive_a, partner_a):
    client.force_login(manager_a)
    assert client.post(reverse("admin:partners_partnerorganization_offboard", args=[partner_b.pk]),
                       {"reason": "x"}).status_code == 404
    client.force_login(executive_a)
    assert client.post(reverse("admin:partners_partnerorganization_offboard", args=[partner_a.pk]),
                       {"reason": "x"}).status_code == 403
    partner_a.refresh_from_db()
    partner_b.refresh_from_db()
    assert partner_a.status == partner_b.status == S.ACTIVE
