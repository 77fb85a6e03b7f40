"""What-if: how many partners per region would move up or down under edited thresholds, before saving.

Two kinds of edits: the program's global thresholds (every region is shown; regional exceptions still apply
on top), or one region's exceptions (only that region's partners are measured; country exceptions still
apply on top). Runs the engine's own code read-only: chunks of partners measured once through the metric
providers, qualified under the saved and under the edited configuration, compared with the tier each
holds. Pinned partners do not move.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from partners.models import PartnerOrganization, Region, TierProgram

from . import metrics
from .config import TierConfig
from .engine import CHUNK_SIZE, ELIGIBLE_STATUSES, chunked, evaluate, load_states


@dataclass
class RegionMoves:
    region: str
    partners: int = 0
    up_saved: int = 0
    down_saved: int = 0
    up_edited: int = 0
    down_edited: int = 0

    @property
    def up_delta(self) -> int:
        return self.up_edited - self.up_saved

    @property
    def down_delta(self) -> int:
        return self.down_edited - self.down_saved


@dataclass
class WhatIf:
    regions: list[RegionMoves]
    total: RegionMoves
    as_of: date


def _move(held_rank: int | None, rung) -> int:
    if held_rank is None:
        return 0
    rank = rung.rank if rung is not None else -1
    return (rank > held_rank) - (rank < held_rank)


def tier_whatif(*, program: TierProgram, threshold_edits: dict[int, dict] | None = None,
                partner_ids: Iterable[int] | None = None, as_of: date | None = None, region: Region | None = None,
                region_override_edits: dict[int, dict] | None = None) -> WhatIf:
    """Moves per region under the saved and the edited thresholds.

    ``threshold_edits``: tier id -> {field: value}, edited global thresholds. ``region`` with
    ``region_override_edits`` (tier id -> {field: value or None to inherit}): that region's edited exceptions,
    measured over its partners only. ``partner_ids`` narrows the partners (a manager's regions); None: every
    eligible partner of the program's types. Reads only; the caller's scope must cover the partners.
    """
    as_of = as_of or timezone.localdate()
    region_edits = {(int(tier_id), region.pk): values for tier_id, values in (region_override_edits or {}).items()} \
        if region is not None else {}
    saved = TierConfig.load()
    edited = TierConfig.load(threshold_edits=threshold_edits, region_override_edits=region_edits)
    ranks = {tier_id: tier.rank for tier_id, tier in saved.tiers.items()}
    qs = PartnerOrganization.objects.filter(status__in=ELIGIBLE_STATUSES, partner_type__in=program.partner_types or [])
    if region is not None:
        qs = qs.filter(region=region)
    if partner_ids is not None:
        qs = qs.filter(pk__in=list(partner_ids))
    names = dict(Region.objects.values_list("pk", "name"))
    by_region: dict[int | None, RegionMoves] = {}
    total = RegionMoves(region="")
    ids = qs.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK_SIZE)
    for chunk in chunked(ids):
        states = load_states(chunk, lock=False)
        measured = metrics.measure(chunk, as_of)
        facts_saved = evaluate(chunk, as_of=as_of, config=saved, measurements=measured)
        facts_edited = evaluate(chunk, as_of=as_of, config=edited, measurements=measured)
        for now, then in zip(facts_saved, facts_edited, strict=True):
            if now.program is None or now.program.id != program.pk:
                continue
            state = states.get(now.partner_id)
            pinned = state is not None and state.pinned_tier_id is not None and (
                state.pinned_until is None or state.pinned_until >= as_of)
            held = ranks.get(state.tier_id) if state is not None and state.tier_id else None
            row = by_region.setdefault(now.region_id, RegionMoves(region=names.get(now.region_id, "")))
            for bucket in (row, total):
                bucket.partners += 1
                if pinned:
                    continue
                before, after = _move(held, now.qualified), _move(held, then.qualified)
                bucket.up_saved += before > 0
                bucket.down_saved += before < 0
                bucket.up_edited += after > 0
                bucket.down_edited += after < 0
    regions = sorted(by_region.values(), key=lambda r: r.region)
    return WhatIf(regions=regions, total=total, as_of=as_of)
