"""The errors MDF services raise: ValidationErrors with translated messages and codes (forms and the API show them)."""

from django.core.exceptions import ValidationError


class MdfError(ValidationError):
    """A request the rules refuse (wrong state, out of window, bad amount)."""


class InsufficientFunds(MdfError):  # noqa: N818 - reads as the domain says it
    """The fund's available balance does not cover the amount."""
