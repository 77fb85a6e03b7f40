"""Ending a person's access now: their sessions and API tokens, wherever they are."""

from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.utils import timezone

from prm.accounts.models import ApiToken


def end_user_access(*, user_ids: list[int]) -> None:
    """Delete every session and revoke every API token of these users (idempotent).

    Used when a member is removed or a partner suspended/offboarded. Membership checks on every
    request already close access; this also forgets the sessions themselves.
    """
    if not user_ids:
        return
    sessions = list(UserSession.objects.filter(user_id__in=user_ids).values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=sessions).delete()
    UserSession.objects.filter(user_id__in=user_ids).delete()
    ApiToken.objects.filter(user_id__in=user_ids, revoked_at__isnull=True).update(revoked_at=timezone.now())
