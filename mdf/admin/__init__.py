"""Admin registrations, one module per area: the program (operators), funds and their ledger, requests and
their pre-approval queue, claims with their approval queue, proof downloads and payments."""

from . import (  # noqa: F401
    activities,
    claims,
    funds,
    program,
)
