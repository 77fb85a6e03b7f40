"""SQL the partners app needs in a migration that Django cannot express: append-only agreement acceptances.

The constants are wired into a migration with ``migrations.RunSQL`` per vendor (forward, reverse).
An UPDATE or DELETE of an acceptance fails in the database itself, whatever code (or person with a
SQL prompt using the application's role) tries it. TRUNCATE is left alone on purpose: the test
runner on PostgreSQL flushes tables with it.
"""

ACCEPTANCE_TABLE = "partners_agreementacceptance"

# --- PostgreSQL -----------------------------------------------------------------------------------

POSTGRESQL_ACCEPTANCE_APPEND_ONLY = f"""
CREATE OR REPLACE FUNCTION partners_agreementacceptance_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'partners_agreementacceptance is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS partners_agreementacceptance_no_update_delete ON {ACCEPTANCE_TABLE};
CREATE TRIGGER partners_agreementacceptance_no_update_delete
    BEFORE UPDATE OR DELETE ON {ACCEPTANCE_TABLE}
    FOR EACH ROW EXECUTE FUNCTION partners_agreementacceptance_append_only();
"""

POSTGRESQL_ACCEPTANCE_APPEND_ONLY_REVERSE = f"""
DROP TRIGGER IF EXISTS partners_agreementacceptance_no_update_delete ON {ACCEPTANCE_TABLE};
DROP FUNCTION IF EXISTS partners_agreementacceptance_append_only();
"""

# --- SQLite ---------------------------------------------------------------------------------------

SQLITE_ACCEPTANCE_APPEND_ONLY = f"""
CREATE TRIGGER IF NOT EXISTS partners_agreementacceptance_no_update
BEFORE UPDATE ON {ACCEPTANCE_TABLE}
BEGIN
    SELECT RAISE(ABORT, 'partners_agreementacceptance is append-only: UPDATE refused');
END;
CREATE TRIGGER IF NOT EXISTS partners_agreementacceptance_no_delete
BEFORE DELETE ON {ACCEPTANCE_TABLE}
BEGIN
    SELECT RAISE(ABORT, 'partners_agreementacceptance is append-only: DELETE refused');
END;
"""

SQLITE_ACCEPTANCE_APPEND_ONLY_REVERSE = """
DROP TRIGGER IF EXISTS partners_agreementacceptance_no_update;
DROP TRIGGER IF EXISTS partners_agreementacceptance_no_delete;
"""

APPEND_ONLY_SQL = {
    "postgresql": (POSTGRESQL_ACCEPTANCE_APPEND_ONLY, POSTGRESQL_ACCEPTANCE_APPEND_ONLY_REVERSE),
    "sqlite": (SQLITE_ACCEPTANCE_APPEND_ONLY, SQLITE_ACCEPTANCE_APPEND_ONLY_REVERSE),
}


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


def install_acceptance_triggers(apps, schema_editor) -> None:
    """For the migration: ``migrations.RunPython(install_acceptance_triggers, remove_acceptance_triggers)``."""
    forward, _reverse = APPEND_ONLY_SQL.get(schema_editor.connection.vendor, ("", ""))
    if forward:
        execute_script(schema_editor.connection, forward)


def remove_acceptance_triggers(apps, schema_editor) -> None:
    _forward, reverse = APPEND_ONLY_SQL.get(schema_editor.connection.vendor, ("", ""))
    if reverse:
        execute_script(schema_editor.connection, reverse)


def acceptance_triggers_installed(connection) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT 1 FROM pg_trigger WHERE tgname = 'partners_agreementacceptance_no_update_delete'")
        else:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'partners_agreementacceptance_no_delete'")
        return cursor.fetchone() is not None


def agreement_acceptances_purge_for_demo(*, partner_ids: list[int]) -> int:
    """Delete acceptances (and their PDFs) of these partners: ``seed_demo --reset`` only.

    Lifts the append-only triggers inside the caller's transaction and puts them back before it
    commits, so no other transaction ever sees the table unprotected (DDL is transactional on both
    PostgreSQL and SQLite). Never call it from application code.
    """
    from django.db import connection, transaction

    from partners.models import AgreementAcceptance, AgreementPdf
    from prm.tenancy.scoping import partners_scope

    if not partner_ids:
        return 0
    forward, reverse = APPEND_ONLY_SQL.get(connection.vendor, ("", ""))
    with transaction.atomic(), partners_scope(partner_ids):
        for pdf in AgreementPdf.objects.filter(partner_id__in=partner_ids):
            pdf.file.delete(save=False)
        AgreementPdf.objects.filter(partner_id__in=partner_ids).delete()
        installed = bool(forward) and acceptance_triggers_installed(connection)
        if installed:
            execute_script(connection, reverse)
        # _raw_delete: the model refuses delete() by design; this is the one sanctioned way round.
        queryset = AgreementAcceptance.objects.filter(partner_id__in=partner_ids)
        deleted = queryset._raw_delete(queryset.db)
        if installed:
            execute_script(connection, forward)
    return deleted
