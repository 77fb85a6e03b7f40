"""Append-only tables in the database itself: triggers that refuse UPDATE and DELETE, per vendor.

``append_only_sql(table)`` gives (forward, reverse) scripts per vendor for a migration's RunPython; the
agreement acceptances (partners/sql.py) and the MDF ledger (mdf/sql.py) use it. TRUNCATE is left alone on
purpose: the test runner on PostgreSQL flushes tables with it.
"""


def append_only_sql(table: str) -> dict[str, tuple[str, str]]:
    """{vendor: (forward, reverse)} for ``table``: any UPDATE or DELETE fails, whoever runs it."""
    postgresql_forward = f"""
CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '{table} is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};
CREATE TRIGGER {table}_no_update_delete
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_append_only();
"""
    postgresql_reverse = f"""
DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table};
DROP FUNCTION IF EXISTS {table}_append_only();
"""
    sqlite_forward = f"""
CREATE TRIGGER IF NOT EXISTS {table}_no_update
BEFORE UPDATE ON {table}
BEGIN
    SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused');
END;
CREATE TRIGGER IF NOT EXISTS {table}_no_delete
BEFORE DELETE ON {table}
BEGIN
    SELECT RAISE(ABORT, '{table} is append-only: DELETE refused');
END;
"""
    sqlite_reverse = f"""
DROP TRIGGER IF EXISTS {table}_no_update;
DROP TRIGGER IF EXISTS {table}_no_delete;
"""
    return {"postgresql": (postgresql_forward, postgresql_reverse), "sqlite": (sqlite_forward, sqlite_reverse)}


def _statements(sql: str) -> list[str]:
    """Split on the statement ends we write (a trigger body's inner ';' is followed by END)."""
    if "$$" in sql:
        return [sql]  # PostgreSQL takes the whole script in one execute
    statements, current = [], []
    for line in sql.strip().splitlines():
        current.append(line)
        if line.strip() == "END;" or (line.strip().endswith(";") and not any("BEGIN" in part for part in current)):
            statements.append("\n".join(current))
            current = []
    return [s for s in statements if s.strip()]


def execute_script(connection, sql: str) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(sql):
            cursor.execute(statement)


def triggers_installed(connection, table: str) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s", [f"{table}_no_update_delete"])
        else:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = %s", [f"{table}_no_delete"])
        return cursor.fetchone() is not None


def install(schema_editor, scripts: dict[str, tuple[str, str]]) -> None:
    forward, _reverse = scripts.get(schema_editor.connection.vendor, ("", ""))
    if forward:
        execute_script(schema_editor.connection, forward)


def remove(schema_editor, scripts: dict[str, tuple[str, str]]) -> None:
    _forward, reverse = scripts.get(schema_editor.connection.vendor, ("", ""))
    if reverse:
        execute_script(schema_editor.connection, reverse)
