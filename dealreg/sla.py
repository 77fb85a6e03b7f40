"""Business hours for the approval SLA: Monday to Friday, 09:00–17:00 UTC (no holiday calendar yet).

``business_hours_between(start, end)`` measures how long a registration has waited;
``business_cutoff(now, hours)`` turns "waited more than N business hours" into a plain
``submitted_at < cutoff`` filter, so the overdue list and the escalation job stay set-based.
"""

from datetime import UTC, datetime, time, timedelta

from django.conf import settings

OPEN = time(9, 0)
CLOSE = time(17, 0)
HOURS_PER_DAY = 8
WORKDAYS = range(0, 5)  # Monday .. Friday


def sla_hours() -> int:
    return int(getattr(settings, "DEALREG_SLA_BUSINESS_HOURS", 24))


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _day_window(day) -> tuple[datetime, datetime]:
    return datetime.combine(day, OPEN, tzinfo=UTC), datetime.combine(day, CLOSE, tzinfo=UTC)


def business_hours_between(start: datetime, end: datetime) -> float:
    """Business hours from ``start`` to ``end`` (0 when ``end`` is not after ``start``)."""
    start, end = _utc(start), _utc(end)
    if end <= start:
        return 0.0
    total = 0.0
    day = start.date()
    last = end.date()
    while day <= last:
        if day.weekday() in WORKDAYS:
            opens, closes = _day_window(day)
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
        # Whole weeks strictly between the first and the last day in one step (long waits stay cheap).
        if day < last and (last - day).days > 7:
            weeks = (last - day).days // 7
            total += weeks * 5 * HOURS_PER_DAY * 3600
            day += timedelta(days=7 * weeks)
    return total / 3600


def business_cutoff(now: datetime, hours: float) -> datetime:
    """The latest moment ``t`` such that anything submitted before ``t`` has waited more than
    ``hours`` business hours at ``now``: ``business_hours_between(t', now) > hours  <=>  t' < t``."""
    now = _utc(now)
    remaining = timedelta(hours=hours)
    day = now.date()
    cursor = now
    while True:
        if day.weekday() in WORKDAYS:
            opens, closes = _day_window(day)
            hi = min(closes, cursor)
            if hi > opens:
                available = hi - opens
                if available > remaining:
                    return hi - remaining
                remaining -= available
                if remaining == timedelta(0):
                    # Exactly used up at an opening time: waiting through the closed hours before it
                    # adds nothing, so the cut-off is the previous business day's close.
                    return _previous_close(day)
        day -= timedelta(days=1)
        cursor = datetime.combine(day, CLOSE, tzinfo=UTC)


def _previous_close(day) -> datetime:
    day -= timedelta(days=1)
    while day.weekday() not in WORKDAYS:
        day -= timedelta(days=1)
    return datetime.combine(day, CLOSE, tzinfo=UTC)


def is_overdue(submitted_at: datetime | None, *, now: datetime, hours: float | None = None) -> bool:
    if submitted_at is None:
        return False
    return business_hours_between(submitted_at, now) > (sla_hours() if hours is None else hours)
