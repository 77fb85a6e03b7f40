"""The whole dashboard: the result sets aggregated once, every panel in page order, the KPI tiles, links and
the freshness of each rollup."""

from dataclasses import dataclass
from datetime import date, datetime

from django.urls import NoReverseMatch, reverse

from .aggregates import aggregate
from .columns import Panel
from .kpis import kpi_tiles
from .lifecycle import tier_movements_panel, tiers_panel, ttv_panel
from .notes import FRESHNESS_NOTES, STATE_LABELS, _state_kind
from .programs import at_risk_panel, engagement_panel, health_panel, mdf_panel, psat_panel, training_panel
from .sales import pipeline_panel, regions_panel, registrations_panel, revenue_panel

# In the order the page shows them.
PANEL_BUILDERS = (
    regions_panel, revenue_panel, pipeline_panel, registrations_panel,
    ttv_panel, tiers_panel, tier_movements_panel,
    mdf_panel, health_panel, at_risk_panel, psat_panel, engagement_panel, training_panel,
)


@dataclass
class Dashboard:
    filters: object
    regions: list            # Region objects in the filters, by name
    tiers: dict              # tier id -> label
    quarters: list[date]
    kpis: list[dict]
    panels: dict[str, Panel]
    freshness: list[dict]
    as_of: datetime | None

    def panel_list(self) -> list[Panel]:
        return list(self.panels.values())

    def chart_data(self) -> dict:
        return {pid: panel.chart for pid, panel in self.panels.items() if panel.chart}


def build_dashboard(*, filters, regions, tiers: dict, quarter_rows, snapshot_rows, distributions, at_risk,
                    freshness, language: str | None = None) -> Dashboard:
    """Every panel from the five result sets (no query here)."""
    agg = aggregate(filters=filters, regions=regions, tiers=tiers, quarter_rows=quarter_rows,
                    snapshot_rows=snapshot_rows, distributions=distributions, at_risk=at_risk, language=language)
    panels: dict[str, Panel] = {}
    for build in PANEL_BUILDERS:
        panel = build(agg)
        panels[panel.id] = panel
    kpis = kpi_tiles(agg)
    panels["regions"].links = [reverse("analytics:dashboard_region", args=[r["region_code"]])
                               for r in panels["regions"].rows]
    panels["at_risk"].links = [_admin_partner_url(row["partner_id"]) for row in panels["at_risk"].rows]
    for panel in panels.values():
        panel.format(agg.locale)
    states = [{**state, "label": str(STATE_LABELS.get(state["name"], state["name"])),
               "note": FRESHNESS_NOTES.get(_state_kind(state["name"]), "")} for state in freshness]
    as_of_candidates = [m for m in (agg.facts_as_of, agg.snapshot_as_of, agg.pipeline_as_of) if m]
    return Dashboard(filters=filters, regions=agg.in_scope, tiers=tiers, quarters=agg.quarters, kpis=kpis,
                     panels=panels, freshness=states, as_of=min(as_of_candidates) if as_of_candidates else None)


def _admin_partner_url(partner_id: int) -> str | None:
    try:
        return reverse("admin:partners_partnerorganization_change", args=[partner_id])
    except NoReverseMatch:
        return None
