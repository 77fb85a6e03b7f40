"""Fund periods: calendar quarters (``2026-Q4``)."""

from datetime import date, timedelta


def quarter_of(day: date) -> tuple[date, date, str]:
    """(first day, last day, label) of the calendar quarter holding ``day``."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    end = (date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)) - timedelta(days=1)
    return start, end, f"{day.year}-Q{(first_month - 1) // 3 + 1}"


def previous_quarter(day: date) -> tuple[date, date, str]:
    start, _end, _label = quarter_of(day)
    return quarter_of(start - timedelta(days=1))
