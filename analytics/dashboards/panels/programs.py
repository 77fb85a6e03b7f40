"""Program panels: MDF and ROPI, health score distribution, partners at risk, PSAT, engagement, training."""

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..queries import HEALTH_BUCKETS
from .aggregates import Aggregates
from .columns import PALETTE, Column, Panel, _chart, _dataset, _rate, _ratio
from .notes import reason_texts


def mdf_panel(agg: Aggregates) -> Panel:
    """MDF and ROPI by region."""
    in_scope, by_region, facts_as_of = agg.in_scope, agg.by_region, agg.facts_as_of
    mdf_rows = []
    for region in in_scope:
        facts = by_region.get(region.pk, defaultdict(int))
        spent = facts["mdf_spent_base"] or Decimal("0.00")
        attributed = facts["mdf_attributed_won_base"] or Decimal("0.00")
        mdf_rows.append({"region": region.name, "allocated": facts["mdf_allocated_base"] or Decimal("0.00"),
                         "reserved": facts["mdf_reserved_base"] or Decimal("0.00"), "spent": spent,
                         "paid": facts["mdf_paid_base"] or Decimal("0.00"), "attributed": attributed,
                         "ropi": _ratio(attributed, spent)})
    return Panel(
        "mdf", _("Market development funds and ROPI"),
        _("Fund movements dated in the period, in %(currency)s at each entry's rate. ROPI: won revenue of deals "
          "attributed to MDF activities per unit of MDF spent.") % {"currency": settings.BASE_CURRENCY},
        [Column("region", _("Region"), "text"), Column("allocated", _("Allocated"), "money"),
         Column("reserved", _("Reserved"), "money"), Column("spent", _("Spent"), "money"),
         Column("paid", _("Paid"), "money"), Column("attributed", _("Won revenue from MDF activities"), "money"),
         Column("ropi", _("ROPI"), "ratio")],
        mdf_rows, "facts", as_of=facts_as_of,
        chart=_chart("bar", [r["region"] for r in mdf_rows], [
            _dataset(_("Allocated"), [r["allocated"] for r in mdf_rows], PALETTE[0]),
            _dataset(_("Reserved"), [r["reserved"] for r in mdf_rows], PALETTE[5]),
            _dataset(_("Spent"), [r["spent"] for r in mdf_rows], PALETTE[1]),
            _dataset(_("Paid"), [r["paid"] for r in mdf_rows], PALETTE[2]),
        ], "money"),
    )


def health_panel(agg: Aggregates) -> Panel:
    """Health score distribution."""
    in_scope, region_color, snap_region = agg.in_scope, agg.region_color, agg.snap_region
    at_risk_by_region, snapshot_as_of = agg.at_risk_by_region, agg.snapshot_as_of
    bucket_labels = [f"{low}–{high}" for low, high in HEALTH_BUCKETS]
    health_rows = []
    for region in in_scope:
        snap = snap_region.get(region.pk, defaultdict(int))
        buckets = snap.get("health_buckets") or [0] * len(HEALTH_BUCKETS)
        health_rows.append({"region": region.name, **{f"b{i}": n for i, n in enumerate(buckets)},
                            "avg": round(snap["health_sum"] / snap["scored"], 1) if snap["scored"] else None,
                            "at_risk": at_risk_by_region.get(region.pk, 0)})
    return Panel(
        "health", _("Health score distribution"),
        _("Partners by their latest health score (0–100); at risk: below the threshold or a sharp drop."),
        [Column("region", _("Region"), "text"),
         *[Column(f"b{i}", label) for i, label in enumerate(bucket_labels)],
         Column("avg", _("Average"), "score"), Column("at_risk", _("At risk"))],
        health_rows, "health", as_of=snapshot_as_of,
        chart=_chart("bar", bucket_labels, [
            _dataset(row["region"], [row[f"b{i}"] for i in range(len(HEALTH_BUCKETS))],
                     region_color[region.pk], stack="health") for row, region in zip(health_rows, in_scope, strict=True)
        ], "number", stacked=True),
    )


def at_risk_panel(agg: Aggregates) -> Panel:
    """The at-risk partners with the lowest scores, and why."""
    tiers, region_name, snapshot_as_of, at_risk = agg.tiers, agg.region_name, agg.snapshot_as_of, agg.at_risk
    return Panel(
        "at_risk", _("Partners at risk"),
        ngettext("The at-risk partner with the lowest health score, and why.",
                 "The %(count)s at-risk partners with the lowest health scores, and why.",
                 len(at_risk)) % {"count": len(at_risk)} if at_risk else _("No partner is at risk."),
        [Column("partner", _("Partner"), "text"), Column("region", _("Region"), "text"),
         Column("tier", _("Tier"), "text"), Column("score", _("Health"), "int"),
         Column("change", _("Change (30 days)"), "change"), Column("reasons", _("Reasons"), "text")],
        [{"partner": row["name"], "partner_id": row["partner_id"], "region": region_name.get(row["region_id"], ""),
          "tier": tiers.get(row["tier_id"], "") if row["tier_id"] else "", "score": row["health_score"],
          "change": row["health_change"], "reasons": " · ".join(reason_texts(row))} for row in at_risk],
        "health", as_of=snapshot_as_of,
    )


def psat_panel(agg: Aggregates) -> Panel:
    """PSAT trend."""
    in_scope, region_color, quarters, qlabels = agg.in_scope, agg.region_color, agg.quarters, agg.qlabels
    cell, facts_as_of = agg.cell, agg.facts_as_of
    psat_rows, psat_sets = [], []
    for q in quarters:
        for region in in_scope:
            row = cell.get((q, region.pk))
            responses = row["psat_responses"] if row else 0
            psat_rows.append({
                "quarter": q, "region": region.name, "responses": responses,
                "average": round(row["psat_score_sum"] / responses, 1) if responses else None,
                "promoters": row["psat_promoters"] if row else 0, "detractors": row["psat_detractors"] if row else 0,
                "net": round(100 * (row["psat_promoters"] - row["psat_detractors"]) / responses, 1)
                if responses else None,
            })
    for region in in_scope:
        psat_sets.append(_dataset(region.name, [
            (cell[(q, region.pk)]["psat_score_sum"] / cell[(q, region.pk)]["psat_responses"])
            if (q, region.pk) in cell and cell[(q, region.pk)]["psat_responses"] else None for q in quarters],
            region_color[region.pk]))
    return Panel(
        "psat", _("Partner satisfaction (PSAT)"),
        _("Survey answers (0–10) by quarter: the average, promoters (9–10) and detractors (0–6); net: promoters "
          "minus detractors, in percent of answers."),
        [Column("quarter", _("Quarter"), "quarter"), Column("region", _("Region"), "text"),
         Column("responses", _("Answers")), Column("average", _("Average"), "score"),
         Column("promoters", _("Promoters")), Column("detractors", _("Detractors")),
         Column("net", _("Net score"), "score")],
        psat_rows, "facts", as_of=facts_as_of,
        chart=_chart("line", qlabels, psat_sets, "score"),
    )


def engagement_panel(agg: Aggregates) -> Panel:
    """Engagement: active partners and certifications."""
    in_scope, snap_region, snapshot_as_of = agg.in_scope, agg.snap_region, agg.snapshot_as_of
    engagement_rows = []
    for region in in_scope:
        snap = snap_region.get(region.pk, defaultdict(int))
        engagement_rows.append({"region": region.name, "partners": snap["partners"],
                                "active": snap["active_partners"],
                                "active_pct": _rate(snap["active_partners"], snap["partners"]),
                                "certifications": snap["active_certifications"],
                                "expiring": snap["certifications_expiring_60d"]})
    return Panel(
        "engagement", _("Active partners and certifications"),
        _("Active: someone at the partner signed in during the last 30 days, among partners in the program. "
          "Certifications: active now, and those expiring within 60 days."),
        [Column("region", _("Region"), "text"), Column("partners", _("Partners")),
         Column("active", _("Active partners")), Column("active_pct", _("Active %"), "percent"),
         Column("certifications", _("Active certifications")), Column("expiring", _("Expiring within 60 days"))],
        engagement_rows, "snapshot", as_of=snapshot_as_of,
        chart=_chart("bar", [r["region"] for r in engagement_rows], [
            _dataset(_("Active partners %"), [r["active_pct"] for r in engagement_rows], PALETTE[2])], "percent"),
    )


def training_panel(agg: Aggregates) -> Panel:
    """Training completions by quarter."""
    in_scope, quarters, qlabels, by_quarter, cell = agg.in_scope, agg.quarters, agg.qlabels, agg.by_quarter, agg.cell
    facts_as_of = agg.facts_as_of
    training_rows = [{"quarter": q, "region": region.name,
                      "completions": cell[(q, region.pk)]["course_completions"] if (q, region.pk) in cell else 0,
                      "awarded": cell[(q, region.pk)]["certifications_awarded"] if (q, region.pk) in cell else 0}
                     for q in quarters for region in in_scope]
    return Panel(
        "training", _("Training completions"),
        _("Courses completed and certifications awarded, by quarter."),
        [Column("quarter", _("Quarter"), "quarter"), Column("region", _("Region"), "text"),
         Column("completions", _("Course completions")), Column("awarded", _("Certifications awarded"))],
        training_rows, "facts", as_of=facts_as_of,
        chart=_chart("bar", qlabels, [
            _dataset(_("Course completions"), [by_quarter[q]["course_completions"] for q in quarters], PALETTE[4]),
            _dataset(_("Certifications awarded"), [by_quarter[q]["certifications_awarded"] for q in quarters],
                     PALETTE[5]),
        ], "number"),
    )
