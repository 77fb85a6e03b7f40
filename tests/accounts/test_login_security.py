"""Sign-in: e-mail login, lockout after repeated failures, verified addresses only, password reset, no signup."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def post_login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_login_with_email_and_password(client, admin_a):
    response = post_login(client, admin_a.email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("partners:home")).status_code == 200


def test_account_locks_after_repeated_failures(client, admin_a):
    for _ in range(5):
        assert post_login(client, admin_a.email, "wrong-password").status_code == 200
    locked = post_login(client, admin_a.email, DEFAULT_PASSWORD)
    assert locked.status_code in (200, 429)
    assert "_auth_user_id" not in client.session, "the right password must not get through during lockout"


def test_unverified_address_cannot_sign_in(client, partner_a):
    from allauth.account.models import EmailAddress

    from partners.models import Membership
    from tests.factories import make_member

    user = make_member(partner=partner_a, role=Membership.Role.USER).user
    EmailAddress.objects.filter(user=user).update(verified=False)
    post_login(client, user.email, DEFAULT_PASSWORD)
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_one_mail(client, admin_a, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": admin_a.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1 and mailoutbox[0].to == [admin_a.email]


def test_signup_is_closed(client):
    response = client.post(reverse("account_signup"), {"email": "walk-in@example.com", "password1": "x" * 12, "password2": "x" * 12})
    assert response.status_code in (200, 403)
    from prm.accounts.models import User

    assert not User.objects.filter(email="walk-in@example.com").exists()


def test_login_email_is_case_insensitive(client, db):
    user = UserFactory(email="mixed.case@example.com")
    post_login(client, "Mixed.Case@Example.com", DEFAULT_PASSWORD)
    assert client.session.get("_auth_user_id") == str(user.pk)
