"""Admin registrations, one module per lifecycle area."""

from . import core  # noqa: F401
from . import applications  # noqa: F401
from . import onboarding  # noqa: F401
from . import tiers  # noqa: F401
