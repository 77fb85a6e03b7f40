"""Money is a Decimal with an ISO 4217 currency (py-moneyed), formatted per locale with Babel."""

from decimal import Decimal

from babel.numbers import format_currency, format_decimal
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
