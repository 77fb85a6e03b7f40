"""Celery adapters for the health score (schedule: prm/schedule.py): the nightly scoring fanned out in chunks of
~5,000 partners (never one task per partner), the at-risk digest and the no-login nudges. Every task is idempotent
(acks_late re-delivery writes the same rows; notices are de-duplicated by the outbox).

Discovered through ``app.autodiscover_tasks(["analytics.health"])`` in prm/celery.py.
"""

from datetime import date

from celery import shared_task
from django.utils import timezone

from prm.tenancy.scoping import partners_scope
from prm.tenancy.tasks import GlobalTask

from . import digest, reengagement, scoring


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else timezone.localdate()


@shared_task(base=GlobalTask, name="analytics.health_score_all")
def health_score_all(*, day: str | None = None) -> int:
    """Enqueue one chunk task per ~5,000 accessible partners; returns the number of chunks. The day is fixed here,
    so chunks that run after midnight score the same day."""
    day = _day(day).isoformat()
    chunks = 0
    for chunk in scoring.chunked(scoring.accessible_partner_ids(), scoring.CHUNK_SIZE):
        health_score_chunk.delay(partner_ids=chunk, day=day)
        chunks += 1
    return chunks


@shared_task(base=GlobalTask, name="analytics.health_score_chunk")
def health_score_chunk(*, partner_ids: list[int], day: str) -> dict:
    """Score one chunk inside a scope of exactly those partners."""
    ids = [int(pid) for pid in partner_ids]
    with partners_scope(ids):
        return scoring.score_partners(ids, date.fromisoformat(day)).as_dict()


@shared_task(base=GlobalTask, name="analytics.at_risk_digest")
def at_risk_digest(*, day: str | None = None) -> dict:
    """The channel managers' digest of partners newly at risk on the day (after the nightly scoring)."""
    result = digest.at_risk_digest_send(day=_day(day))
    return {"partners": result.partners, "managers": result.managers, "sent": result.sent}


@shared_task(base=GlobalTask, name="analytics.no_login_nudges")
def no_login_nudges() -> int:
    """Re-engagement reminders to partner users who stopped signing in."""
    return reengagement.no_login_nudges_send()
