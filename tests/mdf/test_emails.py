"""Every MDF e-mail renders (subject, text, HTML) from the context its flow stores, in English, German and
Japanese, with its key facts: the reference, amounts formatted for the language, dates, the manager's words."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from mdf.models import Activity, Fund, MdfProgram
from mdf.services import (
    activity_approve,
    activity_lapse,
    activity_reject,
    activity_request_info,
    claim_approve,
    claim_reject,
    claim_request_info,
    payment_record,
)
from mdf.services.nudges import mdf_nudges_send
from prm.common.money import format_money
from prm.notifications.kinds import all_kinds
from prm.notifications.models import Notification
from prm.notifications.rendering import render_notification
from prm.tenancy.scoping import partner_scope, unscoped
from tests.mdf.helpers import approved_activity, ended, fund_with, seed_rates, submitted_activity, submitted_claim

pytestmark = pytest.mark.django_db

LANGUAGES = ("en", "de", "ja")
KINDS = {kind.code for kind in all_kinds() if kind.code.startswith("mdf.")}
# The amount each kind shows (context key), formatted in the recipient's language.
AMOUNT_KEY = {
    "mdf.activity_approved": "amount", "mdf.activity_rejected": "requested_amount",
    "mdf.activity_lapsed": "approved_amount", "mdf.claim_approved": "amount", "mdf.claim_rejected": "approved_amount",
    "mdf.claim_paid": "amount", "mdf.claim_window_closing": "approved_amount", "mdf.fund_expiring": "available",
}
# The manager's own words that must reach the partner.
WORDS_KEY = {
    "mdf.activity_approved": "reason", "mdf.activity_rejected": "reason", "mdf.activity_info_requested": "message",
    "mdf.claim_approved": "reason", "mdf.claim_rejected": "reason", "mdf.claim_info_requested": "message",
    "mdf.claim_paid": "payment_reference", "mdf.info_reminder": "message",
}


def one_line(text: str) -> str:
    return " ".join(text.split())


def produce_every_kind(partner, admin, manager) -> None:
    """Run every MDF flow once for ``partner`` so that each kind has a stored notification."""
    fund = fund_with(partner, Decimal("500000"))
    with partner_scope(partner):
        activity_approve(activity=submitted_activity(partner, admin, title="Partial"), actor=manager,
                         amount=Decimal("1500"), reason="Budget is tight this quarter")
        activity_reject(activity=submitted_activity(partner, admin, title="Rejected"), actor=manager,
                        reason="Not in our target market")
        waiting = activity_request_info(activity=submitted_activity(partner, admin, title="Waiting"), actor=manager,
                                        message="Which venue will you use?")
    lapsing = ended(approved_activity(partner, admin, manager, title="Lapsing"))
    paid = submitted_claim(ended(approved_activity(partner, admin, manager, title="Paid")), admin,
                           claimed=Decimal("2000"), invoice="INV-PAID")
    rejected = submitted_claim(ended(approved_activity(partner, admin, manager, title="Claim rejected")), admin,
                               invoice="INV-REJ")
    asked = submitted_claim(ended(approved_activity(partner, admin, manager, title="Claim asked")), admin,
                            invoice="INV-ASK")
    closing = ended(approved_activity(partner, admin, manager, title="Closing"))
    today = timezone.localdate()
    later = MdfProgram.current().info_reminder_days  # the nudges run this many days from now
    with partner_scope(partner):
        claim = claim_approve(claim=paid, actor=manager, amount=Decimal("1800"), reason="Hotel costs are not eligible")
        payment_record(claim=claim, actor=manager, paid_on=today - timedelta(days=1), reference="PAY-2026-0042")
        claim_reject(claim=rejected, actor=manager, reason="The invoice does not match the activity")
        claim_request_info(claim=asked, actor=manager, message="The attendee list is missing")
        Activity.objects.filter(pk=lapsing.pk).update(claim_deadline=today - timedelta(days=1))
        activity_lapse(activity_id=lapsing.pk, today=today)
        Activity.objects.filter(pk=closing.pk).update(claim_deadline=today + timedelta(days=later + 3))
        Fund.objects.filter(pk=fund.pk).update(expires_on=today + timedelta(days=later + 10))
        Activity.objects.filter(pk=waiting.pk).update(info_requested_at=timezone.now() - timedelta(days=10))
    with unscoped():
        mdf_nudges_send(now=timezone.now() + timedelta(days=later))


def test_every_mdf_kind_has_a_flow_and_renders_its_facts_in_every_language(partner_a, admin_a, manager_a, settings):
    settings.SITE_URL = "https://portal.example.com"
    produce_every_kind(partner_a, admin_a, manager_a)

    rows = list(Notification.objects.filter(kind__startswith="mdf."))
    assert {row.kind for row in rows} == KINDS, KINDS - {row.kind for row in rows}
    assert len(KINDS) == 11
    for row in rows:
        context = row.context
        for language in LANGUAGES:
            row.language = language
            message = render_notification(row)
            html = message.alternatives[0][0]
            where = (row.kind, language)
            headline = context.get("reference") or context["period"]
            assert headline in message.subject and headline in message.body and headline in html, where
            link = context.get("activity_url") or context.get("funds_url")
            assert link.startswith("https://portal.example.com/") and link in message.body and link in html, where
            if row.kind in AMOUNT_KEY:
                amount = format_money(Decimal(context[AMOUNT_KEY[row.kind]]), context["currency"], language=language)
                assert amount in message.body and amount in html, (where, amount)
            if row.kind in WORDS_KEY:
                assert context[WORDS_KEY[row.kind]] in message.body and context[WORDS_KEY[row.kind]] in html, where
            for part in (message.subject, message.body, html):
                assert "{{" not in part and "{%" not in part and "None" not in part, where


def test_partial_decisions_show_both_amounts_and_dates_in_the_recipients_format(partner_a, admin_a, manager_a):
    produce_every_kind(partner_a, admin_a, manager_a)
    approved = Notification.objects.get(kind="mdf.activity_approved", context__partial=True)
    claim = Notification.objects.get(kind="mdf.claim_approved")
    paid = Notification.objects.get(kind="mdf.claim_paid")
    for language in LANGUAGES:
        for row in (approved, claim, paid):
            row.language = language
        with translation.override(language):
            deadline = date_format(Activity.objects.model._meta.get_field("claim_deadline").to_python(
                approved.context["claim_deadline"]), "DATE_FORMAT")
            paid_on = date_format(timezone.localdate() - timedelta(days=1), "DATE_FORMAT")
            approved_subject = gettext("MDF request %(reference)s partly pre-approved: %(title)s") % {
                "reference": approved.context["reference"], "title": "Partial"}
            paid_subject = gettext("MDF claim for %(reference)s paid: %(paid)s") % {
                "reference": paid.context["reference"], "paid": format_money(Decimal("1800"), "EUR")}
        body = render_notification(approved).body
        assert render_notification(approved).subject == approved_subject
        assert format_money(Decimal("1500"), "EUR", language=language) in body
        assert format_money(Decimal("2000"), "EUR", language=language) in body  # what was asked for
        assert deadline in body
        claim_body = render_notification(claim).body
        assert format_money(Decimal("1800"), "EUR", language=language) in claim_body
        assert format_money(Decimal("2000"), "EUR", language=language) in claim_body  # what was claimed
        paid_mail = render_notification(paid)
        assert paid_mail.subject == one_line(paid_subject)
        assert paid_on in paid_mail.body and "PAY-2026-0042" in paid_mail.body


def test_yen_amounts_are_formatted_for_japanese(partner_b, admin_b, settings):
    settings.BASE_CURRENCY = "EUR"
    seed_rates()
    from tests.factories import StaffFactory

    manager = StaffFactory(email="manager.apac@example.com")
    manager.regions.add(partner_b.region)
    fund_with(partner_b, Decimal("1000000"))
    activity = approved_activity(partner_b, admin_b, manager, planned_cost=Decimal("300000"))
    row = Notification.objects.get(kind="mdf.activity_approved")
    assert (row.recipient_id, row.language, row.context["currency"]) == (admin_b.pk, "en", "JPY")
    row.language = "ja"
    body = render_notification(row).body
    assert activity.reference in body
    assert format_money(Decimal("150000"), "JPY", language="ja") in body
    assert "150,000" in body
