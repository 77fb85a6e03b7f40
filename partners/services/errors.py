from django.core.exceptions import ValidationError


class InvitationError(ValidationError):
    """An invitation cannot be used (expired, used, revoked, for another address)."""


class MembershipError(ValidationError):
    """A membership change is not allowed (e.g. removing the last partner admin)."""
