"""Reads about the rollups themselves: how fresh they are ("as of" on every dashboard)."""

from dataclasses import dataclass
from datetime import datetime

from analytics.models import RollupState

from .services import STATE


@dataclass(frozen=True)
class Freshness:
    """``as_of``: the start of the last complete refresh of every partner (None: never ran). Every figure includes
    at least what was committed before it; ``refreshed_at``: the last refresh of any kind (changes since
    ``as_of`` are applied incrementally, usually within a minute). See analytics.rollups.services."""

    as_of: datetime | None
    refreshed_at: datetime | None
    partners: int
    seconds: float


def freshness() -> Freshness:
    """One query."""
    state = RollupState.objects.filter(name=STATE).first()
    if state is None:
        return Freshness(as_of=None, refreshed_at=None, partners=0, seconds=0.0)
    return Freshness(as_of=state.full_refreshed_at, refreshed_at=state.refreshed_at, partners=state.partners,
                     seconds=state.seconds)
