"""MDF nudges: claim window closing (14 and 3 days before), unspent funds expiring, information requested and
not answered. Right people, in their language, never twice, with a selection whose query count does not grow
with the number of activities."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from mdf import tasks
from mdf.models import Activity, Claim, Fund, MdfProgram
from mdf.services import activity_request_info, activity_submit, activity_update, claim_request_info, claim_start
from mdf.services.nudges import claim_window_reminder, mdf_nudges_send
from partners.models import Membership
from prm.notifications.models import Notification
from prm.notifications.rendering import render_notification
from prm.tenancy.scoping import partner_scope, unscoped
from tests.factories import make_member
from tests.mdf.helpers import approved_activity, ended, fund_with, submitted_activity, submitted_claim

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
CLOSING = "mdf.claim_window_closing"
EXPIRING = "mdf.fund_expiring"
REMINDER = "mdf.info_reminder"


def nudge(*, days_later: int = 0):
    with unscoped():
        return mdf_nudges_send(now=timezone.now() + timedelta(days=days_later))


def sent(kind: str) -> list[tuple[str, int, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("subject_key", "recipient_id", "window"))


def closing_in(activity: Activity, days: int) -> Activity:
    """An approved activity that has run, whose claim window closes ``days`` from today."""
    activity = ended(activity)
    with partner_scope(activity.partner_id):
        Activity.objects.filter(pk=activity.pk).update(claim_deadline=TODAY + timedelta(days=days))
        return Activity.objects.get(pk=activity.pk)


@pytest.mark.parametrize(("days_left", "window"), [
    (15, None), (14, "d14"), (4, "d14"), (3, "d3"), (0, "d3"), (-1, None),
])
def test_claim_window_reminder_windows(days_left, window):
    deadline = TODAY + timedelta(days=days_left)
    expected = f"{window}:{deadline.isoformat()}" if window else None
    assert claim_window_reminder(deadline=deadline, today=TODAY) == expected


# --- claim window closing --------------------------------------------------------------------------------------

def test_claim_window_reminders_go_to_the_creator_and_admins_at_14_and_3_days_each_once(
        partner_a, partner_b, admin_a, user_a, manager_a, admin_b):
    fund_with(partner_a, Decimal("20000"))
    make_member(partner=partner_a)  # another plain member: not told
    activity = closing_in(approved_activity(partner_a, user_a, manager_a), 14)
    key = f"mdf.activity:{activity.pk}"
    d14, d3 = f"d14:{activity.claim_deadline.isoformat()}", f"d3:{activity.claim_deadline.isoformat()}"

    assert tasks.nudges.delay().get()["claim_window_closing"] == 2
    assert sent(CLOSING) == sorted([(key, user_a.pk, d14), (key, admin_a.pk, d14)])
    nudge()
    nudge(days_later=5)  # still in the 14-day window: nothing new
    assert len(sent(CLOSING)) == 2

    nudge(days_later=11)  # 3 days left
    nudge(days_later=12)
    assert sent(CLOSING) == sorted([(key, user_a.pk, d14), (key, admin_a.pk, d14),
                                    (key, user_a.pk, d3), (key, admin_a.pk, d3)])
    assert not Notification.objects.filter(kind=CLOSING, recipient=admin_b).exists()


def test_no_claim_window_reminder_once_a_claim_is_submitted_or_for_someone_who_left(
        partner_a, admin_a, user_a, manager_a):
    fund_with(partner_a, Decimal("20000"))
    claimed = closing_in(approved_activity(partner_a, admin_a, manager_a, title="Claimed"), 10)
    submitted_claim(claimed, admin_a)
    drafted = closing_in(approved_activity(partner_a, user_a, manager_a, title="Draft claim"), 10)
    with partner_scope(partner_a):
        claim_start(activity=drafted, actor=user_a)
        Membership.objects.filter(user=user_a).update(is_active=False)  # the creator left
    MdfProgram.objects.filter(pk=MdfProgram.current().pk).update(claim_window_days=1)
    not_run_yet = approved_activity(partner_a, admin_a, manager_a, title="Not run yet")  # ends in 10 days
    assert not_run_yet.claim_deadline == TODAY + timedelta(days=11)  # within 14 days, but it cannot be claimed yet

    nudge()
    assert sent(CLOSING) == [(f"mdf.activity:{drafted.pk}", admin_a.pk, f"d14:{(TODAY + timedelta(days=10)).isoformat()}")]


def test_reminders_are_in_each_recipients_language(partner_a, admin_a, user_a, manager_a):
    assert partner_a.default_language == "de"
    admin_a.preferred_language = "de"
    admin_a.save(update_fields=["preferred_language"])
    fund_with(partner_a, Decimal("20000"))
    activity = closing_in(approved_activity(partner_a, user_a, manager_a), 14)

    nudge()

    for user, language in ((admin_a, "de"), (user_a, "en")):
        row = Notification.objects.get(kind=CLOSING, recipient=user)
        assert row.language == language
        with translation.override(language):
            expected = ngettext("The claim window for MDF activity %(reference)s closes in %(days)s day",
                                "The claim window for MDF activity %(reference)s closes in %(days)s days",
                                14) % {"reference": activity.reference, "days": 14}
        assert render_notification(row).subject == expected


# --- unspent fund expiring -------------------------------------------------------------------------------------

def expiring_in(fund: Fund, days: int) -> Fund:
    with partner_scope(fund.partner_id):
        Fund.objects.filter(pk=fund.pk).update(expires_on=TODAY + timedelta(days=days))
        return Fund.objects.get(pk=fund.pk)


def test_unspent_fund_expiring_warns_the_partners_admins_once(partner_a, partner_b, admin_a, user_a, admin_b):
    program = MdfProgram.current()
    fund = expiring_in(fund_with(partner_a, Decimal("3000")), program.expiry_warning_days)
    spent_out = fund_with(partner_b, Decimal("100"))
    with partner_scope(partner_b):
        Fund.objects.filter(pk=spent_out.pk).update(expires_on=TODAY + timedelta(days=5), reserved=Decimal("100"))

    nudge()
    nudge()

    assert sent(EXPIRING) == [(f"mdf.fund:{fund.pk}", admin_a.pk, f"exp:{fund.expires_on.isoformat()}")]
    row = Notification.objects.get(kind=EXPIRING)
    assert (row.context["available"], row.context["currency"], row.context["period"]) == ("3000.00", "EUR", fund.label)


def test_no_expiry_warning_before_the_warning_period(partner_a, admin_a):
    program = MdfProgram.current()
    expiring_in(fund_with(partner_a, Decimal("3000")), program.expiry_warning_days + 1)
    nudge()
    assert sent(EXPIRING) == []


# --- information requested and not answered ---------------------------------------------------------------------

def test_information_reminder_once_per_request_for_requests_and_claims(partner_a, admin_a, user_a, manager_a):
    days = MdfProgram.current().info_reminder_days
    fund_with(partner_a, Decimal("20000"))
    request = submitted_activity(partner_a, user_a, title="Waiting request")
    with partner_scope(partner_a):
        request = activity_request_info(activity=request, actor=manager_a, message="Which venue?")
    claimed = ended(approved_activity(partner_a, admin_a, manager_a, title="Claimed"))
    claim = submitted_claim(claimed, admin_a)
    with partner_scope(partner_a):
        claim = claim_request_info(claim=claim, actor=manager_a, message="The invoice is unreadable.")

    nudge(days_later=days - 1)
    assert sent(REMINDER) == []

    nudge(days_later=days)
    nudge(days_later=days + 3)
    first_window = "ri-" + request.info_requested_at.strftime("%Y%m%dT%H%M%S")
    claim_window = "ri-" + claim.info_requested_at.strftime("%Y%m%dT%H%M%S")
    assert sent(REMINDER) == sorted([
        (f"mdf.activity:{request.pk}", user_a.pk, first_window), (f"mdf.activity:{request.pk}", admin_a.pk, first_window),
        (f"mdf.claim:{claim.pk}", admin_a.pk, claim_window),
    ])
    claim_row = Notification.objects.get(kind=REMINDER, subject_key=f"mdf.claim:{claim.pk}")
    assert claim_row.context["about"] == "claim" and claim_row.context["message"] == "The invoice is unreadable."

    # Answered and sent back again: a new request, a new reminder.
    with partner_scope(partner_a):
        request = activity_update(activity=request, actor=user_a, values={"description": "At the Hilton"})
        request = activity_submit(activity=request, actor=user_a)
        request = activity_request_info(activity=request, actor=manager_a, message="And the agenda?")
        Activity.objects.filter(pk=request.pk).update(
            info_requested_at=timezone.now() - timedelta(days=days, seconds=5))
    nudge()
    rows = Notification.objects.filter(kind=REMINDER, subject_key=f"mdf.activity:{request.pk}")
    assert rows.count() == 4
    assert {row.context["message"] for row in rows} == {"Which venue?", "And the agenda?"}
    assert len(set(rows.values_list("window", flat=True))) == 2


def test_an_answered_request_gets_no_reminder(partner_a, admin_a, manager_a):
    fund_with(partner_a, Decimal("20000"))
    request = submitted_activity(partner_a, admin_a)
    with partner_scope(partner_a):
        request = activity_request_info(activity=request, actor=manager_a, message="Which venue?")
        activity_submit(activity=request, actor=admin_a)
    nudge(days_later=30)
    assert sent(REMINDER) == []


def test_reminder_subject_in_german_for_a_claim(partner_a, admin_a, manager_a):
    admin_a.preferred_language = "de"
    admin_a.save(update_fields=["preferred_language"])
    fund_with(partner_a, Decimal("20000"))
    claimed = ended(approved_activity(partner_a, admin_a, manager_a))
    with partner_scope(partner_a):
        claim_request_info(claim=submitted_claim(claimed, admin_a), actor=manager_a, message="Photos?")
    nudge(days_later=MdfProgram.current().info_reminder_days)
    row = Notification.objects.get(kind=REMINDER)
    with translation.override("de"):
        expected = gettext("Reminder: information needed for the MDF claim for %(reference)s") % {
            "reference": claimed.reference}
    assert row.language == "de" and render_notification(row).subject == expected


# --- the selection is set-based -----------------------------------------------------------------------------------

def build_due(partner, creator, manager, count: int) -> None:
    """``count`` activities of each nudge, all due now: claim window closing, request waiting, claim waiting."""
    waited = timezone.now() - timedelta(days=MdfProgram.current().info_reminder_days + 1)
    for n in range(count):
        closing_in(approved_activity(partner, creator, manager, title=f"Closing {n}"), 3)
        request = submitted_activity(partner, creator, title=f"Waiting {n}")
        claim = submitted_claim(ended(approved_activity(partner, creator, manager, title=f"Claimed {n}")), creator,
                                invoice=f"INV-{count}-{n}")
        with partner_scope(partner):
            activity_request_info(activity=request, actor=manager, message="?")
            claim_request_info(claim=claim, actor=manager, message="?")
            Activity.objects.filter(pk=request.pk).update(info_requested_at=waited)
            Claim.objects.filter(pk=claim.pk).update(info_requested_at=waited)


def test_nudge_queries_do_not_grow_with_the_number_of_activities(partner_a, admin_a, user_a, manager_a):
    MdfProgram.current()
    fund = fund_with(partner_a, Decimal("100000"))
    expiring_in(fund, 3)
    build_due(partner_a, user_a, manager_a, 1)
    with CaptureQueriesContext(connection) as one:
        result = nudge()
    assert result.as_dict() == {"claim_window_closing": 2, "fund_expiring": 1, "info_reminders": 4}

    build_due(partner_a, user_a, manager_a, 4)
    with CaptureQueriesContext(connection) as many:
        result = nudge()
    assert result.as_dict() == {"claim_window_closing": 8, "fund_expiring": 0, "info_reminders": 16}
    # The fund warning was already sent: one insert fewer the second time, nothing more.
    assert len(many.captured_queries) <= len(one.captured_queries), [q["sql"] for q in many.captured_queries]
    # + 3 per rule (3 rules): its settings, and its NudgeRun written at the start and completed at the end.
    assert len(one.captured_queries) <= 40 + 3 * 3
    with partner_scope(partner_a):
        assert Claim.objects.filter(status=Claim.Status.MORE_INFO).count() == 5
