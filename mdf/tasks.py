"""Celery adapters for the MDF batch jobs (schedule: prm/schedule.py): quarterly allocations, accruals on won
revenue, fund expiry, lapsing unclaimed activities and the deadline nudges.

Fan-out tasks select ids (one query) and enqueue chunk tasks; never one task per partner. Each chunk task
opens a scope of exactly its partners and calls a set-based, idempotent service, so a re-delivered or
re-run chunk changes nothing twice. The day is fixed by the fan-out and passed to every chunk.
"""

import logging
from collections.abc import Iterable, Iterator
from datetime import date

from celery import shared_task
from django.utils import timezone

from prm.tenancy.scoping import partners_scope
from prm.tenancy.tasks import GlobalTask, UnscopedGlobalTask

logger = logging.getLogger(__name__)

PARTNER_CHUNK = 2000  # partners per chunk task (allocation, accrual)
ROW_CHUNK = 500       # funds or activities per chunk task (expiry, lapse)


def _chunked(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _mdf_partner_ids() -> Iterator[int]:
    """Active partners, by id (streamed: 100k ids are fine). Partners are not partner-owned: no scope needed."""
    from partners.models import PartnerOrganization

    return (PartnerOrganization.objects.filter(status=PartnerOrganization.Status.ACTIVE).order_by("pk")
            .values_list("pk", flat=True).iterator(chunk_size=PARTNER_CHUNK))


def _today(value: str | None) -> date:
    return date.fromisoformat(value) if value else timezone.localdate()


def _fan_out_rows(rows: list[tuple[int, int]], chunk_task, **kwargs) -> int:
    """Enqueue ``chunk_task`` per ROW_CHUNK of (id, partner_id) pairs; the chunk scopes exactly those partners.
    The pairs are read in full first: the chunks write to the table being selected from."""
    chunks = 0
    for chunk in _chunked(rows, ROW_CHUNK):
        chunk_task.delay(ids=[pk for pk, _pid in chunk], partner_ids=sorted({pid for _pk, pid in chunk}), **kwargs)
        chunks += 1
    return chunks


# --- 1. allocation -----------------------------------------------------------------------------------------

@shared_task(base=GlobalTask, name="mdf.allocate_quarter")
def allocate_quarter(*, day: str | None = None) -> int:
    """Open every active partner's fund for the quarter holding ``day`` and post its tier allocation.

    Safe any day: the allocation's ledger key ("allocation:tier") is unique per fund, so the daily run
    only fills in partners that became active or got a funded tier since. Returns the chunks enqueued."""
    day = _today(day).isoformat()
    chunks = 0
    for chunk in _chunked(_mdf_partner_ids(), PARTNER_CHUNK):
        allocate_chunk.delay(partner_ids=chunk, day=day)
        chunks += 1
    return chunks


@shared_task(base=GlobalTask, name="mdf.allocate_chunk")
def allocate_chunk(*, partner_ids: list[int], day: str) -> int:
    from mdf.services import funds_allocate_chunk

    ids = [int(pid) for pid in partner_ids]
    with partners_scope(ids):
        return funds_allocate_chunk(partner_ids=ids, day=date.fromisoformat(day))


# --- 2. accrual ----------------------------------------------------------------------------------------------

@shared_task(base=GlobalTask, name="mdf.accrue")
def accrue(*, today: str | None = None) -> int:
    """Accrue the tier's share of won deals closed since the start of the previous quarter (a deal closed
    late in a quarter and recorded after it ends still accrues). Once per deal: key "accrual:deal:<id>"."""
    from mdf.periods import previous_quarter

    today_date = _today(today)
    since = previous_quarter(today_date)[0].isoformat()
    chunks = 0
    for chunk in _chunked(_mdf_partner_ids(), PARTNER_CHUNK):
        accrue_chunk.delay(partner_ids=chunk, since=since, today=today_date.isoformat())
        chunks += 1
    return chunks


@shared_task(base=GlobalTask, name="mdf.accrue_chunk")
def accrue_chunk(*, partner_ids: list[int], since: str, today: str) -> int:
    from mdf.services import funds_accrue_chunk

    ids = [int(pid) for pid in partner_ids]
    with partners_scope(ids):
        return funds_accrue_chunk(partner_ids=ids, since=date.fromisoformat(since), today=date.fromisoformat(today))


# --- 3. expiry -----------------------------------------------------------------------------------------------

@shared_task(base=UnscopedGlobalTask, name="mdf.expire_funds")
def expire_funds(*, today: str | None = None) -> int:
    """Daily: funds still open past their grace period, in chunks of fund ids (one query across partners)."""
    from mdf.models import Fund

    today_date = _today(today)
    due = (Fund.objects.filter(status=Fund.Status.OPEN, expires_on__lt=today_date).order_by("pk")
           .values_list("pk", "partner_id"))
    return _fan_out_rows(list(due), expire_funds_chunk, today=today_date.isoformat())


@shared_task(base=GlobalTask, name="mdf.expire_funds_chunk")
def expire_funds_chunk(*, ids: list[int], partner_ids: list[int], today: str) -> int:
    from mdf.services import funds_expire_chunk

    with partners_scope(partner_ids):
        return funds_expire_chunk(fund_ids=[int(pk) for pk in ids], today=date.fromisoformat(today))


# --- 4. lapse ------------------------------------------------------------------------------------------------

@shared_task(base=UnscopedGlobalTask, name="mdf.lapse_activities")
def lapse_activities(*, today: str | None = None) -> int:
    """Daily: pre-approved activities whose claim window closed without a submitted claim (one query)."""
    from django.db.models import Q

    from mdf.models import Activity, Claim

    today_date = _today(today)
    due = (Activity.objects.filter(status=Activity.Status.APPROVED, claim_deadline__lt=today_date)
           .filter(Q(claim__isnull=True) | Q(claim__status=Claim.Status.DRAFT))
           .order_by("pk").values_list("pk", "partner_id"))
    return _fan_out_rows(list(due), lapse_activities_chunk, today=today_date.isoformat())


@shared_task(base=GlobalTask, name="mdf.lapse_activities_chunk")
def lapse_activities_chunk(*, ids: list[int], partner_ids: list[int], today: str) -> dict:
    """One transaction per activity (activity_lapse re-checks its state under a row lock), so one that
    fails (a missing exchange rate) is logged and retried by tomorrow's run without holding up the rest."""
    from mdf.services import activity_lapse

    day = date.fromisoformat(today)
    result = {"lapsed": 0, "skipped": 0, "failed": 0}
    with partners_scope(partner_ids):
        for activity_id in ids:
            try:
                lapsed = activity_lapse(activity_id=int(activity_id), today=day)
            except Exception:
                logger.exception("mdf: lapsing activity %s failed; the next run retries it", activity_id)
                result["failed"] += 1
                continue
            result["lapsed" if lapsed else "skipped"] += 1
    return result


# --- 5. nudges -----------------------------------------------------------------------------------------------

@shared_task(base=UnscopedGlobalTask, name="mdf.nudges")
def nudges() -> dict:
    """Daily: claim windows closing (14 and 3 days before), unspent funds expiring, information requested
    and not answered. Set-based over chunks; the outbox window makes each reminder a one-off."""
    from mdf.services.nudges import mdf_nudges_send

    return mdf_nudges_send().as_dict()
