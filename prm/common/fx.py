"""Currency conversion at dated rates: the latest rate on or before the day, never older than MAX_RATE_AGE_DAYS.

A pair is found directly (EUR->USD), inverted (from a USD->EUR row) or crossed through the base
currency (GBP->EUR->JPY). The rate used is returned with the amount so callers store both.
"""

from bisect import bisect_right
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from .models import ExchangeRate

MAX_RATE_AGE_DAYS = 31
RATE_PLACES = Decimal("0.00000001")
AMOUNT_PLACES = Decimal("0.01")


class FxRateMissingError(ValidationError):
    """No usable rate for the pair on that day."""


FxRateMissing = FxRateMissingError  # the name deal approvals import


def _latest_rates(pairs: set[tuple[str, str]], on: date) -> dict[tuple[str, str], Decimal]:
    """For each (from, to) pair that has a row, the rate of the latest row in [on - MAX_RATE_AGE_DAYS, on]. One query."""
    condition = Q()
    for source, target in pairs:
        condition |= Q(from_currency=source, to_currency=target)
    rows = (
        ExchangeRate.objects.filter(condition, date__lte=on, date__gte=on - timedelta(days=MAX_RATE_AGE_DAYS))
        .order_by("from_currency", "to_currency", "-date")
        .values_list("from_currency", "to_currency", "rate")
    )
    found: dict[tuple[str, str], Decimal] = {}
    for source, target, rate in rows:
        found.setdefault((source, target), rate)  # the first per pair is the latest
    return found


def _pair_rate(found, source: str, target: str) -> Decimal | None:
    if source == target:
        return Decimal(1)
    if found.get((source, target)) is not None:
        return found[(source, target)]
    if found.get((target, source)) is not None:
        return Decimal(1) / found[(target, source)]
    return None


def _resolve(found, source: str, target: str, on: date) -> Decimal:
    """Direct, else inverse, else crossed through the base currency; FxRateMissingError when none."""
    base = settings.BASE_CURRENCY
    rate = _pair_rate(found, source, target)
    if rate is None:
        via_base = (_pair_rate(found, source, base), _pair_rate(found, base, target))
        if None not in via_base:
            rate = via_base[0] * via_base[1]
    if rate is None:
        raise FxRateMissingError(
            _("No exchange rate from %(from)s to %(to)s on %(date)s or in the %(days)d days before; add one under "
              "exchange rates.") % {"from": source, "to": target, "date": on.isoformat(), "days": MAX_RATE_AGE_DAYS},
            code="fx_rate_missing",
        )
    return rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _pairs_for(source: str, target: str) -> set[tuple[str, str]]:
    base = settings.BASE_CURRENCY
    return {(source, target), (target, source), (source, base), (base, source), (target, base), (base, target)}


def rate_for(*, from_currency: str, to_currency: str, on: date) -> Decimal:
    """The rate that turns 1 ``from_currency`` into ``to_currency`` on ``on``; FxRateMissingError if none is recent enough."""
    source, target = from_currency.strip().upper(), to_currency.strip().upper()
    if source == target:
        return Decimal(1)
    return _resolve(_latest_rates(_pairs_for(source, target), on), source, target, on)


class RateBook:
    """Every rate of some currencies over a period, loaded in one query, for converting many amounts
    (imports, backfills) with exactly the rules of ``convert()``."""

    def __init__(self, *, currencies, start: date, end: date):
        codes = {c.strip().upper() for c in currencies if c} | {settings.BASE_CURRENCY}
        self._rows: dict[tuple[str, str], list[tuple[date, Decimal]]] = {}
        rows = (ExchangeRate.objects.filter(from_currency__in=codes, to_currency__in=codes,
                                            date__gte=start - timedelta(days=MAX_RATE_AGE_DAYS), date__lte=end)
                .order_by("date").values_list("from_currency", "to_currency", "date", "rate"))
        for source, target, day, rate in rows:
            self._rows.setdefault((source, target), []).append((day, rate))
        self._days = {pair: [day for day, _rate in entries] for pair, entries in self._rows.items()}

    def _latest(self, pair, on: date) -> Decimal | None:
        days = self._days.get(pair)
        if not days:
            return None
        index = bisect_right(days, on) - 1
        if index < 0 or (on - days[index]).days > MAX_RATE_AGE_DAYS:
            return None
        return self._rows[pair][index][1]

    def convert(self, *, amount: Decimal, from_currency: str, to_currency: str, on: date) -> tuple[Decimal, Decimal]:
        source, target = from_currency.strip().upper(), to_currency.strip().upper()
        if source == target:
            rate = Decimal(1)
        else:
            found = {pair: self._latest(pair, on) for pair in _pairs_for(source, target)}
            rate = _resolve(found, source, target, on)
        return (Decimal(amount) * rate).quantize(AMOUNT_PLACES, rounding=ROUND_HALF_UP), rate


def convert(*, amount: Decimal, from_currency: str, to_currency: str, on: date) -> tuple[Decimal, Decimal]:
    """``amount`` in ``to_currency`` (rounded to cents) and the rate used (8 places)."""
    rate = rate_for(from_currency=from_currency, to_currency=to_currency, on=on)
    converted = (Decimal(amount) * rate).quantize(AMOUNT_PLACES, rounding=ROUND_HALF_UP)
    return converted, rate


def to_base(*, amount: Decimal, currency: str, on: date) -> tuple[Decimal, Decimal]:
    return convert(amount=amount, from_currency=currency, to_currency=settings.BASE_CURRENCY, on=on)
