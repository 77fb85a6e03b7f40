"""Enablement nudges: a course left idle for 14 days, a certification expiring in 60, 30 and 7 days (to its holder),
and, to the partner's admins, an expiring certification the partner's tier depends on.

Set-based: due rows are read in id-ordered chunks, each chunk with a fixed number of queries (the rows, the people,
the partners' tiers and certification counts, then notify_bulk), whatever the number of rows. "Never twice" comes
from the outbox's de-duplication key: the subject is the enrollment or award and the window names the reason
("idle:<day of last activity>", "d60:<expires_on>", "d30:...", "d7:..."), so a second run, or a run after a missed
day, writes nothing it wrote before, while a new idle period or a renewed certification is a new reason. Idle
periods are read only in their first IDLE_CATCH_UP_DAYS past the threshold, so a night does not re-read them all.

Course and certification names are localized into each recipient's language when the notice is written (they are
catalogue data, not gettext strings). Reads across partners: runs in an unscoped task (enablement.tasks.nudges);
works in any scope that covers the rows.

Each is a nudge rule operators switch and tune in the admin (enablement/nudge_rules.py); every pass is logged as a
NudgeRun with the notices it wrote, a disabled one writes nothing. The tier-risk notice follows the expiring
certification rule's days.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from enablement.metrics import _active_awards, active_certifications
from enablement.models import CertificationAward, Enrollment, localized
from enablement.nudge_rules import CERTIFICATION_EXPIRING, CERTIFICATION_TIER_RISK, COURSE_INACTIVE
from partners.models import Membership, PartnerTier, TierThresholdOverride
from prm.notifications import nudges
from prm.notifications.services import Notice, language_for, notify_bulk

CHUNK_SIZE = 500
INACTIVE_DAYS = 14  # the rule's default
# An idle period is reminded while it is at most this many days past the threshold: a run missed for up to a week
# still sends it, and each night reads only the recent idle periods instead of every enrollment ever left idle
# (265k of them at 100k partners: a minute a night re-reading reminders already sent; issue #7's nudge benchmark).
IDLE_CATCH_UP_DAYS = 7
EXPIRY_REMINDER_DAYS = (60, 30, 7)  # the rule's defaults: days before expiry; the nearest one reached is sent

KIND_COURSE_INACTIVE = "enablement.course_inactive"
KIND_CERTIFICATION_EXPIRING = "enablement.certification_expiring"
KIND_CERTIFICATION_TIER_RISK = "enablement.certification_tier_risk"

PORTAL_FALLBACK = "/portal/learning/"


@dataclass
class NudgeResult:
    course_inactive: int = 0
    certification_expiring: int = 0
    certification_tier_risk: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def portal_url(name: str, *args) -> str:
    """An absolute portal link; the learning home when the portal's page cannot be named."""
    try:
        path = reverse(name, args=args)
    except NoReverseMatch:
        path = PORTAL_FALLBACK
    return settings.SITE_URL.rstrip("/") + path


def _chunks(queryset, size: int):
    """Rows of ``queryset`` in ascending id chunks (a cursor on the id: one query per chunk)."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


@dataclass
class _People:
    members: set[tuple[int, int]]          # (partner_id, user_id) of active members with active accounts
    admins: dict[int, list]                # partner_id -> admin users

    def holds(self, partner_id: int, user_id: int) -> bool:
        return (partner_id, user_id) in self.members


def _people(*, partner_ids, user_ids, with_admins: bool = False) -> _People:
    """Active members among ``user_ids`` and (optionally) each partner's active admins. One query."""
    wanted = Q(user_id__in=set(user_ids))
    if with_admins:
        wanted |= Q(role=Membership.Role.ADMIN)
    memberships = (Membership.objects.filter(partner_id__in=set(partner_ids), is_active=True, user__is_active=True)
                   .filter(wanted).select_related("user").order_by("partner_id", "user_id"))
    people = _People(members=set(), admins=defaultdict(list))
    for membership in memberships:
        people.members.add((membership.partner_id, membership.user_id))
        if membership.role == Membership.Role.ADMIN:
            people.admins[membership.partner_id].append(membership.user)
    return people


# --- a course left idle ------------------------------------------------------------------------------------------

def idle_window(last_activity_at: datetime) -> str:
    """One reminder per idle period: the day of the last activity names it."""
    return "idle:" + timezone.localdate(last_activity_at).isoformat()


def inactive_reminders_send(*, now: datetime, chunk_size: int = CHUNK_SIZE, days: int = INACTIVE_DAYS) -> int:
    """Enrollments not started or in progress, on a published course, with no activity for ``days`` (14) and at
    most IDLE_CATCH_UP_DAYS more: the person (while an active member), once per idle period. An idle period older
    than that when first seen (the rule switched on late, a job down for over a week) gets no reminder.
    Returns new reminders written."""
    today = timezone.localdate(now)
    due = (Enrollment.objects.filter(status__in=[Enrollment.Status.ENROLLED, Enrollment.Status.IN_PROGRESS],
                                     last_activity_at__lt=now - timedelta(days=days),
                                     last_activity_at__gte=now - timedelta(days=days + IDLE_CATCH_UP_DAYS),
                                     course__is_published=True)
           .select_related("course", "user"))
    written = 0
    for enrollments in _chunks(due, chunk_size):
        people = _people(partner_ids={e.partner_id for e in enrollments}, user_ids={e.user_id for e in enrollments})
        notices = []
        for enrollment in enrollments:
            if not people.holds(enrollment.partner_id, enrollment.user_id):
                continue
            language = language_for(language=None, user=enrollment.user)
            last_day = timezone.localdate(enrollment.last_activity_at)
            context = {"course_title": localized(enrollment.course, "title", language).text,
                       "course_code": enrollment.course.code, "started": enrollment.status != Enrollment.Status.ENROLLED,
                       "last_activity_on": last_day.isoformat(), "days_idle": (today - last_day).days,
                       "course_url": portal_url("enablement:course_detail", enrollment.course.code)}
            notices.append(Notice(subject=enrollment, recipient=enrollment.user, partner=enrollment.partner_id,
                                  language=language, window=idle_window(enrollment.last_activity_at),
                                  context=context))
        written += notify_bulk(kind=KIND_COURSE_INACTIVE, notices=notices) if notices else 0
    return written


# --- a certification expiring ------------------------------------------------------------------------------------

def expiry_reminder(*, expires_on: date, today: date, steps: tuple[int, ...] = EXPIRY_REMINDER_DAYS) -> str | None:
    """The reminder due for an expiry date: "d60:<date>", "d30:<date>" or "d7:<date>" (the rule's steps), or None
    when none is due."""
    step = nudges.reminder_step((expires_on - today).days, steps)
    return None if step is None else f"d{step}:{expires_on.isoformat()}"


@dataclass(frozen=True)
class TierDependence:
    tier: object          # partners.Tier
    required: int         # the tier's minimum of active certifications (with regional exceptions)
    active: int           # the partner's active certifications today
    remaining: int        # what is left once this one and those expiring before it are gone


def _required_certifications(tiers: dict[int, PartnerTier]) -> dict[int, int]:
    """partner_id -> the tier's minimum active certifications, a country's exception beating its region's. One query."""
    overrides = list(TierThresholdOverride.objects.filter(
        tier_id__in={pt.tier_id for pt in tiers.values()}, min_active_certifications__isnull=False))
    required = {}
    for partner_id, pt in tiers.items():
        value = pt.tier.min_active_certifications
        by_region = next((o for o in overrides if o.tier_id == pt.tier_id and o.region_id
                          and o.region_id == pt.partner.region_id), None)
        by_country = next((o for o in overrides if o.tier_id == pt.tier_id and o.country
                           and o.country == pt.partner.country), None)
        for override in (by_region, by_country):  # later beats earlier
            if override is not None:
                value = override.min_active_certifications
        required[partner_id] = int(value)
    return required


def tier_dependence(*, awards: list[CertificationAward], today: date) -> dict[int, TierDependence]:
    """award id -> how the partner's tier depends on it, for the awards whose loss (with those of the partner
    expiring no later) would take the partner below its tier's minimum of active certifications. A tier asking
    for none depends on none. At most four queries for any number of awards."""
    partner_ids = {a.partner_id for a in awards}
    tiers = {pt.partner_id: pt for pt in PartnerTier.objects.filter(partner_id__in=partner_ids, tier__isnull=False)
             .select_related("tier", "partner")}
    if not tiers:
        return {}
    required = {pid: n for pid, n in _required_certifications(tiers).items() if n >= 1}
    if not required:
        return {}
    active = active_certifications(list(required), today)
    horizon = max(a.expires_on for a in awards if a.partner_id in required)
    expiring = defaultdict(list)  # partner_id -> [(expires_on, count)]
    for pid, day, n in (_active_awards(list(required), today).filter(expires_on__lte=horizon).order_by()
                        .values("partner_id", "expires_on").annotate(n=Count("id"))
                        .values_list("partner_id", "expires_on", "n")):
        expiring[pid].append((day, n))
    result = {}
    for award in awards:
        minimum = required.get(award.partner_id)
        if minimum is None:
            continue
        lost = sum(n for day, n in expiring[award.partner_id] if day <= award.expires_on)
        remaining = active.get(award.partner_id, 0) - lost
        if remaining < minimum:
            result[award.pk] = TierDependence(tiers[award.partner_id].tier, minimum, active.get(award.partner_id, 0),
                                              max(remaining, 0))
    return result


def _award_context(award: CertificationAward, *, language: str, today: date) -> dict:
    return {"certification_name": localized(award.certification, "name", language).text,
            "certification_code": award.certification.code, "expires_on": award.expires_on.isoformat(),
            "days_left": (award.expires_on - today).days}


def expiry_reminders_send(*, today: date, chunk_size: int = CHUNK_SIZE, steps: tuple[int, ...] = EXPIRY_REMINDER_DAYS,
                          to_holders: bool = True, to_admins: bool = True) -> tuple[int, int]:
    """Valid certifications expiring within the first step (60 days): the holder (while an active member) at each
    step (60, 30 and 7 days); and the partner's admins at the same steps when the partner's tier depends on the
    certification. ``to_holders`` / ``to_admins`` leave one side out (its rule is disabled).
    Returns (holder reminders, admin notices) newly written."""
    if not steps or not (to_holders or to_admins):
        return 0, 0
    due = (CertificationAward.objects.active_on(today)
           .filter(expires_on__lte=today + timedelta(days=steps[0]))
           .select_related("certification", "user"))
    certificates_url = portal_url("enablement:certificates")
    team_url = portal_url("enablement:team_progress")
    holders = admins = 0
    for awards in _chunks(due, chunk_size):
        people = _people(partner_ids={a.partner_id for a in awards}, user_ids={a.user_id for a in awards},
                         with_admins=True)
        held = [a for a in awards if people.holds(a.partner_id, a.user_id)]
        depends = tier_dependence(awards=held, today=today) if held and to_admins else {}
        holder_notices, admin_notices = [], []
        for award in held:
            window = expiry_reminder(expires_on=award.expires_on, today=today, steps=steps)
            if window is None:
                continue
            if to_holders:
                language = language_for(language=None, user=award.user)
                holder_notices.append(Notice(
                    subject=award, recipient=award.user, partner=award.partner_id, language=language, window=window,
                    context={**_award_context(award, language=language, today=today),
                             "certificates_url": certificates_url}))
            risk = depends.get(award.pk)
            if risk is None:
                continue
            for admin in people.admins.get(award.partner_id, []):
                language = language_for(language=None, user=admin)
                admin_notices.append(Notice(
                    subject=award, recipient=admin, partner=award.partner_id, language=language, window=window,
                    context={**_award_context(award, language=language, today=today),
                             "holder_name": award.user.full_name or award.user.email,
                             "tier_name": risk.tier.display_name(language), "required": risk.required,
                             "active": risk.active, "remaining": risk.remaining, "team_url": team_url}))
        holders += notify_bulk(kind=KIND_CERTIFICATION_EXPIRING, notices=holder_notices) if holder_notices else 0
        admins += notify_bulk(kind=KIND_CERTIFICATION_TIER_RISK, notices=admin_notices) if admin_notices else 0
    return holders, admins


def enablement_nudges_send(*, now: datetime | None = None, chunk_size: int = CHUNK_SIZE) -> NudgeResult:
    """Every enablement nudge due at ``now``; safe to run as often as wanted (each reminder is written once).
    A rule an operator disabled writes nothing; each rule's run is logged."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = NudgeResult()
    # One pass serves both certification rules (the same awards, the same windows); each logs its own run.
    with nudges.run(CERTIFICATION_EXPIRING.code) as holders_run, nudges.run(CERTIFICATION_TIER_RISK.code) as risk_run:
        steps = nudges.reminder_steps(holders_run.params, "first_days", "second_days", "third_days")
        holders, admins = expiry_reminders_send(today=today, chunk_size=chunk_size, steps=steps,
                                                to_holders=holders_run.enabled, to_admins=risk_run.enabled)
        holders_run.sent = result.certification_expiring = holders
        risk_run.sent = result.certification_tier_risk = admins
    with nudges.run(COURSE_INACTIVE.code) as run:
        if run.enabled:
            run.sent = result.course_inactive = inactive_reminders_send(now=now, chunk_size=chunk_size,
                                                                        days=run.params["days"])
    return result
