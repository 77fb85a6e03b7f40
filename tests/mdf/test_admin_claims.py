"""The managers' MDF admin, claims side: the approval queue of their regions (SLA age, duplicate proof
flagged, evidence checklist, constant queries), decisions and bulk decisions through the services, payments
one by one and in a batch, and proof files streamed only within the manager's regions."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from mdf.duplicates import describe_flag
from mdf.models import Activity, Claim, EvidenceKind, Fund, Payment, ProofFile
from mdf.services import claim_start, proof_add
from prm.common.models import AuditEvent
from prm.common.money import format_money
from prm.tenancy.scoping import partner_scope, unscoped
from tests.mdf.helpers import PDF_BYTES, approved_activity, ended, fund_with, seed_rates, submitted_claim, upload

pytestmark = pytest.mark.django_db

QUEUE = "admin:mdf_claimapprovalqueue_changelist"
CLAIMS = "admin:mdf_claim_changelist"


def fresh(obj):
    with unscoped():
        obj.refresh_from_db()
    return obj


def said(user, message_id, **params):
    with translation.override(user.preferred_language):
        text = gettext(message_id)
        return text % params if params else text


def claim_for(partner, member, manager, *, title="Cloud security webinar", invoice="INV-1001", claimed=None):
    activity = ended(approved_activity(partner, member, manager, title=title))
    return submitted_claim(activity, member, invoice=invoice, claimed=claimed)


def decide_url(claim):
    return reverse("admin:mdf_claim_decide", args=[claim.pk])


@pytest.fixture
def claim_b(partner_b, admin_b, manager_a):
    seed_rates()
    fund_with(partner_b, Decimal("1000000"))
    return claim_for(partner_b, admin_b, manager_a, title="Tokyo summit", invoice="JP-77")


def test_queue_shows_own_region_with_duplicates_flagged_and_the_evidence(client, manager_a, partner_a, admin_a,
                                                                          claim_b):
    fund_with(partner_a, Decimal("10000"))
    first = claim_for(partner_a, admin_a, manager_a, title="Berlin roadshow", invoice="INV-2026/001")
    second = claim_for(partner_a, admin_a, manager_a, title="Munich webinar", invoice="inv 2026 001")
    with unscoped():
        Claim.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - timedelta(days=12))
        proofs = list(ProofFile.objects.filter(claim=second).order_by("id"))
    assert fresh(second).duplicate_flags and not fresh(first).duplicate_flags
    client.force_login(manager_a)
    html = client.get(reverse(QUEUE)).content.decode()
    assert first.activity.reference in html and claim_b.activity.title not in html
    assert html.index(str(first.pk) + "/decide/") < html.index(str(second.pk) + "/decide/")  # oldest first
    assert 'class="overdue"' in html and 'class="duplicate"' in html
    with translation.override(manager_a.preferred_language):
        assert escape(describe_flag(second.duplicate_flags[0])) in html
        assert escape(str(EvidenceKind.RECORDING.label)) in html  # a webinar's checklist
    for proof in proofs:
        assert reverse("admin:mdf_claim_proof", args=[proof.pk]) in html
    assert escape(format_money(Decimal("2000.00"), "EUR")) in html  # claimed / pre-approved
    queued_page = client.get(reverse("admin:mdf_claimapprovalqueue_change", args=[second.pk]))
    assert queued_page.status_code == 200 and proofs[0].original_name in queued_page.content.decode()
    flagged = client.get(reverse(QUEUE), {"duplicate": "yes"}).content.decode()
    assert str(second.pk) + "/decide/" in flagged and str(first.pk) + "/decide/" not in flagged
    clean = client.get(reverse(QUEUE), {"duplicate": "no"}).content.decode()
    assert str(first.pk) + "/decide/" in clean and str(second.pk) + "/decide/" not in clean


def test_another_regions_claim_and_proof_are_out_of_reach(client, manager_a, claim_b):
    client.force_login(manager_a)
    response = client.get(reverse("admin:mdf_claim_change", args=[claim_b.pk]))
    assert response.status_code == 302 and response.url == reverse("admin:index")
    assert client.get(decide_url(claim_b)).status_code == 404
    assert client.post(decide_url(claim_b), {"decision": "approve"}).status_code == 404
    assert client.get(reverse("admin:mdf_claim_pay", args=[claim_b.pk])).status_code == 404
    with unscoped():
        proof = ProofFile.objects.filter(claim=claim_b).first()
    assert client.get(reverse("admin:mdf_claim_proof", args=[proof.pk])).status_code == 404
    assert fresh(claim_b).status == Claim.Status.SUBMITTED


def test_proof_downloads_as_an_attachment_within_the_region(client, manager_a, operator, partner_a, admin_a, claim_b):
    fund_with(partner_a, Decimal("10000"))
    claim = claim_for(partner_a, admin_a, manager_a)
    with unscoped():
        proof = ProofFile.objects.filter(claim=claim).order_by("id").first()
        theirs = ProofFile.objects.filter(claim=claim_b).first()
    client.force_login(manager_a)
    response = client.get(reverse("admin:mdf_claim_proof", args=[proof.pk]))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body.startswith(PDF_BYTES) and body.endswith(b"INV-1001")
    assert response["Content-Disposition"].startswith("attachment;") and proof.original_name in \
        response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff" and response["Content-Type"] == "application/pdf"
    client.force_login(operator)  # operators see every region
    assert client.get(reverse("admin:mdf_claim_proof", args=[theirs.pk])).status_code == 200


def test_a_proof_with_an_odd_name_keeps_the_header_well_formed(client, manager_a, partner_a, admin_a):
    fund_with(partner_a, Decimal("10000"))
    activity = ended(approved_activity(partner_a, admin_a, manager_a))
    with partner_scope(partner_a):
        claim, _created = claim_start(activity=activity, actor=admin_a)
        proof = proof_add(claim=claim, actor=admin_a, kind="invoice",
                          upload=upload('..\\Rechnung "März"\r\n.pdf', PDF_BYTES))
    client.force_login(manager_a)
    response = client.get(reverse("admin:mdf_claim_proof", args=[proof.pk]))
    disposition = response["Content-Disposition"]
    assert response.status_code == 200 and disposition.startswith("attachment;")
    assert "\r" not in disposition and "\n" not in disposition and ".." not in disposition
    assert "filename*=utf-8''" in disposition  # the non-ASCII name is encoded, not pasted


def test_approving_a_claim_spends_from_the_reservation(client, manager_a, partner_a, admin_a):
    fund = fund_with(partner_a, Decimal("10000"))
    claim = claim_for(partner_a, admin_a, manager_a, claimed=Decimal("1500.00"))
    client.force_login(manager_a)
    assert client.get(decide_url(claim)).status_code == 200
    response = client.post(decide_url(claim), {"decision": "approve", "approve-reason": ""})
    assert response.status_code == 302 and response.url == reverse(QUEUE)
    assert fresh(claim).status == Claim.Status.APPROVED and claim.approved_amount == Decimal("1500.00")
    fund = fresh(fund)
    assert fund.spent == Decimal("1500.00") and fund.reserved == Decimal("0.00")
    assert AuditEvent.objects.filter(action="mdf.claim.approved", target_id=str(claim.pk), actor=manager_a).exists()
    assert fresh(claim.activity).status == Activity.Status.COMPLETED


def test_partial_claim_approval_needs_a_reason(client, manager_a, partner_a, admin_a):
    fund = fund_with(partner_a, Decimal("10000"))
    claim = claim_for(partner_a, admin_a, manager_a)
    client.force_login(manager_a)
    refused = client.post(decide_url(claim), {"decision": "partial", "partial-amount": "1200", "partial-reason": ""})
    assert refused.status_code == 200
    assert escape(said(manager_a, "Give a reason for approving less than claimed.")) in refused.content.decode()
    assert fresh(claim).status == Claim.Status.SUBMITTED and fresh(fund).spent == Decimal("0.00")
    too_much = client.post(decide_url(claim), {"decision": "partial", "partial-amount": "2500",
                                               "partial-reason": "?"})
    assert too_much.status_code == 200 and fresh(claim).status == Claim.Status.SUBMITTED
    client.post(decide_url(claim), {"decision": "partial", "partial-amount": "1200",
                                    "partial-reason": "Catering is not covered."})
    assert fresh(claim).approved_amount == Decimal("1200.00")
    fund = fresh(fund)
    assert fund.spent == Decimal("1200.00") and fund.reserved == Decimal("0.00") and fund.available == Decimal("8800.00")


def test_reject_and_more_information_on_a_claim(client, manager_a, partner_a, admin_a):
    fund = fund_with(partner_a, Decimal("10000"))
    asked = claim_for(partner_a, admin_a, manager_a, title="First", invoice="A-1")
    rejected = claim_for(partner_a, admin_a, manager_a, title="Second", invoice="B-2")
    client.force_login(manager_a)
    client.post(decide_url(asked), {"decision": "more_info", "more-message": "Attach the signed attendee list."})
    assert fresh(asked).status == Claim.Status.MORE_INFO and asked.info_request == "Attach the signed attendee list."
    client.post(decide_url(rejected), {"decision": "reject", "reject-reason": "The invoice is not ours."})
    assert fresh(rejected).status == Claim.Status.REJECTED and rejected.decision_reason == "The invoice is not ours."
    assert fresh(fund).reserved == Decimal("2000.00")  # the rejected claim's reservation went back
    assert AuditEvent.objects.filter(action="mdf.claim.rejected", target_id=str(rejected.pk)).exists()


def test_bulk_approve_and_bulk_reject_claims(client, manager_a, partner_a, admin_a):
    fund = fund_with(partner_a, Decimal("10000"))
    claims = [claim_for(partner_a, admin_a, manager_a, title=f"Event {i}", invoice=f"E-{i}") for i in range(4)]
    client.force_login(manager_a)
    done = client.post(reverse(QUEUE), {"action": "approve_selected",
                                        ACTION_CHECKBOX_NAME: [claims[0].pk, claims[1].pk]}, follow=True)
    assert "2 claims approved." in done.content.decode()
    assert [fresh(c).status for c in claims[:2]] == [Claim.Status.APPROVED] * 2
    ids = [claims[2].pk, claims[3].pk]
    form = client.post(reverse(QUEUE), {"action": "reject_selected", ACTION_CHECKBOX_NAME: ids})
    assert form.status_code == 200 and 'name="apply"' in form.content.decode()
    assert fresh(claims[2]).status == Claim.Status.SUBMITTED
    client.post(reverse(QUEUE), {"action": "reject_selected", ACTION_CHECKBOX_NAME: ids, "apply": "1",
                                 "reason": "No proof of attendance."})
    assert [fresh(c).status for c in claims[2:]] == [Claim.Status.REJECTED] * 2
    fund = fresh(fund)
    assert fund.spent == Decimal("4000.00") and fund.reserved == Decimal("0.00")


def test_recording_a_payment_marks_the_claim_paid(client, manager_a, partner_a, admin_a):
    fund = fund_with(partner_a, Decimal("10000"))
    claim = claim_for(partner_a, admin_a, manager_a, claimed=Decimal("1800.00"))
    url = reverse("admin:mdf_claim_pay", args=[claim.pk])
    client.force_login(manager_a)
    not_yet = client.post(url, {"paid_on": timezone.localdate().isoformat(), "reference": "PAY-1"})
    assert not_yet.status_code == 200
    assert escape(said(manager_a, "Only approved claims can be paid.")) in not_yet.content.decode()
    client.post(decide_url(claim), {"decision": "approve"})
    change_page = client.get(reverse("admin:mdf_claim_change", args=[claim.pk])).content.decode()
    assert url in change_page
    future = client.post(url, {"paid_on": (timezone.localdate() + timedelta(days=3)).isoformat(), "reference": "X"})
    assert escape(said(manager_a, "Enter the day the payment was made; it cannot be in the future.")) in \
        future.content.decode()
    assert fresh(claim).status == Claim.Status.APPROVED
    response = client.post(url, {"paid_on": timezone.localdate().isoformat(), "reference": "PAY-2026-0042"})
    assert response.status_code == 302
    assert fresh(claim).status == Claim.Status.PAID
    assert fresh(fund).paid == Decimal("1800.00")
    with unscoped():
        payment = Payment.objects.get(claim=claim)
    assert payment.reference == "PAY-2026-0042" and payment.amount == Decimal("1800.00")
    page = client.get(reverse("admin:mdf_claim_change", args=[claim.pk])).content.decode()
    assert "PAY-2026-0042" in page  # the payment inline


def test_bulk_payment_gives_each_approved_claim_its_own_payment(client, manager_a, partner_a, admin_a):
    fund = fund_with(partner_a, Decimal("10000"))
    claims = [claim_for(partner_a, admin_a, manager_a, title=f"Event {i}", invoice=f"P-{i}") for i in range(3)]
    client.force_login(manager_a)
    client.post(reverse(QUEUE), {"action": "approve_selected", ACTION_CHECKBOX_NAME: [c.pk for c in claims[:2]]})
    ids = [c.pk for c in claims]
    form = client.post(reverse(CLAIMS), {"action": "record_payment_selected", ACTION_CHECKBOX_NAME: ids})
    assert form.status_code == 200 and 'name="apply"' in form.content.decode()
    response = client.post(reverse(CLAIMS), {"action": "record_payment_selected", ACTION_CHECKBOX_NAME: ids,
                                             "apply": "1", "paid_on": timezone.localdate().isoformat(),
                                             "reference": "BATCH-7"}, follow=True)
    html = response.content.decode()
    assert "2 payments recorded." in html
    assert escape(f"{claims[2].activity.reference}: {said(manager_a, 'Only approved claims can be paid.')}") in html
    assert [fresh(c).status for c in claims] == [Claim.Status.PAID, Claim.Status.PAID, Claim.Status.SUBMITTED]
    with unscoped():
        payments = list(Payment.objects.filter(claim__in=claims[:2]).values_list("reference", "amount"))
    assert payments == [("BATCH-7", Decimal("2000.00"))] * 2
    assert fresh(fund).paid == Decimal("4000.00")


def test_executives_cannot_decide_or_pay(client, executive_a, manager_a, partner_a, admin_a):
    fund_with(partner_a, Decimal("10000"))
    claim = claim_for(partner_a, admin_a, manager_a)
    client.force_login(executive_a)
    assert client.get(reverse(CLAIMS)).status_code == 200
    assert client.post(decide_url(claim), {"decision": "approve"}).status_code == 403
    assert client.get(reverse("admin:mdf_claim_pay", args=[claim.pk])).status_code == 403
    assert fresh(claim).status == Claim.Status.SUBMITTED


@pytest.mark.parametrize("url_name", [QUEUE, CLAIMS])
def test_claim_lists_have_a_constant_query_count(client, manager_a, partner_a, admin_a, url_name):
    fund_with(partner_a, Decimal("100000"))
    claim_for(partner_a, admin_a, manager_a, invoice="Q-0")
    client.force_login(manager_a)
    client.get(reverse(url_name))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(url_name)).status_code == 200
    for index in range(1, 7):
        claim_for(partner_a, admin_a, manager_a, title=f"Event {index}", invoice=f"Q-{index}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(url_name))
    assert response.status_code == 200 and response.content.decode().count("/decide/") >= 7
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    with unscoped():
        assert Fund.objects.count() == 1
