"""Onboarding nudges: stalled onboarding (partner admins, then the channel manager) and agreement
re-acceptance due (14 and 3 days before the deadline).

Set-based: partners are read in chunks, each chunk with a fixed number of queries, and written
with notify_bulk. "Never twice" comes from the outbox's de-duplication key: the subject is the
partner and the window names the episode (the date of the last progress, or the version and the
reminder), so a second run writes nothing.

Operators switch each pass on or off and set its days in the admin (partners/nudge_rules.py); every pass is
logged as a NudgeRun with the notices it wrote, and a disabled one writes nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from partners.models import PartnerOrganization
from partners.nudge_rules import AGREEMENT_REACCEPTANCE_DUE, ONBOARDING_STALLED
from partners.onboarding_selectors import (
    AgreementState,
    admins_by_partner,
    agreement_state,
    current_version_for,
    last_progress_by_partner,
    latest_acceptances_by_partner,
    published_versions,
)
from prm.notifications import nudges
from prm.notifications.services import Notice, notify_bulk
from prm.tenancy.scoping import partners_scope

CHUNK_SIZE = 500
REACCEPT_REMINDER_DAYS = (14, 3)  # the rule's defaults: days before the deadline; the nearest one reached is sent

KIND_STALLED = "partners.onboarding_stalled"
KIND_STALLED_MANAGER = "partners.onboarding_stalled_manager"
KIND_REACCEPT_DUE = "partners.agreement_reacceptance_due"


@dataclass
class NudgeResult:
    stalled_admins: int = 0
    stalled_managers: int = 0
    reacceptance_due: int = 0


def stall_days() -> int:
    """The stall threshold when no operator has set one (the rule's default: PRM_ONBOARDING_STALL_DAYS)."""
    return ONBOARDING_STALLED.defaults()["days"]


def _site(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _partner_chunks(queryset):
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk_ids = ids[start:start + CHUNK_SIZE]
        partners = list(
            PartnerOrganization.objects.filter(pk__in=chunk_ids).select_related("channel_manager").order_by("pk")
        )
        with partners_scope(chunk_ids):
            yield partners


def _stalled_notices(partners, *, now: datetime, days: int) -> tuple[list[Notice], list[Notice]]:
    progress = last_progress_by_partner(partners=partners)
    stalled = {p.pk: progress[p.pk] for p in partners if now - progress[p.pk] >= timedelta(days=days)}
    admins = admins_by_partner(partner_ids=list(stalled)) if stalled else {}
    to_admins, to_managers = [], []
    checklist_url = _site(reverse("partners:onboarding"))
    for partner in partners:
        since = stalled.get(partner.pk)
        if since is None:
            continue
        idle_days = (now - since).days
        window = since.date().isoformat()  # one episode of standing still
        context = {"partner_name": partner.name, "days": idle_days, "since": since.isoformat()}
        for admin in admins.get(partner.pk, []):
            to_admins.append(Notice(subject=partner, recipient=admin, partner=partner, window=window,
                                    context={**context, "checklist_url": checklist_url}))
        manager = partner.channel_manager
        if manager is not None and manager.is_active and now - since >= timedelta(days=2 * days):
            to_managers.append(Notice(
                subject=partner, recipient=manager, partner=partner, window=window,
                context={**context, "admin_url": _site(reverse("admin:partners_partnerorganization_change",
                                                               args=[partner.pk]))},
            ))
    return to_admins, to_managers


def _reaccept_notices(partners, *, versions, today, steps=REACCEPT_REMINDER_DAYS) -> list[Notice]:
    acceptances = latest_acceptances_by_partner(partner_ids=[p.pk for p in partners])
    due: list[tuple[PartnerOrganization, object, int]] = []
    for partner in partners:
        current = current_version_for(partner=partner, versions=versions)
        if current is None:
            continue
        status = agreement_state(partner=partner, current=current,
                                 accepted=acceptances.get((partner.pk, current.template_id)), today=today)
        if status.state != AgreementState.DUE:
            continue
        days_left = (status.deadline - today).days
        reminder = min((d for d in steps if days_left <= d), default=None)
        if reminder is not None:
            due.append((partner, status, reminder))
    if not due:
        return []
    admins = admins_by_partner(partner_ids=[p.pk for p, _s, _r in due])
    agreement_url = _site(reverse("partners:agreement"))
    notices = []
    for partner, status, reminder in due:
        context = {"partner_name": partner.name, "title": status.current.title, "version": status.current.version,
                   "deadline": status.deadline.isoformat(), "days_left": (status.deadline - today).days,
                   "agreement_url": agreement_url}
        for admin in admins.get(partner.pk, []):
            notices.append(Notice(subject=partner, recipient=admin, partner=partner, context=context,
                                  window=f"v{status.current.pk}-{reminder}d"))
    return notices


def reminder_window_open(versions, *, today, steps) -> bool:
    """Whether any published version's re-acceptance deadline falls within the reminder steps from today: only then
    can a partner be due a reminder, so the pass over every portal partner (90k at the benchmark's size) is skipped
    on all the other nights."""
    if not versions or not steps:
        return False
    horizon = today + timedelta(days=max(steps))
    return any(v.reaccept_deadline is not None and today <= v.reaccept_deadline <= horizon for v in versions)


def onboarding_nudges_send(*, now: datetime | None = None) -> NudgeResult:
    """One pass over every partner that may need a nudge; safe to run as often as wanted."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = NudgeResult()
    with nudges.run(ONBOARDING_STALLED.code) as run:
        if run.enabled:
            days = run.params["days"]
            onboarding = PartnerOrganization.objects.filter(status=PartnerOrganization.Status.ONBOARDING)
            for partners in _partner_chunks(onboarding):
                to_admins, to_managers = _stalled_notices(partners, now=now, days=days)
                admins = notify_bulk(kind=KIND_STALLED, notices=to_admins) if to_admins else 0
                managers = notify_bulk(kind=KIND_STALLED_MANAGER, notices=to_managers) if to_managers else 0
                result.stalled_admins += admins
                result.stalled_managers += managers
                run.sent += admins + managers
    with nudges.run(AGREEMENT_REACCEPTANCE_DUE.code) as run:
        steps = nudges.reminder_steps(run.params, "first_days", "second_days")
        versions = published_versions() if run.enabled and steps else []
        if reminder_window_open(versions, today=today, steps=steps):
            with_portal = PartnerOrganization.objects.filter(status__in=PartnerOrganization.PORTAL_STATUSES)
            for partners in _partner_chunks(with_portal):
                notices = _reaccept_notices(partners, versions=versions, today=today, steps=steps)
                written = notify_bulk(kind=KIND_REACCEPT_DUE, notices=notices) if notices else 0
                result.reacceptance_due += written
                run.sent += written
    return result
