"""The health score as a tier metric: each partner's latest score on or before the tier engine's day.

Registered at start-up (analytics.health.wiring.ready()). One query per chunk; the engine calls it inside a scope
covering the chunk, and partners the scope does not cover are left out (they count as zero), like enablement's
certification metric.
"""

from collections.abc import Sequence
from datetime import date

from partners.tiers import metrics
from prm.tenancy.scoping import current_partner_ids

from .scoring import latest_scores


def health_score(partner_ids: Sequence[int], as_of: date) -> dict[int, int]:
    """{partner_id: latest score on or before ``as_of``}; partners never scored are absent (zero)."""
    ids = sorted({int(pid) for pid in partner_ids})
    allowed = current_partner_ids()  # ScopeError without a scope; None when scopes are disabled
    if allowed is not None:
        allowed_ids = {int(pid) for pid in allowed}
        ids = [pid for pid in ids if pid in allowed_ids]
    return latest_scores(ids, as_of) if ids else {}


def register() -> None:
    metrics.register(metrics.HEALTH_SCORE, health_score)
