"""Celery adapters for the rollups (schedule: prm/schedule.py). Thin: the work is in analytics.rollups.services.

- analytics.rollups_refresh_all (nightly, after tier recalculation and health scoring): fans out one
  analytics.rollups_refresh_chunk per ~2,000 partners; never one task per partner.
- analytics.rollups_refresh_dirty (every 5 minutes, and queued after changes by analytics.rollups.dirty):
  drains RollupDirty.
All are idempotent (a refresh recomputes from the facts), so a re-delivered task changes nothing twice. They are
global tasks: refresh_partners opens the scope of exactly its chunk.
Runs end by rebuilding the segment sums the staff dashboards read (analytics.rollups.segments): the last chunk of a
fanned-out run always; a drain or sweep when the segments are stale (a refresh or health scores newer than them)
and the last rebuild is at least ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS old.
"""

from datetime import date

from celery import shared_task

from prm.tenancy.tasks import GlobalTask

from . import services


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@shared_task(base=GlobalTask, name="analytics.rollups_refresh_all")
def rollups_refresh_all(*, today: str | None = None) -> int:
    """Enqueue a chunk task per CHUNK partners; returns the chunks enqueued."""
    run, chunks = services.full_run_start()
    for chunk in chunks:
        rollups_refresh_chunk.delay(partner_ids=chunk, today=today, run=run)
    return len(chunks)


@shared_task(base=GlobalTask, name="analytics.rollups_refresh_chunk")
def rollups_refresh_chunk(*, partner_ids: list[int], today: str | None = None, run: str | None = None) -> int:
    from .refresh import refresh_partners

    done = refresh_partners([int(pid) for pid in partner_ids], today=_day(today))
    services.full_run_chunk_done(run)
    return done


@shared_task(base=GlobalTask, name="analytics.rollups_refresh_dirty")
def rollups_refresh_dirty() -> int:
    return services.refresh_dirty()
