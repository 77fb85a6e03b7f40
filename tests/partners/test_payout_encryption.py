"""Payout account numbers are encrypted at rest (Fernet, MultiFernet rotation), shown masked in the portal, the
admin and the API, and the data migration encrypts rows stored in clear before it."""

import importlib

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.urls import reverse

from partners import crypto
from partners.models import PayoutDetails
from partners.services.payout import payout_details_reencrypt
from prm.tenancy.scoping import partner_scope

pytestmark = pytest.mark.django_db

IBAN = "DE89370400440532013000"
ACCOUNT = "1234567890"
OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _raw(pk: int) -> tuple[str, str]:
    table = PayoutDetails._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT iban, account_number FROM {connection.ops.quote_name(table)} WHERE id = %s", [pk])
        return cursor.fetchone()


def _set_raw(pk: int, *, iban: str, account_number: str) -> None:
    table = PayoutDetails._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {connection.ops.quote_name(table)} SET iban = %s, account_number = %s WHERE id = %s",
                       [iban, account_number, pk])


def _details(partner, **fields) -> PayoutDetails:
    values = {"account_holder": "Alpha Systems GmbH", "bank_country": "DE", "method": PayoutDetails.Method.IBAN,
              "iban": IBAN, "currency": "EUR", **fields}
    with partner_scope(partner):
        return PayoutDetails.objects.create(partner=partner, **values)


def _fresh(partner) -> PayoutDetails:
    with partner_scope(partner):
        return PayoutDetails.objects.get()


def test_the_database_holds_tokens_the_model_the_clear_value(partner_a):
    details = _details(partner_a)
    iban, account = _raw(details.pk)
    assert iban.startswith(crypto.TOKEN_PREFIX) and "0532" not in iban and "DE89" not in iban
    assert account == ""  # empty stays empty: the method already says which number a row has
    assert crypto.decrypt(iban) == IBAN
    assert _fresh(partner_a).iban == IBAN and _fresh(partner_a).masked_account == "DE•••• 3000"


def test_every_write_is_a_new_token(partner_a):
    details = _details(partner_a)
    first, _ = _raw(details.pk)
    with partner_scope(partner_a):
        details.save()
    assert _raw(details.pk)[0] != first  # random IV: equal numbers cannot be spotted across rows


def test_the_portal_form_stores_it_encrypted(client, partner_a, admin_a):
    client.force_login(admin_a)
    response = client.post(reverse("partners:onboarding_payout"), {
        "account_holder": "Alpha Inc.", "bank_country": "US", "currency": "USD",
        "account_number": "1234 5678 90", "routing_number": "021000021",
    })
    assert response.status_code == 302
    details = _fresh(partner_a)
    iban, account = _raw(details.pk)
    assert iban == "" and crypto.is_token(account) and ACCOUNT not in account
    assert details.account_number == ACCOUNT and details.masked_account == "•••• 7890"


def test_searching_an_encrypted_column_is_refused(partner_a):
    _details(partner_a)
    with partner_scope(partner_a), pytest.raises(FieldError):
        list(PayoutDetails.objects.filter(iban__contains="0532"))


def test_rotation_reencrypts_with_the_first_key(partner_a, partner_b):
    with override_settings(PAYOUT_ENCRYPTION_KEYS=[OLD_KEY]):
        a = _details(partner_a)
        b = _details(partner_b, method=PayoutDetails.Method.ACCOUNT, iban="", account_number=ACCOUNT,
                     bank_country="US", currency="USD")
    old_a = _raw(a.pk)[0]
    with override_settings(PAYOUT_ENCRYPTION_KEYS=[NEW_KEY, OLD_KEY]):
        assert _fresh(partner_a).iban == IBAN  # old tokens stay readable while both keys are configured
        assert payout_details_reencrypt() == 2
        assert _raw(a.pk)[0] != old_a
    with override_settings(PAYOUT_ENCRYPTION_KEYS=[NEW_KEY]):  # the old key is gone: everything still reads
        assert _fresh(partner_a).iban == IBAN and _fresh(partner_b).account_number == ACCOUNT
    assert Fernet(NEW_KEY.encode()).decrypt(_raw(b.pk)[1].encode()).decode() == ACCOUNT


def test_a_missing_key_fails_loudly_instead_of_returning_garbage(partner_a):
    with override_settings(PAYOUT_ENCRYPTION_KEYS=[OLD_KEY]):
        _details(partner_a)
    with override_settings(PAYOUT_ENCRYPTION_KEYS=[NEW_KEY]), pytest.raises(crypto.DecryptionError):
        _fresh(partner_a)


def test_production_without_keys_refuses_to_encrypt(partner_a):
    with override_settings(PRM_PRODUCTION=True, PAYOUT_ENCRYPTION_KEYS=[]), pytest.raises(ImproperlyConfigured):
        _details(partner_a)
    with override_settings(PRM_PRODUCTION=False, PAYOUT_ENCRYPTION_KEYS=""):
        assert crypto.configured_keys() == [crypto.DEV_KEY]  # the quick start needs no configuration


def test_deploy_check_flags_the_development_key_and_broken_keys():
    with override_settings(PAYOUT_ENCRYPTION_KEYS=[crypto.DEV_KEY]):
        assert [m.id for m in crypto.check_payout_keys()] == ["partners.W101"]
    with override_settings(PAYOUT_ENCRYPTION_KEYS=["not-a-key"]):
        assert [m.id for m in crypto.check_payout_keys()] == ["partners.E101"]
    with override_settings(PAYOUT_ENCRYPTION_KEYS=f"{NEW_KEY},{OLD_KEY}"):  # a comma-separated string works too
        assert crypto.check_payout_keys() == []


def test_data_migration_encrypts_clear_rows_and_is_idempotent(partner_a, partner_b):
    a = _details(partner_a)
    b = _details(partner_b, method=PayoutDetails.Method.ACCOUNT, iban="", account_number=ACCOUNT,
                 bank_country="US", currency="USD")
    _set_raw(a.pk, iban=IBAN, account_number="")  # as stored before the migration
    _set_raw(b.pk, iban="", account_number=ACCOUNT)
    migration = importlib.import_module("partners.migrations.0005_payout_details_encrypted")
    # The models as the data step sees them: after 0004 and the migration's own first steps (text columns).
    state = MigrationExecutor(connection).loader.project_state(("partners", "0004_tier_mdf_cost_share"))
    for operation in migration.Migration.operations[:2]:
        operation.state_forwards("partners", state)
    before = state.apps

    migration.encrypt_rows(before, None)
    iban, account = _raw(a.pk)
    assert crypto.is_token(iban) and account == ""
    assert crypto.is_token(_raw(b.pk)[1]) and _raw(b.pk)[0] == ""
    assert _fresh(partner_a).iban == IBAN and _fresh(partner_b).account_number == ACCOUNT

    migration.encrypt_rows(before, None)  # a second run leaves tokens alone (no double encryption)
    assert _fresh(partner_a).iban == IBAN

    migration.decrypt_rows(before, None)  # going back puts the clear values back
    assert _raw(a.pk) == (IBAN, "") and _raw(b.pk) == ("", ACCOUNT)


def test_admin_and_api_show_only_the_mask(client, partner_a, admin_a, user_a, operator):
    _details(partner_a)
    client.force_login(operator)
    changelist = client.get(reverse("admin:partners_payoutdetails_changelist")).content.decode()
    assert "DE•••• 3000" in changelist and IBAN not in changelist and "0532" not in changelist
    change = client.get(reverse("admin:partners_payoutdetails_change", args=[_fresh(partner_a).pk])).content.decode()
    assert "DE•••• 3000" in change and IBAN not in change

    client.force_login(admin_a)
    body = client.get("/api/v1/onboarding/").json()
    assert body["payout"]["masked_account"] == "DE•••• 3000" and body["payout"]["method"] == "iban"
    assert IBAN not in str(body) and "0532" not in str(body)
    client.force_login(user_a)  # not an admin: the portal page is closed to them, the API says nothing either
    assert client.get("/api/v1/onboarding/").json()["payout"] is None


def test_api_payout_is_the_callers_partners_only(client, partner_a, partner_b, admin_b):
    _details(partner_a)
    client.force_login(admin_b)
    assert client.get("/api/v1/onboarding/").json()["payout"] is None
    assert client.get("/api/v1/onboarding/", HTTP_X_PARTNER_ID=str(partner_a.pk)).status_code == 404
