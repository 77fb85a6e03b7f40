"""Changes a person makes to their own account: profile and personal API tokens."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from prm.common.audit import audit

from .models import ApiToken, User

PROFILE_FIELDS = ("full_name", "preferred_language", "timezone")
TOKEN_MAX_ACTIVE = 25
TOKEN_MAX_DAYS = 366


@transaction.atomic
def user_profile_update(*, user: User, actor, **changes) -> User:
    """Change the profile fields in ``PROFILE_FIELDS``; the rest of the user is never touched here.

    Values are validated with the model's own validators (unknown time zone or language: ValidationError).
    """
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    user = User.objects.select_for_update().get(pk=user.pk)
    changed = {name: value for name, value in changes.items() if getattr(user, name) != value}
    if not changed:
        return user
    for name, value in changed.items():
        setattr(user, name, value)
    user.full_clean(exclude=[f.name for f in User._meta.concrete_fields if f.name not in changed])
    user.save(update_fields=list(changed))
    audit(actor=actor, action="accounts.profile.changed", target=user, data={"fields": sorted(changed)})
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_in_days: int | None = None) -> tuple[ApiToken, str]:
    """Issue a personal token. Returns the row and the raw key; the key is not stored and cannot be shown again.

    At most ``TOKEN_MAX_ACTIVE`` active tokens per user (checked under a lock on the user row).
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if expires_in_days is not None and not 1 <= expires_in_days <= TOKEN_MAX_DAYS:
        raise ValidationError(
            {"expires_in_days": _("Choose between 1 and %(max)d days, or leave empty.") % {"max": TOKEN_MAX_DAYS}}
        )
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialises concurrent creations by one user
    if ApiToken.objects.active().filter(user=user).count() >= TOKEN_MAX_ACTIVE:
        raise ValidationError(
            _("You already have %(max)d active tokens. Revoke one you no longer use.") % {"max": TOKEN_MAX_ACTIVE}
        )
    raw_key = ApiToken.new_key()
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        key_prefix=raw_key[:12],
        key_hash=ApiToken.hash_key(raw_key),
        expires_at=timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    audit(
        actor=user,
        action="accounts.api_token.created",
        target=token,
        data={"prefix": token.key_prefix, "expires_at": token.expires_at.isoformat() if token.expires_at else None},
    )
    return token, raw_key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> ApiToken:
    """Revoke a token now (idempotent). Callers check that ``actor`` may revoke it (its owner, or staff)."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit(actor=actor, action="accounts.api_token.revoked", target=token, data={"prefix": token.key_prefix})
    return token
