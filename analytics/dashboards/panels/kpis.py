"""The key figures over everything in the filters, as tiles above the panels."""

from decimal import Decimal

from django.utils.translation import gettext as _

from analytics.stats import add_histograms

from .aggregates import Aggregates
from .columns import _median_hours, _rate, _ratio, display


def total(measure: str, pool: dict):
    """``measure`` summed over ``pool`` (amounts, ``*_base``, as a Decimal)."""
    return sum((pool[k][measure] for k in pool), Decimal(0) if measure.endswith("_base") else 0)


def kpi_tiles(agg: Aggregates) -> list[dict]:
    """KPI tiles over everything in the filters, each with its value formatted for ``agg.locale``."""
    by_quarter, snap_region, at_risk_by_region = agg.by_quarter, agg.snap_region, agg.at_risk_by_region
    all_hist = add_histograms(agg.histograms)
    approved, rejected = total("registrations_approved", by_quarter), total("registrations_rejected", by_quarter)
    spent, attributed = total("mdf_spent_base", by_quarter), total("mdf_attributed_won_base", by_quarter)
    responses = total("psat_responses", by_quarter)
    partners_now = sum(s["partners"] for s in snap_region.values())
    scored = sum(s["scored"] for s in snap_region.values())
    kpis = [
        {"label": _("Sourced revenue"), "value": total("sourced_won_base", by_quarter), "kind": "money0"},
        {"label": _("Influenced revenue"), "value": total("influenced_won_base", by_quarter), "kind": "money0"},
        {"label": _("Open pipeline"), "value": sum((s["open_pipeline_base"] or Decimal(0) for s in snap_region.values()),
                                                   Decimal("0.00")), "kind": "money0"},
        {"label": _("Approval rate"), "value": _rate(approved, approved + rejected), "kind": "percent"},
        {"label": _("Median time to decision"), "value": _median_hours(all_hist), "kind": "hours"},
        {"label": _("ROPI"), "value": _ratio(attributed, spent), "kind": "ratio"},
        {"label": _("Average health"), "value": round(sum(s["health_sum"] for s in snap_region.values()) / scored, 1)
         if scored else None, "kind": "score"},
        {"label": _("Partners at risk"), "value": sum(at_risk_by_region.values()), "kind": "int"},
        {"label": _("PSAT average"), "value": round(total("psat_score_sum", by_quarter) / responses, 1)
         if responses else None, "kind": "score"},
        {"label": _("Active partners"), "value": _rate(sum(s["active_partners"] for s in snap_region.values()),
                                                       partners_now), "kind": "percent"},
    ]
    for kpi in kpis:
        kpi["display"] = display(kpi["value"], kpi["kind"], locale=agg.locale)
    return kpis
