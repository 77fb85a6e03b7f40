"""Admin registrations, one module per area."""

from . import (  # noqa: F401  (CRM data, rates, imports, deal participants)
    deals,  # noqa: F401
    fx,
    imports,
    vendor,
)
