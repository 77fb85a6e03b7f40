"""pg_trgm and the GIN trigram indexes the conflict engine searches (PostgreSQL only; see dealreg/sql.py)."""

from django.db import migrations

from dealreg.sql import apply_forward, apply_reverse


class Migration(migrations.Migration):
    dependencies = [("dealreg", "0002_rules_events_participants_vendor_imports")]

    operations = [migrations.RunPython(apply_forward, apply_reverse)]
