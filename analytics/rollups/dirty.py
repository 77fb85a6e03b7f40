"""Marking partners whose rollups need a refresh: an outbox of partner ids (RollupDirty), written on commit.

``mark_dirty(ids)`` may be called from any signal handler, as often as it likes: inside a transaction the ids
are collected into one on-commit callback per transaction (nothing is written if it rolls back), which upserts
them in one query and queues ``analytics.rollups_refresh_dirty`` at most once per DEBOUNCE_SECONDS (a cache
key; the task is queued with that countdown, so a burst of changes is refreshed together). A lost dispatch
(broker down, worker killed) only delays the refresh: the rows stay until the 5-minute sweep drains them.
"""

import logging
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from analytics.models import RollupDirty

logger = logging.getLogger(__name__)

DEBOUNCE_SECONDS = 30
DEBOUNCE_KEY = "analytics:rollups:dirty-queued"


class _PendingMarks:
    """The on-commit callback of one transaction; later marks in the same transaction add their ids to it."""

    def __init__(self, ids: set[int]):
        self.ids = set(ids)

    def __call__(self) -> None:
        flush(self.ids)


def mark_dirty(partner_ids: Iterable[int | None]) -> None:
    """Mark partners for a rollup refresh once the current transaction commits (at once outside one).

    No query here: the ids are written on commit. Partners marked in a savepoint that is rolled back may
    still be marked (a harmless extra refresh); a rolled-back transaction marks nothing.
    """
    ids = {int(pid) for pid in partner_ids if pid}
    if not ids:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        flush(ids)
        return
    for entry in getattr(connection, "run_on_commit", ()):
        callback = entry[1] if isinstance(entry, tuple) and len(entry) > 1 else None
        if isinstance(callback, _PendingMarks):
            callback.ids |= ids
            return
    transaction.on_commit(_PendingMarks(ids))


def flush(ids: set[int]) -> None:
    """Upsert the marks (one query) and queue the drain unless one was queued within DEBOUNCE_SECONDS."""
    if not ids:
        return
    now = timezone.now()
    RollupDirty.objects.bulk_create([RollupDirty(partner_id=pid, marked_at=now) for pid in sorted(ids)],
                                    update_conflicts=True, unique_fields=["partner_id"], update_fields=["marked_at"])
    queue_drain()


def queue_drain() -> None:
    try:
        if not cache.add(DEBOUNCE_KEY, 1, timeout=DEBOUNCE_SECONDS):
            return
        from .tasks import rollups_refresh_dirty

        rollups_refresh_dirty.apply_async(countdown=DEBOUNCE_SECONDS)
    except Exception:  # noqa: BLE001 - a lost dispatch is only late: the sweep drains the table
        logger.exception("analytics rollups: could not queue the dirty drain; the periodic sweep will")
