"""Bank account checks for payout details: IBAN (length per country + ISO 7064 mod 97), BIC, US routing numbers.

Offline and dependency-free on purpose: the rules are stable and small, and the portal never calls out.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Country -> IBAN length (SWIFT IBAN registry). A country not listed here does not use IBANs.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

_IBAN_SHAPE = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]+$")
_BIC_SHAPE = re.compile(r"^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_ACCOUNT_SHAPE = re.compile(r"^[A-Z0-9]{4,34}$")
_ROUTING_SHAPE = re.compile(r"^[A-Z0-9]{3,20}$")


def uses_iban(country: str) -> bool:
    return (country or "").upper() in IBAN_LENGTHS


def compact(value: str) -> str:
    """Upper case without spaces, dashes or dots (how people type account numbers)."""
    return re.sub(r"[\s\-.]", "", value or "").upper()


def iban_checksum_ok(iban: str) -> bool:
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def validate_iban(value: str, *, country: str | None = None) -> str:
    """The compact IBAN, or a translated ValidationError saying what is wrong."""
    iban = compact(value)
    if not _IBAN_SHAPE.match(iban):
        raise ValidationError(_("Enter an IBAN: two letters, two check digits, then the account (e.g. DE89 3704 0044 0532 0130 00)."),
                              code="iban_format")
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is None:
        raise ValidationError(_("%(code)s is not a country that uses IBANs.") % {"code": iban[:2]}, code="iban_country")
    if country and iban[:2] != country.upper():
        raise ValidationError(_("The IBAN is for another country than the bank country you chose."), code="iban_mismatch")
    if len(iban) != expected:
        raise ValidationError(
            _("An IBAN from %(code)s has %(expected)d characters; this one has %(actual)d.")
            % {"code": iban[:2], "expected": expected, "actual": len(iban)},
            code="iban_length",
        )
    if not iban_checksum_ok(iban):
        raise ValidationError(_("This IBAN's check digits do not match; please check it for typing errors."),
                              code="iban_checksum")
    return iban


def validate_bic(value: str) -> str:
    bic = compact(value)
    if bic and not _BIC_SHAPE.match(bic):
        raise ValidationError(_("Enter a BIC of 8 or 11 letters and digits (e.g. COBADEFFXXX)."), code="bic")
    return bic


def aba_checksum_ok(routing: str) -> bool:
    weights = (3, 7, 1) * 3
    return sum(int(d) * w for d, w in zip(routing, weights, strict=True)) % 10 == 0


def validate_account_number(value: str) -> str:
    account = compact(value)
    if not _ACCOUNT_SHAPE.match(account):
        raise ValidationError(_("Enter the account number: 4 to 34 letters and digits."), code="account_number")
    return account


def validate_routing_number(value: str, *, country: str) -> str:
    routing = compact(value)
    if (country or "").upper() == "US":
        if not (len(routing) == 9 and routing.isdigit() and aba_checksum_ok(routing)):
            raise ValidationError(_("Enter the 9-digit ABA routing number; this one is not valid."), code="routing_us")
        return routing
    if not _ROUTING_SHAPE.match(routing):
        raise ValidationError(_("Enter the bank's routing number or code: 3 to 20 letters and digits."), code="routing")
    return routing
