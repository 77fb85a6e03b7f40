"""The managers' admin: the approval queue of their regions (oldest first, SLA age, overdue filter, constant
queries), decisions one by one and in bulk through the services, extension decisions, operator configuration."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dealreg.models import Deal, ExtensionRequest
from dealreg.services.extensions import extension_request
from prm.tenancy.scoping import partner_scope, unscoped

from .registration_helpers import approved, days_from_today, rejection_reason, submitted

pytestmark = pytest.mark.django_db

QUEUE = "admin:dealreg_dealapprovalqueue_changelist"
DEALS = "admin:dealreg_deal_changelist"


def refreshed(deal):
    with unscoped():
        deal.refresh_from_db()
    return deal


def test_queue_shows_the_managers_regions_oldest_first_with_sla_age(client, manager_a, partner_a, partner_b):
    now = timezone.now()
    newer = submitted(partner_a, customer_name="Newer One", customer_domain="newer-one.com", now=now)
    older = submitted(partner_a, customer_name="Older One", customer_domain="older-one.com",
                      now=now - timedelta(days=10))
    submitted(partner_b, customer_name="Other Region", customer_domain="other-region.com")
    approved(partner_a, customer_name="Already Decided", customer_domain="already-decided.com")
    client.force_login(manager_a)
    html = client.get(reverse(QUEUE)).content.decode()
    assert "Other Region" not in html and "Already Decided" not in html
    assert html.index(older.reference) < html.index(newer.reference)
    assert 'class="overdue"' in html  # ten days is past any business-hours limit
    overdue = client.get(reverse(QUEUE), {"sla": "overdue"}).content.decode()
    assert "Older One" in overdue and "Newer One" not in overdue
    in_time = client.get(reverse(QUEUE), {"sla": "in_time"}).content.decode()
    assert "Newer One" in in_time and "Older One" not in in_time


@pytest.mark.parametrize("url_name", [QUEUE, DEALS])
def test_changelists_have_a_constant_query_count(client, manager_a, partner_a, url_name):
    client.force_login(manager_a)
    submitted(partner_a)
    client.get(reverse(url_name))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(url_name))
    for _ in range(12):
        submitted(partner_a)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_private_notes_stay_with_the_partner(client, manager_a, partner_a):
    deal = submitted(partner_a, private_notes="Our margin is 40%")
    client.force_login(manager_a)
    for url in (reverse("admin:dealreg_deal_change", args=[deal.pk]), reverse("admin:dealreg_deal_decide", args=[deal.pk])):
        assert "Our margin" not in client.get(url).content.decode()


def test_decide_page_shows_the_conflicts_side_by_side_and_approves(client, manager_a, partner_a, partner_b):
    theirs = submitted(partner_b, customer_name="Prestige Worldwide", customer_domain="prestige.com")
    deal = submitted(partner_a, customer_name="Prestige Worldwide Inc", customer_domain="prestige.com")
    client.force_login(manager_a)
    url = reverse("admin:dealreg_deal_decide", args=[deal.pk])
    page = client.get(url).content.decode()
    assert "Possible conflicts" in page and partner_b.name in page and theirs.reference in page
    response = client.post(url, {"decision": "approve", "approve-note": "Welcome"})
    assert response.status_code == 302
    assert refreshed(deal).status == Deal.Status.APPROVED and deal.decision_reason == "Welcome"


def test_reject_and_more_information_from_the_decide_page(client, manager_a, partner_a):
    reason = rejection_reason("other", requires_note=True)
    deal = submitted(partner_a)
    client.force_login(manager_a)
    url = reverse("admin:dealreg_deal_decide", args=[deal.pk])
    missing_note = client.post(url, {"decision": "reject", "reject-reason": reason.pk, "reject-note": ""})
    assert missing_note.status_code == 200 and refreshed(deal).status == Deal.Status.SUBMITTED
    client.post(url, {"decision": "more_info", "more-message": "Which products?"})
    assert refreshed(deal).status == Deal.Status.MORE_INFO
    client.post(url, {"decision": "reject", "reject-reason": reason.pk, "reject-note": "Out of territory."})
    assert refreshed(deal).status == Deal.Status.REJECTED and deal.rejection_reason == reason


def test_a_blocked_approval_is_explained(client, manager_a, partner_a, partner_b):
    approved(partner_b, customer_name="Sterling Cooper", customer_domain="sterlingcooper.com")
    deal = submitted(partner_a, customer_name="Sterling Cooper", customer_domain="sterlingcooper.com")
    client.force_login(manager_a)
    response = client.post(reverse("admin:dealreg_deal_decide", args=[deal.pk]), {"decision": "approve"}, follow=True)
    assert "already protected" in response.content.decode()
    assert refreshed(deal).status == Deal.Status.SUBMITTED


def test_other_regions_and_executives_cannot_decide(client, manager_a, executive_a, partner_b, partner_a):
    theirs = submitted(partner_b)
    client.force_login(manager_a)
    assert client.get(reverse("admin:dealreg_deal_decide", args=[theirs.pk])).status_code == 404
    mine = submitted(partner_a)
    client.force_login(executive_a)
    assert client.get(reverse(DEALS)).status_code == 200
    assert client.post(reverse("admin:dealreg_deal_decide", args=[mine.pk]), {"decision": "approve"}).status_code == 403
    assert refreshed(mine).status == Deal.Status.SUBMITTED


def test_bulk_approve_reports_per_row_errors(client, manager_a, partner_a, partner_b):
    approved(partner_b, customer_name="Los Pollos Hermanos", customer_domain="lospollos.com")
    blocked = submitted(partner_a, customer_name="Los Pollos Hermanos", customer_domain="lospollos.com")
    fine = submitted(partner_a)
    client.force_login(manager_a)
    response = client.post(reverse(QUEUE), {"action": "approve_selected",
                                            ACTION_CHECKBOX_NAME: [blocked.pk, fine.pk]}, follow=True)
    html = response.content.decode()
    assert "1 registration approved." in html
    assert f"{blocked.reference}: Another registration for this customer is already protected." in html
    assert refreshed(fine).status == Deal.Status.APPROVED and refreshed(blocked).status == Deal.Status.SUBMITTED


def test_bulk_reject_asks_for_the_reason_first(client, manager_a, partner_a):
    reason = rejection_reason("duplicate")
    deals = [submitted(partner_a), submitted(partner_a)]
    client.force_login(manager_a)
    ids = [d.pk for d in deals]
    form = client.post(reverse(QUEUE), {"action": "reject_selected", ACTION_CHECKBOX_NAME: ids})
    assert form.status_code == 200 and 'name="apply"' in form.content.decode()
    assert all(refreshed(d).status == Deal.Status.SUBMITTED for d in deals)
    done = client.post(reverse(QUEUE), {"action": "reject_selected", ACTION_CHECKBOX_NAME: ids, "apply": "1",
                                        "reason": reason.pk, "note": "Registered twice."}, follow=True)
    assert "2 registrations rejected." in done.content.decode()
    assert all(refreshed(d).status == Deal.Status.REJECTED for d in deals)


def test_extension_decisions_in_the_admin(client, manager_a, partner_a):
    deal = approved(partner_a)
    with partner_scope(partner_a):
        Deal.objects.filter(pk=deal.pk).update(protected_until=days_from_today(5))
        deal.refresh_from_db()
        extension = extension_request(deal=deal, actor=deal.registered_by, reason="Legal review takes longer.")
    client.force_login(manager_a)
    listing = client.get(reverse("admin:dealreg_extensionrequest_changelist")).content.decode()
    assert deal.reference in listing
    url = reverse("admin:dealreg_extensionrequest_decide", args=[extension.pk])
    denied_without_note = client.post(url, {"decision": "deny", "note": ""})
    assert denied_without_note.status_code == 200
    client.post(url, {"decision": "approve", "protected_until": days_from_today(50).isoformat()})
    with unscoped():
        extension.refresh_from_db()
        deal.refresh_from_db()
    assert extension.status == ExtensionRequest.Status.APPROVED and deal.protected_until == days_from_today(50)


def test_extension_requests_of_other_regions_are_invisible(client, manager_a, partner_b):
    deal = approved(partner_b)
    with partner_scope(partner_b):
        Deal.objects.filter(pk=deal.pk).update(protected_until=days_from_today(5))
        deal.refresh_from_db()
        extension = extension_request(deal=deal, actor=deal.registered_by, reason="Legal review takes longer.")
    client.force_login(manager_a)
    assert deal.reference not in client.get(reverse("admin:dealreg_extensionrequest_changelist")).content.decode()
    assert client.get(reverse("admin:dealreg_extensionrequest_decide", args=[extension.pk])).status_code == 404


def test_operators_configure_and_managers_do_not(client, operator, manager_a):
    client.force_login(operator)
    response = client.get(reverse("admin:dealreg_dealregistrationpolicy_changelist"))
    assert response.status_code == 302 and response["Location"].endswith("/1/change/")
    assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse("admin:dealreg_autoapprovalrule_add")).status_code == 200
    client.force_login(manager_a)
    assert client.get(reverse("admin:dealreg_autoapprovalrule_changelist")).status_code == 403
    assert client.get(reverse("admin:dealreg_rejectionreason_add")).status_code == 403


def test_rejection_reason_labels_per_language(client, operator):
    from dealreg.models import RejectionReason

    client.force_login(operator)
    response = client.post(reverse("admin:dealreg_rejectionreason_add"), {
        "code": "no-budget", "label": "No budget", "label_de": "Kein Budget", "label_ja": "予算なし", "label_fr": "",
        "label_es": "", "position": 1, "is_active": "on",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    reason = RejectionReason.objects.get(code="no-budget")
    assert reason.translations == {"de": "Kein Budget", "ja": "予算なし"}
    assert reason.label_in("de") == "Kein Budget" and reason.label_in("fr") == "No budget"
