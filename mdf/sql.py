"""SQL the mdf app needs that Django cannot express: the fund ledger is append-only.

An UPDATE or DELETE of a fund entry fails in the database itself (triggers per vendor), so a
correction is always a new entry. TRUNCATE is left alone: the PostgreSQL test runner flushes with it.
"""

from prm.common.sql import append_only_sql, execute_script, install, remove

LEDGER_TABLE = "mdf_fundentry"
APPEND_ONLY_SQL = append_only_sql(LEDGER_TABLE)


def install_ledger_triggers(apps, schema_editor) -> None:
    install(schema_editor, APPEND_ONLY_SQL)


def remove_ledger_triggers(apps, schema_editor) -> None:
    remove(schema_editor, APPEND_ONLY_SQL)


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
