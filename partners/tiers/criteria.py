"""Measured values and criteria as the history stores them (JSON) and the pages show them."""

from dataclasses import dataclass
from decimal import Decimal

from . import metrics
from .config import Rung


@dataclass(frozen=True, slots=True)
class Criterion:
    metric: metrics.Metric
    required: Decimal | int
    value: Decimal | int
    available: bool

    @property
    def met(self) -> bool:
        return self.value >= self.required

    @property
    def gap(self) -> Decimal | int:
        return max(self.required - self.value, 0)


def criteria_for(rung: Rung | None, measured: tuple, available: frozenset[str]) -> list[Criterion]:
    if rung is None:
        return []
    return [Criterion(metric=m, required=rung.thresholds[i], value=measured[i], available=m.code in available)
            for i, m in enumerate(metrics.METRICS)]


def measured_json(measured: tuple, available: frozenset[str]) -> dict:
    """{"won_revenue_ttm": {"value": "1200.00", "available": true}, ...}: a metric without a provider says so."""
    return {m.code: {"value": str(measured[i]), "available": m.code in available} for i, m in enumerate(metrics.METRICS)}


def criteria_json(tier_code: str, criteria: list[Criterion]) -> list[dict]:
    return [{"tier": tier_code, "metric": c.metric.code, "required": str(c.required), "value": str(c.value),
             "met": c.met, "available": c.available} for c in criteria]


def rung_of(ladder: tuple[Rung, ...], tier_id: int | None) -> Rung | None:
    for rung in ladder:
        if rung.tier_id == tier_id:
            return rung
    return None
