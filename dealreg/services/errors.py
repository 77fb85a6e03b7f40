from django.core.exceptions import ValidationError


class DealStateError(ValidationError):
    """The registration is not in a state that allows this (e.g. approving a draft)."""


class DealConflictError(ValidationError):
    """Approving would protect a registration that conflicts with a protected one or a refused vendor account."""
