"""Customer countries: ISO 3166-1 alpha-2 codes with names in the reader's language (Babel's CLDR data)."""

import unicodedata
from functools import lru_cache

from babel import Locale
from django.utils import translation

# CLDR territories that are not countries a customer is located in (groupings, reserved and
# exceptional codes). XK (Kosovo) stays: it is in everyday use.
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})


def _sort_key(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold() or name


@lru_cache(maxsize=16)
def _choices(language: str) -> tuple[tuple[str, str], ...]:
    try:
        territories = Locale.parse(language.replace("-", "_")).territories
    except (ValueError, LookupError):
        territories = Locale.parse("en").territories
    pairs = [(code, name) for code, name in territories.items()
             if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES]
    return tuple(sorted(pairs, key=lambda pair: (_sort_key(pair[1]), pair[1])))


def country_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, localized name), sorted by name in ``language`` (default: the active language)."""
    return list(_choices(language or translation.get_language() or "en"))


COUNTRY_CODES = frozenset(code for code, _name in _choices("en"))


def country_name(code: str, language: str | None = None) -> str:
    return dict(_choices(language or translation.get_language() or "en")).get(code, code)
