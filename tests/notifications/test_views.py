"""The preferences page and the one-click unsubscribe link."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from prm.common.models import AuditEvent
from prm.notifications.models import Notification, NotificationPreference
from prm.notifications.services import notify
from prm.notifications.tasks import send_notification
from prm.notifications.tokens import make_unsubscribe_token
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _url(token):
    return reverse("notifications:unsubscribe", kwargs={"token": token})


def _delivery(user, kind="tests.nudge"):
    return NotificationPreference.objects.filter(user=user, kind=kind).values_list("delivery", flat=True).first()


def test_unsubscribe_link_from_the_email_get_confirms_and_post_unsubscribes(client):
    user = UserFactory()
    send_notification(notification_id=notify(kind="tests.nudge", recipient=user, subject="a",
                                             context={"title": "A"}).pk)
    url = mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>").removeprefix("https://portal.example.com")

    page = client.get(url)
    assert page.status_code == 200
    assert b"Test nudge" in page.content and b'method="post"' in page.content
    assert _delivery(user) is None  # a link scanner's GET changes nothing

    done = client.post(url)
    assert done.status_code == 200
    assert "You are unsubscribed" in done.content.decode()
    assert _delivery(user) == NotificationPreference.Delivery.OFF
    assert AuditEvent.objects.filter(action="notifications.preferences.updated", target_id=str(user.pk)).exists()

    later = notify(kind="tests.nudge", recipient=user, subject="b", context={"title": "B"})
    assert later.status == Notification.Status.SUPPRESSED


def test_rfc8058_one_click_post_needs_no_session_or_csrf_token():
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        _url(make_unsubscribe_token(user_id=user.pk, kinds=["tests.nudge", "tests.other_nudge"])),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert _delivery(user) == "off"
    assert _delivery(user, "tests.other_nudge") == "off"


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_token_is_refused(client, method):
    user = UserFactory()
    token = make_unsubscribe_token(user_id=user.pk, kinds=["tests.nudge"])
    forged = make_unsubscribe_token(user_id=user.pk + 1, kinds=["tests.nudge"]).split(":")[0] + ":" + token.split(":")[1]
    for bad in (token[:-2] + "xx", forged, "garbage"):
        response = getattr(client, method)(_url(bad))
        assert response.status_code == 400
        assert "not valid" in response.content.decode()
    assert NotificationPreference.objects.count() == 0


def test_essential_kinds_cannot_be_unsubscribed(client):
    user = UserFactory()
    token = make_unsubscribe_token(user_id=user.pk, kinds=["tests.notice", "partners.invitation"])
    assert client.post(_url(token)).status_code == 400
    assert NotificationPreference.objects.count() == 0


def test_token_of_an_inactive_user_is_refused(client):
    user = UserFactory(is_active=False)
    assert client.post(_url(make_unsubscribe_token(user_id=user.pk, kinds=["tests.nudge"]))).status_code == 400


def test_preferences_page_requires_sign_in(client):
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_preferences_page_lists_kinds_and_saves_a_choice(client, django_assert_max_num_queries):
    user = UserFactory()
    NotificationPreference.objects.create(user=user, kind="tests.other_nudge", delivery="off")
    client.force_login(user)
    url = reverse("notifications:preferences")
    with django_assert_max_num_queries(12):
        page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Test nudge" in html and "Other nudge" in html
    assert 'name="tests.nudge" value="immediate"' in html
    assert re.search(r'name="tests.other_nudge" value="off"[^>]*checked', html)
    assert re.search(r'name="tests.nudge" value="immediate"[^>]*checked', html)
    assert 'name="tests.notice"' not in html  # essential: shown as always sent, no choice
    assert "Test notice" in html and "Invitation to join a partner" in html

    # The form posts every optional kind, including those other apps register: keep theirs as shown.
    data = {name: "immediate" for name in re.findall(r'name="([\w.]+)" value="immediate"', html)}
    data.update({"tests.nudge": "digest", "tests.other_nudge": "immediate"})
    response = client.post(url, data)
    assert response.status_code == 302
    assert _delivery(user) == "digest"
    assert _delivery(user, "tests.other_nudge") == "immediate"


def test_preferences_page_rejects_bad_input_without_saving_anything(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("notifications:preferences"), {"tests.nudge": "digest", "tests.other_nudge": "loud"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert NotificationPreference.objects.filter(user=user).count() == 0


def test_preferences_service_refuses_essential_kinds():
    from django.core.exceptions import ValidationError

    from prm.notifications.services import preferences_update

    user = UserFactory()
    with pytest.raises(ValidationError):
        preferences_update(user=user, choices={"tests.nudge": "off", "tests.notice": "off"})
    assert NotificationPreference.objects.count() == 0
