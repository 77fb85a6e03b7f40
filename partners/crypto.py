"""Encryption at rest for bank account numbers (payout details): Fernet from ``cryptography`` (AES-128-CBC
with an HMAC-SHA256 over every token), so a database dump, a backup or a replica never holds them in clear.

Keys live in ``settings.PAYOUT_ENCRYPTION_KEYS`` (from the environment): a list of Fernet keys, the first
encrypts, every one decrypts (MultiFernet), so a key is rotated by putting the new one first, running
``manage.py payout_keys_rotate`` and then dropping the old one. Outside production an empty setting falls
back to a fixed development key (the quick start works without configuration); production refuses to start
without its own keys (prm/settings/production.py) and the system check below says so too.

New key: ``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.utils.translation import gettext_lazy as _

# Development only: published in the source, so anything it encrypts is as good as clear text.
DEV_KEY = "cHJtLWRldi1vbmx5LXBheW91dC1rZXktMDEyMzQ1Njc="

TOKEN_PREFIX = "gAAAAA"  # every Fernet token starts with version byte 0x80 and a 64-bit timestamp


class DecryptionError(ImproperlyConfigured):
    """A stored value cannot be decrypted with any configured key (a key was dropped too early)."""


def configured_keys() -> list[str]:
    raw = getattr(settings, "PAYOUT_ENCRYPTION_KEYS", None) or []
    if isinstance(raw, str):
        raw = raw.split(",")
    keys = [key.strip() for key in raw if key and key.strip()]
    if keys:
        return keys
    if getattr(settings, "PRM_PRODUCTION", False):
        raise ImproperlyConfigured("Set PAYOUT_ENCRYPTION_KEYS (Fernet keys, comma-separated) in the environment.")
    return [DEV_KEY]


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in configured_keys()])
    except ValueError as error:  # not 32 url-safe base64-encoded bytes
        raise ImproperlyConfigured(f"PAYOUT_ENCRYPTION_KEYS holds a key that is not a Fernet key: {error}") from None


def _reset(*, setting, **kwargs) -> None:
    if setting in ("PAYOUT_ENCRYPTION_KEYS", "PRM_PRODUCTION"):
        _fernet.cache_clear()


setting_changed.connect(_reset)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError):
        raise DecryptionError(
            "A payout account number cannot be decrypted with PAYOUT_ENCRYPTION_KEYS: the key that encrypted it "
            "is missing (keep old keys after the new one until payout_keys_rotate has run)."
        ) from None


def rotate(token: str) -> str:
    """The same value encrypted with the first (current) key."""
    try:
        return _fernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise DecryptionError("A payout account number cannot be decrypted with PAYOUT_ENCRYPTION_KEYS.") from None


def is_token(value: str) -> bool:
    return bool(value) and value.startswith(TOKEN_PREFIX)


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; Python code sees the clear value, the database never does.

    Empty stays empty (the method already says which number a row has). Tokens are random per write, so the
    column cannot be searched or compared: only ``isnull`` and comparisons with "" make sense."""

    description = _("Encrypted text")

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if not value:
            return value
        return encrypt(value)

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull", "exact"):
            return None  # Django then reports an unsupported lookup: a token cannot be searched
        return super().get_lookup(lookup_name)


@checks.register(checks.Tags.security, deploy=True)
def check_payout_keys(app_configs=None, **kwargs):
    """`check --deploy`: configured keys must be Fernet keys, and not the published development key. (Production
    without any key refuses to encrypt or decrypt at first use; production.py refuses to start without one.)"""
    raw = getattr(settings, "PAYOUT_ENCRYPTION_KEYS", None)
    if not raw:
        return []
    try:
        keys = configured_keys()
        MultiFernet([Fernet(key) for key in keys])
    except (ImproperlyConfigured, ValueError) as error:
        return [checks.Error(f"PAYOUT_ENCRYPTION_KEYS: {error}", id="partners.E101")]
    if keys[0] == DEV_KEY:
        return [checks.Warning(
            "Payout account numbers are encrypted with the published development key.",
            hint="Set PAYOUT_ENCRYPTION_KEYS to a key of your own (Fernet.generate_key()).", id="partners.W101",
        )]
    return []
