"""With REQUIRE_STAFF_MFA on, staff enrol an authenticator before they reach the admin."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_staff_without_totp_is_sent_to_enrolment(client, settings, manager_a):
    settings.REQUIRE_STAFF_MFA = True
    client.force_login(manager_a)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    assert client.get("/staff/").status_code == 302


def test_staff_with_totp_reaches_the_admin(client, settings, manager_a):
    from allauth.mfa.models import Authenticator

    settings.REQUIRE_STAFF_MFA = True
    Authenticator.objects.create(user=manager_a, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(manager_a)
    assert client.get(reverse("admin:index")).status_code == 200


def test_mfa_not_required_when_setting_off(client, settings, manager_a):
    settings.REQUIRE_STAFF_MFA = False
    client.force_login(manager_a)
    assert client.get(reverse("admin:index")).status_code == 200


def test_partner_users_are_not_forced_into_mfa(client, settings, admin_a):
    settings.REQUIRE_STAFF_MFA = True
    client.force_login(admin_a)
    assert client.get(reverse("admin:index")).status_code == 302  # not staff: the admin login, not MFA
    assert not client.get(reverse("admin:index"))["Location"].startswith(reverse("mfa_activate_totp"))


def test_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_staff_api_without_mfa_answers_json(client, settings, manager_a):
    settings.REQUIRE_STAFF_MFA = True
    client.force_login(manager_a)
    response = client.get("/api/v1/staff/partners/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mfa_required"
