"""Duplicate proof detection across every partner: the same file (SHA-256) or the same invoice number on
another claim. Returns reason codes and the other claim's id for the manager; partners never see them."""

import re

from django.utils.translation import gettext as _

from mdf.models import Claim, ProofFile
from prm.tenancy.scoping import unscoped

SAME_FILE, SAME_INVOICE = "same_file", "same_invoice"


def normalize_invoice_number(value: str) -> str:
    """Case, spaces and punctuation removed: ``INV-2026/001`` and ``inv 2026 001`` are one invoice."""
    return re.sub(r"[\W_]+", "", (value or "").casefold())[:64]


def duplicate_flags_for(*, claim: Claim) -> list[dict]:
    """Why this claim's proof is also on another claim (any partner's). Two queries."""
    hashes = list(ProofFile.objects.filter(claim=claim).values_list("sha256", flat=True))
    flags = []
    with unscoped():
        if hashes:
            rows = (ProofFile.objects.filter(sha256__in=hashes).exclude(claim_id=claim.pk)
                    .exclude(claim__status=Claim.Status.DRAFT).values_list("claim_id", "partner_id", "sha256")
                    .order_by("claim_id")[:20])
            for other_claim, other_partner, sha in rows:
                flags.append({"code": SAME_FILE, "claim_id": other_claim, "same_partner": other_partner == claim.partner_id,
                              "sha256": sha})
        if claim.invoice_number_normalized:
            rows = (Claim.objects.filter(invoice_number_normalized=claim.invoice_number_normalized)
                    .exclude(pk=claim.pk).exclude(status=Claim.Status.DRAFT)
                    .values_list("pk", "partner_id").order_by("pk")[:20])
            for other_claim, other_partner in rows:
                flags.append({"code": SAME_INVOICE, "claim_id": other_claim, "same_partner": other_partner == claim.partner_id})
    return flags


def describe_flag(flag: dict) -> str:
    """The manager's words for one flag (the admin shows it next to a link to the other claim)."""
    if flag.get("code") == SAME_FILE:
        return _("The same file is attached to claim #%(id)s.") % {"id": flag.get("claim_id")}
    return _("The same invoice number is on claim #%(id)s.") % {"id": flag.get("claim_id")}
