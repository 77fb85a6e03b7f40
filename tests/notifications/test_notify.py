"""notify(): one outbox row per reason, written in the caller's transaction, dispatched after commit."""

import datetime

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from prm.notifications.models import Notification, NotificationPreference
from prm.notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _nudge(user, subject="deal:1", **kwargs):
    return notify(kind="tests.nudge", recipient=user, subject=subject, context={"title": "Deal 1"}, **kwargs)


def test_notify_twice_writes_one_row_and_sends_one_email(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _nudge(user)
        second = _nudge(user)
    assert first.pk == second.pk
    assert len(callbacks) == 1  # the second call queued nothing
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    first.refresh_from_db()
    assert first.status == Notification.Status.SENT
    assert first.sent_at is not None
    assert first.attempts == 1


def test_a_new_window_or_subject_is_a_new_reason(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _nudge(user, window="2026-11-24")
        _nudge(user, window="2026-11-25")
        _nudge(user, subject="deal:2", window="2026-11-25")
        _nudge(user, subject="deal:2", window="2026-11-25")
    assert Notification.objects.count() == 3
    assert len(mail.outbox) == 3


def test_dedupe_ignores_email_case_and_links_the_account(django_capture_on_commit_callbacks):
    user = UserFactory(email="someone@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        by_address = notify(kind="tests.notice", to_email="SomeOne@Example.com", subject="x", context={"title": "t"})
        by_user = notify(kind="tests.notice", recipient=user, subject="x", context={"title": "t"})
    assert by_address.pk == by_user.pk
    assert by_address.recipient == user
    assert by_address.email == "someone@example.com"
    assert len(mail.outbox) == 1


def test_subject_may_be_a_model_instance():
    user = UserFactory()
    other = UserFactory()
    notification = notify(kind="tests.nudge", recipient=user, subject=other, context={"title": "t"})
    assert notification.subject_key == f"accounts.user:{other.pk}"


def test_nothing_is_sent_before_commit_and_nothing_after_rollback(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _nudge(user)
        assert mail.outbox == []  # still inside the transaction
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _nudge(user, subject="deal:rolled-back")
            raise RuntimeError("the change that caused it failed")
    assert callbacks == []
    assert not Notification.objects.filter(subject_key="deal:rolled-back").exists()
    assert len(mail.outbox) == 1


def test_context_must_be_json_serialisable():
    user = UserFactory()
    with pytest.raises(TypeError, match="JSON"):
        notify(kind="tests.nudge", recipient=user, subject="x", context={"when": datetime.datetime.now()})
    assert Notification.objects.count() == 0


def test_non_essential_kind_needs_an_account_and_unknown_kinds_are_refused():
    with pytest.raises(ValueError, match="account"):
        notify(kind="tests.nudge", to_email="nobody@example.com", subject="x", context={})
    with pytest.raises(LookupError):
        notify(kind="tests.nope", to_email="nobody@example.com", subject="x", context={})
    assert Notification.objects.count() == 0


def test_stores_partner_and_the_recipients_language():
    user = UserFactory(preferred_language="ja")
    notification = notify(kind="tests.nudge", recipient=user, subject="x", context={"title": "t"}, partner=42)
    assert (notification.partner_id, notification.language) == (42, "ja")
    explicit = notify(kind="tests.notice", to_email="new@example.com", language="fr", subject="x", context={})
    assert explicit.language == "fr"
    fallback = notify(kind="tests.notice", to_email="new2@example.com", language="xx", subject="x", context={})
    assert fallback.language == "en"


@pytest.mark.parametrize("language", ["de", "ja"])
def test_rendered_in_the_recipients_language(django_capture_on_commit_callbacks, language):
    user = UserFactory(preferred_language=language)
    with django_capture_on_commit_callbacks(execute=True):
        _nudge(user)
    message = mail.outbox[0]
    assert f"[lang={language}]" in message.subject
    assert f"lang={language}" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'<html lang="{language}">' in html
    assert f"lang={language}" in html


def test_text_part_is_not_escaped_and_html_part_is(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="tests.nudge", recipient=user, subject="x", context={"title": "<b>Q4</b>"})
    message = mail.outbox[0]
    assert "Body for <b>Q4</b> & friends" in message.body
    assert "&lt;b&gt;Q4&lt;/b&gt;" in message.alternatives[0][0]


@pytest.mark.parametrize(
    ("delivery", "status"),
    [
        (NotificationPreference.Delivery.OFF, Notification.Status.SUPPRESSED),
        (NotificationPreference.Delivery.DIGEST, Notification.Status.DIGEST),
        (NotificationPreference.Delivery.IMMEDIATE, Notification.Status.PENDING),
    ],
)
def test_preferences_decide_the_status(django_capture_on_commit_callbacks, delivery, status):
    user = UserFactory()
    NotificationPreference.objects.create(user=user, kind="tests.nudge", delivery=delivery)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = _nudge(user)
    assert notification.status == status
    assert len(callbacks) == (1 if status == Notification.Status.PENDING else 0)


def test_off_means_no_email_but_essential_kinds_ignore_preferences(django_capture_on_commit_callbacks):
    user = UserFactory()
    NotificationPreference.objects.create(user=user, kind="tests.nudge", delivery="off")
    NotificationPreference.objects.create(user=user, kind="tests.notice", delivery="off")  # cannot apply
    with django_capture_on_commit_callbacks(execute=True):
        suppressed = _nudge(user)
        notice = notify(kind="tests.notice", recipient=user, subject="x", context={"title": "t"})
    assert suppressed.status == Notification.Status.SUPPRESSED
    notice.refresh_from_db()
    assert notice.status == Notification.Status.SENT
    assert [m.subject for m in mail.outbox] == ["Notice: t"]


def test_inactive_users_get_no_nudges():
    user = UserFactory(is_active=False)
    assert _nudge(user).status == Notification.Status.SUPPRESSED


def test_a_broker_outage_at_commit_leaves_the_row_pending(django_capture_on_commit_callbacks, monkeypatch):
    from prm.notifications import tasks

    def broker_down(**kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks.send_notification, "delay", broker_down)
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = _nudge(user)  # the caller's commit is not disturbed
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert mail.outbox == []


def _bulk(users, kind="tests.nudge", subject="deal:1"):
    from prm.notifications.services import Notice, notify_bulk

    return notify_bulk(kind=kind, notices=[Notice(recipient=u, subject=subject, context={"title": "T"}) for u in users])


def test_notify_bulk_has_a_constant_query_count_and_applies_preferences(django_assert_num_queries,
                                                                       django_capture_on_commit_callbacks):
    small, large = UserFactory.create_batch(2), UserFactory.create_batch(6)
    NotificationPreference.objects.create(user=large[0], kind="tests.nudge", delivery="off")
    NotificationPreference.objects.create(user=large[1], kind="tests.nudge", delivery="digest")
    # savepoint, existing keys, prefs, insert, pending ids (PostgreSQL: returned by the insert), release
    with django_assert_num_queries(5 if connection.vendor == "postgresql" else 6) as small_run:
        _bulk(small)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # sends after the counted block
        with django_assert_num_queries(len(small_run.captured_queries)):
            assert _bulk(large) == 6
    assert len(callbacks) == 4
    assert len(mail.outbox) == 4
    statuses = dict(Notification.objects.filter(recipient__in=large).values_list("recipient_id", "status"))
    assert statuses[large[0].pk] == "suppressed" and statuses[large[1].pk] == "digest"


def test_notify_bulk_is_idempotent_with_notify(django_capture_on_commit_callbacks):
    users = UserFactory.create_batch(3)
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="tests.nudge", recipient=users[0], subject="deal:1", context={"title": "T"})
        assert _bulk(users) == 2
        assert _bulk(users) == 0
    assert Notification.objects.count() == 3
    assert len(mail.outbox) == 3


def test_notify_bulk_looks_up_existing_keys_without_sorting_the_outbox():
    """The existing-key lookup must probe the unique index: an ORDER BY created_at (the model's default ordering)
    let PostgreSQL walk that index over the whole outbox per chunk (issue #7's nudge sweep benchmark)."""
    from django.test.utils import CaptureQueriesContext

    users = UserFactory.create_batch(2)
    with CaptureQueriesContext(connection) as queries:
        _bulk(users)
    q = connection.ops.quote_name
    selects_keys = f"SELECT {q(Notification._meta.db_table)}.{q('dedupe_key')}"
    lookups = [query["sql"] for query in queries.captured_queries if query["sql"].startswith(selects_keys)]
    assert lookups, "notify_bulk did not look up existing keys"
    assert all("ORDER BY" not in sql for sql in lookups)


def test_notify_bulk_stores_every_field_as_notify_does():
    """The bulk insert (a JSON recordset on PostgreSQL) writes the same row as notify() would."""
    from prm.notifications.services import Notice, notify_bulk

    user = UserFactory(preferred_language="ja")
    before = timezone.now()
    context = {"title": "Gold — 金", "amount": "1234.50", "nested": {"days": [1, 2]}}
    assert notify_bulk(kind="tests.nudge", notices=[Notice(recipient=user, subject="deal:7", context=context,
                                                           partner=42, window="2026-11")]) == 1
    row = Notification.objects.get(recipient=user)
    assert (row.email, row.language, row.kind, row.subject_key, row.window, row.partner_id) == (
        user.email.lower(), "ja", "tests.nudge", "deal:7", "2026-11", 42)
    assert row.context == context
    assert row.status == "pending" and row.attempts == 0 and row.last_error == ""
    assert before <= row.created_at <= timezone.now()
    assert row.claimed_at is None and row.sent_at is None
