"""MDF nudges: claim window closing (14 and 3 days before the deadline), unspent fund expiring, and
information requested by a manager and not answered.

Set-based: due rows are read in id-ordered chunks, each chunk with a fixed number of queries (the rows,
their recipients, then notify_bulk), whatever the number of activities. "Never twice" comes from the
outbox's de-duplication key: the subject is the activity, claim or fund and the window names the reason
("d14"/"d3" with the deadline, the fund's expiry date, the information request's timestamp), so a second
run, or a run after a missed day, writes nothing it wrote before.

Each of the three is a nudge rule operators switch (and, for the claim window, tune) in the admin
(mdf/nudge_rules.py); every pass is logged as a NudgeRun with the notices it wrote, a disabled one writes nothing.

Reads across partners: runs in an unscoped task (mdf.tasks.nudges); works in any scope that covers the rows.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from mdf.models import Activity, Claim, Fund, MdfProgram
from mdf.nudge_rules import CLAIM_WINDOW_CLOSING, FUND_EXPIRING, INFO_REMINDER
from partners.models import Membership
from prm.notifications import nudges
from prm.notifications.services import Notice, notify_bulk

from .notices import activity_context, info_window

CHUNK_SIZE = 500
CLAIM_REMINDER_DAYS = (14, 3)  # the rule's defaults: days before the claim deadline; the nearest one reached is sent

KIND_CLAIM_WINDOW = "mdf.claim_window_closing"
KIND_FUND_EXPIRING = "mdf.fund_expiring"
KIND_INFO_REMINDER = "mdf.info_reminder"


@dataclass
class NudgeResult:
    claim_window_closing: int = 0
    fund_expiring: int = 0
    info_reminders: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _chunks(queryset, size: int):
    """Rows of ``queryset`` in ascending id chunks (a cursor on the id: one query per chunk)."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def _recipients(*, partner_ids, creator_ids=()) -> tuple[dict[int, list], set[tuple[int, int]], dict[int, object]]:
    """Active admins per partner, the (partner, user) pairs of active members among ``creator_ids``, and the
    users by id. One query."""
    memberships = (
        Membership.objects.filter(partner_id__in=set(partner_ids), is_active=True, user__is_active=True)
        .filter(Q(role=Membership.Role.ADMIN) | Q(user_id__in={pk for pk in creator_ids if pk}))
        .select_related("user").order_by("user_id")
    )
    admins: dict[int, list] = defaultdict(list)
    members: set[tuple[int, int]] = set()
    users: dict[int, object] = {}
    for membership in memberships:
        users[membership.user_id] = membership.user
        members.add((membership.partner_id, membership.user_id))
        if membership.role == Membership.Role.ADMIN:
            admins[membership.partner_id].append(membership.user)
    return admins, members, users


def _people_for(activity: Activity, admins, members, users) -> list:
    """The activity's creator (while an active member) and the partner's admins, each once, by user id."""
    people = {user.pk: user for user in admins.get(activity.partner_id, [])}
    if activity.created_by_id and (activity.partner_id, activity.created_by_id) in members:
        people[activity.created_by_id] = users[activity.created_by_id]
    return [people[pk] for pk in sorted(people)]


# --- claim window closing ---------------------------------------------------------------------------------

def claim_window_reminder(*, deadline: date, today: date, steps: tuple[int, ...] = CLAIM_REMINDER_DAYS) -> str | None:
    """The reminder due for a claim deadline: "d14:<deadline>" or "d3:<deadline>" (the rule's steps), or None
    when none is due."""
    step = nudges.reminder_step((deadline - today).days, steps)
    return None if step is None else f"d{step}:{deadline.isoformat()}"


def claim_window_reminders_send(*, today: date, chunk_size: int = CHUNK_SIZE,
                                steps: tuple[int, ...] = CLAIM_REMINDER_DAYS) -> int:
    """Pre-approved activities that have ended, with no submitted claim, whose claim window closes within
    the first step (14 days): the creator and the partner's admins, in their language. Returns new reminders
    written."""
    if not steps:
        return 0
    due = (Activity.objects.filter(status=Activity.Status.APPROVED, ends_on__lte=today, claim_deadline__gte=today,
                                   claim_deadline__lte=today + timedelta(days=steps[0]))
           .filter(Q(claim__isnull=True) | Q(claim__status=Claim.Status.DRAFT)))
    written = 0
    for activities in _chunks(due, chunk_size):
        admins, members, users = _recipients(partner_ids={a.partner_id for a in activities},
                                             creator_ids={a.created_by_id for a in activities})
        notices = []
        for activity in activities:
            window = claim_window_reminder(deadline=activity.claim_deadline, today=today, steps=steps)
            if window is None:
                continue
            context = activity_context(activity, days_left=(activity.claim_deadline - today).days)
            notices.extend(Notice(subject=activity, recipient=user, partner=activity.partner_id, window=window,
                                  context=context) for user in _people_for(activity, admins, members, users))
        written += notify_bulk(kind=KIND_CLAIM_WINDOW, notices=notices) if notices else 0
    return written


# --- unspent fund expiring --------------------------------------------------------------------------------

def fund_expiry_warnings_send(*, today: date, program: MdfProgram, chunk_size: int = CHUNK_SIZE) -> int:
    """Open funds with money available that expire within the program's warning period: the partner's
    admins, once per fund and expiry date. Returns new warnings written."""
    due = (Fund.objects.filter(status=Fund.Status.OPEN, expires_on__gte=today,
                               expires_on__lte=today + timedelta(days=program.expiry_warning_days))
           .alias(unspent=F("allocated") - F("reserved") - F("spent") - F("expired")).filter(unspent__gt=0))
    funds_url = settings.SITE_URL.rstrip("/") + reverse("mdf:overview")
    written = 0
    for funds in _chunks(due, chunk_size):
        admins, _members, _users = _recipients(partner_ids={f.partner_id for f in funds})
        notices = []
        for fund in funds:
            context = {"period": fund.label, "currency": fund.currency, "available": str(fund.available),
                       "expires_on": fund.expires_on.isoformat(), "days_left": (fund.expires_on - today).days,
                       "funds_url": funds_url}
            notices.extend(Notice(subject=fund, recipient=user, partner=fund.partner_id, context=context,
                                  window=f"exp:{fund.expires_on.isoformat()}")
                           for user in admins.get(fund.partner_id, []))
        written += notify_bulk(kind=KIND_FUND_EXPIRING, notices=notices) if notices else 0
    return written


# --- information requested and not answered -----------------------------------------------------------------

def _info_notices(*, subject, activity: Activity, about: str, message: str, requested_at: datetime, now: datetime,
                  people) -> list[Notice]:
    context = activity_context(activity, about=about, message=message, requested_at=requested_at.isoformat(),
                               days=(now - requested_at).days)
    # "r" + the request's own window: one reminder per information request.
    window = "r" + info_window(requested_at)
    return [Notice(subject=subject, recipient=user, partner=activity.partner_id, window=window, context=context)
            for user in people]


def info_reminders_send(*, now: datetime, program: MdfProgram, chunk_size: int = CHUNK_SIZE) -> int:
    """Requests and claims sent back for information longer than the program's reminder delay and not
    answered (still waiting): the creator and the partner's admins, once per information request."""
    cutoff = now - timedelta(days=program.info_reminder_days)
    written = 0
    activities = Activity.objects.filter(status=Activity.Status.MORE_INFO, info_requested_at__lte=cutoff)
    for chunk in _chunks(activities, chunk_size):
        admins, members, users = _recipients(partner_ids={a.partner_id for a in chunk},
                                             creator_ids={a.created_by_id for a in chunk})
        notices = []
        for activity in chunk:
            notices += _info_notices(subject=activity, activity=activity, about="activity",
                                     message=activity.info_request, requested_at=activity.info_requested_at, now=now,
                                     people=_people_for(activity, admins, members, users))
        written += notify_bulk(kind=KIND_INFO_REMINDER, notices=notices) if notices else 0
    claims = (Claim.objects.filter(status=Claim.Status.MORE_INFO, info_requested_at__lte=cutoff)
              .select_related("activity"))
    for chunk in _chunks(claims, chunk_size):
        admins, members, users = _recipients(partner_ids={c.partner_id for c in chunk},
                                             creator_ids={c.activity.created_by_id for c in chunk})
        notices = []
        for claim in chunk:
            notices += _info_notices(subject=claim, activity=claim.activity, about="claim", message=claim.info_request,
                                     requested_at=claim.info_requested_at, now=now,
                                     people=_people_for(claim.activity, admins, members, users))
        written += notify_bulk(kind=KIND_INFO_REMINDER, notices=notices) if notices else 0
    return written


def mdf_nudges_send(*, now: datetime | None = None, chunk_size: int = CHUNK_SIZE) -> NudgeResult:
    """Every MDF nudge due at ``now``; safe to run as often as wanted (each reminder is written once).
    A rule an operator disabled writes nothing; each rule's run is logged."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    program = MdfProgram.current()
    result = NudgeResult()
    with nudges.run(CLAIM_WINDOW_CLOSING.code) as run:
        if run.enabled:
            steps = nudges.reminder_steps(run.params, "first_days", "second_days")
            run.sent = result.claim_window_closing = claim_window_reminders_send(
                today=today, chunk_size=chunk_size, steps=steps)
    with nudges.run(FUND_EXPIRING.code) as run:
        if run.enabled:
            run.sent = result.fund_expiring = fund_expiry_warnings_send(today=today, program=program,
                                                                         chunk_size=chunk_size)
    with nudges.run(INFO_REMINDER.code) as run:
        if run.enabled:
            run.sent = result.info_reminders = info_reminders_send(now=now, program=program, chunk_size=chunk_size)
    return result
