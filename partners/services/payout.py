"""Payout details at rest: re-encrypting the stored account numbers with the current key (key rotation)."""

from collections.abc import Iterable

from django.db import transaction

from partners.models import PartnerOrganization, PayoutDetails
from prm.common.audit import audit
from prm.tenancy.scoping import partners_scope

ENCRYPTED_FIELDS = ("iban", "account_number")
CHUNK = 1000


def _chunks(ids: Iterable[int], size: int) -> Iterable[list[int]]:
    chunk: list[int] = []
    for pid in ids:
        chunk.append(pid)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def payout_details_reencrypt(*, actor=None, chunk_size: int = CHUNK) -> int:
    """Decrypt every stored IBAN / account number with any configured key and write it back encrypted with the
    first one (PAYOUT_ENCRYPTION_KEYS). Run after putting a new key first; the old key can go once it is done.

    Chunked by partner (each chunk in its partners' scope and its own transaction), one read and one bulk write
    per chunk; idempotent and safe to interrupt (a row is readable with either key meanwhile). Returns the rows
    written."""
    written = 0
    partner_ids = PartnerOrganization.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=chunk_size)
    for chunk in _chunks(partner_ids, chunk_size):
        with partners_scope(chunk), transaction.atomic():
            rows = list(PayoutDetails.objects.select_for_update().only("id", "partner_id", *ENCRYPTED_FIELDS))
            if rows:  # loading decrypted them; saving encrypts with the first key
                PayoutDetails.objects.bulk_update(rows, list(ENCRYPTED_FIELDS), batch_size=500)
                written += len(rows)
    audit(actor=actor, action="partners.payout_details.reencrypted", data={"rows": written})
    return written
