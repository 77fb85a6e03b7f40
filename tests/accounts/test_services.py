"""api_token_create / api_token_revoke / user_profile_update: validation, audit, idempotency."""

import pytest
from django.core.exceptions import ValidationError

from prm.accounts.models import ApiToken
from prm.accounts.services import TOKEN_MAX_ACTIVE, api_token_create, api_token_revoke, user_profile_update
from prm.common.models import AuditEvent


def test_create_rejects_bad_input(user_a):
    with pytest.raises(ValidationError) as blank:
        api_token_create(user=user_a, name="   ")
    assert "name" in blank.value.message_dict
    with pytest.raises(ValidationError) as days:
        api_token_create(user=user_a, name="x", expires_in_days=0)
    assert "expires_in_days" in days.value.message_dict
    assert not ApiToken.objects.exists() and not AuditEvent.objects.exists()


def test_create_caps_active_tokens(user_a):
    for n in range(TOKEN_MAX_ACTIVE):
        api_token_create(user=user_a, name=f"t{n}")
    with pytest.raises(ValidationError):
        api_token_create(user=user_a, name="one too many")
    api_token_revoke(token=ApiToken.objects.filter(user=user_a).first(), actor=user_a)
    api_token_create(user=user_a, name="fits again")


def test_revoke_is_idempotent_and_audited_once(user_a):
    token, _ = api_token_create(user=user_a, name="t")
    first = api_token_revoke(token=token, actor=user_a).revoked_at
    assert api_token_revoke(token=token, actor=user_a).revoked_at == first
    assert AuditEvent.objects.filter(action="accounts.api_token.revoked").count() == 1


def test_profile_update_only_takes_profile_fields(user_a):
    with pytest.raises(ValueError):
        user_profile_update(user=user_a, actor=user_a, is_staff=True)
    with pytest.raises(ValidationError):
        user_profile_update(user=user_a, actor=user_a, timezone="Nowhere/Nope")
    user_a.refresh_from_db()
    assert not user_a.is_staff and user_a.timezone == "UTC"


def test_profile_update_without_changes_writes_no_audit(user_a):
    user_profile_update(user=user_a, actor=user_a, full_name=user_a.full_name)
    assert not AuditEvent.objects.exists()
