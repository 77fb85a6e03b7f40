"""The fund ledger is append-only: triggers refuse UPDATE and DELETE of fund entries (mdf/sql.py)."""

from django.db import migrations

from mdf.sql import install_ledger_triggers, remove_ledger_triggers


class Migration(migrations.Migration):
    dependencies = [("mdf", "0001_initial")]

    operations = [migrations.RunPython(install_ledger_triggers, remove_ledger_triggers)]
