"""The PSAT invitation e-mail renders (subject, text, HTML) for the quarterly pulse and both event surveys, in
English, German and Japanese: the link, the expiry date in the reader's format, no template leftovers; it is a
non-essential kind (unsubscribe link) whose link is a secret of the outbox: blanked once sent, alone or in the
digest, and never stored for someone who turned the survey off."""

from datetime import date

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.formats import date_format

from analytics.models import PsatSurvey
from analytics.psat.services import invite_after_event, send_quarterly_wave
from prm.notifications.delivery import digests_send
from prm.notifications.kinds import get_kind
from prm.notifications.models import Notification, NotificationPreference
from prm.notifications.rendering import render_digest, render_notification
from tests.analytics.psat_helpers import event_survey, tokens_in

pytestmark = pytest.mark.django_db


def test_the_kind_is_non_essential_and_keeps_its_link_secret():
    kind = get_kind("analytics.psat_invitation")
    assert not kind.essential
    assert kind.secret_context_keys == ("survey_url",)
    assert kind.template_prefix == "emails/analytics/psat_invitation"


@pytest.mark.parametrize("language", ["en", "de", "ja"])
def test_every_variant_renders_with_its_link_and_date(partner_a, admin_a, settings, language):
    settings.SITE_URL = "https://portal.example.com"
    send_quarterly_wave(quarter_start=date(2026, 4, 1))
    event_survey(PsatSurvey.Kind.DEAL_APPROVED)
    event_survey(PsatSurvey.Kind.CLAIM_PAID)
    invite_after_event(kind="deal_approved", subject_key="deal:1", partner_id=partner_a.pk, user_ids=[admin_a.pk],
                       reference="DR-2026-000042")
    rows = list(Notification.objects.filter(kind="analytics.psat_invitation").order_by("id"))
    # The claim survey waits 30 days after the deal one (survey fatigue); render it from a copy of the context.
    claim_row = Notification(**{f.attname: getattr(rows[1], f.attname) for f in Notification._meta.concrete_fields
                                if f.attname != "id"})
    claim_row.context = {**rows[1].context, "survey_kind": "claim_paid", "reference": "MDF-2026-00007"}
    expected_kind = {0: "quarterly", 1: "deal_approved", 2: "claim_paid"}
    for index, row in enumerate([*rows, claim_row]):
        row.language = language
        assert row.context["survey_kind"] == expected_kind[index]
        message = render_notification(row)
        html = message.alternatives[0][0]
        link = row.context["survey_url"]
        assert link.startswith("https://portal.example.com/psat/")
        assert link in message.body and link in html
        with translation.override(language):
            expires = date_format(timezone.localtime(timezone.datetime.fromisoformat(row.context["expires_at"]))
                                  .date(), "DATE_FORMAT")
        assert expires in message.body and expires in html
        if row.context["reference"]:
            assert row.context["reference"] in message.body and row.context["reference"] in html
        else:
            assert partner_a.name in message.body and partner_a.name in html
        assert message.extra_headers["List-Unsubscribe"]
        for part in (message.subject, message.body, html):
            assert "{{" not in part and "{%" not in part and "None" not in part


def test_the_digest_carries_the_link(partner_a, admin_a, settings):
    settings.SITE_URL = "https://portal.example.com"
    send_quarterly_wave(quarter_start=date(2026, 4, 1))
    row = Notification.objects.get(kind="analytics.psat_invitation")
    digest = render_digest(user=admin_a, notifications=[row])
    assert row.context["survey_url"] in digest.body


@pytest.mark.parametrize("delivery", ["off", "digest"])
def test_a_link_never_sent_or_sent_in_the_digest_does_not_stay_in_the_outbox(partner_a, admin_a, settings, delivery):
    settings.SITE_URL = "https://portal.example.com"
    NotificationPreference.objects.create(user=admin_a, kind="analytics.psat_invitation", delivery=delivery)
    send_quarterly_wave(quarter_start=date(2026, 4, 1))
    row = Notification.objects.get(kind="analytics.psat_invitation", recipient=admin_a)
    if delivery == "off":
        assert row.status == Notification.Status.SUPPRESSED
        assert row.context["survey_url"] == ""  # never sent: never stored
        assert row.context["survey_kind"] == "quarterly"  # the rest stays for the admin
        return
    assert row.status == Notification.Status.DIGEST and row.context["survey_url"]
    assert digests_send() == 1
    assert len(tokens_in(mail.outbox)) == 1  # the digest carried the link
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT and row.context["survey_url"] == ""
