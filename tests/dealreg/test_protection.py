"""Protection: automatic expiry and the 14/7/1-day reminders (idempotent batch jobs), and extensions."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from dealreg.models import Deal, DealEvent, ExtensionRequest
from dealreg.services.errors import DealStateError
from dealreg.services.extensions import extension_approve, extension_deny, extension_request
from dealreg.services.protection import protection_expire_due, protection_send_reminders, reminder_window
from dealreg.tasks import protection_sweep
from prm.common.models import AuditEvent
from prm.notifications.models import Notification
from prm.tenancy.scoping import partner_scope, unscoped

from .registration_helpers import approved, days_from_today, set_policy

pytestmark = pytest.mark.django_db


def protected_until(deal, day):
    with unscoped():
        Deal.objects.filter(pk=deal.pk).update(protected_until=day)
        deal.refresh_from_db()
    return deal


def sent(kind: str):
    return list(Notification.objects.filter(kind=kind).order_by("id"))


# --- expiry --------------------------------------------------------------------------------------------------


def test_protection_ends_after_its_last_day_and_a_rerun_expires_nothing_twice(partner_a, partner_b):
    ended = protected_until(approved(partner_a), days_from_today(-1))
    last_day = protected_until(approved(partner_a), days_from_today(0))
    other_partner = protected_until(approved(partner_b), days_from_today(-30))
    today = days_from_today(0)
    with unscoped():
        assert protection_expire_due(today=today, chunk_size=1) == 2  # chunks of one: every chunk is its own transaction
        assert protection_expire_due(today=today) == 0
        for deal in (ended, last_day, other_partner):
            deal.refresh_from_db()
        assert DealEvent.objects.filter(kind=DealEvent.Kind.EXPIRED).count() == 2
    assert ended.status == other_partner.status == Deal.Status.EXPIRED
    assert last_day.status == Deal.Status.APPROVED  # protected through its last day
    assert len(sent("dealreg.protection_expired")) == 2
    assert AuditEvent.objects.filter(action="dealreg.deal.expired").count() == 2


def test_the_sweep_task_runs_unscoped_and_is_idempotent(partner_a):
    deal = protected_until(approved(partner_a), days_from_today(-2))
    assert protection_sweep() == {"expired": 1, "reminders": 0}
    assert protection_sweep() == {"expired": 0, "reminders": 0}
    with unscoped():
        deal.refresh_from_db()
    assert deal.status == Deal.Status.EXPIRED
    assert len(sent("dealreg.protection_expired")) == 1


def test_expiry_closes_a_pending_extension_request(partner_a):
    deal = protected_until(approved(partner_a), days_from_today(5))
    with partner_scope(partner_a):
        extension = extension_request(deal=deal, actor=deal.registered_by, reason="The board meets next month.")
    with unscoped():
        protection_expire_due(today=days_from_today(6))
        extension.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.DENIED and extension.decision_note


# --- reminders -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("days_left, window", [
    (20, None), (15, None), (14, "expiry-14"), (8, "expiry-14"), (7, "expiry-7"), (2, "expiry-7"), (1, "expiry-1"),
    (0, "expiry-1"), (-1, None),
])
def test_reminder_windows(days_left, window):
    today = days_from_today(0)
    end = today + timedelta(days=days_left)
    assert reminder_window(protected_until=end, today=today) == (f"{window}:{end.isoformat()}" if window else None)


def test_reminders_at_14_7_and_1_days_each_sent_once(partner_a):
    deal = protected_until(approved(partner_a), days_from_today(20))
    end = deal.protected_until
    written = []
    with unscoped():
        for day in range(0, 21):  # every day of the protection, each run twice (a killed job re-run)
            today = days_from_today(day)
            written.append(protection_send_reminders(today=today) + protection_send_reminders(today=today))
    windows = [n.window for n in sent("dealreg.protection_expiring")]
    assert windows == [f"expiry-14:{end}", f"expiry-7:{end}", f"expiry-1:{end}"]
    assert sum(written) == 3
    reminder = sent("dealreg.protection_expiring")[0]
    assert reminder.recipient == deal.registered_by and reminder.context["days_left"] == 14


def test_a_missed_day_still_reminds_and_an_extension_brings_fresh_reminders(partner_a, manager_a):
    deal = protected_until(approved(partner_a), days_from_today(5))
    with unscoped():
        assert protection_send_reminders(today=days_from_today(0)) == 1  # first run only now: the 7-day reminder
    with partner_scope(partner_a):
        extension = extension_request(deal=deal, actor=deal.registered_by, reason="Procurement needs two more weeks.")
        extension_approve(extension=extension, actor=manager_a, protected_until=days_from_today(12))
    with unscoped():
        assert protection_send_reminders(today=days_from_today(0)) == 1  # the new end date's own reminder
    assert [n.window for n in sent("dealreg.protection_expiring")] == [
        f"expiry-7:{days_from_today(5)}", f"expiry-14:{days_from_today(12)}"]


def test_no_reminder_for_someone_who_left_the_partner(partner_a):
    from partners.models import Membership

    deal = protected_until(approved(partner_a), days_from_today(3))
    with partner_scope(partner_a):
        Membership.objects.filter(user=deal.registered_by).update(is_active=False)
    with unscoped():
        assert protection_send_reminders(today=days_from_today(0)) == 0


# --- extensions ----------------------------------------------------------------------------------------------


def test_extension_request_rules(partner_a):
    set_policy(extension_window_days=30, max_extensions=1)
    deal = protected_until(approved(partner_a), days_from_today(60))
    with partner_scope(partner_a):
        with pytest.raises(DealStateError):  # too early
            extension_request(deal=deal, actor=deal.registered_by, reason="The customer needs more time.")
        deal = protected_until(deal, days_from_today(10))
        with pytest.raises(ValidationError) as error:
            extension_request(deal=deal, actor=deal.registered_by, reason="short")
        assert "reason" in error.value.message_dict
        extension = extension_request(deal=deal, actor=deal.registered_by, reason="The customer needs more time.")
        with pytest.raises(DealStateError):  # one pending at a time
            extension_request(deal=deal, actor=deal.registered_by, reason="The customer needs more time.")
        assert extension.protected_until_before == days_from_today(10)
        assert deal.events.filter(kind=DealEvent.Kind.EXTENSION_REQUESTED).exists()


def test_manager_approves_an_extension(partner_a, manager_a):
    set_policy(extension_days=30, max_extensions=1)
    partner_a.channel_manager = manager_a
    partner_a.save()
    deal = protected_until(approved(partner_a), days_from_today(10))
    with partner_scope(partner_a):
        extension = extension_request(deal=deal, actor=deal.registered_by, reason="Budget approval moved to Q3.")
        assert Notification.objects.filter(kind="dealreg.extension_requested", recipient=manager_a).exists()
        with pytest.raises(ValidationError):
            extension_approve(extension=extension, actor=manager_a, protected_until=days_from_today(5))
        extension_approve(extension=extension, actor=manager_a, note="Fine.")
        deal.refresh_from_db()
        extension.refresh_from_db()
        assert deal.protected_until == days_from_today(40)  # the policy's 30 days on top of the current end
        assert extension.status == ExtensionRequest.Status.APPROVED
        assert extension.protected_until_after == days_from_today(40)
        with pytest.raises(DealStateError):  # decided once
            extension_deny(extension=extension, actor=manager_a, note="No")
        with pytest.raises(DealStateError):  # the policy allows one extension
            deal = protected_until(deal, days_from_today(5))
            extension_request(deal=deal, actor=deal.registered_by, reason="Another delay, sorry about that.")
    (notice,) = sent("dealreg.extension_decided")
    assert notice.context["approved"] is True and notice.context["protected_until"] == days_from_today(40).isoformat()
    assert AuditEvent.objects.filter(action="dealreg.extension.approved").exists()


def test_manager_denies_an_extension_with_a_note(partner_a, manager_a):
    deal = protected_until(approved(partner_a), days_from_today(10))
    with partner_scope(partner_a):
        extension = extension_request(deal=deal, actor=deal.registered_by, reason="Budget approval moved to Q3.")
        with pytest.raises(ValidationError):
            extension_deny(extension=extension, actor=manager_a, note="")
        extension_deny(extension=extension, actor=manager_a, note="Another partner is waiting for this customer.")
        deal.refresh_from_db()
    assert deal.protected_until == days_from_today(10)
    (notice,) = sent("dealreg.extension_decided")
    assert notice.context["approved"] is False and "waiting" in notice.context["note"]
