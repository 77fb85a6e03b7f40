"""Sales panels: the regions side by side, sourced and influenced revenue, open pipeline by stage, deal
registrations."""

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from .aggregates import Aggregates
from .columns import (
    PALETTE,
    STAGE_ORDER,
    Column,
    Panel,
    _chart,
    _dataset,
    _median_hours,
    _rate,
    _ratio,
    lighter,
    stage_label,
)


def regions_panel(agg: Aggregates) -> Panel:
    """Regions side by side."""
    in_scope, by_region, snap_region, facts_as_of = agg.in_scope, agg.by_region, agg.snap_region, agg.facts_as_of
    snapshot_as_of = agg.snapshot_as_of
    region_rows = []
    for region in in_scope:
        facts, snap = by_region.get(region.pk, defaultdict(int)), snap_region.get(region.pk, defaultdict(int))
        decided = facts["registrations_approved"] + facts["registrations_rejected"]
        region_rows.append({
            "region": region.name, "region_code": region.code, "region_id": region.pk,
            "partners": snap["partners"],
            "sourced": facts["sourced_won_base"] or Decimal("0.00"),
            "influenced": facts["influenced_won_base"] or Decimal("0.00"),
            "pipeline": snap["open_pipeline_base"] or Decimal("0.00"),
            "approval_rate": _rate(facts["registrations_approved"], decided),
            "mdf_spent": facts["mdf_spent_base"] or Decimal("0.00"),
            "ropi": _ratio(facts["mdf_attributed_won_base"] or Decimal(0), facts["mdf_spent_base"] or Decimal(0)),
            "avg_health": round(snap["health_sum"] / snap["scored"], 1) if snap["scored"] else None,
            "at_risk": snap["at_risk"],
            "psat": round(facts["psat_score_sum"] / facts["psat_responses"], 1) if facts["psat_responses"] else None,
            "active_pct": _rate(snap["active_partners"], snap["partners"]),
        })
    return Panel(
        "regions", _("Regions side by side"),
        _("Won revenue, approval rate, MDF spend, ROPI and PSAT over the period; partners, pipeline, health and "
          "activity as of now."),
        [Column("region", _("Region"), "text"), Column("partners", _("Partners")),
         Column("sourced", _("Sourced revenue"), "money"), Column("influenced", _("Influenced revenue"), "money"),
         Column("pipeline", _("Open pipeline"), "money"), Column("approval_rate", _("Approval rate"), "percent"),
         Column("mdf_spent", _("MDF spent"), "money"), Column("ropi", _("ROPI"), "ratio"),
         Column("avg_health", _("Average health"), "score"), Column("at_risk", _("At risk")),
         Column("psat", _("PSAT average"), "score"), Column("active_pct", _("Active partners"), "percent")],
        region_rows, "facts", as_of=facts_as_of or snapshot_as_of,
        chart=_chart("bar", [r["region"] for r in region_rows], [
            _dataset(_("Sourced revenue"), [r["sourced"] for r in region_rows], PALETTE[0]),
            _dataset(_("Influenced revenue"), [r["influenced"] for r in region_rows], lighter(PALETTE[0])),
        ], "money"),
    )


def revenue_panel(agg: Aggregates) -> Panel:
    """Sourced vs influenced won revenue by quarter and region."""
    in_scope, region_color, quarters, qlabels = agg.in_scope, agg.region_color, agg.quarters, agg.qlabels
    cell, facts_as_of = agg.cell, agg.facts_as_of
    revenue_rows, revenue_sets = [], []
    for q in quarters:
        for region in in_scope:
            row = cell.get((q, region.pk))
            sourced = row["sourced_won_base"] if row else Decimal("0.00")
            influenced = row["influenced_won_base"] if row else Decimal("0.00")
            revenue_rows.append({"quarter": q, "region": region.name, "sourced": sourced, "influenced": influenced,
                                 "total": sourced + influenced})
    for region in in_scope:
        series = [cell.get((q, region.pk)) for q in quarters]
        revenue_sets.append(_dataset(_("%(region)s: sourced") % {"region": region.name},
                                     [r["sourced_won_base"] if r else 0 for r in series],
                                     region_color[region.pk], stack=region.code))
        revenue_sets.append(_dataset(_("%(region)s: influenced") % {"region": region.name},
                                     [r["influenced_won_base"] if r else 0 for r in series],
                                     lighter(region_color[region.pk]), stack=region.code))
    return Panel(
        "revenue", _("Partner-sourced and partner-influenced won revenue"),
        _("Won deals by the quarter of their close date, in %(currency)s at each deal's rate. Sourced: the partner "
          "brought the deal; influenced: the partner helped win it.") % {"currency": settings.BASE_CURRENCY},
        [Column("quarter", _("Quarter"), "quarter"), Column("region", _("Region"), "text"),
         Column("sourced", _("Sourced"), "money"), Column("influenced", _("Influenced"), "money"),
         Column("total", _("Total"), "money")],
        revenue_rows, "facts", as_of=facts_as_of,
        chart=_chart("bar", qlabels, revenue_sets, "money", stacked=True),
    )


def pipeline_panel(agg: Aggregates) -> Panel:
    """Pipeline by stage."""
    in_scope, region_color, pipeline_as_of = agg.in_scope, agg.region_color, agg.pipeline_as_of
    distributions = agg.distributions
    pipe = defaultdict(dict)
    for row in distributions["pipeline"]:
        pipe[row["stage"]][row["region_id"]] = row
    stages = sorted(pipe, key=lambda s: (STAGE_ORDER.index(s) if s in STAGE_ORDER else len(STAGE_ORDER), s))
    pipeline_rows = []
    for stage in stages:
        for region in in_scope:
            row = pipe[stage].get(region.pk)
            if row:
                pipeline_rows.append({"stage": stage_label(stage), "region": region.name, "deals": row["deals"],
                                      "amount": row["amount"]})
    return Panel(
        "pipeline", _("Open pipeline by stage"),
        _("Open registrations (submitted, more information requested, approved) and their estimated value in "
          "%(currency)s.") % {"currency": settings.BASE_CURRENCY},
        [Column("stage", _("Stage"), "text"), Column("region", _("Region"), "text"),
         Column("deals", _("Registrations")), Column("amount", _("Estimated value"), "money")],
        pipeline_rows, "pipeline", as_of=pipeline_as_of,
        chart=_chart("bar", [stage_label(s) for s in stages], [
            _dataset(region.name, [pipe[s].get(region.pk, {}).get("amount", 0) for s in stages],
                     region_color[region.pk], stack="pipeline") for region in in_scope], "money", stacked=True),
    )


def registrations_panel(agg: Aggregates) -> Panel:
    """Registrations: submitted / approved / rejected, approval rate, median time to decision."""
    in_scope, quarters, qlabels, by_quarter, cell = agg.in_scope, agg.quarters, agg.qlabels, agg.by_quarter, agg.cell
    facts_as_of = agg.facts_as_of
    registration_rows = []
    for q in quarters:
        for region in in_scope:
            row = cell.get((q, region.pk))
            approved = row["registrations_approved"] if row else 0
            rejected = row["registrations_rejected"] if row else 0
            registration_rows.append({
                "quarter": q, "region": region.name,
                "submitted": row["registrations_submitted"] if row else 0, "approved": approved,
                "rejected": rejected, "approval_rate": _rate(approved, approved + rejected),
                "median_hours": _median_hours(row["decision_hours"]) if row else None,
            })
    return Panel(
        "registrations", _("Deal registrations"),
        _("Submitted in the quarter; approved and rejected by the quarter of the decision. Approval rate: approved "
          "of all decided. Median time to decision from submission, in hours."),
        [Column("quarter", _("Quarter"), "quarter"), Column("region", _("Region"), "text"),
         Column("submitted", _("Submitted")), Column("approved", _("Approved")), Column("rejected", _("Rejected")),
         Column("approval_rate", _("Approval rate"), "percent"),
         Column("median_hours", _("Median time to decision"), "hours")],
        registration_rows, "facts", as_of=facts_as_of,
        chart=_chart("bar", qlabels, [
            _dataset(_("Submitted"), [by_quarter[q]["registrations_submitted"] for q in quarters], PALETTE[0]),
            _dataset(_("Approved"), [by_quarter[q]["registrations_approved"] for q in quarters], PALETTE[2]),
            _dataset(_("Rejected"), [by_quarter[q]["registrations_rejected"] for q in quarters], PALETTE[7]),
        ], "number"),
    )
