"""Bearer tokens and sessions both authenticate; anything else answers 401 with the error body."""

from datetime import timedelta

from django.utils import timezone

from prm.accounts.models import ApiToken
from prm.accounts.services import api_token_create, api_token_revoke

from .helpers import assert_error

ME = "/api/v1/me/"


def test_bearer_token_authenticates(api_client, user_a):
    token, raw_key = api_token_create(user=user_a, name="ci")
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert response.status_code == 200
    assert response.json()["email"] == user_a.email
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_session_authenticates(api_client, user_a):
    api_client.force_login(user_a)
    response = api_client.get(ME)
    assert response.status_code == 200
    assert response.json()["email"] == user_a.email


def test_anonymous_gets_401_with_error_body(api_client, db):
    error = assert_error(api_client.get(ME), 401, "not_authenticated")
    assert "fields" not in error


def test_revoked_token_gets_401(api_client, user_a):
    token, raw_key = api_token_create(user=user_a, name="ci")
    api_token_revoke(token=token, actor=user_a)
    response = api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == "Bearer"


def test_expired_token_gets_401(api_client, user_a):
    token, raw_key = api_token_create(user=user_a, name="ci", expires_in_days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(api_client.get(ME, HTTP_AUTHORIZATION=f"Bearer {raw_key}"), 401, "authentication_failed")


def test_unknown_and_malformed_tokens_get_401(api_client, db):
    assert_error(api_client.get(ME, HTTP_AUTHORIZATION="Bearer prm_not-a-real-key"), 401)
    assert_error(api_client.get(ME, HTTP_AUTHORIZATION="Bearer"), 401)
    assert_error(api_client.get(ME, HTTP_AUTHORIZATION="Bearer a b"), 401)


def test_token_of_deactivated_user_gets_401(api_client, user_a, bearer):
    headers = bearer(user_a)
    user_a.is_active = False
    user_a.save(update_fields=["is_active"])
    assert_error(api_client.get(ME, **headers), 401)


def test_only_the_hash_is_stored(user_a):
    token, raw_key = api_token_create(user=user_a, name="ci")
    token.refresh_from_db()
    assert raw_key.startswith("prm_")
    assert token.key_hash == ApiToken.hash_key(raw_key) != raw_key
    assert raw_key[:12] == token.key_prefix
    assert not ApiToken.objects.filter(key_hash=raw_key).exists()


def test_unknown_api_path_answers_json_404(api_client, user_a):
    api_client.force_login(user_a)
    assert_error(api_client.get("/api/v1/no-such-thing/"), 404, "not_found")


def test_session_writes_need_csrf_token_writes_by_token_do_not(user_a, bearer):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(user_a)
    assert_error(browser.patch(ME, {"full_name": "Forged"}, format="json"), 403, "permission_denied")
    user_a.refresh_from_db()
    assert user_a.full_name != "Forged"
    script = APIClient(enforce_csrf_checks=True)
    assert script.patch(ME, {"full_name": "Scripted"}, format="json", **bearer(user_a)).status_code == 200
