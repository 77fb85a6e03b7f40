"""The tier configuration as the engine sees it: loaded once per run (three queries), resolved per
(program, region, country) into a ladder of tiers with their effective thresholds.

Regional exceptions layer per criterion: a country's value beats its region's, which beats the tier's.
The what-if passes edited global thresholds (``threshold_edits``) or edited regional exceptions
(``region_override_edits``) and gets the same ladders otherwise.
"""

import json
from dataclasses import dataclass, field
from decimal import Decimal

from partners.models import Tier, TierProgram, TierThresholdOverride

from .metrics import METRICS


def _override_value(override, name: str):
    """A saved exception's value (a model row) or an edited one (a dict); None: inherits."""
    if override is None:
        return None
    return override.get(name) if isinstance(override, dict) else getattr(override, name)


@dataclass(frozen=True, slots=True)
class Rung:
    """One tier in a resolved ladder. ``thresholds`` follow METRICS' order."""

    tier_id: int
    rank: int
    thresholds: tuple


@dataclass(frozen=True)
class ProgramInfo:
    id: int
    code: str
    grace_days: int
    warn_before_days: int
    promotion_requires_approval: bool


# Snapshot content -> the configuration built from it (a few nights' worth at most).
_SNAPSHOTS: dict[str, "TierConfig"] = {}


@dataclass
class TierConfig:
    programs: dict[int, ProgramInfo]
    program_by_type: dict[str, int]
    tiers: dict[int, Tier]
    tiers_by_program: dict[int, list[Tier]]
    region_overrides: dict[tuple[int, int], TierThresholdOverride]
    country_overrides: dict[tuple[int, str], TierThresholdOverride]
    threshold_edits: dict[int, dict[str, Decimal | int]] = field(default_factory=dict)
    region_override_edits: dict[tuple[int, int], dict[str, Decimal | int | None]] = field(default_factory=dict)
    _ladders: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, *, threshold_edits: dict[int, dict] | None = None,
             region_override_edits: dict[tuple[int, int], dict] | None = None) -> "TierConfig":
        """Active programs, their tiers and exceptions (three queries).

        ``threshold_edits``: tier id -> {field: value}, the what-if's unsaved global thresholds.
        ``region_override_edits``: (tier id, region id) -> {field: value or None (inherit)}, the what-if's unsaved
        regional exceptions; they replace the saved exception of that tier and region."""
        programs, program_by_type = {}, {}
        for p in TierProgram.objects.filter(is_active=True).order_by("id"):
            programs[p.id] = ProgramInfo(id=p.id, code=p.code, grace_days=p.grace_days,
                                         warn_before_days=p.warn_before_days,
                                         promotion_requires_approval=p.promotion_requires_approval)
            for partner_type in p.partner_types or []:
                program_by_type.setdefault(partner_type, p.id)  # the oldest wins if two ever claim a type
        tiers = {t.id: t for t in Tier.objects.filter(program__is_active=True).order_by("program_id", "rank")}
        by_program: dict[int, list[Tier]] = {pid: [] for pid in programs}
        for tier in tiers.values():
            by_program.setdefault(tier.program_id, []).append(tier)
        region_overrides, country_overrides = {}, {}
        for override in TierThresholdOverride.objects.filter(tier__program__is_active=True):
            if override.region_id:
                region_overrides[(override.tier_id, override.region_id)] = override
            else:
                country_overrides[(override.tier_id, override.country)] = override
        return cls(programs=programs, program_by_type=program_by_type, tiers=tiers, tiers_by_program=by_program,
                   region_overrides=region_overrides, country_overrides=country_overrides,
                   threshold_edits=dict(threshold_edits or {}),
                   region_override_edits=dict(region_override_edits or {}))

    def snapshot(self) -> dict:
        """The configuration as JSON, so the nightly fan-out hands every chunk the same thresholds (and
        chunk tasks do not query them again)."""
        def value(f, obj):
            raw = f.value_from_object(obj)
            return str(raw) if raw is not None and f.get_internal_type() == "DecimalField" else raw

        def row(obj) -> dict:
            return {f.attname: value(f, obj) for f in obj._meta.concrete_fields}

        return {
            "programs": [vars(p) for p in self.programs.values()],
            "program_by_type": self.program_by_type,
            "tiers": [row(t) for t in self.tiers.values()],
            "overrides": [row(o) for o in [*self.region_overrides.values(), *self.country_overrides.values()]],
        }

    @classmethod
    def from_snapshot(cls, data: dict) -> "TierConfig":
        """The configuration of a snapshot. A worker gets the same snapshot with every chunk of a night: the
        configuration built for it (with its resolved ladders) is kept for the next chunks, keyed by the
        snapshot's content, so a changed configuration is never mistaken for the old one."""
        key = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
        found = _SNAPSHOTS.get(key)
        if found is None:
            found = cls._from_snapshot(data)
            if len(_SNAPSHOTS) >= 4:
                _SNAPSHOTS.pop(next(iter(_SNAPSHOTS)))
            _SNAPSHOTS[key] = found
        return found

    @classmethod
    def _from_snapshot(cls, data: dict) -> "TierConfig":
        def build(model, values: dict):
            return model(**{f.attname: f.to_python(values[f.attname]) for f in model._meta.concrete_fields})

        programs = {p["id"]: ProgramInfo(**p) for p in data["programs"]}
        tiers = {t.id: t for t in sorted((build(Tier, v) for v in data["tiers"]), key=lambda t: (t.program_id, t.rank))}
        by_program: dict[int, list[Tier]] = {pid: [] for pid in programs}
        for tier in tiers.values():
            by_program.setdefault(tier.program_id, []).append(tier)
        region_overrides, country_overrides = {}, {}
        for override in (build(TierThresholdOverride, v) for v in data["overrides"]):
            if override.region_id:
                region_overrides[(override.tier_id, override.region_id)] = override
            else:
                country_overrides[(override.tier_id, override.country)] = override
        return cls(programs=programs, program_by_type=dict(data["program_by_type"]), tiers=tiers,
                   tiers_by_program=by_program, region_overrides=region_overrides, country_overrides=country_overrides)

    @property
    def ranks(self) -> dict[int, int]:
        """Tier id -> rank."""
        found = self._ladders.get("ranks")
        if found is None:
            found = self._ladders["ranks"] = {tier_id: tier.rank for tier_id, tier in self.tiers.items()}
        return found

    def program_for(self, partner_type: str) -> ProgramInfo | None:
        program_id = self.program_by_type.get(partner_type)
        return self.programs.get(program_id) if program_id is not None else None

    def thresholds(self, tier: Tier, region_id: int | None, country: str) -> tuple:
        """The tier's effective minimums for a partner in ``region_id`` / ``country``, in METRICS' order."""
        edits = self.threshold_edits.get(tier.id, {})
        by_region = self.region_override_edits.get((tier.id, region_id), self.region_overrides.get((tier.id, region_id)))
        by_country = self.country_overrides.get((tier.id, country))
        values = []
        for metric in METRICS:
            name = metric.threshold_field
            value = edits.get(name, getattr(tier, name))
            for override in (by_region, by_country):  # later beats earlier
                given = _override_value(override, name)
                if given is not None:
                    value = given
            values.append(Decimal(value) if metric.money else int(value))
        return tuple(values)

    def ladder(self, program_id: int, region_id: int | None, country: str) -> tuple[Rung, ...]:
        """The program's tiers from the highest down, with thresholds resolved for the place. Cached."""
        key = (program_id, region_id, country)
        found = self._ladders.get(key)
        if found is None:
            found = tuple(
                Rung(tier_id=t.id, rank=t.rank, thresholds=self.thresholds(t, region_id, country))
                for t in sorted(self.tiers_by_program.get(program_id, []), key=lambda t: -t.rank)
            )
            self._ladders[key] = found
        return found
