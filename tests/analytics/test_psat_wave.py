"""The quarterly wave: every active member of every partner that may use the portal, once per person per wave,
a fresh single-use link each (only its hash stored, the link blanked in the outbox once sent), in the person's
language, following their notification preference; a fixed number of queries per batch; the daily task sends
each quarter's wave once, on or after its wave day."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analytics.models import PsatInvitation, PsatSurvey
from analytics.psat import services
from analytics.psat.services import quarterly_wave_if_due, send_quarterly_wave, wave_day
from analytics.psat.tasks import psat_quarterly
from partners.models import PartnerOrganization
from prm.notifications.models import Notification, NotificationPreference
from prm.tenancy.scoping import partner_scope, unscoped
from tests.analytics.psat_helpers import quarterly, tokens_in
from tests.factories import PartnerFactory, UserFactory, make_member

pytestmark = pytest.mark.django_db

Q2 = date(2026, 4, 1)


def invitations():
    with unscoped():
        return list(PsatInvitation.objects.order_by("user_id").values_list("partner_id", "user_id", "subject_key"))


def test_each_active_member_of_each_open_partner_is_invited_once(partner_a, partner_b, admin_a, user_a, user_b,
                                                                 django_capture_on_commit_callbacks):
    onboarding = PartnerFactory(status=PartnerOrganization.Status.ONBOARDING)
    newcomer = make_member(partner=onboarding).user
    suspended = PartnerFactory(status=PartnerOrganization.Status.SUSPENDED)
    make_member(partner=suspended)
    left = make_member(partner=partner_a, is_active=False).user
    deactivated = make_member(partner=partner_a).user
    deactivated.is_active = False
    deactivated.save(update_fields=["is_active"])

    with django_capture_on_commit_callbacks(execute=True):
        result = send_quarterly_wave(quarter_start=date(2026, 5, 20))  # any day of the quarter

    survey = PsatSurvey.objects.get(pk=result.survey_id)
    assert (survey.kind, survey.quarter) == (PsatSurvey.Kind.QUARTERLY, Q2)
    assert result.invited == 4
    expected = sorted([(partner_a.pk, admin_a.pk, "quarter"), (partner_a.pk, user_a.pk, "quarter"),
                       (partner_b.pk, user_b.pk, "quarter"), (onboarding.pk, newcomer.pk, "quarter")],
                      key=lambda row: row[1])
    assert invitations() == expected
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in (admin_a, user_a, user_b, newcomer))
    assert left.email not in {m.to[0] for m in mail.outbox}


def test_a_second_run_invites_nobody_again_and_sends_no_mail(partner_a, admin_a, user_a,
                                                              django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = send_quarterly_wave(quarter_start=Q2)
    assert first.invited == 2 and len(mail.outbox) == 2
    late = make_member(partner=partner_a).user  # joined after the first run
    with django_capture_on_commit_callbacks(execute=True):
        second = send_quarterly_wave(quarter_start=Q2)
    assert second.invited == 1  # only the newcomer
    assert [m.to[0] for m in mail.outbox[2:]] == [late.email]
    with django_capture_on_commit_callbacks(execute=True):
        third = send_quarterly_wave(quarter_start=Q2)
    assert third.invited == 0 and len(mail.outbox) == 3
    assert len(invitations()) == 3
    assert Notification.objects.filter(kind="analytics.psat_invitation").count() == 3


def test_a_person_in_two_partners_is_asked_once_for_the_lower_id(partner_a, partner_b,
                                                                  django_capture_on_commit_callbacks):
    both = UserFactory()
    make_member(partner=partner_a, user=both)
    make_member(partner=partner_b, user=both)
    # partner_chunk=1: the two partners fall in different chunks, the harder case
    with django_capture_on_commit_callbacks(execute=True):
        result = send_quarterly_wave(quarter_start=Q2, partner_chunk=1)
    assert result.invited == 1
    assert invitations() == [(min(partner_a.pk, partner_b.pk), both.pk, "quarter")]
    assert len(mail.outbox) == 1


def test_links_are_single_use_secrets_only_hashed_in_the_database(partner_a, admin_a, user_a, settings,
                                                                   django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://portal.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        send_quarterly_wave(quarter_start=Q2)
    tokens = tokens_in(mail.outbox)
    assert len(tokens) == 2 and len(set(tokens)) == 2  # a fresh token per person
    assert all(f"https://portal.example.com/psat/{t}/" in m.body for t, m in zip(tokens, mail.outbox, strict=True))
    with unscoped():
        hashes = set(PsatInvitation.objects.values_list("token_hash", flat=True))
    assert hashes == {PsatInvitation.hash_token(t) for t in tokens}
    assert not hashes & set(tokens)
    # Once sent, the outbox keeps no usable link.
    rows = Notification.objects.filter(kind="analytics.psat_invitation")
    assert {row.status for row in rows} == {Notification.Status.SENT}
    assert all(row.context["survey_url"] == "" for row in rows)
    assert not any(t in str(row.context) for row in rows for t in tokens)


def test_mail_is_in_each_persons_language_and_follows_their_preference(partner_a, partner_b,
                                                                         django_capture_on_commit_callbacks):
    german = make_member(partner=partner_a, user=UserFactory(preferred_language="de")).user
    japanese = make_member(partner=partner_b, user=UserFactory(preferred_language="ja")).user
    quiet = make_member(partner=partner_a).user
    batched = make_member(partner=partner_a).user
    NotificationPreference.objects.create(user=quiet, kind="analytics.psat_invitation",
                                          delivery=NotificationPreference.Delivery.OFF)
    NotificationPreference.objects.create(user=batched, kind="analytics.psat_invitation",
                                          delivery=NotificationPreference.Delivery.DIGEST)
    with django_capture_on_commit_callbacks(execute=True):
        result = send_quarterly_wave(quarter_start=Q2)
    assert result.invited == 4  # everyone has a link (the portal card shows it), whatever their e-mail choice
    by_email = {m.to[0]: m for m in mail.outbox}
    assert set(by_email) == {german.email, japanese.email}
    assert by_email[german.email].body.startswith("Guten Tag,") and by_email[japanese.email].body.startswith("こんにちは")
    rows = {row.recipient_id: row for row in Notification.objects.filter(kind="analytics.psat_invitation")}
    assert (rows[german.pk].language, rows[japanese.pk].language) == ("de", "ja")
    assert rows[quiet.pk].status == Notification.Status.SUPPRESSED
    assert rows[batched.pk].status == Notification.Status.DIGEST
    assert by_email[german.email].extra_headers.get("List-Unsubscribe")  # non-essential: one-click unsubscribe


def test_an_inactive_quarter_is_not_sent(partner_a, admin_a, django_capture_on_commit_callbacks):
    quarterly(Q2, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        result = send_quarterly_wave(quarter_start=Q2)
    assert result.skipped == "inactive" and result.invited == 0
    assert invitations() == [] and mail.outbox == []


def test_the_operators_survey_settings_apply(partner_a, admin_a):
    survey = quarterly(Q2, link_valid_days=10)
    now = timezone.now()
    send_quarterly_wave(quarter_start=Q2, now=now)
    with partner_scope(partner_a):
        invitation = PsatInvitation.objects.get()
    assert invitation.survey_id == survey.pk
    assert invitation.expires_at == now + timedelta(days=10)


def _members(partner, count):
    for _ in range(count):
        make_member(partner=partner)


def _wave_queries(quarter) -> int:
    with CaptureQueriesContext(connection) as queries:
        send_quarterly_wave(quarter_start=quarter)
    return len(queries)


def test_queries_per_batch_do_not_grow_with_people(region_a):
    one = PartnerFactory(region=region_a)
    _members(one, 1)
    small = _wave_queries(date(2026, 1, 1))
    _members(PartnerFactory(region=region_a), 12)  # 13 people in the same chunk and batch now
    assert _wave_queries(date(2026, 4, 1)) == small


def test_queries_grow_by_a_fixed_amount_per_batch(region_a, monkeypatch):
    _members(PartnerFactory(region=region_a), 4)
    monkeypatch.setattr(services, "PEOPLE_BATCH", 2)
    two_batches = _wave_queries(date(2026, 1, 1))
    _members(PartnerFactory(region=region_a), 2)
    three_batches = _wave_queries(date(2026, 4, 1))
    _members(PartnerFactory(region=region_a), 2)
    four_batches = _wave_queries(date(2026, 7, 1))
    assert three_batches - two_batches == four_batches - three_batches > 0
    assert three_batches - two_batches <= 15  # five of ours, notify_bulk's four, savepoints


# --- the daily task -------------------------------------------------------------------------------------------


def test_wave_day_defaults_to_the_15th_of_the_quarters_first_month(settings):
    assert wave_day(date(2026, 7, 1)) == date(2026, 7, 15)
    settings.ANALYTICS_PSAT_WAVE_DAY = 3
    assert wave_day(date(2026, 7, 1)) == date(2026, 7, 3)
    settings.ANALYTICS_PSAT_WAVE_DAY = 31
    assert wave_day(date(2026, 7, 1)) == date(2026, 7, 28)


def test_the_daily_task_sends_each_quarter_once_on_or_after_its_day(partner_a, admin_a, user_a,
                                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert psat_quarterly.apply(kwargs={"today": "2026-07-14"}).get() is None
    assert not PsatSurvey.objects.exists() and mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        sent = psat_quarterly.apply(kwargs={"today": "2026-07-16"}).get()  # the 15th was missed: catch up
    assert sent["invited"] == 2 and len(mail.outbox) == 2
    make_member(partner=partner_a)  # joins later: asked next quarter, not by a daily re-run
    for day in ("2026-07-17", "2026-09-30"):
        with django_capture_on_commit_callbacks(execute=True):
            assert psat_quarterly.apply(kwargs={"today": day}).get() is None
    assert len(mail.outbox) == 2
    with django_capture_on_commit_callbacks(execute=True):
        nxt = psat_quarterly.apply(kwargs={"today": "2026-10-15"}).get()
    assert nxt["invited"] == 3
    assert PsatSurvey.objects.filter(kind="quarterly").count() == 2


def test_an_interrupted_wave_is_completed_the_next_day(partner_a, admin_a, user_a, monkeypatch):
    calls = []
    real = services._invite

    def failing(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        return real(**kwargs)

    monkeypatch.setattr(services, "PEOPLE_BATCH", 1)
    monkeypatch.setattr(services, "_invite", failing)
    with pytest.raises(RuntimeError):
        quarterly_wave_if_due(today=date(2026, 7, 15))
    assert len(invitations()) == 1
    assert PsatSurvey.objects.get().wave_completed_at is None
    monkeypatch.setattr(services, "_invite", real)
    result = quarterly_wave_if_due(today=date(2026, 7, 16))
    assert result.invited == 1 and len(invitations()) == 2
    assert PsatSurvey.objects.get().wave_completed_at is not None
    assert quarterly_wave_if_due(today=date(2026, 7, 17)) is None


def test_a_quarter_switched_off_in_advance_is_skipped_by_the_task(partner_a, admin_a):
    quarterly(date(2026, 7, 1), is_active=False)
    assert quarterly_wave_if_due(today=date(2026, 7, 20)) is None
    assert invitations() == []
