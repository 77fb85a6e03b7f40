"""What people read about freshness: the notes on each rollup and under each panel, and the at-risk reasons of a
partner as sentences."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FRESHNESS_NOTES = {
    "facts": gettext_lazy("Quarter figures: refreshed within minutes of a change (deals, funds, training, "
                          "tiers, surveys) and rebuilt every night."),
    "snapshot": gettext_lazy("Current state per partner: refreshed within minutes of a change and rebuilt every "
                             "night; sign-ins count once a day."),
    "pipeline": gettext_lazy("Open pipeline: refreshed within minutes of a registration changing and rebuilt "
                             "every night, at the latest exchange rate."),
    "health": gettext_lazy("Health scores: computed every night from the previous day's figures."),
    "segments": gettext_lazy("Sums by region, country, partner type and tier: rebuilt from the partner rollups "
                             "every night, within minutes of changes (at most every few minutes) and of the nightly "
                             "health scoring. A partner that changes region or tier is counted there with its whole "
                             "history."),
}


# RollupState names (analytics.rollups.services.STATE, analytics.rollups.segments.STATE and the health job's) as
# people read them.
STATE_LABELS = {
    "partner_facts": gettext_lazy("Partner rollups (current state, quarter figures, pipeline)"),
    "health": gettext_lazy("Health scores"),
    "segments": gettext_lazy("Dashboard sums (by region, country, partner type and tier)"),
}


# The same, short, under each panel.
PANEL_NOTES = {
    "facts": gettext_lazy("Updated within minutes of a change; rebuilt nightly."),
    "snapshot": gettext_lazy("Updated within minutes of a change; rebuilt nightly."),
    "pipeline": gettext_lazy("Updated within minutes of a change; rebuilt nightly at the latest rates."),
    "health": gettext_lazy("Health scores are computed nightly."),
}


def _state_kind(name: str) -> str:
    """Map a RollupState name to its freshness note ("snapshot", "quarter_facts", "pipeline", "health"...)."""
    name = name.lower()
    for kind, words in (("segments", ("segment",)), ("health", ("health",)), ("pipeline", ("pipeline",)),
                        ("facts", ("quarter", "fact")), ("snapshot", ("snapshot",))):
        if any(word in name for word in words):
            return kind
    return ""


def reason_texts(row: dict) -> list[str]:
    """The at-risk reasons of a partner's latest health score, as sentences (components explained by
    analytics.health.explain; the threshold and drop reasons here)."""
    from analytics.health import explain
    from analytics.models import HealthScore

    reasons = row.get("reasons") or []
    components = row.get("components") or {}
    texts, explained = [], {}
    try:
        score = HealthScore(partner_id=row["partner_id"], score=row.get("health_score") or 0,
                            components=components, reasons=reasons)
        explained = {factor.code: factor for factor in explain.factors(score)}
    except Exception:  # an explanation must never break the dashboard; the codes still show
        explained = {}
    for code in reasons:
        code = str(code)
        if code in explained:
            factor = explained[code]
            texts.append(f"{factor.label}: {factor.message}" if factor.message else factor.label)
        elif code in {"below_threshold", "score_below", "low_score", "threshold"}:
            texts.append(_("Score below the at-risk threshold"))
        elif code in {"drop", "score_drop", "dropped", "fell"}:
            change = row.get("health_change")
            texts.append(_("Score fell %(points)s points in 30 days") % {"points": abs(change)} if change
                         else _("Score fell sharply in 30 days"))
        else:
            texts.append(explain.label(code))
    return texts
