"""Measuring the raw health components of a chunk of partners on one day: one aggregate query per fact source.

Each source is read once per batch with plain SQL (a batch holds ~500 partners; see
``partners.tiers.metrics.ids_condition``), so the cost per chunk does not grow with the number of partners
beyond the rows themselves. The SQL runs on PostgreSQL and SQLite. It reads partner-owned tables, so it checks
the active partner scope itself and fails closed like the scoped managers (outside a scope, or for partners the
scope does not cover: ScopeError).

The day's windows end at the end of ``day`` (local time) and reach back from there:

==================  ============================================================================================
component           raw measurement
==================  ============================================================================================
login_recency       the latest ``User.last_login`` of the partner's active members (active accounts) before the
                    end of the day → whole days since (``None``: nobody has ever signed in)
active_users        active members, and those who signed in during the 30 days up to the end of the day
training            course completions (``Enrollment.completed_at``) in the last 90 days
certifications      certification awards of active members valid on the day (enablement's tier metric query)
pipeline_growth     estimated value (``Deal.value``) of registrations first registered in the last 90 days and in
                    the 90 days before (rejected and withdrawn ones left out), summed per currency in SQL and
                    converted to the base currency at the day's rate (both windows at the same rate, so a moving
                    exchange rate is not mistaken for growth); a currency without a rate is left out (logged)
win_rate            registrations closed as won and as lost with a close date in the trailing twelve months
mdf_utilisation     allocated and (reserved + approved claims) of the partner's open funds whose period has
                    started, per currency → base currency at the day's rate
psat                PSAT answers (count, total score 0–10) submitted in the last 180 days
asset_downloads     asset downloads in the last 90 days
==================  ============================================================================================

A component that does not apply is marked ``None`` on ``Raw``: no open fund with an allocation, no PSAT answer,
no closed deal, no pipeline in either window (analytics.health.scoring leaves those out).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from analytics.models import PsatResponse
from dealreg.models import Deal
from dealreg.revenue import ttm_start
from enablement.metrics import active_certifications_sql
from enablement.models import AssetDownload, Enrollment
from mdf.models import Fund
from partners.models import Membership
from partners.tiers.metrics import ids_condition
from prm.accounts.models import User
from prm.common.fx import FxRateMissingError, RateBook
from prm.tenancy.scoping import ScopeError, current_partner_ids

logger = logging.getLogger(__name__)

ACTIVE_DAYS = 30
TRAINING_DAYS = 90
PIPELINE_DAYS = 90
PSAT_DAYS = 180
DOWNLOAD_DAYS = 90
ZERO = Decimal("0")
CENT = Decimal("0.01")


@dataclass
class Raw:
    """The raw measurements of one partner on one day (see the module docstring)."""

    members: int = 0
    active_30d: int = 0
    last_login: datetime | None = None
    days_since_login: int | None = None
    completions_90d: int = 0
    certifications: int = 0
    pipeline_now: Decimal = ZERO       # base currency, last 90 days
    pipeline_before: Decimal = ZERO    # base currency, the 90 days before
    won_12m: int = 0
    lost_12m: int = 0
    mdf_allocated: Decimal = ZERO      # base currency, open funds
    mdf_used: Decimal = ZERO           # reserved + approved claims, base currency
    psat_responses: int = 0
    psat_total: int = 0
    downloads_90d: int = 0

    @property
    def has_pipeline(self) -> bool:
        return self.pipeline_now > 0 or self.pipeline_before > 0

    @property
    def closed_12m(self) -> int:
        return self.won_12m + self.lost_12m


@dataclass(frozen=True)
class Windows:
    """The instants the windows of ``day`` start and end at (aware datetimes), and the dates of the date windows."""

    day: date
    end: datetime
    active_from: datetime
    training_from: datetime
    pipeline_from: datetime
    pipeline_before_from: datetime
    psat_from: datetime
    downloads_from: datetime
    closed_from: date

    @classmethod
    def of(cls, day: date) -> "Windows":
        end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
        return cls(day=day, end=end, active_from=end - timedelta(days=ACTIVE_DAYS),
                   training_from=end - timedelta(days=TRAINING_DAYS), pipeline_from=end - timedelta(days=PIPELINE_DAYS),
                   pipeline_before_from=end - timedelta(days=2 * PIPELINE_DAYS), psat_from=end - timedelta(days=PSAT_DAYS),
                   downloads_from=end - timedelta(days=DOWNLOAD_DAYS), closed_from=ttm_start(day))


def require_scope(partner_ids: Sequence[int]) -> None:
    """The reads are plain SQL, so they check the scope themselves (None: scopes disabled, operators' jobs)."""
    allowed = current_partner_ids()  # ScopeError when no scope is active
    if allowed is not None and not set(partner_ids) <= {int(pid) for pid in allowed}:
        raise ScopeError("Health components were asked for partners outside the active scope.")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model) -> str:
    return _q(model._meta.db_table)


def _dt(value: datetime):
    """A datetime parameter as the backend stores it (SQLite compares naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def _d(value: date):
    return connection.ops.adapt_datefield_value(value)


def _read_datetime(value) -> datetime | None:
    """A datetime read by raw SQL: SQLite returns its stored text (naive UTC)."""
    if value is None:
        return None
    parsed = value if isinstance(value, datetime) else parse_datetime(str(value))
    if parsed is not None and timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _money(value) -> Decimal:
    if value is None:
        return ZERO
    return value if isinstance(value, Decimal) else Decimal(str(value))


# --- one query per fact source ---------------------------------------------------------------------------------

Statement = tuple[str, list]  # SQL and its parameters


def _members(ids: list[int], w: Windows) -> Statement:
    """(partner, active members, signed in within 30 days, latest sign-in before the end of the day)."""
    cond, params = ids_condition(f"m.{_q('partner_id')}", ids)
    login = f"u.{_q('last_login')}"
    sql = (f"SELECT m.{_q('partner_id')}, COUNT(*), "
           f"SUM(CASE WHEN {login} >= %s AND {login} < %s THEN 1 ELSE 0 END), "
           f"MAX(CASE WHEN {login} < %s THEN {login} END) "
           f"FROM {_table(Membership)} m JOIN {_table(User)} u ON u.{_q('id')} = m.{_q('user_id')} "
           f"WHERE {cond} AND m.{_q('is_active')} = %s AND u.{_q('is_active')} = %s GROUP BY m.{_q('partner_id')}")
    end = _dt(w.end)
    return sql, [_dt(w.active_from), end, end, *params, True, True]


def _completions(ids: list[int], w: Windows) -> Statement:
    cond, params = ids_condition(_q("partner_id"), ids)
    sql = (f"SELECT {_q('partner_id')}, COUNT(*) FROM {_table(Enrollment)} WHERE {cond} "
           f"AND {_q('completed_at')} >= %s AND {_q('completed_at')} < %s GROUP BY {_q('partner_id')}")
    return sql, [*params, _dt(w.training_from), _dt(w.end)]


def _deals(ids: list[int], w: Windows) -> Statement:
    """(partner, currency, value registered in the last 90 days, value registered in the 90 days before, won, lost
    closed in the trailing twelve months): the pipeline and the outcomes in one pass over the chunk's registrations
    (two queries read the same rows twice: 0.6 s a night at 100k partners)."""
    cond, params = ids_condition(_q("partner_id"), ids)
    at, value, status, closed = _q("registered_at"), _q("value"), _q("status"), _q("closed_at")
    in_pipeline = f"({at} >= %s AND {at} < %s AND {value} IS NOT NULL AND {status} NOT IN (%s, %s))"
    sql = (f"SELECT {_q('partner_id')}, {_q('currency')}, "
           f"SUM(CASE WHEN {in_pipeline} AND {at} >= %s THEN {value} ELSE 0 END), "
           f"SUM(CASE WHEN {in_pipeline} AND {at} < %s THEN {value} ELSE 0 END), "
           f"SUM(CASE WHEN {status} = %s AND {closed} >= %s AND {closed} <= %s THEN 1 ELSE 0 END), "
           f"SUM(CASE WHEN {status} = %s AND {closed} >= %s AND {closed} <= %s THEN 1 ELSE 0 END) "
           f"FROM {_table(Deal)} WHERE {cond} AND ({in_pipeline} OR ({status} IN (%s, %s) "
           f"AND {closed} >= %s AND {closed} <= %s)) GROUP BY {_q('partner_id')}, {_q('currency')}")
    window = [_dt(w.pipeline_before_from), _dt(w.end), Deal.Status.REJECTED.value, Deal.Status.WITHDRAWN.value]
    middle = _dt(w.pipeline_from)
    won, lost = Deal.Status.WON.value, Deal.Status.LOST.value
    closed_window = [_d(w.closed_from), _d(w.day)]
    return sql, [*window, middle, *window, middle, won, *closed_window, lost, *closed_window,
                 *params, *window, won, lost, *closed_window]


def _funds(ids: list[int], w: Windows) -> Statement:
    cond, params = ids_condition(_q("partner_id"), ids)
    sql = (f"SELECT {_q('partner_id')}, {_q('currency')}, SUM({_q('allocated')}), "
           f"SUM({_q('reserved')} + {_q('spent')}) FROM {_table(Fund)} WHERE {cond} AND {_q('status')} = %s "
           f"AND {_q('period_start')} <= %s GROUP BY {_q('partner_id')}, {_q('currency')}")
    return sql, [*params, Fund.Status.OPEN.value, _d(w.day)]


def _psat(ids: list[int], w: Windows) -> Statement:
    cond, params = ids_condition(_q("partner_id"), ids)
    sql = (f"SELECT {_q('partner_id')}, COUNT(*), SUM({_q('score')}) FROM {_table(PsatResponse)} WHERE {cond} "
           f"AND {_q('submitted_at')} >= %s AND {_q('submitted_at')} < %s GROUP BY {_q('partner_id')}")
    return sql, [*params, _dt(w.psat_from), _dt(w.end)]


def _downloads(ids: list[int], w: Windows) -> Statement:
    cond, params = ids_condition(_q("partner_id"), ids)
    sql = (f"SELECT {_q('partner_id')}, COUNT(*) FROM {_table(AssetDownload)} WHERE {cond} "
           f"AND {_q('downloaded_at')} >= %s AND {_q('downloaded_at')} < %s GROUP BY {_q('partner_id')}")
    return sql, [*params, _dt(w.downloads_from), _dt(w.end)]


class _Converter:
    """Base-currency amounts at the day's rate: one rate query for all the chunk's currencies, one rate lookup per
    currency (the fx rules: direct, inverse or through the base currency, at most MAX_RATE_AGE_DAYS old)."""

    def __init__(self, currencies: set[str], day: date):
        self.day = day
        self.base = settings.BASE_CURRENCY  # once: a lazy settings attribute costs a lookup per call
        self.codes = set(currencies)
        self.book = RateBook(currencies=self.codes, start=day, end=day)
        self.rates: dict[str, Decimal | None] = {self.base: None}
        self.missing: set[str] = set()

    def _rate(self, currency: str) -> Decimal | None:
        if currency not in self.rates:
            if currency not in self.codes:  # a currency outside the program's list: read its rates too
                self.codes.add(currency)
                self.book = RateBook(currencies=self.codes, start=self.day, end=self.day)
            try:
                self.rates[currency] = self.book.convert(amount=Decimal(1), from_currency=currency,
                                                         to_currency=self.base, on=self.day)[1]
            except FxRateMissingError:
                self.rates[currency] = None
                self.missing.add(currency)
        return self.rates[currency]

    def __call__(self, amount, currency: str) -> Decimal:
        amount = _money(amount)
        if not amount or currency == self.base:
            return amount
        rate = self._rate(currency)
        if rate is None:
            return ZERO
        return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def statements(ids: list[int], day: date) -> list[Statement]:
    """The reads of ``measure`` for sorted ``ids``, in the order ``assemble`` takes their rows: sent together by
    analytics.health.scoring (in a pipeline, while it scores the previous batch)."""
    w = Windows.of(day)
    return [_members(ids, w), _completions(ids, w), active_certifications_sql(ids, day), _deals(ids, w),
            _funds(ids, w), _psat(ids, w), _downloads(ids, w)]


def converter(day: date, currencies: set[str] | None = None) -> _Converter:
    """Base-currency amounts at ``day``'s rate for ``currencies`` (default: every currency of the program), one
    rate query."""
    return _Converter(set(settings.CURRENCIES) if currencies is None else currencies, day)


def assemble(ids: list[int], day: date, rows: list[list[tuple]], convert: _Converter) -> dict[int, Raw]:
    """The raw components of ``ids`` from the rows of ``statements(ids, day)``; no query but ``convert``'s
    (one rate query for a currency it has not read)."""
    raw = {pid: Raw() for pid in ids}
    members, completions, certifications, deals, funds, psat, downloads = rows
    zone = timezone.get_current_timezone()  # once: timezone.localdate() looks it up on every call
    for pid, count, active, last in members:
        item = raw[pid]
        item.members, item.active_30d = int(count or 0), int(active or 0)
        item.last_login = _read_datetime(last)
        if item.last_login is not None:
            item.days_since_login = max(0, (day - item.last_login.astimezone(zone).date()).days)
    for pid, count in completions:
        raw[pid].completions_90d = int(count)
    for pid, count in certifications:
        raw[pid].certifications = int(count)
    for pid, currency, now, before, won, lost in deals:
        item = raw[pid]
        item.pipeline_now += convert(now, currency)
        item.pipeline_before += convert(before, currency)
        item.won_12m += int(won or 0)
        item.lost_12m += int(lost or 0)
    for pid, currency, allocated, used in funds:
        raw[pid].mdf_allocated += convert(allocated, currency)
        raw[pid].mdf_used += convert(used, currency)
    for pid, count, total in psat:
        raw[pid].psat_responses, raw[pid].psat_total = int(count), int(total or 0)
    for pid, count in downloads:
        raw[pid].downloads_90d = int(count)
    return raw


def report_missing_rates(convert: _Converter, day: date) -> None:
    if convert.missing:
        logger.warning("Health score on %s: no exchange rate for %s; those amounts were left out.", day,
                       ", ".join(sorted(convert.missing)))


def measure(partner_ids: Sequence[int], day: date) -> dict[int, Raw]:
    """The raw components of every partner in ``partner_ids`` on ``day`` (partners without any fact get an empty
    ``Raw``). A fixed number of queries whatever the chunk's size; the caller's scope must cover the ids."""
    ids = sorted({int(pid) for pid in partner_ids})
    require_scope(ids)
    if not ids:
        return {}
    rows = []
    with connection.cursor() as cursor:
        for sql, params in statements(ids, day):
            cursor.execute(sql, params)
            rows.append(cursor.fetchall())
    currencies = {row[1] for row in rows[3]} | {row[1] for row in rows[4]}
    convert = converter(day, currencies)
    raw = assemble(ids, day, rows, convert)
    report_missing_rates(convert, day)
    return raw
