"""Protection periods: how long an approval protects (by tier), automatic expiry, and the reminders
before it.

The batch functions are set-based over chunks of ids and idempotent: they select by state
(approved and past its end; approved and ending soon), change state under row locks, and notify
through windows that the outbox de-duplicates, so a killed and re-run job expires nothing twice and
sends no reminder twice. They read across partners and run in an unscoped task
(dealreg.tasks.protection_sweep). The reminders are a nudge rule operators switch and tune in the admin
(dealreg/nudge_rules.py); the expiry is not, and always runs.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealreg.models import Deal, DealEvent, ExtensionRequest
from dealreg.nudge_rules import PROTECTION_EXPIRING
from partners.models import Membership
from prm.common.audit import audit
from prm.notifications import nudges
from prm.notifications.services import Notice, notify_bulk

from .notices import deal_context

CHUNK_SIZE = 500
REMINDER_DAYS = (14, 7, 1)  # the rule's defaults


def tier_benefits_for(partner):
    """The partner's tier benefits, or None while tiers do not exist.

    partners.tiers.benefits is being written with the tiers (issue #3); until it can be imported
    every partner gets the program defaults. This is the one place that falls back.
    """
    try:
        from partners.tiers.benefits import benefits_for
    except ImportError:
        return None
    return benefits_for(partner=partner)


def protection_days_for(partner) -> int:
    """Days an approval protects this partner's registration: the tier's, else DEALREG_DEFAULT_PROTECTION_DAYS."""
    benefits = tier_benefits_for(partner)
    days = getattr(benefits, "deal_protection_days", None) if benefits is not None else None
    return int(days) if days else int(getattr(settings, "DEALREG_DEFAULT_PROTECTION_DAYS", 90))


def tier_rank_for(partner) -> int | None:
    """The rank of the partner's tier (higher is better), or None when unknown."""
    benefits = tier_benefits_for(partner)
    rank = getattr(benefits, "tier_rank", None) if benefits is not None else None
    return int(rank) if rank is not None else None


def protection_end(*, partner, start: date) -> date:
    """The last protected day of an approval given on ``start``."""
    return start + timedelta(days=protection_days_for(partner))


# --- expiry ----------------------------------------------------------------------------------------------


def chunks_of_ids(queryset, chunk_size: int):
    """Ids of ``queryset`` in ascending chunks; a cursor on the id, so skipped rows never loop."""
    last = 0
    while True:
        ids = list(queryset.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk_size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def protection_expire_due(*, today: date | None = None, chunk_size: int = CHUNK_SIZE) -> int:
    """Expire every approved registration whose protection ended before ``today``. Returns how many.

    Each chunk is one transaction: lock the rows still due (skipping rows another transaction
    holds: the next run takes them), one UPDATE, their timeline events in one insert, one audit
    row, pending extension requests closed, and one e-mail per registration (window "once").
    """
    today = today or timezone.localdate()
    due = Deal.objects.filter(status=Deal.Status.APPROVED, protected_until__lt=today)
    expired = 0
    for ids in chunks_of_ids(due, chunk_size):
        expired += _expire_chunk(ids=ids, today=today)
    return expired


@transaction.atomic
def _expire_chunk(*, ids: list[int], today: date) -> int:
    now = timezone.now()
    deals = list(
        Deal.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=ids, status=Deal.Status.APPROVED, protected_until__lt=today)
        .select_related("registered_by")
    )
    if not deals:
        return 0
    deal_ids = [deal.pk for deal in deals]
    Deal.objects.filter(pk__in=deal_ids).update(status=Deal.Status.EXPIRED, updated_at=now)
    DealEvent.objects.bulk_create([
        DealEvent(partner_id=deal.partner_id, deal=deal, kind=DealEvent.Kind.EXPIRED, at=now,
                  data={"protected_until": deal.protected_until.isoformat()})
        for deal in deals
    ])
    ExtensionRequest.objects.filter(deal_id__in=deal_ids, status=ExtensionRequest.Status.PENDING).update(
        status=ExtensionRequest.Status.DENIED, decided_at=now,
        decision_note=_("The protection ended before a decision was made."),
    )
    audit(actor=None, action="dealreg.deal.expired", data={"deal_ids": deal_ids, "date": today.isoformat()})
    active = _active_registrants(deals)
    notices = []
    for deal in deals:
        deal.status = Deal.Status.EXPIRED
        if (deal.partner_id, deal.registered_by_id) in active:
            notices.append(Notice(subject=deal, recipient=deal.registered_by, partner=deal.partner_id,
                                  context=deal_context(deal)))
    notify_bulk(kind="dealreg.protection_expired", notices=notices)
    return len(deals)


def _active_registrants(deals) -> set[tuple[int, int]]:
    """(partner id, user id) of the registrants who are still active members: one query per chunk."""
    return set(
        Membership.objects.filter(
            partner_id__in={d.partner_id for d in deals}, user_id__in={d.registered_by_id for d in deals},
            is_active=True, user__is_active=True,
        ).values_list("partner_id", "user_id")
    )


# --- reminders -------------------------------------------------------------------------------------------


def reminder_window(*, protected_until: date, today: date, steps: tuple[int, ...] = REMINDER_DAYS) -> str | None:
    """The reminder due for a protection ending on ``protected_until``: "expiry-14", "-7" or "-1" (the rule's
    steps), tied to that end date (an extension brings a fresh set), or None when none is due yet."""
    step = nudges.reminder_step((protected_until - today).days, steps)
    return None if step is None else f"expiry-{step}:{protected_until.isoformat()}"


def protection_send_reminders(*, today: date | None = None, chunk_size: int = CHUNK_SIZE) -> int:
    """Remind registrants 14, 7 and 1 days (the rule's steps) before their protection ends. Returns new
    reminders written; nothing while the rule is disabled (the run is logged either way).

    A run that missed a day still sends the reminder of the window the registration is in now;
    the outbox's (recipient, kind, registration, window) key makes every reminder a one-off.
    """
    today = today or timezone.localdate()
    with nudges.run(PROTECTION_EXPIRING.code) as run:
        steps = nudges.reminder_steps(run.params, "first_days", "second_days", "third_days")
        if not run.enabled or not steps:
            return 0
        ending = Deal.objects.expiring_within(days=steps[0], today=today)
        for ids in chunks_of_ids(ending, chunk_size):
            deals = list(Deal.objects.filter(pk__in=ids).select_related("registered_by"))
            active = _active_registrants(deals)
            notices = []
            for deal in deals:
                window = reminder_window(protected_until=deal.protected_until, today=today, steps=steps)
                if window is None or (deal.partner_id, deal.registered_by_id) not in active:
                    continue
                days_left = (deal.protected_until - today).days
                notices.append(Notice(subject=deal, recipient=deal.registered_by, partner=deal.partner_id,
                                      window=window, context=deal_context(deal, days_left=days_left)))
            run.sent += notify_bulk(kind="dealreg.protection_expiring", notices=notices)
        return run.sent
