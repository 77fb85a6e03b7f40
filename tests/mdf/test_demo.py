"""The MDF demo: funds for every active demo partner, requests and claims in every state written through the
services (the ledger explains every cent), proof files that pass the content checks, a duplicate invoice, ROPI
numbers; idempotent, and ``seed_demo --reset`` rebuilds it although the ledger is append-only."""

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from mdf import demo_files
from mdf.demo import FULL_PARTNERS, KEY_PREFIX, nice
from mdf.duplicates import SAME_INVOICE
from mdf.models import Activity, ActivityEvent, Claim, EvidenceKind, Fund, FundEntry, Payment, ProofFile
from mdf.periods import quarter_of
from mdf.selectors import fund_ledger_totals, ropi_for_activities
from mdf.services.ledger import TOTALS
from partners.models import PartnerOrganization
from prm.common.uploads import CSV, PDF, PNG, sniff_content_type
from prm.notifications.models import Notification
from prm.tenancy.scoping import unscoped

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    with unscoped():
        return {model.__name__: model.objects.count()
                for model in (Fund, FundEntry, Activity, ActivityEvent, Claim, ProofFile, Payment)}


def test_the_demo_has_funds_requests_and_claims_in_every_state_is_idempotent_and_resets():
    output = seed()
    assert re.search(r"^mdf: \d+ funds, \d+ requests, \d+ claims, \d+ payments$", output, re.MULTILINE), output
    first = snapshot()
    again = [line for line in seed().splitlines() if line.startswith("mdf:") and "stays open" not in line]
    assert again == []  # nothing new the second time
    assert snapshot() == first

    today = timezone.localdate()
    with unscoped():
        active = list(PartnerOrganization.objects.filter(status=PartnerOrganization.Status.ACTIVE,
                                                         website__endswith=".example"))
        funds = list(Fund.objects.all())
        activities = list(Activity.objects.select_related("partner"))
        claims = list(Claim.objects.select_related("activity"))

        # every active demo partner has this quarter's fund with money in it; some have last quarter's
        current = {f.partner_id: f for f in funds if f.period_start == quarter_of(today)[0]}
        assert {p.pk for p in active} <= set(current) and all(current[p.pk].allocated > 0 for p in active)
        assert any(f.period_start < quarter_of(today)[0] for f in funds)
        assert any(f.status == Fund.Status.EXPIRED and f.expired > 0 for f in funds) or all(
            f.expires_on >= today for f in funds if f.period_start < quarter_of(today)[0])
        # the ledger explains every cent and no fund is overspent
        for fund in funds:
            assert fund_ledger_totals(fund=fund) == {name: getattr(fund, name) for name in TOTALS}, fund
            assert fund.available >= 0 and fund.paid <= fund.spent
        entries = list(FundEntry.objects.all())
        assert {e.kind for e in entries} >= {"allocation", "reservation", "release", "spend", "payment", "expiry"}
        manual = [e for e in entries if e.kind == "allocation" and e.actor_id]
        assert manual and all(e.reason and e.actor.staff_role == "channel_manager" for e in manual)
        assert all(e.key == "allocation:tier" for e in entries if e.kind == "allocation" and not e.actor_id)

        # every state, across regions and currencies
        assert set(Counter(a.status for a in activities)) == set(Activity.Status.values)
        assert set(Counter(c.status for c in claims)) == set(Claim.Status.values)
        assert len({a.currency for a in activities}) >= 8 and len({a.partner.region_id for a in activities}) == 4
        full = {a.partner.name for a in activities if a.idempotency_key == KEY_PREFIX + "lapsed"}
        assert full == set(FULL_PARTNERS)
        # partial decisions carry their reason; payments match the approved claims
        assert any(a.approved_amount < a.requested_amount and a.decision_reason for a in activities
                   if a.approved_amount)
        partial = [c for c in claims if c.approved_amount and c.approved_amount < c.claimed_amount]
        assert partial and all(c.decision_reason for c in partial)
        for claim in claims:
            if claim.status == Claim.Status.PAID:
                assert claim.payment.amount == claim.approved_amount and claim.payment.currency == claim.currency
        assert all(c.activity.status == Activity.Status.COMPLETED for c in claims
                   if c.status in (Claim.Status.APPROVED, Claim.Status.PAID, Claim.Status.REJECTED))

        # one claim repeats another partner's invoice number and is flagged for the manager
        flagged = [c for c in claims if c.duplicate_flags]
        assert len(flagged) == 1 and flagged[0].activity.idempotency_key == KEY_PREFIX + "claim_duplicate"
        flag = flagged[0].duplicate_flags[0]
        original = Claim.objects.get(pk=flag["claim_id"])
        assert flag["code"] == SAME_INVOICE and not flag["same_partner"]
        assert original.partner_id != flagged[0].partner_id and original.status == Claim.Status.PAID

        # proof files are what they claim to be, by content
        proofs = list(ProofFile.objects.all())
        assert {p.content_type for p in proofs} == {PDF, PNG, CSV}
        assert len({p.sha256 for p in proofs}) == len(proofs)
        for proof in proofs[:12]:
            with proof.file.open("rb") as handle:
                assert sniff_content_type(handle) == proof.content_type
        submitted = [c for c in claims if c.status != Claim.Status.DRAFT]
        assert all(c.proofs.exists() for c in submitted)

        # the registrations the featured partners' activities sourced give ROPI numbers
        paid = [a for a in activities if a.idempotency_key == KEY_PREFIX + "claim_paid" and a.partner.name in FULL_PARTNERS]
        ropi = ropi_for_activities(activity_ids=[a.pk for a in paid])
        assert all(r.spend > 0 and r.won > 0 and r.won_deals == 1 and r.deals == 2 and r.ratio for r in ropi.values())

        # the decisions' e-mails are recorded, none is left to send to the made-up addresses
        assert Notification.objects.filter(kind="mdf.claim_paid").exists()
        assert not Notification.objects.filter(kind__startswith="mdf.", status=Notification.Status.PENDING).exists()

    # --reset purges the append-only ledger with the rest and builds the same demo again
    seed("--reset")
    assert snapshot() == first
    with unscoped():
        assert {f.pk for f in funds}.isdisjoint(Fund.objects.values_list("pk", flat=True))


def test_made_up_proof_files_are_valid():
    pdf = demo_files.pdf_bytes(["Invoice (INV-1)", "Lumière Conseil SAS", "Back\\slash"])
    start = int(re.search(rb"startxref\n(\d+)", pdf).group(1))
    assert pdf.startswith(b"%PDF-1.4") and pdf[start:start + 4] == b"xref"
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n", pdf)]
    assert [pdf[o:o + 7] for o in offsets] == [f"{n} 0 obj".encode() for n in range(1, 6)]
    assert b"Lumiere Conseil SAS" in pdf and b"\\(INV-1\\)" in pdf

    from PIL import Image

    png = demo_files.png_bytes("Stand at the summit", seed=4)
    image = Image.open(io.BytesIO(png))
    image.load()
    assert image.size == (120, 80) and image.info["Comment"] == "Stand at the summit"
    for kind in EvidenceKind.values:
        name, content = demo_files.proof_for(kind, partner_name="Sakura Systems KK", title="Webinar, part 1",
                                             invoice="INV-7", amount="1 JPY", seed=1)
        assert sniff_content_type(io.BytesIO(content)) in (PDF, PNG, CSV), name


def test_budgets_are_rounded_as_people_write_them():
    from decimal import Decimal

    assert nice(Decimal("1234.56")) == Decimal("1200.00")
    assert nice(Decimal("2372591.82")) == Decimal("2400000.00")
    assert nice(Decimal("0")) == Decimal("0.00")
