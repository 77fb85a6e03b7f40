"""Money is a Decimal with an ISO 4217 currency (py-moneyed), formatted per locale with Babel."""

from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, format_decimal, get_currency_precision
from django.utils import translation
from moneyed import Money


def babel_locale(language: str | None = None) -> str:
    return (language or translation.get_language() or "en").replace("-", "_")


def format_money(amount: Decimal | Money | None, currency: str | None = None, *, language: str | None = None) -> str:
    if amount is None:
        return ""
    if isinstance(amount, Money):
        currency, amount = amount.currency.code, amount.amount
    return format_currency(Decimal(amount), currency, locale=babel_locale(language))


def format_number(value, *, language: str | None = None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=babel_locale(language))


def minor_unit(currency: str | None) -> Decimal:
    """The smallest amount of ``currency``: 0.01 EUR, 1 JPY (ISO 4217 minor units, from Babel)."""
    return Decimal(1).scaleb(-get_currency_precision(currency)) if currency else Decimal("0.01")


def round_money(value, currency: str | None = None) -> Decimal:
    """``value`` rounded half-up to the currency's minor unit (cents when no currency is given)."""
    return Decimal(str(value)).quantize(minor_unit(currency), rounding=ROUND_HALF_UP)
