"""Calendar quarters, the period unit of every rollup and dashboard ("2026-Q4")."""

from datetime import date, timedelta


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: date) -> date:
    start = quarter_start(day)
    following = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return following - timedelta(days=1)


def next_quarter(start: date) -> date:
    return quarter_end(start) + timedelta(days=1)


def previous_quarter(start: date) -> date:
    return quarter_start(quarter_start(start) - timedelta(days=1))


def quarter_label(start: date) -> str:
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def parse_quarter(label: str) -> date:
    """"2026-Q4" -> date(2026, 10, 1); raises ValueError on anything else."""
    year, _, number = label.strip().upper().partition("-Q")
    if not (year.isdigit() and len(year) == 4 and number in {"1", "2", "3", "4"}):
        raise ValueError(f"Not a quarter: {label!r}")
    return date(int(year), 3 * (int(number) - 1) + 1, 1)


def quarters_between(first: date, last: date) -> list[date]:
    """Quarter starts from the quarter of ``first`` to the quarter of ``last``, inclusive."""
    out, current, end = [], quarter_start(first), quarter_start(last)
    while current <= end:
        out.append(current)
        current = next_quarter(current)
    return out


def last_quarters(today: date, count: int) -> list[date]:
    """The ``count`` quarters ending with today's, oldest first."""
    out = [quarter_start(today)]
    while len(out) < count:
        out.insert(0, previous_quarter(out[0]))
    return out
