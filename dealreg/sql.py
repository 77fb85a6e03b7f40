"""SQL that migrations must run and Django cannot express portably: pg_trgm and the trigram GIN indexes.

Wire into a migration with RunSQL per vendor (forward + reverse), e.g.::

    migrations.RunPython(apply_forward, apply_reverse)   # calls FORWARD[vendor] / REVERSE[vendor]

SQLite has no pg_trgm: the conflict engine's fallback (dealreg.conflicts) needs nothing there.
The extension is never dropped on reverse: other schemas or apps may use it.
"""

TRGM_EXTENSION = "CREATE EXTENSION IF NOT EXISTS pg_trgm"
TRGM_EXTENSION_REVERSE = ""  # keep the extension

# Partial: the conflict engine only ever searches open or protected registrations (Deal.OPEN_STATUSES; a
# test keeps the two in step). On 1M registrations, one in four open, the check takes ~9 ms instead of
# ~28 ms with a full index (bench dealreg.conflict_check); the statement repeats the predicate so the
# planner can use it.
OPEN_STATUSES_SQL = "('submitted', 'more_info', 'approved')"
DEAL_NAME_TRGM_INDEX = (
    "CREATE INDEX IF NOT EXISTS dealreg_deal_name_trgm ON dealreg_deal USING gin (customer_name_normalized gin_trgm_ops) "
    f"WHERE status IN {OPEN_STATUSES_SQL}"
)
DEAL_NAME_TRGM_INDEX_REVERSE = "DROP INDEX IF EXISTS dealreg_deal_name_trgm"

VENDOR_ACCOUNT_NAME_TRGM_INDEX = (
    "CREATE INDEX IF NOT EXISTS dealreg_vendoraccount_name_trgm ON dealreg_vendoraccount "
    "USING gin (name_normalized gin_trgm_ops)"
)
VENDOR_ACCOUNT_NAME_TRGM_INDEX_REVERSE = "DROP INDEX IF EXISTS dealreg_vendoraccount_name_trgm"

# In order; each vendor's list runs forward, the reverse list runs in reverse order.
FORWARD = {
    "postgresql": [TRGM_EXTENSION, DEAL_NAME_TRGM_INDEX, VENDOR_ACCOUNT_NAME_TRGM_INDEX],
    "sqlite": [],
}
REVERSE = {
    "postgresql": [VENDOR_ACCOUNT_NAME_TRGM_INDEX_REVERSE, DEAL_NAME_TRGM_INDEX_REVERSE],
    "sqlite": [],
}


def apply(schema_editor, statements: dict[str, list[str]]) -> None:
    """Run one direction's statements for the connection's vendor (a RunPython helper)."""
    for statement in statements.get(schema_editor.connection.vendor, []):
        if statement:
            schema_editor.execute(statement)


def apply_forward(apps, schema_editor) -> None:
    apply(schema_editor, FORWARD)


def apply_reverse(apps, schema_editor) -> None:
    apply(schema_editor, REVERSE)
