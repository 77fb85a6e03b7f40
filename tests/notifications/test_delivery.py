"""Sending from the outbox: claim once, retry a bounded number of times, sweep lost dispatches, digests."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from prm.notifications import delivery
from prm.notifications.models import Notification, NotificationPreference
from prm.notifications.services import notify
from prm.notifications.tasks import send_digests, send_notification, sweep_outbox
from prm.notifications.tokens import read_unsubscribe_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _pending(user, subject="deal:1", kind="tests.nudge", title="Deal 1"):
    """A PENDING row whose after-commit dispatch never ran (as if Redis was down at commit)."""
    return notify(kind=kind, recipient=user, subject=subject, context={"title": title})


def _age(notification, **delta):
    Notification.objects.filter(pk=notification.pk).update(created_at=timezone.now() - timedelta(**delta))


def test_running_the_send_task_twice_sends_once():
    notification = _pending(UserFactory())
    assert send_notification.delay(notification_id=notification.pk).get() is True
    assert send_notification.delay(notification_id=notification.pk).get() is False
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_send_task_ignores_suppressed_digest_and_missing_rows():
    user = UserFactory()
    NotificationPreference.objects.create(user=user, kind="tests.nudge", delivery="digest")
    digest_row = _pending(user)
    assert send_notification(notification_id=digest_row.pk) is False
    assert send_notification(notification_id=999_999) is False
    assert mail.outbox == []


def test_non_essential_mail_has_one_click_unsubscribe_headers():
    user = UserFactory()
    send_notification(notification_id=_pending(user).pk)
    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"]
    assert url.startswith("<https://portal.example.com/notifications/unsubscribe/") and url.endswith("/>")
    token = url.rstrip("/>").rsplit("/", 1)[-1]
    assert read_unsubscribe_token(token) == (user.pk, ["tests.nudge"])
    assert url.strip("<>") in mail.outbox[0].alternatives[0][0]  # the footer link too


def test_unsubscribe_header_stays_a_plain_url_on_the_wire():
    # Python would otherwise fold the long signed URL into an RFC 2047 encoded-word.
    import email
    import email.policy

    send_notification(notification_id=_pending(UserFactory()).pk)
    message = mail.outbox[0]
    url = message.extra_headers["List-Unsubscribe"]
    raw = message.message(policy=email.policy.SMTP).as_bytes()
    assert f"\r\nList-Unsubscribe: {url}\r\n".encode() in raw
    assert b"=?utf-8?" not in raw.split(b"\r\n\r\n", 1)[0]
    assert email.message_from_bytes(raw, policy=email.policy.default)["List-Unsubscribe"] == url


def test_essential_mail_has_no_unsubscribe_headers():
    send_notification(notification_id=_pending(UserFactory(), kind="tests.notice").pk)
    message = mail.outbox[0]
    assert "List-Unsubscribe" not in message.extra_headers
    assert "List-Unsubscribe-Post" not in message.extra_headers
    assert "/notifications/unsubscribe/" not in message.alternatives[0][0]
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"


def test_sweep_sends_a_lost_dispatch_exactly_once():
    notification = _pending(UserFactory())
    fresh = _pending(UserFactory(), subject="deal:fresh")
    _age(notification, minutes=5)

    assert sweep_outbox() == {"redispatched": 1, "failed_stuck": 0}
    assert sweep_outbox() == {"redispatched": 0, "failed_stuck": 0}
    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    fresh.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert fresh.status == Notification.Status.PENDING  # its own dispatch may still be on the way


def test_sweep_fails_rows_stuck_in_sending_and_never_resends_them():
    stuck = _pending(UserFactory())
    busy = _pending(UserFactory(), subject="deal:busy")
    now = timezone.now()
    Notification.objects.filter(pk=stuck.pk).update(status="sending", claimed_at=now - timedelta(minutes=20),
                                                    created_at=now - timedelta(minutes=21))
    Notification.objects.filter(pk=busy.pk).update(status="sending", claimed_at=now - timedelta(minutes=2),
                                                   created_at=now - timedelta(minutes=3))

    assert sweep_outbox() == {"redispatched": 0, "failed_stuck": 1}
    stuck.refresh_from_db()
    busy.refresh_from_db()
    assert stuck.status == Notification.Status.FAILED
    assert "not resent" in stuck.last_error
    assert busy.status == Notification.Status.SENDING
    assert send_notification(notification_id=stuck.pk) is False
    assert mail.outbox == []


def test_sweep_selects_ids_in_chunks(monkeypatch):
    monkeypatch.setattr(delivery, "CHUNK_SIZE", 2)
    rows = [_pending(UserFactory(), subject=f"deal:{i}") for i in range(5)]
    Notification.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    assert sweep_outbox()["redispatched"] == 5
    assert len(mail.outbox) == 5
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}
    assert len(rows) == 5


def test_a_failing_send_is_retried_a_bounded_number_of_times(monkeypatch):
    def smtp_down(self, *args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr(EmailMultiAlternatives, "send", smtp_down)
    notification = _pending(UserFactory())
    for attempt in (1, 2):
        assert send_notification(notification_id=notification.pk) is False
        notification.refresh_from_db()
        assert (notification.status, notification.attempts) == (Notification.Status.PENDING, attempt)
        assert "connection refused" in notification.last_error
    send_notification(notification_id=notification.pk)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Notification.Status.FAILED, 3)
    _age(notification, minutes=5)
    assert sweep_outbox()["redispatched"] == 0  # failed rows wait for an operator


def test_digest_groups_rows_per_recipient_into_one_email(django_capture_on_commit_callbacks):
    reader = UserFactory(preferred_language="de")
    other = UserFactory()
    for user in (reader, other):
        NotificationPreference.objects.create(user=user, kind="tests.nudge", delivery="digest")
        NotificationPreference.objects.create(user=user, kind="tests.other_nudge", delivery="digest")
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(3):
            notify(kind="tests.nudge", recipient=reader, subject=f"deal:{i}", context={"title": f"Deal {i}"})
        notify(kind="tests.other_nudge", recipient=reader, subject="deal:x", context={"title": "Other"})
        notify(kind="tests.nudge", recipient=other, subject="deal:9", context={"title": "Deal 9"})
    assert mail.outbox == []

    assert send_digests() == 2
    assert send_digests() == 0  # claimed and sent: never twice
    assert len(mail.outbox) == 2
    message = next(m for m in mail.outbox if m.to == [reader.email])
    for title in ("Deal 0", "Deal 1", "Deal 2", "Other"):
        assert f"Nudge: {title} [lang=de]" in message.body
    assert "lang=de" in message.alternatives[0][0]
    token = message.extra_headers["List-Unsubscribe"].strip("<>").rstrip("/").rsplit("/", 1)[-1]
    assert read_unsubscribe_token(token) == (reader.pk, ["tests.nudge", "tests.other_nudge"])
    assert set(Notification.objects.values_list("status", flat=True)) == {"sent"}


def test_digest_skips_kinds_turned_off_since_and_failed_digests_wait_for_the_next_run(monkeypatch):
    user = UserFactory()
    pref = NotificationPreference.objects.create(user=user, kind="tests.nudge", delivery="digest")
    NotificationPreference.objects.create(user=user, kind="tests.other_nudge", delivery="digest")
    nudge = notify(kind="tests.nudge", recipient=user, subject="a", context={"title": "A"})
    other = notify(kind="tests.other_nudge", recipient=user, subject="b", context={"title": "B"})
    pref.delivery = "off"
    pref.save()

    def smtp_down(self, *args, **kwargs):
        raise OSError("connection refused")

    real_send = EmailMultiAlternatives.send
    monkeypatch.setattr(EmailMultiAlternatives, "send", smtp_down)
    assert send_digests() == 0
    nudge.refresh_from_db()
    other.refresh_from_db()
    assert nudge.status == Notification.Status.SUPPRESSED
    assert (other.status, other.attempts) == (Notification.Status.DIGEST, 1)

    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert send_digests() == 1
    assert "Nudge: B" in mail.outbox[0].body and "Nudge: A" not in mail.outbox[0].body
