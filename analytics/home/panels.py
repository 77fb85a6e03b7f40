"""The panels analytics adds to the partner home (registered in wiring.py through prm.common.home).

Each context function takes the portal request and returns the panel's context, or None to leave the
panel out. They share one HomeData per request, so a figure two panels show is read once. Pipeline and
revenue come from the partner's snapshot (the rollups); when the snapshot has not been built yet the panel
says the figures are being prepared rather than scanning raw facts on a page view.
"""

from django.conf import settings

from .data import home_data
from .inbox import inbox_for

IMPROVEMENTS_SHOWN = 3


def inbox_panel(request) -> dict:
    """Always shown: an empty inbox says so."""
    return {"actions": inbox_for(home_data(request))}


def pipeline_panel(request) -> dict:
    snapshot = home_data(request).snapshot
    return {"snapshot": snapshot, "currency": settings.BASE_CURRENCY,
            "as_of": snapshot.refreshed_at if snapshot is not None else None}


def funds_panel(request) -> dict:
    data = home_data(request)
    return {"balances": data.balances, "pending_claims": data.mdf.pending_claims,
            "can_claim": data.can("can_claim_mdf")}


def training_panel(request) -> dict:
    data = home_data(request)
    return {"learning": data.learning, "certifications": data.certifications,
            "show_team": data.can("can_manage_users")}


def tier_panel(request) -> dict | None:
    """Left out for partners outside every tier program (nothing to progress toward)."""
    progress = home_data(request).tier_progress
    if progress.program is None:
        return None
    toward_next = [c for c in progress.criteria if c.required_next is not None and c.available]
    return {"progress": progress, "toward_next": toward_next, "currency": settings.BASE_CURRENCY}


def health_panel(request) -> dict:
    data = home_data(request)
    score = data.health
    if score is None:
        return {"score": None}
    return {"score": score, "change": score.score - score.previous_score if score.previous_score is not None else None,
            "improvements": data.health_improvements(limit=IMPROVEMENTS_SHOWN)}
