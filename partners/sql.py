"""SQL the partners app needs in a migration that Django cannot express: append-only agreement acceptances.

The scripts come from prm.common.sql.append_only_sql and run from a migration (RunPython, per vendor).
An UPDATE or DELETE of an acceptance fails in the database itself, whatever code (or person with a
SQL prompt using the application's role) tries it. TRUNCATE is left alone on purpose: the test
runner on PostgreSQL flushes tables with it.
"""

from prm.common.sql import append_only_sql, execute_script, install, remove, triggers_installed

ACCEPTANCE_TABLE = "partners_agreementacceptance"
APPEND_ONLY_SQL = append_only_sql(ACCEPTANCE_TABLE)

__all__ = ["APPEND_ONLY_SQL", "execute_script", "install_acceptance_triggers", "remove_acceptance_triggers"]


def install_acceptance_triggers(apps, schema_editor) -> None:
    """For the migration: ``migrations.RunPython(install_acceptance_triggers, remove_acceptance_triggers)``."""
    install(schema_editor, APPEND_ONLY_SQL)


def remove_acceptance_triggers(apps, schema_editor) -> None:
    remove(schema_editor, APPEND_ONLY_SQL)


def acceptance_triggers_installed(connection) -> bool:
    return triggers_installed(connection, ACCEPTANCE_TABLE)


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
