"""The five result sets summed once into the shapes every panel builder reads (no query here)."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from analytics.periods import quarter_label
from prm.common.money import babel_locale

from .columns import _max_moment, color


@dataclass
class Aggregates:
    locale: str
    tiers: dict                  # tier id -> label
    in_scope: list               # Region objects in the filters, by name
    region_name: dict            # region id -> name, for every region (also those out of the filters)
    region_color: dict           # region id -> colour, for the regions in the filters
    quarters: list[date]
    qlabels: list[str]
    by_quarter: dict             # quarter -> measure -> total over regions
    by_region: dict              # region -> measure -> total over quarters
    cell: dict                   # (quarter, region id) -> its quarter row
    histograms: list             # every quarter row's decision-time histogram
    snap_region: dict            # region -> measure -> total over the snapshot rows
    at_risk_by_region: dict      # region id -> partners at risk
    facts_as_of: datetime | None
    snapshot_as_of: datetime | None
    pipeline_as_of: datetime | None
    snapshot_rows: list
    distributions: dict
    at_risk: list                # the at-risk partners' rows, lowest score first


def aggregate(*, filters, regions, tiers: dict, quarter_rows, snapshot_rows, distributions, at_risk,
              language: str | None = None) -> Aggregates:
    in_scope = [r for r in regions if r.pk in set(filters.region_ids)]
    quarters = list(filters.quarters)

    by_quarter = defaultdict(lambda: defaultdict(int))
    by_region = defaultdict(lambda: defaultdict(int))
    for row in quarter_rows:
        for key, value in row.items():
            if key in {"quarter", "region_id", "refreshed_at", "decision_hours"}:
                continue
            by_quarter[row["quarter"]][key] += value
            by_region[row["region_id"]][key] += value
    snap_region = defaultdict(lambda: defaultdict(int))
    for row in snapshot_rows:
        target = snap_region[row["region_id"]]
        for key, value in row.items():
            if key in {"region_id", "tier_id", "oldest_refresh", "refreshed_at"}:
                continue
            if key == "health_buckets":
                target[key] = [a + b for a, b in zip(target.get(key) or [0] * len(value), value, strict=True)]
            else:
                target[key] += value

    return Aggregates(
        locale=babel_locale(language), tiers=tiers, in_scope=in_scope,
        region_name={r.pk: r.name for r in regions},
        region_color={r.pk: color(i) for i, r in enumerate(in_scope)},
        quarters=quarters, qlabels=[quarter_label(q) for q in quarters],
        by_quarter=by_quarter, by_region=by_region,
        cell={(row["quarter"], row["region_id"]): row for row in quarter_rows},
        histograms=[row["decision_hours"] for row in quarter_rows],
        snap_region=snap_region, at_risk_by_region={pk: snap_region[pk]["at_risk"] for pk in snap_region},
        facts_as_of=_max_moment(quarter_rows), snapshot_as_of=_max_moment(snapshot_rows),
        pipeline_as_of=_max_moment(distributions["pipeline"]),
        snapshot_rows=snapshot_rows, distributions=distributions, at_risk=at_risk,
    )
