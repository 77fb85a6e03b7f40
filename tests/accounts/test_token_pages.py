"""/account/tokens/: list, create (raw key shown once), revoke; another user's token is 404."""

import pytest
from django.urls import reverse

from prm.accounts.models import ApiToken
from prm.accounts.services import api_token_create
from prm.common.models import AuditEvent
from tests.factories import UserFactory

TOKENS = "/account/tokens/"


def revoke_url(token) -> str:
    return reverse("accounts:token_revoke", kwargs={"pk": token.pk})


def test_pages_need_sign_in(client, db):
    for url in ("/account/", TOKENS, "/account/security/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login")), url


def test_staff_without_partner_can_manage_tokens(client, operator):
    client.force_login(operator)
    assert client.get(TOKENS).status_code == 200


def test_create_shows_the_raw_key_once(client, user_a):
    client.force_login(user_a)
    response = client.post(TOKENS, {"name": "CRM sync", "expires_in_days": "30"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=user_a)
    raw_key = response.context["raw_key"]
    assert raw_key.startswith(ApiToken.PREFIX) and ApiToken.hash_key(raw_key) == token.key_hash
    html = response.content.decode()
    assert raw_key in html
    assert "no-store" in response["Cache-Control"]
    assert token.expires_at is not None
    # The list afterwards shows the prefix, never the key.
    listing = client.get(TOKENS).content.decode()
    assert raw_key not in listing
    assert token.key_prefix in listing and "CRM sync" in listing
    # And the key works against the API.
    client.logout()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw_key}").json()["email"] == user_a.email
    assert AuditEvent.objects.filter(action="accounts.api_token.created", target_id=str(token.pk)).exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"name": "  "}, "name"),
        ({"name": "x", "expires_in_days": "0"}, "expires_in_days"),
        ({"name": "x", "expires_in_days": "5000"}, "expires_in_days"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_invalid_form_shows_errors_and_saves_nothing(client, user_a, data, field):
    client.force_login(user_a)
    response = client.post(TOKENS, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert "raw_key" not in response.context
    assert not ApiToken.objects.exists()


def test_revoke_own_token(client, user_a):
    token, raw_key = api_token_create(user=user_a, name="old")
    client.force_login(user_a)
    response = client.post(revoke_url(token))
    assert response.status_code == 302 and response["Location"] == TOKENS
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="accounts.api_token.revoked", actor=user_a).exists()
    client.logout()
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw_key}").status_code == 401


def test_revoke_needs_post(client, user_a):
    token, _ = api_token_create(user=user_a, name="old")
    client.force_login(user_a)
    assert client.get(revoke_url(token)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_other_users_token_is_404(client, user_a, user_b):
    token_a, raw_key = api_token_create(user=user_a, name="mine")
    client.force_login(user_b)
    assert client.post(revoke_url(token_a)).status_code == 404
    token_a.refresh_from_db()
    assert token_a.revoked_at is None
    assert "mine" not in client.get(TOKENS).content.decode()


def test_list_shows_status(client, user_a):
    active, _ = api_token_create(user=user_a, name="alive-token")
    revoked, _ = api_token_create(user=user_a, name="dead-token")
    client.force_login(user_a)
    client.post(revoke_url(revoked))
    html = client.get(TOKENS).content.decode()
    assert revoke_url(active) in html
    assert revoke_url(revoked) not in html  # nothing left to revoke


@pytest.mark.parametrize("rows", [1, 10])
def test_token_list_query_count_is_constant(client, db, rows, django_assert_max_num_queries):
    user = UserFactory()
    for n in range(rows):
        api_token_create(user=user, name=f"t{n}")
    client.force_login(user)
    client.get(TOKENS)
    with django_assert_max_num_queries(9):
        response = client.get(TOKENS)
    assert len(response.context["tokens"]) == rows
