"""Signed one-click unsubscribe tokens: user id + the non-essential kinds the e-mail was about.

They do not expire: an unsubscribe link must keep working in an old e-mail (RFC 8058). Holding
the link lets one do exactly one thing, turn those kinds off for that user.
"""

from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "prm.notifications.unsubscribe"


def make_unsubscribe_token(*, user_id: int, kinds: Iterable[str]) -> str:
    return signing.dumps({"u": int(user_id), "k": sorted(set(kinds))}, salt=SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, list[str]] | None:
    """(user id, kind codes) when the signature holds, else None."""
    if not token or len(token) > 2000:
        return None
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    user_id, kinds = payload.get("u"), payload.get("k")
    if not isinstance(user_id, int) or not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        return None
    return user_id, kinds


def absolute_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_url(*, user_id: int, kinds: Iterable[str]) -> str:
    token = make_unsubscribe_token(user_id=user_id, kinds=kinds)
    return absolute_url(reverse("notifications:unsubscribe", kwargs={"token": token}))


def preferences_url() -> str:
    return absolute_url(reverse("notifications:preferences"))
