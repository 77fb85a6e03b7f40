"""The outbox in the admin: managers see their regions' rows read-only; operators see all and may resend."""

import pytest
from django.core import mail
from django.urls import reverse

from prm.common.models import AuditEvent
from prm.notifications.models import Notification
from prm.notifications.services import notify

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_notification_changelist"


@pytest.fixture
def outbox_rows(partner_a, partner_b):
    rows = {
        "a": notify(kind="tests.notice", to_email="alpha@example.com", subject="a", context={"secret_url": "https://x/a"},
                    partner=partner_a),
        "b": notify(kind="tests.notice", to_email="beta@example.com", subject="b", context={}, partner=partner_b),
        "none": notify(kind="tests.notice", to_email="nobody@example.com", subject="c", context={}),
    }
    return rows


def test_manager_sees_only_notifications_of_partners_in_their_regions(client, manager_a, outbox_rows,
                                                                      django_assert_max_num_queries):
    client.force_login(manager_a)
    with django_assert_max_num_queries(20):
        response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    html = response.content.decode()
    assert "alpha@example.com" in html
    assert "beta@example.com" not in html
    assert "nobody@example.com" not in html
    other = reverse("admin:notifications_notification_change", args=[outbox_rows["b"].pk])
    assert client.get(other).status_code in (302, 404)  # "does not exist" for another region's row
    own = client.get(reverse("admin:notifications_notification_change", args=[outbox_rows["a"].pk]))
    assert own.status_code == 200
    assert "https://x/a" not in own.content.decode()  # the context stays with operators
    assert "resend_failed" not in html


def test_manager_cannot_change_or_resend(client, manager_a, outbox_rows):
    Notification.objects.filter(pk=outbox_rows["a"].pk).update(status="failed")
    client.force_login(manager_a)
    response = client.post(reverse(CHANGELIST), {"action": "resend_failed", "_selected_action": [outbox_rows["a"].pk]})
    assert response.status_code in (200, 302, 403)
    assert Notification.objects.get(pk=outbox_rows["a"].pk).status == "failed"


def test_operator_sees_everything_and_resends_failed_rows(client, operator, outbox_rows,
                                                         django_capture_on_commit_callbacks):
    client.force_login(operator)
    html = client.get(reverse(CHANGELIST)).content.decode()
    for email in ("alpha@example.com", "beta@example.com", "nobody@example.com"):
        assert email in html
    assert "resend_failed" in html
    assert "https://x/a" in client.get(
        reverse("admin:notifications_notification_change", args=[outbox_rows["a"].pk])
    ).content.decode()

    Notification.objects.filter(pk__in=[outbox_rows["a"].pk, outbox_rows["b"].pk]).update(status="failed", attempts=3)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(CHANGELIST),
            {"action": "resend_failed", "_selected_action": [row.pk for row in outbox_rows.values()]},
        )
    assert response.status_code == 302
    assert sorted(m.to[0] for m in mail.outbox) == ["alpha@example.com", "beta@example.com"]
    assert set(Notification.objects.filter(pk__in=[outbox_rows["a"].pk, outbox_rows["b"].pk])
               .values_list("status", flat=True)) == {"sent"}
    assert Notification.objects.get(pk=outbox_rows["none"].pk).status == "pending"  # was not failed
    assert AuditEvent.objects.filter(action="notifications.notification.resent").count() == 1


def test_preferences_admin_is_for_operators_only(client, manager_a, operator):
    url = reverse("admin:notifications_notificationpreference_changelist")
    client.force_login(manager_a)
    assert client.get(url).status_code == 403
    client.force_login(operator)
    assert client.get(url).status_code == 200
