"""Celery adapters for tier recalculation: a nightly fan-out over chunks of ~10,000 partners, never one
task per partner. Each chunk task is idempotent (re-delivery after a lost worker changes nothing twice).

Discovered through ``app.autodiscover_tasks(["partners.tiers"])`` in prm/celery.py.
"""

from datetime import date

from celery import shared_task
from django.utils import timezone

from prm.tenancy.scoping import partners_scope
from prm.tenancy.tasks import GlobalTask

from . import engine
from .config import TierConfig


@shared_task(base=GlobalTask, name="partners.tiers_recalculate_all")
def tiers_recalculate_all(*, as_of: str | None = None) -> int:
    """Enqueue one chunk task per ~10,000 eligible partners; returns the number of chunks. The date is
    fixed here, so chunks that run after midnight measure the same day."""
    as_of = as_of or timezone.localdate().isoformat()
    config = TierConfig.load().snapshot()  # one configuration for the whole night
    chunks = 0
    for chunk in engine.chunked(engine.eligible_partner_ids(), engine.CHUNK_SIZE):
        tiers_recalculate_chunk.delay(partner_ids=chunk, as_of=as_of, config=config)
        chunks += 1
    return chunks


@shared_task(base=GlobalTask, name="partners.tiers_recalculate_chunk")
def tiers_recalculate_chunk(*, partner_ids: list[int], as_of: str, config: dict | None = None) -> dict:
    """Recalculate one chunk inside a scope of exactly those partners, with the fan-out's configuration
    snapshot (or the current one when called without)."""
    ids = [int(pid) for pid in partner_ids]
    snapshot = TierConfig.from_snapshot(config) if config else None
    with partners_scope(ids):
        result = engine.recalculate_chunk(partner_ids=ids, as_of=date.fromisoformat(as_of), config=snapshot)
    return result.as_dict()
