"""Admin registrations, one module per lifecycle area."""

from . import (
    applications,  # noqa: F401
    core,  # noqa: F401
    onboarding,  # noqa: F401
    tiers,  # noqa: F401
)
