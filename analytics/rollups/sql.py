"""SQL fragments for the rollup reads that differ between PostgreSQL and SQLite, built with Django's own backend
operations (the ones the ORM uses for TruncQuarter, TruncDate and datetime subtraction), and the conversion of
what each backend returns (SQLite gives text for dates and floats for sums) back to Python types.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

CENT = Decimal("0.01")


def q(name: str) -> str:
    return connection.ops.quote_name(name)


def table(model) -> str:
    return q(model._meta.db_table)


def _literal(value) -> str:
    # Only lookup names and configured time zone names reach here, never user input.
    return "NULL" if value is None else "'" + str(value).replace("'", "''") + "'"


def _inline(sql: str, params) -> str:
    return sql % tuple(_literal(p) for p in params)


def _tzname() -> str | None:
    return timezone.get_current_timezone_name() if settings.USE_TZ else None


def _as_date_sql(sql: str) -> str:
    # PostgreSQL's DATE_TRUNC gives a timestamp; SQLite's Django functions give 'YYYY-MM-DD[ ...]' text.
    return f"CAST({sql} AS date)" if connection.vendor == "postgresql" else sql


def quarter_of_datetime(column: str) -> str:
    """The first day of the calendar quarter (in the current time zone) of a datetime column."""
    return _as_date_sql(_inline(*connection.ops.datetime_trunc_sql("quarter", column, (), _tzname())))


def quarter_of_date(column: str) -> str:
    return _as_date_sql(_inline(*connection.ops.date_trunc_sql("quarter", column, ())))


def day_of_datetime(column: str) -> str:
    """The date (in the current time zone) of a datetime column."""
    return _inline(*connection.ops.datetime_cast_date_sql(column, (), _tzname()))


def seconds_between(later: str, earlier: str) -> str:
    sql = _inline(*connection.ops.subtract_temporals("DateTimeField", (later, ()), (earlier, ())))
    if connection.vendor == "postgresql":
        return f"EXTRACT(EPOCH FROM {sql})"
    return f"({sql} / 1000000.0)"  # SQLite: microseconds


def ids_condition(column: str, ids) -> tuple[str, list]:
    from partners.tiers.metrics import ids_condition as condition

    return condition(column, ids)


def dt_param(value: datetime):
    return connection.ops.adapt_datetimefield_value(value)


def date_param(value: date):
    return connection.ops.adapt_datefield_value(value)


def fetch(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def as_date(value) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return date.fromisoformat(str(value)[:10])


def as_datetime(value) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = parse_datetime(str(value))
    if value is not None and settings.USE_TZ and timezone.is_naive(value):
        value = value.replace(tzinfo=UTC)  # SQLite keeps datetimes as naive UTC text
    return value


def as_decimal(value, places: Decimal | None = None) -> Decimal:
    if value is None:
        return Decimal(0)
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number.quantize(places) if places is not None else number


def as_bool(value) -> bool:
    return bool(value)
