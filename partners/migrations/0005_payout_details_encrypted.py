"""Payout IBANs and account numbers encrypted at rest (partners/crypto.py).

The columns become text (a Fernet token is ~140 characters), the existing rows are encrypted with the first
key of PAYOUT_ENCRYPTION_KEYS, then the fields become EncryptedTextField (no schema change). Reversible: going
back decrypts them. Idempotent: a value that already is a token is left alone.
"""

from django.db import migrations, models

import partners.crypto

FIELDS = ("iban", "account_number")
BATCH = 500


def _convert(apps, convert, wanted) -> None:
    PayoutDetails = apps.get_model("partners", "PayoutDetails")
    changed = []
    for row in PayoutDetails.objects.only("id", *FIELDS).order_by("pk").iterator(chunk_size=BATCH):
        dirty = False
        for name in FIELDS:
            value = getattr(row, name)
            if value and wanted(value):
                setattr(row, name, convert(value))
                dirty = True
        if dirty:
            changed.append(row)
    PayoutDetails.objects.bulk_update(changed, list(FIELDS), batch_size=BATCH)


def encrypt_rows(apps, schema_editor):
    _convert(apps, partners.crypto.encrypt, lambda value: not partners.crypto.is_token(value))


def decrypt_rows(apps, schema_editor):
    _convert(apps, partners.crypto.decrypt, partners.crypto.is_token)


class Migration(migrations.Migration):

    dependencies = [
        ("partners", "0004_tier_mdf_cost_share"),
    ]

    operations = [
        migrations.AlterField(
            model_name="payoutdetails", name="iban", field=models.TextField(blank=True, verbose_name="IBAN"),
        ),
        migrations.AlterField(
            model_name="payoutdetails", name="account_number",
            field=models.TextField(blank=True, verbose_name="account number"),
        ),
        migrations.RunPython(encrypt_rows, decrypt_rows, elidable=False),
        migrations.AlterField(
            model_name="payoutdetails", name="iban",
            field=partners.crypto.EncryptedTextField(blank=True, verbose_name="IBAN"),
        ),
        migrations.AlterField(
            model_name="payoutdetails", name="account_number",
            field=partners.crypto.EncryptedTextField(blank=True, verbose_name="account number"),
        ),
    ]
