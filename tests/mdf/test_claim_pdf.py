"""The claim summary PDF: rendered by a worker task in the partner's language, idempotent (re-rendered only when
the claim changed), served by the portal when fresh, queued with a waiting page when not."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from mdf.models import Claim
from mdf.pdf import render_claim_summary_html, render_claim_summary_pdf
from mdf.services import claim_approve, claim_update, payment_record
from mdf.services.claim_pdf import claim_summary_is_fresh, claim_summary_load
from mdf.tasks_pdf import render_claim_summary
from prm.common.money import format_money
from prm.tenancy.scoping import partner_scope
from tests.factories import StaffFactory

from .helpers import approved_activity, ended, fund_with, seed_rates, submitted_claim
from .portal_helpers import claimer

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    """The text of an uncompressed WeasyPrint PDF, decoded through each font's ToUnicode map (no pypdf here)."""
    objects = {int(num): body for num, body in re.findall(rb"(\d+) 0 obj(.*?)endobj", content, re.S)}

    def cmap_of(font_obj: int) -> dict[bytes, str]:
        to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", objects[font_obj])
        mapping = {}
        if to_unicode:
            stream = objects[int(to_unicode.group(1))]
            for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
                for src, dst in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                    mapping[src.lower()] = bytes.fromhex(dst.decode()).decode("utf-16-be")
            for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
                for lo, hi, dst in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
                    start = int(dst, 16)
                    for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                        mapping[f"{code:0{len(lo)}x}".encode()] = chr(start + offset)
        return mapping

    fonts = {}
    font_dicts = re.findall(rb"/Font\s*<<(.*?)>>", content, re.S)
    font_dicts += [objects[int(num)] for num in re.findall(rb"/Font (\d+) 0 R", content)]
    for resources in font_dicts:
        for name, num in re.findall(rb"/(\w+) (\d+) 0 R", resources):
            fonts[name] = cmap_of(int(num))
    lines, current = [], {}
    for block in re.findall(rb"BT(.*?)ET", content, re.S):
        for token in re.finditer(rb"/(\w+) [\d.]+ Tf|\[(.*?)\]\s*TJ", block, re.S):
            if token.group(1):
                current = fonts.get(token.group(1), {})
                continue
            codes = re.findall(rb"<([0-9a-fA-F]+)>", token.group(2))
            lines.append("".join(current.get(h.lower()[i:i + 4], "?") for h in codes for i in range(0, len(h), 4)))
    return "\n".join(lines)


@pytest.fixture
def paid_claim(partner_a, manager_a):
    fund_with(partner_a, Decimal("10000"))
    activity = ended(approved_activity(partner_a, claimer(partner_a), manager_a))
    claim = submitted_claim(activity, claimer(partner_a), claimed=Decimal("1500.00"), invoice="INV-4711")
    with partner_scope(partner_a):
        claim = claim_approve(claim=claim, actor=manager_a, amount=Decimal("1200.00"), reason="Only one invoice counts")
        payment_record(claim=claim, actor=manager_a, paid_on=timezone.localdate(), reference="PAY-2026-77")
        return Claim.objects.select_related("activity").get(pk=claim.pk)


def test_the_summary_shows_partner_amounts_results_evidence_and_timeline_in_the_partners_language(partner_a, paid_claim):
    with partner_scope(partner_a):
        summary = claim_summary_load(claim_id=paid_claim.pk)
        content = render_claim_summary_pdf(summary, language=partner_a.default_language, uncompressed=True)
        html = render_claim_summary_html(summary, language="de")
        proofs = summary.proofs
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    collapsed = re.sub(r"\s+", "", text)
    with translation.override("de"):
        for amount in ("2000.00", "1500.00", "1200.00", "4000.00"):
            assert re.sub(r"\s+", "", format_money(Decimal(amount), "EUR")) in collapsed, amount
    for fact in ("Alpha Systems GmbH", paid_claim.activity.reference, "Cloud security webinar", "INV-4711",
                 "PAY-2026-77", "Only one invoice counts", "invoice.pdf", proofs[0].sha256[:12]):
        assert re.sub(r"\s+", "", fact) in collapsed, fact
    assert "120" in text and "35" in text  # attendees and leads
    # German number formatting and the partner's language on the document.
    assert '<html lang="de">' in html and "1.200,00" in html
    assert collapsed.count("PAY-2026-77") == 2  # the payment's reference, and its step on the timeline


def test_the_task_renders_once_and_again_only_when_the_claim_changed(partner_a, paid_claim, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert render_claim_summary(partner_id=partner_a.pk, claim_id=paid_claim.pk) is True
    with partner_scope(partner_a):
        claim = Claim.objects.get(pk=paid_claim.pk)
        first_name, first_at = claim.summary_pdf.name, claim.summary_rendered_at
        assert first_name.startswith(f"mdf/claims/{partner_a.pk}/") and claim_summary_is_fresh(claim=claim)
        assert claim.summary_pdf.open("rb").read(4) == b"%PDF"
        assert claim.updated_at == paid_claim.updated_at  # storing the PDF does not make the claim "newer"
    # Redelivered: nothing changes.
    with django_capture_on_commit_callbacks(execute=True):
        render_claim_summary(partner_id=partner_a.pk, claim_id=paid_claim.pk)
    with partner_scope(partner_a):
        assert Claim.objects.get(pk=paid_claim.pk).summary_pdf.name == first_name
        # The claim changes: the summary is stale and the next run replaces it (the old file goes).
        Claim.objects.filter(pk=paid_claim.pk).update(updated_at=timezone.now())
        assert not claim_summary_is_fresh(claim=Claim.objects.get(pk=paid_claim.pk))
    with django_capture_on_commit_callbacks(execute=True):
        render_claim_summary(partner_id=partner_a.pk, claim_id=paid_claim.pk)
    with partner_scope(partner_a):
        claim = Claim.objects.get(pk=paid_claim.pk)
        assert claim.summary_pdf.name != first_name and claim.summary_rendered_at > first_at
        assert claim_summary_is_fresh(claim=claim)
        assert not claim.summary_pdf.storage.exists(first_name)


def test_the_portal_queues_the_pdf_then_serves_it(client, partner_a, admin_a, paid_claim,
                                                 django_capture_on_commit_callbacks):
    url = reverse("mdf:claim_summary_pdf", args=[paid_claim.activity_id])
    client.force_login(admin_a)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pending = client.get(url)
    assert pending.status_code == 200 and "being prepared" in pending.content.decode()
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=False) as again:
        client.get(url)  # a refresh a moment later does not queue it twice
    assert again == []
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:  # the on-commit dispatch; eager Celery renders in-process
            callback()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert f"{paid_claim.activity.reference}-claim.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_claim_edited_after_rendering_gets_a_new_summary(client, partner_a, admin_a, manager_a,
                                                           django_capture_on_commit_callbacks):
    seed_rates()
    fund_with(partner_a, Decimal("10000"))
    activity = ended(approved_activity(partner_a, admin_a, manager_a))
    claim = submitted_claim(activity, admin_a)
    render_claim_summary(partner_id=partner_a.pk, claim_id=claim.pk)
    with partner_scope(partner_a):
        from mdf.services import claim_request_info

        claim_request_info(claim=claim, actor=manager_a, message="Add the agenda")
        claim_update(claim=claim, actor=admin_a, values={"leads": 99})
    client.force_login(admin_a)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(reverse("mdf:claim_summary_pdf", args=[activity.pk]))
    assert page.status_code == 200 and "being prepared" in page.content.decode()
    with partner_scope(partner_a):
        fresh = Claim.objects.get(pk=claim.pk)
    assert claim_summary_is_fresh(claim=fresh)
    assert "99" in pdf_text(render_claim_summary_pdf(claim_summary_load_in(partner_a, claim.pk), language="de",
                                                     uncompressed=True))


def claim_summary_load_in(partner, claim_id):
    with partner_scope(partner):
        return claim_summary_load(claim_id=claim_id)


def test_a_japanese_partners_summary_is_in_japanese_formats(partner_b):
    seed_rates()
    fund_with(partner_b, Decimal("5000000"))
    manager = StaffFactory()
    activity = ended(approved_activity(partner_b, claimer(partner_b), manager, planned_cost=Decimal("400000")))
    claim = submitted_claim(activity, claimer(partner_b), actual_cost=Decimal("400000"))
    with partner_scope(partner_b):
        summary = claim_summary_load(claim_id=claim.pk)
        html = render_claim_summary_html(summary, language=partner_b.default_language)
    assert '<html lang="ja">' in html
    with translation.override("ja"):
        assert format_money(Decimal("200000"), "JPY") in html  # ￥200,000, no decimals
