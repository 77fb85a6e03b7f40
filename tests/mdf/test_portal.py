"""The partner's MDF pages through the test client: the whole journey (request → pre-approval → claim with
proof → submission → payment), the overview and the fund ledger (constant queries), the request form
(drafts, double clicks, balance checks), capabilities and another partner's ids."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from mdf.models import Activity, Claim, Fund, ProofFile
from mdf.services import activity_approve, activity_create, claim_approve, payment_record
from partners.models import Membership
from prm.common.money import format_money
from prm.tenancy.scoping import partner_scope
from tests.factories import make_member

from .helpers import CSV_BYTES, PDF_BYTES, PNG_BYTES, activity_values, approved_activity, ended, fund_with, upload
from .portal_helpers import claimer, draft_claim, funded

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    values = activity_values()
    data = {
        "activity_type": values["activity_type"], "title": values["title"], "description": values["description"],
        "starts_on": values["starts_on"].isoformat(), "ends_on": values["ends_on"].isoformat(), "planned_cost": "4000",
        "expected_leads": "40", "expected_pipeline": "100000", "idempotency_key": "form-1", "action": "draft",
    }
    data.update(overrides)
    return data


def activities_of(partner) -> list[Activity]:
    with partner_scope(partner):
        return list(Activity.objects.order_by("id"))


def claim_of(activity) -> Claim:
    with partner_scope(activity.partner_id):
        return Claim.objects.get(activity_id=activity.pk)


# --- the journey ----------------------------------------------------------------------------------------------


def test_a_partner_requests_runs_claims_with_proof_and_gets_paid(client, partner_a, manager_a):
    fund = funded(partner_a, Decimal("10000"))
    person = claimer(partner_a)
    client.force_login(person)

    overview = client.get(reverse("mdf:overview")).content.decode()
    assert "Request funds" in overview and reverse("mdf:fund_detail", args=[fund.pk]) in overview
    assert format_money(Decimal("10000"), "EUR", language="en") in overview

    form = client.get(reverse("mdf:activity_create")).content.decode()
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', form)
    assert "50% of the planned cost" in form and format_money(Decimal("10000"), "EUR", language="en") in form

    response = client.post(reverse("mdf:activity_create"), form_data(action="submit"))
    (activity,) = activities_of(partner_a)
    assert response.status_code == 302 and response["Location"] == activity.get_absolute_url()
    assert activity.status == Activity.Status.SUBMITTED and activity.requested_amount == Decimal("2000.00")

    with partner_scope(partner_a):
        activity_approve(activity=activity, actor=manager_a, amount=Decimal("1800"), reason="Venue is shared")
    activity = ended(activity)
    detail = client.get(activity.get_absolute_url()).content.decode()
    assert "Pre-approved in part:" in detail and "Venue is shared" in detail and "Start the claim" in detail

    assert client.post(reverse("mdf:claim_start", args=[activity.pk])).status_code == 302
    claim_url = reverse("mdf:claim_update", args=[activity.pk])
    figures = {"claim-actual_cost": "3900", "claim-claimed_amount": "1800", "claim-leads": "31",
               "claim-attendees": "110", "claim-invoice_number": "INV-2026-001", "claim-notes": "All paid"}
    assert client.post(claim_url, figures).status_code == 302
    files = {"invoice": ("invoice.pdf", PDF_BYTES + b"invoice"), "attendee_list": ("attendees.csv", CSV_BYTES),
             "recording": ("agenda.png", PNG_BYTES)}
    for kind, (name, content) in files.items():
        response = client.post(reverse("mdf:proof_add", args=[activity.pk]),
                               {"proof-kind": kind, "proof-file": upload(name, content)})
        assert response.status_code == 302, response.content.decode()[:2000]
    detail = client.get(activity.get_absolute_url()).content.decode()
    assert detail.count("checklist__step checklist__step--done") == 3
    assert "attendees.csv" in detail and "Submit the claim" in detail

    response = client.post(reverse("mdf:claim_submit", args=[activity.pk]), figures)
    assert response.status_code == 302
    claim = claim_of(activity)
    assert claim.status == Claim.Status.SUBMITTED and claim.claimed_amount == Decimal("1800.00")
    assert claim.leads == 31 and claim.invoice_number == "INV-2026-001"
    # A double click on "Submit" changes nothing.
    assert client.post(reverse("mdf:claim_submit", args=[activity.pk]), figures).status_code == 302
    assert claim_of(activity).submitted_at == claim.submitted_at

    with partner_scope(partner_a):
        proof = ProofFile.objects.get(claim=claim, kind="attendee_list")
    download = client.get(reverse("mdf:proof_download", args=[proof.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == CSV_BYTES
    assert download["Content-Type"] == "text/csv" and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"] == 'attachment; filename="attendees.csv"'

    with partner_scope(partner_a):
        claim = claim_approve(claim=claim, actor=manager_a)
        payment_record(claim=claim, actor=manager_a, paid_on=timezone.localdate(), reference="PAY-99")
    detail = client.get(activity.get_absolute_url()).content.decode()
    assert "PAY-99" in detail and "Claim summary (PDF)" in detail
    assert format_money(Decimal("1800"), "EUR", language="en") in detail
    overview = client.get(reverse("mdf:overview")).content.decode()
    assert "Paid" in overview and format_money(Decimal("8200"), "EUR", language="en") in overview
    ledger = client.get(reverse("mdf:fund_detail", args=[fund.pk])).content.decode()
    assert 'data-check="match"' in ledger and ledger.count('class="entry-row"') == 4  # allocation, reservation, spend, payment
    assert activity.reference in ledger


def test_pages_speak_the_members_language_and_format_money_for_it(client, partner_a, admin_a):
    funded(partner_a, Decimal("12345.5"))
    admin_a.preferred_language = "de"
    admin_a.save()
    client.force_login(admin_a)
    html = client.get(reverse("mdf:overview")).content.decode()
    assert '<html lang="de"' in html
    assert format_money(Decimal("12345.50"), "EUR", language="de") in html  # 12.345,50 €


# --- overview -------------------------------------------------------------------------------------------------


def test_overview_lists_own_activities_with_filters_search_and_pages(client, partner_a, partner_b, admin_a):
    funded(partner_a)
    funded(partner_b)
    person = claimer(partner_a)
    with partner_scope(partner_a):
        for n in range(26):
            activity_create(partner=partner_a, actor=person, values=activity_values(title=f"Roadshow {n}"))
        activity_create(partner=partner_a, actor=person, values=activity_values(title="Kubernetes summit"), submit=True)
    with partner_scope(partner_b):
        activity_create(partner=partner_b, actor=claimer(partner_b), values=activity_values(title="Tokyo expo"))
    client.force_login(admin_a)
    url = reverse("mdf:overview")
    first = client.get(url).content.decode()
    assert first.count('class="activity-row"') == 25 and "page=2" in first and "Tokyo expo" not in first
    assert client.get(url, {"page": 2}).content.decode().count('class="activity-row"') == 2
    submitted = client.get(url, {"status": "submitted"}).content.decode()
    assert "Kubernetes summit" in submitted and "Roadshow" not in submitted
    found = client.get(url, {"q": "kubernetes"}).content.decode()
    assert found.count('class="activity-row"') == 1
    reference = activities_of(partner_a)[-1].reference
    assert "Kubernetes summit" in client.get(url, {"q": reference}).content.decode()


def test_overview_has_a_constant_query_count(client, partner_a, admin_a, manager_a):
    funded(partner_a)
    client.force_login(admin_a)
    url = reverse("mdf:overview")
    approved_activity(partner_a, admin_a, manager_a)
    client.get(url)  # warm up sessions and content types
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _n in range(5):
        draft_claim(partner_a)  # approved, ended, with a claim
    with partner_scope(partner_a):
        for n in range(10):
            activity_create(partner=partner_a, actor=admin_a, values=activity_values(title=f"Event {n}"))
    fund_with(partner_a, Decimal("1"), day=timezone.localdate().replace(year=timezone.localdate().year - 1))
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert len(many) == len(one), [q["sql"] for q in many.captured_queries]
    assert html.count('class="activity-row"') == 16 and html.count('class="fund-row"') == 2


# --- the fund ledger ------------------------------------------------------------------------------------------


def test_fund_ledger_has_a_constant_query_count_and_proves_its_totals(client, partner_a, admin_a, manager_a):
    fund = funded(partner_a)
    client.force_login(admin_a)
    url = reverse("mdf:fund_detail", args=[fund.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    assert page.count('class="entry-row"') == 1
    for n in range(3):
        activity = ended(approved_activity(partner_a, admin_a, manager_a, title=f"Webinar {n}"))
        from .helpers import submitted_claim

        claim = submitted_claim(activity, admin_a, invoice=f"INV-{n}", claimed=Decimal("1500"))
        with partner_scope(partner_a):
            claim_approve(claim=claim, actor=manager_a)
    with CaptureQueriesContext(connection) as ten:
        page = client.get(url).content.decode()
    assert page.count('class="entry-row"') == 10  # allocation + 3 × (reservation, spend, release)
    assert len(ten) == len(one), [q["sql"] for q in ten.captured_queries]
    assert 'data-check="match"' in page and "Webinar 2" in page
    # The check is real: totals that the entries do not explain are shown as a mismatch.
    with partner_scope(partner_a):
        Fund.objects.filter(pk=fund.pk).update(allocated=F("allocated") + 1)
    assert 'data-check="mismatch"' in client.get(url).content.decode()


# --- the request form -----------------------------------------------------------------------------------------


def test_double_submit_of_the_request_form_creates_one_activity(client, partner_a, admin_a):
    funded(partner_a)
    client.force_login(admin_a)
    first = client.post(reverse("mdf:activity_create"), form_data(action="submit", idempotency_key="k-1"))
    second = client.post(reverse("mdf:activity_create"), form_data(action="submit", idempotency_key="k-1"))
    (activity,) = activities_of(partner_a)
    assert first["Location"] == second["Location"] == activity.get_absolute_url()
    assert activity.status == Activity.Status.SUBMITTED


def test_a_request_beyond_the_balance_is_refused_with_the_reason_and_nothing_saved(client, partner_a, admin_a):
    funded(partner_a, Decimal("1000"))
    admin_a.preferred_language = "de"
    admin_a.save()
    client.force_login(admin_a)
    response = client.post(reverse("mdf:activity_create"), form_data(action="submit", planned_cost="5000"))
    assert response.status_code == 200
    with translation.override("de"):
        available = format_money(Decimal("1000"), "EUR")
    assert available in response.content.decode() and "field--invalid" in response.content.decode()
    assert activities_of(partner_a) == []


def test_draft_then_edit_and_submit_and_no_more_edits(client, partner_a, admin_a):
    funded(partner_a, Decimal("3000"))
    client.force_login(admin_a)
    client.post(reverse("mdf:activity_create"), form_data(action="draft"))
    (activity,) = activities_of(partner_a)
    assert activity.status == Activity.Status.DRAFT
    edit_url = reverse("mdf:activity_edit", args=[activity.pk])
    page = client.get(edit_url).content.decode()
    assert "Save draft" in page and "Cloud security webinar" in page
    # Submitting an edit the fund cannot cover saves neither the edit nor the submission.
    response = client.post(edit_url, form_data(action="submit", title="Bigger webinar", planned_cost="9000"))
    assert response.status_code == 200 and "field--invalid" in response.content.decode()
    (activity,) = activities_of(partner_a)
    assert activity.title == "Cloud security webinar" and activity.status == Activity.Status.DRAFT
    client.post(edit_url, form_data(action="submit", title="Smaller webinar", planned_cost="2000"))
    (activity,) = activities_of(partner_a)
    assert activity.status == Activity.Status.SUBMITTED and activity.requested_amount == Decimal("1000.00")
    response = client.get(edit_url)
    assert response.status_code == 302 and response["Location"] == activity.get_absolute_url()


def test_submit_and_cancel_are_post_actions(client, partner_a, admin_a):
    funded(partner_a)
    client.force_login(admin_a)
    client.post(reverse("mdf:activity_create"), form_data(action="draft"))
    (activity,) = activities_of(partner_a)
    assert client.get(reverse("mdf:activity_submit", args=[activity.pk])).status_code == 405
    client.post(reverse("mdf:activity_submit", args=[activity.pk]))
    assert activities_of(partner_a)[0].status == Activity.Status.SUBMITTED
    client.post(reverse("mdf:activity_cancel", args=[activity.pk]), {"reason": "Event moved"})
    assert activities_of(partner_a)[0].status == Activity.Status.CANCELLED


def test_vendor_share_preview(client, partner_a, admin_a):
    client.force_login(admin_a)
    html = client.get(reverse("mdf:vendor_share_preview"), {"planned_cost": "3000"}).content.decode()
    assert "50% of the planned cost" in html and format_money(Decimal("1500"), "EUR", language="en") in html
    for nonsense in ("abc", "NaN", "Infinity", "-5", "1e999", ""):
        response = client.get(reverse("mdf:vendor_share_preview"), {"planned_cost": nonsense})
        assert response.status_code == 200 and "Requested from your fund" not in response.content.decode(), nonsense


# --- capabilities ---------------------------------------------------------------------------------------------


def test_requesting_and_claiming_need_the_capability_reading_does_not(client, partner_a, manager_a):
    funded(partner_a)
    reader = make_member(partner=partner_a, role=Membership.Role.USER, can_claim_mdf=False).user
    claim = draft_claim(partner_a)
    activity = claim.activity
    client.force_login(reader)
    assert client.get(reverse("mdf:overview")).status_code == 200
    assert "Request funds" not in client.get(reverse("mdf:overview")).content.decode()
    detail = client.get(activity.get_absolute_url())
    assert detail.status_code == 200 and "Save the claim" not in detail.content.decode()
    assert client.get(reverse("mdf:activity_create")).status_code == 403
    assert client.post(reverse("mdf:activity_create"), form_data(action="submit")).status_code == 403
    for name in ("activity_edit", "activity_submit", "activity_cancel", "claim_start", "claim_update", "claim_submit",
                 "proof_add"):
        method = client.get if name == "activity_edit" else client.post
        assert method(reverse(f"mdf:{name}", args=[activity.pk])).status_code == 403, name
    assert activities_of(partner_a) == [activity]
    assert claim_of(activity).status == Claim.Status.DRAFT


def test_partner_admins_have_every_capability(client, partner_a):
    funded(partner_a)
    admin = make_member(partner=partner_a, role=Membership.Role.ADMIN, can_claim_mdf=False).user
    client.force_login(admin)
    assert "Request funds" in client.get(reverse("mdf:overview")).content.decode()
    assert client.post(reverse("mdf:activity_create"), form_data(action="submit")).status_code == 302


# --- another partner ------------------------------------------------------------------------------------------


def test_another_partners_proof_and_pages_are_not_found(client, partner_a, partner_b, admin_b):
    claim = draft_claim(partner_a)
    with partner_scope(partner_a):
        from mdf.services import proof_add

        proof = proof_add(claim=claim, actor=claimer(partner_a), upload=upload("invoice.pdf", PDF_BYTES), kind="invoice")
    client.force_login(admin_b)
    assert client.get(reverse("mdf:proof_download", args=[proof.pk])).status_code == 404
    assert client.post(reverse("mdf:proof_remove", args=[proof.pk])).status_code == 404
    assert client.get(reverse("mdf:activity_detail", args=[claim.activity_id])).status_code == 404
    assert client.get(reverse("mdf:claim_summary_pdf", args=[claim.activity_id])).status_code == 404
    with partner_scope(partner_a):
        assert ProofFile.objects.filter(pk=proof.pk).exists()
