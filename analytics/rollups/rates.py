"""Rates to the base currency for the rollups: the rules of prm.common.fx, plus a fallback instead of an error.

``prm.common.fx.to_base`` refuses a conversion when no rate is at most MAX_RATE_AGE_DAYS old; a rollup must
not fail (or silently drop a partner) because an operator forgot to import last week's rates. So:

1. the rate of ``prm.common.fx``: the latest direct row (X -> base) on or before the day and at most
   MAX_RATE_AGE_DAYS old, else the inverse of the latest base -> X row in that window (rounded to 8 places);
2. fallback: the latest rate of either direction at any age before the day (within FALLBACK_DAYS);
3. fallback: the earliest rate after the day (up to the refresh day), e.g. for a registration dated before
   the first rate was loaded;
4. none at all: the amount is left out of the base-currency sum (the count still counts it), and the
   refresh logs how many groups it could not convert.

All rows the refresh needs are read in one query per chunk.
"""

import logging
from bisect import bisect_left, bisect_right
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q

from prm.common.fx import AMOUNT_PLACES, MAX_RATE_AGE_DAYS, RATE_PLACES
from prm.common.models import ExchangeRate

logger = logging.getLogger(__name__)

FALLBACK_DAYS = 366  # how far back before the oldest kept quarter the fallback looks


class BaseRates:
    """Every rate between the base currency and the others over a period, loaded in one query."""

    def __init__(self, *, start: date, end: date):
        self.base = settings.BASE_CURRENCY
        self.end = end
        self.missing = 0
        # currency -> sorted [(day, rate to base)], direct rows and inverse rows apart (fx prefers direct ones).
        self._direct: dict[str, list[tuple[date, Decimal]]] = {}
        self._inverse: dict[str, list[tuple[date, Decimal]]] = {}
        rows = (ExchangeRate.objects.filter(Q(to_currency=self.base) | Q(from_currency=self.base),
                                            date__gte=start - timedelta(days=FALLBACK_DAYS), date__lte=end)
                .order_by("date").values_list("from_currency", "to_currency", "date", "rate"))
        for source, target, day, rate in rows:
            if target == self.base:
                self._direct.setdefault(source, []).append((day, Decimal(rate)))
            elif rate:
                self._inverse.setdefault(target, []).append((day, Decimal(1) / Decimal(rate)))
        self._days = {key: [d for d, _r in entries] for key, entries in (
            *((("d", c), e) for c, e in self._direct.items()), *((("i", c), e) for c, e in self._inverse.items()))}
        self._cache: dict[tuple[str, date], Decimal | None] = {}

    def _latest(self, kind: str, currency: str, day: date) -> tuple[date, Decimal] | None:
        days = self._days.get((kind, currency))
        if not days:
            return None
        index = bisect_right(days, day) - 1
        if index < 0:
            return None
        return (self._direct if kind == "d" else self._inverse)[currency][index]

    def _earliest_after(self, currency: str, day: date) -> Decimal | None:
        found = []
        for kind in ("d", "i"):
            days = self._days.get((kind, currency))
            if days:
                index = bisect_left(days, day)
                if index < len(days):
                    found.append((self._direct if kind == "d" else self._inverse)[currency][index])
        return min(found)[1] if found else None

    def rate(self, currency: str, day: date) -> Decimal | None:
        """1 ``currency`` in the base currency on ``day`` (see the module docstring); None when nothing is known."""
        currency = (currency or "").strip().upper()
        if currency == self.base:
            return Decimal(1)
        key = (currency, day)
        if key not in self._cache:
            self._cache[key] = self._resolve(currency, day)
        return self._cache[key]

    def _resolve(self, currency: str, day: date) -> Decimal | None:
        fresh = day - timedelta(days=MAX_RATE_AGE_DAYS)
        direct, inverse = self._latest("d", currency, day), self._latest("i", currency, day)
        for candidate in (direct, inverse):
            if candidate is not None and candidate[0] >= fresh:
                return candidate[1].quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
        older = max((c for c in (direct, inverse) if c is not None), default=None)
        rate = older[1] if older is not None else self._earliest_after(currency, day)
        return rate.quantize(RATE_PLACES, rounding=ROUND_HALF_UP) if rate is not None else None

    def day_table(self, start: date, end: date) -> list[tuple[str, date, Decimal]]:
        """(currency, day, rate) for every foreign currency with any rate and every day from ``start`` to ``end``:
        the derived table the registration query joins on (a few thousand rows, sent as one parameter)."""
        out = []
        currencies = sorted(set(self._direct) | set(self._inverse))
        day = start
        while day <= end:
            for currency in currencies:
                rate = self.rate(currency, day)
                if rate is not None:
                    out.append((currency, day, rate))
            day += timedelta(days=1)
        return out

    def to_base(self, amount, currency: str, day: date) -> Decimal:
        """``amount`` in the base currency, rounded to cents; zero (and counted in ``missing``) without a rate."""
        if not amount:
            return Decimal(0)
        rate = self.rate(currency, day)
        if rate is None:
            self.missing += 1
            return Decimal(0)
        return (Decimal(amount) * rate).quantize(AMOUNT_PLACES, rounding=ROUND_HALF_UP)

    def log_missing(self, what: str) -> None:
        if self.missing:
            logger.warning("analytics rollups: %d %s amount group(s) had no exchange rate and were left out",
                           self.missing, what)
