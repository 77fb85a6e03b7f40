"""The approval SLA: a registration waiting longer than the rule's hours (Mon–Fri 9–17 UTC; by default
DEALREG_SLA_BUSINESS_HOURS) is escalated to the other channel managers of its partner's region, once per time in
the queue. Operators switch and tune it in the admin (dealreg/nudge_rules.py); while it is disabled nothing is
marked or sent, so switching it back on escalates what is overdue then.

Set-based over chunks; idempotent twice over: ``sla_escalated_at`` marks the registration, and the
outbox window (its queue entry time) would stop a second e-mail even if the mark were lost.
Reads across partners: runs in an unscoped task (dealreg.tasks.sla_escalate).
"""

from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from dealreg.models import Deal
from dealreg.nudge_rules import APPROVAL_OVERDUE
from dealreg.sla import business_cutoff, business_hours_between, sla_hours
from prm.accounts.models import User
from prm.common.audit import audit
from prm.notifications import nudges
from prm.notifications.services import Notice, notify_bulk

from .protection import CHUNK_SIZE, chunks_of_ids


def overdue_cutoff(*, now: datetime | None = None, hours: float | None = None) -> datetime:
    """Registrations submitted before this moment have waited longer than ``hours`` (default: the SLA)."""
    return business_cutoff(now or timezone.now(), sla_hours() if hours is None else hours)


def deals_escalate_overdue(*, now: datetime | None = None, chunk_size: int = CHUNK_SIZE) -> int:
    """Escalate every overdue registration not escalated yet. Returns how many were escalated (0 while the
    rule is disabled; the run is logged either way, with the notices written)."""
    now = now or timezone.now()
    with nudges.run(APPROVAL_OVERDUE.code) as run:
        if not run.enabled:
            return 0
        hours = run.params["hours"]
        due = Deal.objects.filter(status=Deal.Status.SUBMITTED, submitted_at__lt=overdue_cutoff(now=now, hours=hours),
                                  sla_escalated_at__isnull=True)
        escalated = 0
        for ids in chunks_of_ids(due, chunk_size):
            count, written = _escalate_chunk(ids=ids, now=now, hours=hours)
            escalated += count
            run.sent += written
        return escalated


def _managers_by_region(region_ids) -> dict[int, list[User]]:
    links = (
        User.regions.through.objects.filter(
            region_id__in=set(region_ids), user__staff_role=User.StaffRole.CHANNEL_MANAGER, user__is_active=True
        )
        .select_related("user")
        .order_by("user_id")
    )
    managers: dict[int, list[User]] = defaultdict(list)
    for link in links:
        managers[link.region_id].append(link.user)
    return managers


@transaction.atomic
def _escalate_chunk(*, ids: list[int], now: datetime, hours: int) -> tuple[int, int]:
    """(registrations escalated, notices written) for one chunk."""
    deals = list(
        Deal.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=ids, status=Deal.Status.SUBMITTED, sla_escalated_at__isnull=True)
        .select_related("partner")
    )
    if not deals:
        return 0, 0
    managers = _managers_by_region(deal.partner.region_id for deal in deals)
    site = settings.SITE_URL.rstrip("/")
    notices = []
    for deal in deals:
        in_region = managers.get(deal.partner.region_id, [])
        # The region's other managers; when the assigned manager is the only one, they hear it themselves.
        recipients = [m for m in in_region if m.pk != deal.partner.channel_manager_id] or in_region
        window = "sla-" + deal.submitted_at.strftime("%Y%m%dT%H%M%S")
        context = {
            "reference": deal.reference,
            "customer_name": deal.customer_name,
            "partner_name": deal.partner.name,
            "submitted_at": deal.submitted_at.isoformat(),
            "waited_hours": round(business_hours_between(deal.submitted_at, now), 1),
            "sla_hours": hours,
            "admin_url": site + reverse("admin:dealreg_deal_decide", args=[deal.pk]),
        }
        notices.extend(Notice(subject=deal, recipient=manager, partner=deal.partner_id, window=window, context=context)
                       for manager in recipients)
    deal_ids = [deal.pk for deal in deals]
    Deal.objects.filter(pk__in=deal_ids).update(sla_escalated_at=now)
    written = notify_bulk(kind="dealreg.approval_overdue", notices=notices)
    audit(actor=None, action="dealreg.deal.escalated", data={"deal_ids": deal_ids, "sla_hours": hours})
    return len(deals), written
