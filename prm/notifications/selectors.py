"""Reads for the notification pages: a user's preferences and whom an unsubscribe link is for."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from .kinds import NotificationKind, all_kinds
from .models import NotificationPreference
from .tokens import read_unsubscribe_token


@dataclass(frozen=True)
class PreferenceRow:
    kind: NotificationKind
    delivery: str  # NotificationPreference.Delivery, or "" for essential kinds (always sent)


def preference_rows_for_user(*, user) -> list[PreferenceRow]:
    """Every registered kind with the user's delivery choice (one query)."""
    chosen = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))
    return [
        PreferenceRow(kind=kind, delivery="" if kind.essential else chosen.get(kind.code, NotificationPreference.Delivery.IMMEDIATE))
        for kind in all_kinds()
    ]


@dataclass(frozen=True)
class UnsubscribeTarget:
    user: object
    kinds: list[NotificationKind]


def unsubscribe_target(*, token: str) -> UnsubscribeTarget | None:
    """The active user and the non-essential, still-registered kinds a signed token names; None if nothing valid."""
    decoded = read_unsubscribe_token(token)
    if decoded is None:
        return None
    user_id, codes = decoded
    registered = {kind.code: kind for kind in all_kinds()}
    kinds = [registered[code] for code in codes if code in registered and not registered[code].essential]
    if not kinds:
        return None
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    return UnsubscribeTarget(user=user, kinds=kinds)
