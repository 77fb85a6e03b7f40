"""Re-engagement: partner users who have not signed in for N days (rule analytics.no_login, default 30) get one
reminder per period of inactivity, in their language.

The period is named by the day of the last sign-in (window "last:<date>"; "joined:<date>" for someone who never
signed in since joining), so a second run, or a run a week later, writes nothing new, while signing in and then
staying away again starts a new period. Members of onboarding and active partners only, active memberships and
accounts. Chunked over partner ids, each chunk in a scope of exactly its partners (the global task
analytics.no_login_nudges), with one read and one notify_bulk per chunk.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from partners.models import Membership
from prm.notifications import nudges
from prm.notifications.services import Notice, notify_bulk
from prm.tenancy.scoping import partners_scope

from .nudge_rules import NO_LOGIN
from .scoring import CHUNK_SIZE, accessible_partner_ids, chunked

KIND = "analytics.no_login"


def _sign_in_url() -> str:
    try:
        path = reverse("account_login")
    except NoReverseMatch:
        path = "/"
    return settings.SITE_URL.rstrip("/") + path


def inactivity_window(membership: Membership) -> str:
    last = membership.user.last_login
    if last is None:
        return "joined:" + timezone.localdate(membership.joined_at).isoformat()
    return "last:" + timezone.localdate(last).isoformat()


def no_login_nudges_send(*, now: datetime | None = None, chunk_size: int = CHUNK_SIZE) -> int:
    """Write the reminders due (a disabled rule writes nothing). Returns how many new notices were written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with nudges.run(NO_LOGIN.code) as run:
        if not run.enabled:
            return 0
        cutoff = now - timedelta(days=run.params["days"])
        url = _sign_in_url()
        for chunk in chunked(accessible_partner_ids(), chunk_size):
            with partners_scope(chunk):
                members = list(
                    Membership.objects.filter(is_active=True, user__is_active=True)
                    .filter(Q(user__last_login__lt=cutoff) | Q(user__last_login__isnull=True, joined_at__lt=cutoff))
                    .select_related("user", "partner").order_by("pk"))
                notices = []
                for member in members:
                    since = member.user.last_login or member.joined_at
                    notices.append(Notice(
                        subject=member.user, recipient=member.user, partner=member.partner_id,
                        window=inactivity_window(member),
                        context={"partner_name": member.partner.name,
                                 "days": (today - timezone.localdate(since)).days,
                                 "last_login_on": (timezone.localdate(member.user.last_login).isoformat()
                                                   if member.user.last_login else None),
                                 "sign_in_url": url}))
                if notices:
                    run.sent += notify_bulk(kind=KIND, notices=notices)
        return run.sent
