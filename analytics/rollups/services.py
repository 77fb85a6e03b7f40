"""Running refreshes: every partner in chunks (nightly), the partners marked dirty (every few minutes and after
changes), and the RollupState row dashboards read as "as of".

Freshness, as dashboards show it (analytics.rollups.selectors.freshness):
- ``full_refreshed_at``: when the last complete refresh of every partner started; every figure includes at
  least everything committed before it, and the time-relative ones (trailing twelve months, sign-ins in the
  last 30 days, protection ending within 7 days, expiring certifications) are as of that day;
- ``refreshed_at``: the last refresh of any kind. Changes that fire signals are usually in the rollups within a
  minute (DEBOUNCE_SECONDS plus the refresh), at the latest after the next 5-minute sweep. Writers that bypass
  signals (bulk jobs: mdf.services.ledger.ledger_post_many for allocations and accruals, the tier engine's
  set-based writes, health scoring, CRM / LMS / exchange-rate imports, generate_dataset, queryset.update())
  are caught by the nightly full refresh, which runs after them.

Every full run ends by rebuilding the segment tables the staff dashboards read (analytics.rollups.segments): a full
run here or the last chunk of a fanned-out one. A drain ends with a rebuild when the segments are stale (it
refreshed someone, an earlier drain did and did not rebuild, or health scoring changed the snapshots since the last
rebuild) and the last rebuild is at least ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS old (default 300: a busy hour
rebuilds about a dozen times, not after every 30-second debounce); otherwise the segments stay stale until the
first drain or sweep after the interval.
"""

import logging
import time as clock
from collections.abc import Iterator
from datetime import date, datetime

from django.core.cache import cache
from django.utils import timezone

from analytics.models import RollupDirty, RollupState
from partners.models import PartnerOrganization

from .refresh import refresh_partners
from .segments import drain_min_interval, rebuild_segments, rebuild_segments_if_stale

logger = logging.getLogger(__name__)

STATE = "partner_facts"
CHUNK = 2000
RUN_KEY = "analytics:rollups:full-run:{run}"
DRAIN_LOCK = "analytics:rollups:draining"
DRAIN_LOCK_SECONDS = 600


def chunked(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def all_partner_ids() -> list[int]:
    """Every partner, whatever its status (dashboards filter by status; offboarded partners keep their history)."""
    return list(PartnerOrganization.objects.order_by("pk").values_list("pk", flat=True))


def _record(*, partners: int, seconds: float, started, full: bool) -> None:
    values = {"refreshed_at": timezone.now(), "partners": partners, "seconds": round(seconds, 3)}
    if full:
        values["full_refreshed_at"] = started
    RollupState.objects.update_or_create(name=STATE, defaults=values)


def refresh_all(today: date | None = None, *, chunk_size: int = CHUNK) -> int:
    """Refresh every partner here, chunk after chunk (management commands, the demo, tests; the scheduled job
    fans the chunks out to workers instead: analytics.rollups_refresh_all). Returns the partners refreshed."""
    started, began = timezone.now(), clock.perf_counter()
    ids = all_partner_ids()
    done = sum(refresh_partners(chunk, today=today) for chunk in chunked(ids, chunk_size))
    _record(partners=done, seconds=clock.perf_counter() - began, started=started, full=True)
    rebuild_segments()
    return done


# --- a full run fanned out to workers ------------------------------------------------------------------------------


def full_run_start(*, chunk_size: int = CHUNK) -> tuple[str, list[list[int]]]:
    """The chunks of a fanned-out full run and its id. Completion is counted in the cache: the chunk that
    finishes last records the run in RollupState (a lost count only leaves ``full_refreshed_at`` older)."""
    started = timezone.now()
    chunks = list(chunked(all_partner_ids(), chunk_size))
    run = started.strftime("%Y%m%dT%H%M%S%f")
    key = RUN_KEY.format(run=run)
    cache.set(key, {"started": started.isoformat(), "chunks": len(chunks),
                    "partners": sum(len(c) for c in chunks)}, timeout=86400)
    cache.set(key + ":done", 0, timeout=86400)
    if not chunks:
        _record(partners=0, seconds=0.0, started=started, full=True)
        rebuild_segments()
    return run, chunks


def full_run_chunk_done(run: str | None) -> None:
    """Count a finished chunk; the last one records the run and rebuilds the segments (once per run: only the
    chunk whose increment reaches the total does)."""
    if not run:
        return
    key = RUN_KEY.format(run=run)
    info = cache.get(key)
    if not info:
        return
    try:
        done = cache.incr(key + ":done")
    except ValueError:
        return
    if done == info["chunks"]:
        started = datetime.fromisoformat(info["started"])
        _record(partners=info["partners"], seconds=(timezone.now() - started).total_seconds(), started=started,
                full=True)
        cache.delete_many([key, key + ":done"])
        rebuild_segments()


# --- dirty partners -----------------------------------------------------------------------------------------------


def refresh_dirty(*, chunk_size: int = CHUNK, today: date | None = None) -> int:
    """Drain RollupDirty: refresh the partners marked before this drain started, chunk by chunk, deleting each
    mark only if it was not marked again after it was read (a later mark waits for the next drain). One drain
    at a time (a cache lock); then the segments are rebuilt when stale (someone was refreshed by this drain or an
    earlier one, or health scores are newer than the segments) and the last rebuild is at least
    ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS old. Returns the partners refreshed."""
    if not cache.add(DRAIN_LOCK, 1, timeout=DRAIN_LOCK_SECONDS):
        return 0
    started, began, total = timezone.now(), clock.perf_counter(), 0
    try:
        while True:
            rows = list(RollupDirty.objects.filter(marked_at__lte=started).order_by("marked_at", "partner_id")
                        .values_list("partner_id", "marked_at")[:chunk_size])
            if not rows:
                break
            ids = [pid for pid, _at in rows]
            total += refresh_partners(ids, today=today)
            # A partner marked again since it was read has a later marked_at than any read here: it stays.
            read_until = max(at for _pid, at in rows)
            RollupDirty.objects.filter(partner_id__in=ids, marked_at__lte=read_until).delete()
            if len(rows) < chunk_size:
                break
    finally:
        cache.delete(DRAIN_LOCK)
    if total:
        # Recorded first: a refresh newer than the last rebuild is what marks the segments stale, so a drain that
        # skips the rebuild (within the interval) leaves it to the first drain or sweep after the interval.
        _record(partners=total, seconds=clock.perf_counter() - began, started=started, full=False)
    # Also when nothing was refreshed: health scoring writes snapshots without marking anyone dirty.
    rebuild_segments_if_stale(min_interval=drain_min_interval())
    return total


def pending_count() -> int:
    return RollupDirty.objects.count()

