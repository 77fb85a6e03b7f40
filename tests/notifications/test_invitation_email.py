"""The one built-in kind: the partner invitation, essential and rendered in the invitee's language."""

import pytest
from django.core import mail
from django.core.checks import run_checks

from prm.notifications.kinds import NotificationKind, get_kind
from prm.notifications.models import Notification
from prm.notifications.services import notify
from prm.tenancy.scoping import partner_scope

pytestmark = pytest.mark.django_db

CONTEXT = {
    "partner_name": "Alpha Systems GmbH",
    "inviter_name": "Anna Admin",
    "role": "Partner user",
    "accept_url": "https://portal.example.com/invitations/tok123/",
    "expires_at": "2026-12-01T10:00:00+00:00",
}


def test_invitation_kind_is_registered_as_essential():
    kind = get_kind("partners.invitation")
    assert kind.essential is True
    assert kind.template_prefix == "emails/partners/invitation"


def test_invitation_email_in_german_with_a_localized_date(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(kind="partners.invitation", to_email="new@example.com", language="de", subject="partners.invitation:1",
               partner=1, context=CONTEXT)
    message = mail.outbox[0]
    assert message.to == ["new@example.com"]
    assert "Alpha Systems GmbH" in message.subject
    assert "https://portal.example.com/invitations/tok123/" in message.body
    assert "1. Dezember 2026" in message.body  # Django's German date format and month name
    assert "Anna Admin" in message.body
    html = message.alternatives[0][0]
    assert '<html lang="de">' in html and 'href="https://portal.example.com/invitations/tok123/"' in html
    assert "List-Unsubscribe" not in message.extra_headers


def test_invitation_create_queues_one_email_after_commit(partner_a, admin_a, django_capture_on_commit_callbacks):
    from partners.services.invitations import invitation_create

    with django_capture_on_commit_callbacks(execute=True), partner_scope(partner_a):
        issued = invitation_create(partner=partner_a, email="Colleague@Example.com", role="user", invited_by=admin_a,
                                   language="fr")
    notification = Notification.objects.get(kind="partners.invitation")
    assert (notification.email, notification.language, notification.partner_id) == (
        "colleague@example.com", "fr", partner_a.pk)
    assert notification.subject_key == f"partners.invitation:{issued.invitation.pk}"
    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1
    assert issued.url in mail.outbox[0].body


def test_system_check_warns_about_a_kind_without_templates(monkeypatch):
    from prm.notifications import kinds

    monkeypatch.setitem(kinds._REGISTRY, "tests.broken", NotificationKind(code="tests.broken", label="Broken"))
    ids = [message.id for message in run_checks() if "tests.broken" in message.msg]
    assert ids == ["notifications.W001"] * 3
    assert not [m for m in run_checks() if m.id == "notifications.W001" and "tests.broken" not in m.msg]
