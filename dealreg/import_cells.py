"""Cell parsers of CSV imports: each raises ValueError with a translated message; ``Row`` collects every
problem of one row so the operator sees them all at once."""

from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _


class RowInvalidError(Exception):
    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__(problems)
        self.problems = problems


def text(row, name, *, max_length, required=False) -> str:
    value = (row.get(name) or "").strip()
    if required and not value:
        raise ValueError(_("This column is required."))
    if len(value) > max_length:
        raise ValueError(_("At most %(n)d characters.") % {"n": max_length})
    return value


def decimal(row, name, *, required=False, positive=False) -> Decimal | None:
    raw = (row.get(name) or "").strip()
    if not raw:
        if required:
            raise ValueError(_("This column is required."))
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a number (use a dot for decimals).") % {"value": raw[:30]})
    if not value.is_finite() or value < 0 or (positive and value == 0):
        raise ValueError(_("Enter a number greater than zero.") if positive else _("Enter a number of zero or more."))
    if abs(value) >= Decimal("1e12"):
        raise ValueError(_("The number is too large."))
    return value


def day(row, name, *, required=False) -> date | None:
    raw = (row.get(name) or "").strip()
    if not raw:
        if required:
            raise ValueError(_("This column is required."))
        return None
    try:
        value = parse_date(raw)
    except ValueError:
        value = None
    if value is None:
        raise ValueError(_("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw[:30]})
    return value


def moment(row, name) -> datetime | None:
    raw = (row.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
        if value is None and (day := parse_date(raw)) is not None:
            value = datetime.combine(day, time.min)
    except ValueError:
        value = None
    if value is None:
        raise ValueError(_("“%(value)s” is not a date and time (ISO 8601).") % {"value": raw[:30]})
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def country(row, name, *, required=False) -> str:
    value = (row.get(name) or "").strip().upper()
    if required and not value:
        raise ValueError(_("This column is required."))
    if value and (len(value) != 2 or not value.isascii() or not value.isalpha()):
        raise ValueError(_("Use a two-letter ISO country code, e.g. DE."))
    return value


def currency(row, name, *, required=False) -> str:
    value = (row.get(name) or "").strip().upper()
    if required and not value:
        raise ValueError(_("This column is required."))
    if value and value not in settings.CURRENCIES:
        raise ValueError(_("Unknown currency “%(value)s”; use one of %(known)s.")
                         % {"value": value[:10], "known": ", ".join(settings.CURRENCIES)})
    return value


def email(row, name) -> str:
    value = (row.get(name) or "").strip().lower()
    if value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError(_("Enter a valid e-mail address."))
    return value


def choice(row, name, choices, *, default="") -> str:
    value = (row.get(name) or "").strip().lower() or default
    if value not in choices.values:
        raise ValueError(_("Use one of: %(choices)s.") % {"choices": ", ".join(choices.values)})
    return value


class Row:
    """Collects every problem of one row, so the operator sees them all at once."""

    def __init__(self, row: dict):
        self.row = row
        self.problems: list[tuple[str, str]] = []

    def get(self, parser, name, *args, **kwargs):
        try:
            return parser(self.row, name, *args, **kwargs)
        except ValueError as error:
            self.problems.append((name, str(error)))
            return None

    def fail(self, name: str, message: str) -> None:
        self.problems.append((name, message))

    def check(self) -> None:
        if self.problems:
            raise RowInvalidError(self.problems)




def parse_date_safe(value) -> date | None:
    try:
        return parse_date((value or "").strip())
    except ValueError:
        return None
