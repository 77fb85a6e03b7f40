from django.core.exceptions import ValidationError


class EnablementError(ValidationError):
    """A request the rules refuse (not enrolled, attempts used up, a finished attempt, tampered answers)."""
