"""The registration's admin change page is honest: it shows, never saves (no save buttons, a POST is refused and
changes nothing), and offers what a manager can really do: decide a waiting registration, close an open one."""

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from dealreg.models import Deal
from dealreg.services.extensions import extension_request
from prm.tenancy.scoping import partner_scope, unscoped

from .registration_helpers import approved, days_from_today, submitted

pytestmark = pytest.mark.django_db

SAVE_BUTTONS = ('name="_save"', 'name="_continue"', 'name="_addanother"', 'name="_saveasnew"')


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def assert_no_save_buttons(html: str) -> None:
    for button in SAVE_BUTTONS:
        assert button not in html, button


def test_waiting_registration_offers_the_decision_not_a_save(client, manager_a, partner_a):
    deal = submitted(partner_a)
    client.force_login(manager_a)
    for name in ("admin:dealreg_deal_change", "admin:dealreg_dealapprovalqueue_change"):
        html = page(client, reverse(name, args=[deal.pk]))
        assert_no_save_buttons(html)
        assert reverse("admin:dealreg_deal_decide", args=[deal.pk]) in html
        assert 'class="closelink"' in html  # Django's "Close" replaces the save buttons
        assert "View on site" not in html  # the portal page is the partner's


def test_approved_registration_offers_the_outcome(client, manager_a, partner_a):
    deal = approved(partner_a)
    client.force_login(manager_a)
    html = page(client, reverse("admin:dealreg_deal_change", args=[deal.pk]))
    assert_no_save_buttons(html)
    assert reverse("admin:dealreg_deal_outcome", args=[deal.pk]) in html
    assert 'class="deal-decide"' not in html


def test_executives_only_read(client, executive_a, partner_a):
    deal = submitted(partner_a)
    client.force_login(executive_a)
    html = page(client, reverse("admin:dealreg_deal_change", args=[deal.pk]))
    assert_no_save_buttons(html)
    assert 'class="deal-decide"' not in html and 'class="deal-outcome"' not in html


def test_posting_the_change_form_is_refused_and_changes_nothing(client, manager_a, partner_a):
    deal = approved(partner_a)
    with unscoped():
        before = Deal.objects.values().get(pk=deal.pk)
    client.force_login(manager_a)
    url = reverse("admin:dealreg_deal_change", args=[deal.pk])
    for data in ({"_save": "Save"}, {"_continue": "1", "status": "rejected", "protected_until": "2099-01-01"}):
        assert client.post(url, data).status_code == 403
    with unscoped():
        assert Deal.objects.values().get(pk=deal.pk) == before  # not even updated_at moved
    assert not LogEntry.objects.filter(object_id=str(deal.pk)).exists()
    queue_url = reverse("admin:dealreg_dealapprovalqueue_change", args=[submitted(partner_a).pk])
    assert client.post(queue_url, {"_save": "Save"}).status_code == 403


def test_extension_request_page_is_read_only_too(client, manager_a, partner_a):
    deal = approved(partner_a)
    with partner_scope(partner_a):
        Deal.objects.filter(pk=deal.pk).update(protected_until=days_from_today(5))
        deal.refresh_from_db()
        extension = extension_request(deal=deal, actor=deal.registered_by, reason="Legal review takes longer.")
    client.force_login(manager_a)
    url = reverse("admin:dealreg_extensionrequest_change", args=[extension.pk])
    html = page(client, url)
    assert_no_save_buttons(html)
    assert reverse("admin:dealreg_extensionrequest_decide", args=[extension.pk]) in html
    assert client.post(url, {"_save": "Save"}).status_code == 403
