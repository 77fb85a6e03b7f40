"""Partner lifecycle panels: time to first value by activation cohort, the tier distribution, tier movements."""

from collections import defaultdict

from django.utils.translation import gettext as _

from analytics.periods import quarter_label

from .aggregates import Aggregates
from .columns import PALETTE, Column, Panel, _chart, _dataset, median_from_counts


def ttv_panel(agg: Aggregates) -> Panel:
    """Time to first value by activation cohort."""
    snapshot_as_of, distributions = agg.snapshot_as_of, agg.distributions
    cohorts = {row["cohort"]: row["partners"] for row in distributions["cohorts"]}
    reg_counts, win_counts = defaultdict(list), defaultdict(list)
    for row in distributions["registration"]:
        reg_counts[row["cohort"]].append((row["days"], row["partners"]))
    for row in distributions["win"]:
        win_counts[row["cohort"]].append((row["days"], row["partners"]))
    ttv_rows = []
    for cohort in sorted(set(cohorts) | set(reg_counts) | set(win_counts)):
        ttv_rows.append({
            "cohort": cohort, "activated": cohorts.get(cohort, 0),
            "registered": sum(n for _d, n in reg_counts[cohort]),
            "days_to_registration": median_from_counts(reg_counts[cohort]),
            "won": sum(n for _d, n in win_counts[cohort]),
            "days_to_win": median_from_counts(win_counts[cohort]),
        })
    return Panel(
        "ttv", _("Time to first value"),
        _("Partners activated in each quarter (cohort), and the median number of days from activation to their "
          "first deal registration and to their first won deal (among those who got there)."),
        [Column("cohort", _("Cohort"), "quarter"), Column("activated", _("Activated")),
         Column("registered", _("With a registration")),
         Column("days_to_registration", _("Median days to first registration"), "days"),
         Column("won", _("With a win")), Column("days_to_win", _("Median days to first win"), "days")],
        ttv_rows, "snapshot", as_of=snapshot_as_of,
        chart=_chart("bar", [quarter_label(r["cohort"]) for r in ttv_rows], [
            _dataset(_("Days to first registration"), [r["days_to_registration"] for r in ttv_rows], PALETTE[0]),
            _dataset(_("Days to first win"), [r["days_to_win"] for r in ttv_rows], PALETTE[1]),
        ], "days"),
    )


def tiers_panel(agg: Aggregates) -> Panel:
    """Tier distribution and partners in grace."""
    tiers, in_scope, region_color, snapshot_as_of = agg.tiers, agg.in_scope, agg.region_color, agg.snapshot_as_of
    snapshot_rows = agg.snapshot_rows
    tier_cells = defaultdict(lambda: defaultdict(lambda: {"partners": 0, "in_grace": 0}))
    for row in snapshot_rows:
        target = tier_cells[row["tier_id"]][row["region_id"]]
        target["partners"] += row["partners"]
        target["in_grace"] += row["in_grace"]
    tier_ids = sorted(tier_cells, key=lambda t: (t is None, list(tiers).index(t) if t in tiers else 0))
    no_tier = _("No tier")
    tier_rows = [{"tier": tiers.get(t, no_tier) if t else no_tier, "region": region.name,
                  "partners": tier_cells[t][region.pk]["partners"], "in_grace": tier_cells[t][region.pk]["in_grace"]}
                 for t in tier_ids for region in in_scope if region.pk in tier_cells[t]]
    return Panel(
        "tiers", _("Tier distribution"),
        _("Partners in the program (onboarding or active) by their current tier; in grace: below their tier's "
          "thresholds and keeping it until the grace period ends."),
        [Column("tier", _("Tier"), "text"), Column("region", _("Region"), "text"),
         Column("partners", _("Partners")), Column("in_grace", _("In grace"))],
        tier_rows, "snapshot", as_of=snapshot_as_of,
        chart=_chart("bar", [tiers.get(t, no_tier) if t else no_tier for t in tier_ids], [
            _dataset(region.name, [tier_cells[t][region.pk]["partners"] if region.pk in tier_cells[t] else 0
                                   for t in tier_ids], region_color[region.pk], stack="tiers")
            for region in in_scope], "number", stacked=True),
    )


def tier_movements_panel(agg: Aggregates) -> Panel:
    """Promotions and demotions by quarter."""
    in_scope, quarters, qlabels, by_quarter, cell = agg.in_scope, agg.quarters, agg.qlabels, agg.by_quarter, agg.cell
    facts_as_of = agg.facts_as_of
    movement_rows = [{"quarter": q, "region": region.name,
                      "promotions": cell[(q, region.pk)]["promotions"] if (q, region.pk) in cell else 0,
                      "demotions": cell[(q, region.pk)]["demotions"] if (q, region.pk) in cell else 0}
                     for q in quarters for region in in_scope]
    return Panel(
        "tier_movements", _("Tier movements"),
        _("Promotions and demotions by the quarter they took effect."),
        [Column("quarter", _("Quarter"), "quarter"), Column("region", _("Region"), "text"),
         Column("promotions", _("Promotions")), Column("demotions", _("Demotions"))],
        movement_rows, "facts", as_of=facts_as_of,
        chart=_chart("bar", qlabels, [
            _dataset(_("Promotions"), [by_quarter[q]["promotions"] for q in quarters], PALETTE[2]),
            _dataset(_("Demotions"), [by_quarter[q]["demotions"] for q in quarters], PALETTE[7]),
        ], "number"),
    )
