"""Who hears about an activity or claim, and the plain-JSON context of its e-mails."""

from django.conf import settings
from django.db.models import Q

from mdf.models import Activity
from partners.models import Membership
from prm.notifications.services import language_for, notify


def partner_recipients(*, activity: Activity) -> list:
    """The person who created the request and the partner's admins (active members), each once; one query."""
    memberships = (
        Membership.objects.filter(partner_id=activity.partner_id, is_active=True, user__is_active=True)
        .filter(Q(role=Membership.Role.ADMIN) | Q(user_id=activity.created_by_id))
        .select_related("user")
        .order_by("user_id")
    )
    return [membership.user for membership in memberships]


def activity_url(activity: Activity) -> str:
    return settings.SITE_URL.rstrip("/") + activity.get_absolute_url()


def activity_context(activity: Activity, **extra) -> dict:
    """The facts every MDF e-mail shows; all JSON (dates as ISO strings, money as strings)."""
    return {
        "reference": activity.reference,
        "title": activity.title,
        "currency": activity.currency,
        "requested_amount": str(activity.requested_amount),
        "approved_amount": str(activity.approved_amount or ""),
        "claim_deadline": activity.claim_deadline.isoformat() if activity.claim_deadline else "",
        "activity_url": activity_url(activity),
        **extra,
    }


def notify_partner(*, kind: str, activity: Activity, extra: dict, subject=None, window: str = "once") -> None:
    """One e-mail per recipient in their language, in the caller's transaction (sent after commit, once).

    ``subject`` defaults to the activity; decisions that can repeat (a second information request)
    pass a window so each one is its own reason."""
    context = activity_context(activity, **extra)
    for user in partner_recipients(activity=activity):
        notify(kind=kind, subject=subject or activity, context=context, recipient=user,
               language=language_for(language=None, user=user), partner=activity.partner_id, window=window)


def info_window(at) -> str:
    """Each information request is its own reason to write (a request can be sent back twice)."""
    return "i-" + at.strftime("%Y%m%dT%H%M%S")
