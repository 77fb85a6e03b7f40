"""Enablement in the admin, one module per area: the catalogue (operators), people's progress and certification
awards (region-scoped, with the revoke action and the report by partner), the asset library with its downloads,
and the external LMS completion imports (operators)."""

from . import assets, assignments, catalogue, imports, progress  # noqa: F401
