"""One-time secrets in the outbox context (a kind's ``secret_context_keys``): blanked once the e-mail is sent, alone
or in the daily digest; a row that is never sent (SUPPRESSED when written, or at digest time) never keeps them."""

from email.utils import parseaddr

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from prm.notifications import kinds
from prm.notifications.delivery import digests_send
from prm.notifications.kinds import NotificationKind
from prm.notifications.models import Notification, NotificationPreference
from prm.notifications.services import Notice, notify, notify_bulk
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The test nudge template prints "title": here it is the secret, so a test can see it in the e-mail.
SECRET_NUDGE = NotificationKind(code="tests.secret_nudge", label="Secret nudge", template="tests_notifications/nudge",
                                secret_context_keys=("title", "absent_key"))
LINK = "https://portal.example.com/once/tok-123/"


@pytest.fixture(autouse=True)
def secret_kind(monkeypatch):
    monkeypatch.setitem(kinds._REGISTRY, SECRET_NUDGE.code, SECRET_NUDGE)


def context(n: int = 1) -> dict:
    return {"title": LINK, "reference": f"R{n}"}


def prefer(user, delivery: str, kind: str = SECRET_NUDGE.code) -> None:
    NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": delivery})


def stored(row: Notification) -> dict:
    return Notification.objects.get(pk=row.pk).context


def test_without_secrets_blanks_only_the_keys_present():
    assert SECRET_NUDGE.without_secrets({"title": LINK, "reference": "R1"}) == {"title": "", "reference": "R1"}
    plain = {"reference": "R1"}
    assert SECRET_NUDGE.without_secrets(plain) is plain


def test_a_digest_blanks_the_secrets_of_the_rows_it_sent():
    user = UserFactory()
    prefer(user, "digest")
    prefer(user, "digest", kind="tests.nudge")
    secret = notify(kind=SECRET_NUDGE.code, recipient=user, subject="s:1", context=context())
    plain = notify(kind="tests.nudge", recipient=user, subject="p:1", context={"title": "Deal 1"})
    assert secret.status == Notification.Status.DIGEST and stored(secret) == context()  # needed until sent

    assert digests_send() == 1
    assert LINK in mail.outbox[0].body  # the digest carried it
    assert stored(secret) == {"title": "", "reference": "R1"}
    assert stored(plain) == {"title": "Deal 1"}  # a kind without secrets is left alone
    assert set(Notification.objects.values_list("status", flat=True)) == {Notification.Status.SENT}


def test_a_failed_digest_keeps_the_secret_for_the_next_run(monkeypatch):
    user = UserFactory()
    prefer(user, "digest")
    row = notify(kind=SECRET_NUDGE.code, recipient=user, subject="s:1", context=context())

    def smtp_down(self, *args, **kwargs):
        raise OSError("connection refused")

    real_send = EmailMultiAlternatives.send
    monkeypatch.setattr(EmailMultiAlternatives, "send", smtp_down)
    assert digests_send() == 0
    assert Notification.objects.get(pk=row.pk).status == Notification.Status.DIGEST
    assert stored(row) == context()
    monkeypatch.setattr(EmailMultiAlternatives, "send", real_send)
    assert digests_send() == 1
    assert LINK in mail.outbox[0].body and stored(row)["title"] == ""


def test_rows_the_digest_suppresses_lose_their_secrets():
    turned_off, gone = UserFactory(), UserFactory()
    for user in (turned_off, gone):
        prefer(user, "digest")
    first = notify(kind=SECRET_NUDGE.code, recipient=turned_off, subject="s:1", context=context(1))
    second = notify(kind=SECRET_NUDGE.code, recipient=gone, subject="s:2", context=context(2))
    prefer(turned_off, "off")  # since the row was written
    gone.is_active = False
    gone.save(update_fields=["is_active"])

    assert digests_send() == 0 and mail.outbox == []
    for row, n in ((first, 1), (second, 2)):
        assert Notification.objects.get(pk=row.pk).status == Notification.Status.SUPPRESSED
        assert stored(row) == {"title": "", "reference": f"R{n}"}


def test_notify_stores_a_suppressed_row_without_its_secrets(django_capture_on_commit_callbacks):
    off, inactive, immediate = UserFactory(), UserFactory(is_active=False), UserFactory()
    prefer(off, "off")
    given = context()
    with django_capture_on_commit_callbacks(execute=True):
        rows = [notify(kind=SECRET_NUDGE.code, recipient=user, subject="s:1", context=given)
                for user in (off, inactive)]
        pending = notify(kind=SECRET_NUDGE.code, recipient=immediate, subject="s:1", context=given)
    for row in rows:
        assert row.status == Notification.Status.SUPPRESSED
        assert stored(row) == {"title": "", "reference": "R1"}
    assert given == context()  # the caller's dict is not changed
    # Sent at once: the e-mail has the link, the stored row no longer does (as before).
    assert [parseaddr(m.to[0])[1] for m in mail.outbox] == [immediate.email]
    assert LINK in mail.outbox[0].body and stored(pending)["title"] == ""


def test_notify_bulk_stores_suppressed_rows_without_their_secrets():
    off, inactive, digest, immediate = UserFactory(), UserFactory(is_active=False), UserFactory(), UserFactory()
    prefer(off, "off")
    prefer(digest, "digest")
    users = (off, inactive, digest, immediate)
    written = notify_bulk(kind=SECRET_NUDGE.code, notices=[
        Notice(subject="s:1", context=context(n), recipient=user) for n, user in enumerate(users)])
    assert written == 4
    rows = {row.recipient_id: row for row in Notification.objects.filter(kind=SECRET_NUDGE.code)}
    for n, user in enumerate(users):
        row = rows[user.pk]
        if user in (off, inactive):
            assert row.status == Notification.Status.SUPPRESSED
            assert row.context == {"title": "", "reference": f"R{n}"}
        else:  # still to be sent (the digest, or right away): the link is needed
            assert row.status in (Notification.Status.DIGEST, Notification.Status.PENDING)
            assert row.context == context(n)
