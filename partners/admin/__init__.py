"""Admin registrations, one module per lifecycle area."""

from . import core  # noqa: F401
