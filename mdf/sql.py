"""SQL the mdf app needs that Django cannot express: the fund ledger is append-only.

An UPDATE or DELETE of a fund entry fails in the database itself (triggers per vendor), so a
correction is always a new entry. TRUNCATE is left alone: the PostgreSQL test runner flushes with it.
"""

from partners.sql import execute_script

LEDGER_TABLE = "mdf_fundentry"

POSTGRESQL_FORWARD = f"""
CREATE OR REPLACE FUNCTION mdf_fundentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'mdf_fundentry is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS mdf_fundentry_no_update_delete ON {LEDGER_TABLE};
CREATE TRIGGER mdf_fundentry_no_update_delete
    BEFORE UPDATE OR DELETE ON {LEDGER_TABLE}
    FOR EACH ROW EXECUTE FUNCTION mdf_fundentry_append_only();
"""

POSTGRESQL_REVERSE = f"""
DROP TRIGGER IF EXISTS mdf_fundentry_no_update_delete ON {LEDGER_TABLE};
DROP FUNCTION IF EXISTS mdf_fundentry_append_only();
"""

SQLITE_FORWARD = f"""
CREATE TRIGGER IF NOT EXISTS mdf_fundentry_no_update
BEFORE UPDATE ON {LEDGER_TABLE}
BEGIN
    SELECT RAISE(ABORT, 'mdf_fundentry is append-only: UPDATE refused');
END;
CREATE TRIGGER IF NOT EXISTS mdf_fundentry_no_delete
BEFORE DELETE ON {LEDGER_TABLE}
BEGIN
    SELECT RAISE(ABORT, 'mdf_fundentry is append-only: DELETE refused');
END;
"""

SQLITE_REVERSE = """
DROP TRIGGER IF EXISTS mdf_fundentry_no_update;
DROP TRIGGER IF EXISTS mdf_fundentry_no_delete;
"""

APPEND_ONLY_SQL = {
    "postgresql": (POSTGRESQL_FORWARD, POSTGRESQL_REVERSE),
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
}


def install_ledger_triggers(apps, schema_editor) -> None:
    forward, _reverse = APPEND_ONLY_SQL.get(schema_editor.connection.vendor, ("", ""))
    if forward:
        execute_script(schema_editor.connection, forward)


def remove_ledger_triggers(apps, schema_editor) -> None:
    _forward, reverse = APPEND_ONLY_SQL.get(schema_editor.connection.vendor, ("", ""))
    if reverse:
        execute_script(schema_editor.connection, reverse)


def ledger_purge_for_demo(*, partner_ids: list[int]) -> None:
    """Delete these partners' MDF rows, ledger included: ``seed_demo --reset`` only.

    Lifts the triggers inside the caller's transaction and restores them before it commits
    (DDL is transactional on PostgreSQL and SQLite), so no other transaction sees the ledger open.
    """
    from django.db import connection, transaction

    from mdf.models import Activity, ActivityEvent, Claim, Fund, FundEntry, MdfReferenceCounter, Payment, ProofFile
    from prm.tenancy.scoping import partners_scope

    if not partner_ids:
        return
    forward, reverse = APPEND_ONLY_SQL.get(connection.vendor, ("", ""))
    with transaction.atomic(), partners_scope(partner_ids):
        if reverse:
            execute_script(connection, reverse)
        FundEntry.objects.filter(partner_id__in=partner_ids)._raw_delete(FundEntry.objects.db)
        if forward:
            execute_script(connection, forward)
        for proof in ProofFile.objects.filter(partner_id__in=partner_ids):
            proof.file.delete(save=False)
        ProofFile.objects.filter(partner_id__in=partner_ids).delete()
        Payment.objects.filter(partner_id__in=partner_ids).delete()
        Claim.objects.filter(partner_id__in=partner_ids).delete()
        ActivityEvent.objects.filter(partner_id__in=partner_ids).delete()
        Activity.objects.filter(partner_id__in=partner_ids).delete()
        Fund.objects.filter(partner_id__in=partner_ids).delete()
        MdfReferenceCounter.objects.filter(partner_id__in=partner_ids).delete()
