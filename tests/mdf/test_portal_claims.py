"""The claim panel through the test client: starting a claim, its figures, proof uploads checked by content and
size (refused with the translated message, nothing stored), removing proof, downloads with safe headers."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from mdf.models import Claim, MdfProgram, ProofFile
from mdf.services import proof_add
from prm.common.downloads import safe_filename
from prm.common.uploads import CSV, JPEG, PDF, PNG, XLSX, check_upload
from prm.tenancy.scoping import partner_scope

from .helpers import PDF_BYTES, PNG_BYTES, approved_activity, upload, xlsx_bytes
from .portal_helpers import claimer, draft_claim, funded

pytestmark = pytest.mark.django_db
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def stored_files() -> list[Path]:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def proofs_of(claim) -> list[ProofFile]:
    with partner_scope(claim.partner_id):
        return list(ProofFile.objects.filter(claim=claim))


def expected_error(upload_file, *, language: str, max_bytes: int) -> str:
    with translation.override(language):
        try:
            check_upload(upload_file, allowed=(PDF, PNG, JPEG, CSV, XLSX), max_bytes=max_bytes)
        except ValidationError as error:
            return error.messages[0]
    raise AssertionError("the upload was accepted")


@pytest.fixture
def german_claimer(partner_a):
    person = claimer(partner_a)
    person.preferred_language = "de"
    person.save()
    return person


def test_a_pdf_name_with_exe_bytes_is_refused_with_the_translated_message_and_nothing_is_stored(
        client, partner_a, german_claimer):
    claim = draft_claim(partner_a)
    before = stored_files()
    client.force_login(german_claimer)
    response = client.post(reverse("mdf:proof_add", args=[claim.activity_id]),
                           {"proof-kind": "invoice", "proof-file": upload("invoice.pdf", EXE_BYTES, "application/pdf")})
    assert response.status_code == 200
    message = expected_error(upload("invoice.pdf", EXE_BYTES), language="de", max_bytes=10 * 1024 * 1024)
    assert "invoice.pdf" in message
    html = response.content.decode()
    assert escape(message) in html
    assert proofs_of(claim) == [] and stored_files() == before


def test_a_file_over_the_programs_limit_is_refused_and_the_limits_are_shown(client, partner_a, german_claimer):
    program = MdfProgram.current()
    program.max_file_mb = 1
    program.save()
    claim = draft_claim(partner_a)
    client.force_login(german_claimer)
    page = client.get(reverse("mdf:activity_detail", args=[claim.activity_id])).content.decode()
    assert 'enctype="multipart/form-data"' in page and "1 MB" in page and "50 MB" in page
    big = PDF_BYTES + b"0" * (1024 * 1024 + 10)
    response = client.post(reverse("mdf:proof_add", args=[claim.activity_id]),
                           {"proof-kind": "invoice", "proof-file": upload("big.pdf", big)})
    message = expected_error(upload("big.pdf", big), language="de", max_bytes=program.max_file_bytes)
    assert escape(message) in response.content.decode()
    assert proofs_of(claim) == []


def test_every_accepted_type_is_stored_with_its_sniffed_type_and_can_be_removed(client, partner_a):
    claim = draft_claim(partner_a)
    person = claimer(partner_a)
    client.force_login(person)
    url = reverse("mdf:proof_add", args=[claim.activity_id])
    for name, content, kind in (("photo.jpg", PNG_BYTES, "photo"), ("list.xlsx", xlsx_bytes(), "attendee_list"),
                                ("invoice.pdf", PDF_BYTES, "invoice")):
        assert client.post(url, {"proof-kind": kind, "proof-file": upload(name, content)}).status_code == 302
    by_name = {p.original_name: p for p in proofs_of(claim)}
    assert by_name["photo.jpg"].content_type == "image/png"  # judged by content, not by name
    assert by_name["list.xlsx"].content_type == XLSX
    assert "photo.jpg" not in by_name["photo.jpg"].file.name  # stored under a name of ours
    response = client.get(reverse("mdf:proof_download", args=[by_name["photo.jpg"].pk]))
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    # The same file twice on one claim is refused.
    again = client.post(url, {"proof-kind": "photo", "proof-file": upload("copy.jpg", PNG_BYTES)})
    assert again.status_code == 200 and "already attached" in again.content.decode()
    assert client.post(reverse("mdf:proof_remove", args=[by_name["photo.jpg"].pk])).status_code == 302
    assert sorted(p.original_name for p in proofs_of(claim)) == ["invoice.pdf", "list.xlsx"]


def test_claim_figures_beyond_the_pre_approval_are_refused_and_nothing_changes(client, partner_a):
    claim = draft_claim(partner_a)
    client.force_login(claimer(partner_a))
    response = client.post(reverse("mdf:claim_update", args=[claim.activity_id]), {
        "claim-actual_cost": "9000", "claim-claimed_amount": "2500", "claim-invoice_number": "INV-1"})
    assert response.status_code == 200
    assert "You can claim at most the pre-approved" in response.content.decode()
    with partner_scope(partner_a):
        assert Claim.objects.get(pk=claim.pk).invoice_number == ""


def test_submitting_without_the_required_evidence_says_what_is_missing(client, partner_a):
    claim = draft_claim(partner_a)
    client.force_login(claimer(partner_a))
    response = client.post(reverse("mdf:claim_submit", args=[claim.activity_id]), {
        "claim-actual_cost": "4000", "claim-claimed_amount": "2000", "claim-invoice_number": "INV-1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Attach the proof this activity type needs" in html and "Recording or agenda" in html
    with partner_scope(partner_a):
        claim = Claim.objects.get(pk=claim.pk)
    assert claim.status == Claim.Status.DRAFT and claim.invoice_number == ""  # figures and submission: both or neither


def test_a_claim_cannot_start_before_the_activity_has_ended(client, partner_a, admin_a, manager_a):
    funded(partner_a)
    activity = approved_activity(partner_a, admin_a, manager_a)
    client.force_login(admin_a)
    page = client.get(activity.get_absolute_url()).content.decode()
    assert "You can claim once the activity has ended" in page and "Start the claim" not in page
    response = client.post(reverse("mdf:claim_start", args=[activity.pk]), follow=True)
    assert "can be claimed once it has ended" in response.content.decode()
    with partner_scope(partner_a):
        assert not Claim.objects.exists()


def test_download_names_are_safe_in_the_header(client, partner_a):
    claim = draft_claim(partner_a)
    with partner_scope(partner_a):
        proof = proof_add(claim=claim, actor=claimer(partner_a), kind="invoice",
                          upload=upload('Rechnung "März"\r\n.pdf', PDF_BYTES))
    client.force_login(claimer(partner_a))
    response = client.get(reverse("mdf:proof_download", args=[proof.pk]))
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
    assert "filename*=utf-8''" in disposition  # the non-ASCII name is encoded, not pasted
    assert safe_filename("../../etc/passwd", fallback="x") == "passwd"
    assert safe_filename("\x00\x1f", fallback="proof-1") == "proof-1"


def test_the_claim_panel_shows_the_checklist_before_and_after_uploads(client, partner_a):
    claim = draft_claim(partner_a)
    client.force_login(claimer(partner_a))
    url = reverse("mdf:activity_detail", args=[claim.activity_id])
    html = client.get(url).content.decode()
    assert html.count('class="checklist__step"') == 3 and "checklist__step--done" not in html
    client.post(reverse("mdf:proof_add", args=[claim.activity_id]),
                {"proof-kind": "invoice", "proof-file": upload("invoice.pdf", PDF_BYTES)})
    html = client.get(url).content.decode()
    assert html.count("checklist__step--done") == 1 and 'data-kind="invoice"' in html
    assert Decimal("2000.00") == claim.activity.approved_amount
