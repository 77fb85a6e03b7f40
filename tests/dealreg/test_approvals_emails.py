"""Every deal registration e-mail renders (subject, text, HTML) from its stored context, in each language."""

from datetime import timedelta

import pytest

from dealreg.services.approvals import deal_approve, deal_reject, deal_request_more_info
from dealreg.services.escalation import deals_escalate_overdue
from dealreg.services.extensions import extension_approve, extension_deny, extension_request
from dealreg.services.protection import protection_expire_due, protection_send_reminders
from prm.notifications.kinds import all_kinds
from prm.notifications.models import Notification
from prm.notifications.rendering import render_notification
from prm.tenancy.scoping import partner_scope, unscoped
from tests.factories import StaffFactory

from .registration_helpers import WEDNESDAY, approved, days_from_today, rejection_reason, submitted

pytestmark = pytest.mark.django_db

KINDS = {k.code for k in all_kinds() if k.code.startswith("dealreg.") and not k.code.startswith("dealreg.participant")}


def test_every_kind_has_a_flow_and_renders_in_every_language(partner_a, manager_a, region_a, settings):
    settings.SITE_URL = "https://portal.example.com"
    partner_a.channel_manager = manager_a
    partner_a.save()
    StaffFactory(email="colleague@example.com").regions.add(region_a)
    with partner_scope(partner_a):
        deal_approve(deal=submitted(partner_a), actor=manager_a, note="Welcome aboard")
        deal_reject(deal=submitted(partner_a), actor=manager_a, reason=rejection_reason(), note="Sorry")
        deal_request_more_info(deal=submitted(partner_a), actor=manager_a, message="Who signs?")
        for decide in (extension_approve, extension_deny):
            deal = approved(partner_a)
            deal.protected_until = days_from_today(3)
            deal.save()
            extension = extension_request(deal=deal, actor=deal.registered_by, reason="The customer needs a month.")
            if decide is extension_deny:
                decide(extension=extension, actor=manager_a, note="No")
            else:
                decide(extension=extension, actor=manager_a)
        ending = approved(partner_a)
        ending.protected_until = days_from_today(1)
        ending.save()
        ended = approved(partner_a)
        ended.protected_until = days_from_today(-1)
        ended.save()
    submitted(partner_a, now=WEDNESDAY)
    with unscoped():
        protection_send_reminders()
        protection_expire_due()
        deals_escalate_overdue(now=WEDNESDAY + timedelta(days=10))

    rows = list(Notification.objects.filter(kind__startswith="dealreg."))
    assert KINDS <= {row.kind for row in rows}, KINDS - {row.kind for row in rows}
    for row in rows:
        if row.kind not in KINDS:
            continue
        for language in ("en", "de", "fr", "es", "ja"):
            row.language = language
            message = render_notification(row)
            html = message.alternatives[0][0] if hasattr(message.alternatives[0], "__getitem__") else ""
            assert row.context.get("reference", "") in message.subject, (row.kind, message.subject)
            link = row.context.get("admin_url") or row.context.get("deal_url")
            assert link.startswith("https://portal.example.com/") and link in message.body and link in html
            assert "{{" not in message.body and "{%" not in html
