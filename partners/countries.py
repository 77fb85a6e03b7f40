"""Countries for forms: ISO 3166-1 alpha-2 codes with names in the active language (from babel's CLDR data)."""

import unicodedata
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import get_territory_currencies
from django.conf import settings
from django.utils.translation import get_language

# CLDR territories that are not countries a company is located in (groupings, reserved and exceptional
# codes). XK (Kosovo) stays: it is in everyday use.
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})


def _sort_key(name: str) -> str:
    # "Österreich" sorts with the O's, "Émirats" with the E's.
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold() or name


def _locale(language: str | None) -> Locale:
    try:
        return Locale.parse((language or settings.LANGUAGE_CODE).replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(settings.LANGUAGE_CODE)


@lru_cache(maxsize=16)
def _choices_for(language: str) -> tuple[tuple[str, str], ...]:
    names = _locale(language).territories
    codes = [code for code in names if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES]
    return tuple(sorted(((code, names[code]) for code in codes), key=lambda item: (_sort_key(item[1]), item[1])))


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, localized name) sorted by name, for the given or the active language."""
    return list(_choices_for((language or get_language() or settings.LANGUAGE_CODE).split("-")[0]))


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    return frozenset(code for code, _name in _choices_for("en"))


def country_name(code: str, language: str | None = None) -> str:
    return dict(country_choices(language)).get(code, code)


def currency_for_country(code: str) -> str:
    """The country's current currency when the program trades in it, else the base currency."""
    for currency in get_territory_currencies(code) if code else ():
        if currency in settings.CURRENCIES:
            return currency
    return settings.BASE_CURRENCY
