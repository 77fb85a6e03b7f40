"""The metrics a tier is earned on, and the registry through which other apps provide them.

Providers are set-based: ``(partner_ids: list[int], as_of: date) -> {partner_id: value}``, one aggregate
query per call. Dealreg registers won revenue and won deals, enablement active certifications,
analytics the health score; partners never import those apps. A metric without a provider counts
as zero and is reported as "not available" (the engine records it in the history, progress shows it).

The engine calls providers inside a partner scope that covers ``partner_ids``, so a provider may
read partner-owned rows through the ordinary managers.

    from partners.tiers import metrics

    def won_revenue(partner_ids, as_of): ...
    metrics.register("won_revenue_ttm", won_revenue)           # e.g. in DealregConfig.ready()
    metrics.register_group(("won_revenue_ttm", "won_deals_ttm"), both)   # one query for two metrics
    metrics.register_expiring_certifications(fn)                # (partner_ids, within_days) -> {id: count}

A chunk holds up to 10,000 partners (engine.CHUNK_SIZE): in raw SQL use ``ids_condition(column, partner_ids)``;
an ORM ``__in`` of that many ids costs more to build than the aggregate costs to run.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

WON_REVENUE_TTM = "won_revenue_ttm"
WON_DEALS_TTM = "won_deals_ttm"
ACTIVE_CERTIFICATIONS = "active_certifications"
HEALTH_SCORE = "health_score"


@dataclass(frozen=True)
class Metric:
    code: str
    label: str | Promise
    money: bool          # an amount in the base currency (Decimal), else a whole number
    threshold_field: str  # the field on Tier / TierThresholdOverride holding its minimum


# The order is the order of criteria on every page and in every history row.
METRICS: tuple[Metric, ...] = (
    Metric(WON_REVENUE_TTM, _("Won revenue, last 12 months"), True, "min_won_revenue"),
    Metric(ACTIVE_CERTIFICATIONS, _("Active certifications"), False, "min_active_certifications"),
    Metric(WON_DEALS_TTM, _("Won deals, last 12 months"), False, "min_won_deals"),
    Metric(HEALTH_SCORE, _("Health score"), False, "min_health_score"),
)
METRIC_CODES: tuple[str, ...] = tuple(m.code for m in METRICS)
BY_CODE: dict[str, Metric] = {m.code: m for m in METRICS}

Provider = Callable[[list[int], date], dict[int, Decimal | int]]
GroupProvider = Callable[[list[int], date], dict[str, dict[int, Decimal | int]]]
ExpiringProvider = Callable[[list[int], int], dict[int, int]]


@dataclass(frozen=True)
class _Registration:
    codes: tuple[str, ...]
    func: Callable
    grouped: bool


# code -> registration; a group registration appears under each of its codes.
_PROVIDERS: dict[str, _Registration] = {}
_EXPIRING: list[ExpiringProvider] = []


def _check_codes(codes: Sequence[str]) -> tuple[str, ...]:
    unknown = [code for code in codes if code not in BY_CODE]
    if unknown or not codes:
        raise ValueError(f"Unknown tier metric(s) {unknown or codes!r}; known: {METRIC_CODES}")
    return tuple(codes)


def register(code: str, func: Provider) -> Provider:
    """Provide one metric. Registering a code again replaces its provider (apps reload in tests)."""
    (code,) = _check_codes([code])
    _PROVIDERS[code] = _Registration(codes=(code,), func=func, grouped=False)
    return func


def register_group(codes: Sequence[str], func: GroupProvider) -> GroupProvider:
    """Provide several metrics from one query: ``func`` returns ``{code: {partner_id: value}}``."""
    codes = _check_codes(codes)
    registration = _Registration(codes=codes, func=func, grouped=True)
    for code in codes:
        _PROVIDERS[code] = registration
    return func


def register_expiring_certifications(func: ExpiringProvider) -> ExpiringProvider:
    """Optional: ``(partner_ids, within_days) -> {partner_id: active certifications expiring within the days}``."""
    _EXPIRING[:] = [func]
    return func


def unregister(code: str) -> None:
    _PROVIDERS.pop(code, None)


def available(code: str) -> bool:
    return code in _PROVIDERS


def available_codes() -> frozenset[str]:
    return frozenset(_PROVIDERS)


@contextmanager
def providers(mapping: dict[str, Provider] | None = None, *, groups: Sequence[tuple[Sequence[str], GroupProvider]] = (),
              expiring: ExpiringProvider | None = None, replace: bool = True) -> Iterator[None]:
    """Swap the registry for a block (tests, benchmarks); ``replace=False`` adds to the registered ones."""
    saved, saved_expiring = dict(_PROVIDERS), list(_EXPIRING)
    try:
        if replace:
            _PROVIDERS.clear()
            _EXPIRING.clear()
        for code, func in (mapping or {}).items():
            register(code, func)
        for codes, func in groups:
            register_group(codes, func)
        if expiring is not None:
            register_expiring_certifications(expiring)
        yield
    finally:
        _PROVIDERS.clear()
        _PROVIDERS.update(saved)
        _EXPIRING[:] = saved_expiring


@dataclass(frozen=True)
class Measurements:
    """Measured values of a set of partners: ``values[code][partner_id]``; absent means zero."""

    values: dict[str, dict[int, Decimal | int]]
    available: frozenset[str]

    def value(self, code: str, partner_id: int) -> Decimal | int:
        found = self.values.get(code, {}).get(partner_id)
        if found is None:
            return Decimal("0") if BY_CODE[code].money else 0
        return found


def _coerce(metric: Metric, values: dict) -> dict[int, Decimal | int]:
    """Decimal amounts and int counts keyed by int ids. Providers mostly return exactly that, so a sample
    decides whether the whole dict needs converting (a chunk has thousands of entries)."""
    if not values:
        return {}
    key, value = next(iter(values.items()))
    wanted = Decimal if metric.money else int
    if type(key) is int and type(value) is wanted and None not in values.values():
        return values
    if metric.money:
        return {int(pid): v if isinstance(v, Decimal) else Decimal(str(v)) for pid, v in values.items() if v is not None}
    return {int(pid): int(v) for pid, v in values.items() if v is not None}


def measure(partner_ids: Sequence[int], as_of: date) -> Measurements:
    """Every registered metric for ``partner_ids``: one call per provider (a group provider is called once)."""
    ids = list(partner_ids)
    values: dict[str, dict[int, Decimal | int]] = {}
    done: set[int] = set()
    registered = dict(_PROVIDERS)
    for code in METRIC_CODES:
        registration = registered.get(code)
        if registration is None or id(registration) in done:
            continue
        done.add(id(registration))
        if not ids:
            result = {c: {} for c in registration.codes}
        elif registration.grouped:
            result = registration.func(ids, as_of)
        else:
            result = {code: registration.func(ids, as_of)}
        for item in registration.codes:
            values[item] = _coerce(BY_CODE[item], result.get(item) or {})
    return Measurements(values=values, available=frozenset(registered))


def ids_condition(column: str, ids: Sequence, sql_type: str = "bigint", *, probe: bool = True) -> tuple[str, list]:
    """SQL for "``column`` is one of ``ids``" and its parameters, for set-based providers and the engine.

    PostgreSQL: one typed array sent as a literal (a Python list is escaped element by element, and an
    untyped one arrives as smallint[], which defeats the hashed lookup), bounded by the id range so the
    planner sees how few rows a chunk is. Elsewhere: an IN list.

    ``probe=False`` (bigint ids that fill most of their range, like a chunk of partners read from their own
    table): the range is the index condition and the array a hashed filter, instead of one index descent per
    id (thousands of descents cost more than scanning the range).
    """
    from django.db import connection

    ids = list(ids)
    if connection.vendor != "postgresql":
        return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids
    literal = "{" + ",".join(map(str, ids)) + "}"
    if sql_type == "bigint" and ids:
        # "+ 0" keeps the array out of the index condition (the planner cannot match it to the index).
        member = column if probe else f"({column} + 0)"
        return f"{column} BETWEEN %s AND %s AND {member} = ANY(%s::bigint[])", [min(ids), max(ids), literal]
    return f"{column} = ANY(%s::{sql_type}[])", [literal]


def expiring_certifications(partner_ids: Sequence[int], within_days: int) -> dict[int, int] | None:
    """Counts of certifications expiring within the days, or None when no provider knows expiry dates."""
    if not _EXPIRING:
        return None
    return {int(pid): int(n) for pid, n in _EXPIRING[0](list(partner_ids), within_days).items() if n}
