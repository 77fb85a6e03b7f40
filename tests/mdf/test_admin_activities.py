"""The managers' MDF admin, requests side: the pre-approval queue of their regions (oldest first, SLA age,
constant queries), decisions through the services (reservation, audit, the partner's e-mail in German),
bulk decisions with per-row errors, the read-only activity page, funds and their adjustment, the program."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from mdf.models import Activity, ActivityApprovalQueue, ActivityEvent, Fund, FundEntry, MdfProgram
from prm.common.models import AuditEvent
from prm.common.money import format_money
from prm.notifications.models import Notification
from prm.tenancy.scoping import unscoped
from tests.mdf.helpers import approved_activity, fund_with, seed_rates, submitted_activity

pytestmark = pytest.mark.django_db

QUEUE = "admin:mdf_activityapprovalqueue_changelist"
ACTIVITIES = "admin:mdf_activity_changelist"


def fresh(obj):
    with unscoped():
        obj.refresh_from_db()
    return obj


def said(user, message_id, **params):
    """A message as the admin says it to ``user`` (the staff user's language)."""
    with translation.override(user.preferred_language):
        text = gettext(message_id)
        return text % params if params else text


def decide_url(activity):
    return reverse("admin:mdf_activity_decide", args=[activity.pk])


@pytest.fixture
def funded_b(partner_b):
    seed_rates()
    return fund_with(partner_b, Decimal("1000000"))


def test_queue_shows_the_managers_regions_oldest_first(client, manager_a, partner_a, admin_a, partner_b, admin_b,
                                                       funded_b):
    fund_with(partner_a, Decimal("20000"))
    submitted_activity(partner_a, admin_a, title="Newer webinar")
    older = submitted_activity(partner_a, admin_a, title="Older roadshow")
    with unscoped():
        Activity.objects.filter(pk=older.pk).update(submitted_at=timezone.now() - timedelta(days=12))
    approved_activity(partner_a, admin_a, manager_a, title="Already decided")
    submitted_activity(partner_b, admin_b, title="Tokyo summit")
    client.force_login(manager_a)
    html = client.get(reverse(QUEUE)).content.decode()
    assert "Newer webinar" in html and "Older roadshow" in html
    assert "Tokyo summit" not in html and "Already decided" not in html
    assert html.index("Older roadshow") < html.index("Newer webinar")
    assert 'class="overdue"' in html  # twelve days is past the approval time (40 business hours)
    assert escape(format_money(Decimal("2000.00"), "EUR")) in html  # the requested vendor share
    overdue = client.get(reverse(QUEUE), {"sla": "overdue"}).content.decode()
    assert "Older roadshow" in overdue and "Newer webinar" not in overdue
    everything = client.get(reverse(ACTIVITIES)).content.decode()
    assert "Already decided" in everything and "Tokyo summit" not in everything
    with translation.override(manager_a.preferred_language):
        assert escape(str(ActivityApprovalQueue._meta.verbose_name_plural)) in \
            client.get(reverse("admin:index")).content.decode()


def test_operators_see_every_regions_queue(client, operator, partner_a, admin_a, partner_b, admin_b, funded_b):
    fund_with(partner_a, Decimal("10000"))
    submitted_activity(partner_a, admin_a, title="Berlin roadshow")
    submitted_activity(partner_b, admin_b, title="Tokyo summit")
    client.force_login(operator)
    html = client.get(reverse(QUEUE)).content.decode()
    assert "Berlin roadshow" in html and "Tokyo summit" in html


def test_another_regions_request_and_fund_are_out_of_reach(client, manager_a, partner_b, admin_b, funded_b):
    theirs = submitted_activity(partner_b, admin_b)
    client.force_login(manager_a)
    for name, obj in (("admin:mdf_activity_change", theirs), ("admin:mdf_fund_change", funded_b)):
        response = client.get(reverse(name, args=[obj.pk]))
        assert response.status_code == 302 and response.url == reverse("admin:index")
    assert client.get(decide_url(theirs)).status_code == 404
    assert client.post(decide_url(theirs), {"decision": "approve"}).status_code == 404
    assert client.get(reverse("admin:mdf_fund_adjust", args=[funded_b.pk])).status_code == 404
    assert fresh(theirs).status == Activity.Status.SUBMITTED


def test_partial_approval_without_a_reason_is_refused_and_nothing_changes(client, manager_a, partner_a, admin_a):
    fund = fund_with(partner_a, Decimal("10000"))
    activity = submitted_activity(partner_a, admin_a)
    client.force_login(manager_a)
    response = client.post(decide_url(activity), {"decision": "partial", "partial-amount": "1500",
                                                  "partial-reason": ""})
    assert response.status_code == 200
    assert escape(said(manager_a, "Give a reason for approving less than requested.")) in response.content.decode()
    assert fresh(activity).status == Activity.Status.SUBMITTED and activity.approved_amount is None
    assert fresh(fund).reserved == Decimal("0.00")
    assert not AuditEvent.objects.filter(action="mdf.activity.approved").exists()


def test_approval_reserves_audits_and_tells_the_partner_in_german(client, manager_a, partner_a, admin_a):
    admin_a.preferred_language = "de"
    admin_a.save(update_fields=["preferred_language"])
    fund = fund_with(partner_a, Decimal("10000"))
    activity = submitted_activity(partner_a, admin_a)
    client.force_login(manager_a)
    page = client.get(decide_url(activity))
    assert page.status_code == 200 and activity.reference in page.content.decode()
    assert client.get(reverse("admin:mdf_activityapprovalqueue_change", args=[activity.pk])).status_code == 200
    response = client.post(decide_url(activity), {"decision": "approve", "approve-reason": "Great plan"})
    assert response.status_code == 302 and response.url == reverse(QUEUE)
    activity = fresh(activity)
    assert activity.status == Activity.Status.APPROVED and activity.approved_amount == Decimal("2000.00")
    assert activity.decided_by == manager_a and activity.decision_reason == "Great plan"
    assert fresh(fund).reserved == Decimal("2000.00")
    with unscoped():
        assert FundEntry.objects.filter(fund=fund, kind=FundEntry.Kind.RESERVATION, activity=activity).count() == 1
    audit = AuditEvent.objects.get(action="mdf.activity.approved", target_id=str(activity.pk))
    assert audit.actor == manager_a and audit.partner_id == partner_a.pk
    notice = Notification.objects.get(kind="mdf.activity_approved", recipient=admin_a)
    assert notice.language == "de" and notice.partner_id == partner_a.pk
    assert activity.title not in client.get(reverse(QUEUE)).content.decode()


def test_partial_approval_with_a_reason(client, manager_a, partner_a, admin_a):
    fund = fund_with(partner_a, Decimal("10000"))
    activity = submitted_activity(partner_a, admin_a)
    client.force_login(manager_a)
    response = client.post(decide_url(activity), {"decision": "partial", "partial-amount": "1500",
                                                  "partial-reason": "Venue costs are capped."})
    assert response.status_code == 302
    assert fresh(activity).approved_amount == Decimal("1500.00") and activity.decision_reason == "Venue costs are capped."
    assert fresh(fund).reserved == Decimal("1500.00")
    with unscoped():
        assert ActivityEvent.objects.filter(activity=activity, kind=ActivityEvent.Kind.PARTIALLY_APPROVED).exists()


def test_reject_and_more_information_from_the_decision_page(client, manager_a, partner_a, admin_a):
    fund_with(partner_a, Decimal("10000"))
    first, second = submitted_activity(partner_a, admin_a), submitted_activity(partner_a, admin_a, title="Second")
    client.force_login(manager_a)
    empty = client.post(decide_url(first), {"decision": "reject", "reject-reason": ""})
    assert empty.status_code == 200 and escape(said(manager_a, "Give a reason; the partner reads it.")) in \
        empty.content.decode()
    assert fresh(first).status == Activity.Status.SUBMITTED
    client.post(decide_url(first), {"decision": "reject", "reject-reason": "Outside the program's focus."})
    assert fresh(first).status == Activity.Status.REJECTED and first.decision_reason == "Outside the program's focus."
    client.post(decide_url(second), {"decision": "more_info", "more-message": "Which venue?"})
    assert fresh(second).status == Activity.Status.MORE_INFO and second.info_request == "Which venue?"
    assert AuditEvent.objects.filter(action="mdf.activity.info_requested", target_id=str(second.pk)).exists()


def test_bulk_approval_reports_the_request_the_fund_cannot_cover(client, manager_a, partner_a, admin_a):
    fund = fund_with(partner_a, Decimal("3000"))
    first = submitted_activity(partner_a, admin_a, title="First")
    second = submitted_activity(partner_a, admin_a, title="Second")
    with unscoped():
        Activity.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - timedelta(hours=3))
    client.force_login(manager_a)
    response = client.post(reverse(QUEUE), {"action": "approve_selected",
                                            ACTION_CHECKBOX_NAME: [first.pk, second.pk]}, follow=True)
    html = response.content.decode()
    with translation.override(manager_a.preferred_language):
        insufficient = gettext("The fund has %(available)s available; %(amount)s is more than that.") % {
            "available": format_money(Decimal("1000.00"), "EUR"), "amount": format_money(Decimal("2000.00"), "EUR")}
        done = translation.ngettext("%(count)d request pre-approved.", "%(count)d requests pre-approved.", 1) % {
            "count": 1}
    assert escape(done) in html
    assert escape(f"{second.reference}: {insufficient}") in html
    assert fresh(first).status == Activity.Status.APPROVED and fresh(second).status == Activity.Status.SUBMITTED
    assert fresh(fund).reserved == Decimal("2000.00")


def test_bulk_rejection_asks_for_one_reason_first(client, manager_a, partner_a, admin_a):
    fund_with(partner_a, Decimal("10000"))
    activities = [submitted_activity(partner_a, admin_a), submitted_activity(partner_a, admin_a, title="Other")]
    ids = [a.pk for a in activities]
    client.force_login(manager_a)
    form = client.post(reverse(QUEUE), {"action": "reject_selected", ACTION_CHECKBOX_NAME: ids})
    assert form.status_code == 200 and 'name="apply"' in form.content.decode()
    assert all(fresh(a).status == Activity.Status.SUBMITTED for a in activities)
    missing = client.post(reverse(QUEUE), {"action": "reject_selected", ACTION_CHECKBOX_NAME: ids, "apply": "1",
                                           "reason": ""})
    assert escape(said(manager_a, "Give a reason; the partner reads it.")) in missing.content.decode()
    assert all(fresh(a).status == Activity.Status.SUBMITTED for a in activities)
    done = client.post(reverse(QUEUE), {"action": "reject_selected", ACTION_CHECKBOX_NAME: ids, "apply": "1",
                                        "reason": "Budget is closed this quarter."}, follow=True)
    assert "2 requests rejected." in done.content.decode()
    assert all(fresh(a).status == Activity.Status.REJECTED for a in activities)
    assert all(a.decision_reason == "Budget is closed this quarter." for a in activities)


def test_executives_read_but_do_not_decide(client, executive_a, partner_a, admin_a):
    fund = fund_with(partner_a, Decimal("10000"))
    activity = submitted_activity(partner_a, admin_a)
    client.force_login(executive_a)
    assert client.get(reverse(ACTIVITIES)).status_code == 200
    assert client.get(reverse("admin:mdf_fund_changelist")).status_code == 200
    assert client.post(decide_url(activity), {"decision": "approve"}).status_code == 403
    assert client.get(reverse("admin:mdf_fund_adjust", args=[fund.pk])).status_code == 403
    assert fresh(activity).status == Activity.Status.SUBMITTED


def test_the_activity_page_is_read_only_with_its_timeline_and_return(client, manager_a, partner_a, admin_a):
    fund_with(partner_a, Decimal("10000"))
    activity = approved_activity(partner_a, admin_a, manager_a)
    client.force_login(manager_a)
    response = client.get(reverse("admin:mdf_activity_change", args=[activity.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    with translation.override(manager_a.preferred_language):
        assert escape(str(ActivityEvent.Kind.APPROVED.label)) in html  # the timeline
        assert escape(translation.ngettext("%(count)d registration sourced", "%(count)d registrations sourced", 0)
                      % {"count": 0}) in html
    assert 'name="_save"' not in html and "View on site" not in html
    assert client.get(reverse("admin:mdf_activity_add")).status_code == 403
    assert client.post(reverse("admin:mdf_activity_delete", args=[activity.pk])).status_code == 403


@pytest.mark.parametrize("url_name", [QUEUE, ACTIVITIES, "admin:mdf_fund_changelist"])
def test_lists_have_a_constant_query_count(client, manager_a, partner_a, admin_a, url_name):
    fund_with(partner_a, Decimal("100000"))
    submitted_activity(partner_a, admin_a)
    client.force_login(manager_a)
    client.get(reverse(url_name))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(url_name)).status_code == 200
    for index in range(8):
        submitted_activity(partner_a, admin_a, title=f"Webinar {index}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse(url_name))
    assert response.status_code == 200
    if url_name == QUEUE:
        assert response.content.decode().count("Webinar ") >= 8
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# --- funds -------------------------------------------------------------------------------------------------


def test_fund_list_shows_own_region_balances(client, manager_a, partner_a, partner_b, funded_b):
    fund_with(partner_a, Decimal("12345"))
    client.force_login(manager_a)
    html = client.get(reverse("admin:mdf_fund_changelist")).content.decode()
    assert partner_a.name in html and partner_b.name not in html
    assert escape(format_money(Decimal("12345.00"), "EUR")) in html
    assert client.get(reverse("admin:mdf_fund_add")).status_code == 403


def test_adjusting_a_fund_goes_through_the_ledger_with_a_reason(client, manager_a, partner_a, admin_a):
    fund = fund_with(partner_a, Decimal("3000"))
    submitted = submitted_activity(partner_a, admin_a)
    approved_activity(partner_a, admin_a, manager_a, title="Reserved")  # 2000 reserved: 1000 available
    url = reverse("admin:mdf_fund_adjust", args=[fund.pk])
    client.force_login(manager_a)
    assert client.get(reverse("admin:mdf_fund_change", args=[fund.pk])).content.decode().count(url) == 1
    too_much = client.post(url, {"direction": "deduct", "amount": "1500", "reason": "Budget cut"})
    with translation.override(manager_a.preferred_language):
        expected = gettext("The fund has %(available)s available; %(amount)s is more than that.") % {
            "available": format_money(Decimal("1000.00"), "EUR"), "amount": format_money(Decimal("1500.00"), "EUR")}
    assert too_much.status_code == 200 and escape(expected) in too_much.content.decode()
    no_reason = client.post(url, {"direction": "allocate", "amount": "500", "reason": "  "})
    assert escape(said(manager_a, "Give a reason; the partner and the audit log see it.")) in \
        no_reason.content.decode()
    assert fresh(fund).allocated == Decimal("3000.00")
    response = client.post(url, {"direction": "allocate", "amount": "500", "reason": "Trade show bonus"})
    assert response.status_code == 302
    assert fresh(fund).allocated == Decimal("3500.00")
    client.post(url, {"direction": "deduct", "amount": "200", "reason": "Correction"})
    assert fresh(fund).allocated == Decimal("3300.00")
    with unscoped():
        kinds = list(FundEntry.objects.filter(fund=fund, actor=manager_a, kind__in=["allocation", "deduction"]).values_list("kind", "amount", "reason"))
    assert kinds == [("allocation", Decimal("500.00"), "Trade show bonus"),
                     ("deduction", Decimal("200.00"), "Correction")]
    assert AuditEvent.objects.filter(action="mdf.fund.allocated", actor=manager_a).count() == 1
    assert fresh(submitted).status == Activity.Status.SUBMITTED


def test_fund_page_shows_its_ledger_read_only(client, manager_a, partner_a):
    fund = fund_with(partner_a, Decimal("777"))
    client.force_login(manager_a)
    html = client.get(reverse("admin:mdf_fund_change", args=[fund.pk])).content.decode()
    assert escape(str(FundEntry.Kind.ALLOCATION.label)) in html and 'name="_save"' not in html
    assert 'name="entries-0-amount"' not in html  # nothing editable
    assert client.post(reverse("admin:mdf_fund_delete", args=[fund.pk])).status_code == 403
    # the change form never saves: it would write back totals read without the ledger's lock
    assert client.post(reverse("admin:mdf_fund_change", args=[fund.pk]), {"allocated": "1"}).status_code == 403
    assert fresh(fund).allocated == Decimal("777.00")
    with unscoped():
        assert Fund.objects.filter(pk=fund.pk).exists()


# --- program ------------------------------------------------------------------------------------------------


def test_the_program_is_one_row_for_operators(client, operator, manager_a):
    client.force_login(manager_a)
    assert client.get(reverse("admin:mdf_mdfprogram_changelist")).status_code == 403
    client.force_login(operator)
    response = client.get(reverse("admin:mdf_mdfprogram_changelist"))
    program = MdfProgram.current()
    assert response.status_code == 302 and response.url == reverse("admin:mdf_mdfprogram_change", args=[program.pk])
    assert client.get(response.url).status_code == 200
    assert client.get(reverse("admin:mdf_mdfprogram_add")).status_code == 403
    assert client.post(reverse("admin:mdf_mdfprogram_delete", args=[program.pk])).status_code == 403
    assert MdfProgram.objects.count() == 1
