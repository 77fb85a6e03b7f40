"""The nudge jobs of partners, dealreg, mdf and enablement obey their rules: a disabled rule sends nothing (its run
is logged with enabled=False), a changed threshold changes who is nudged, and each run records the notices it
wrote. Expiry itself (registration protection, funds) is not a nudge and still happens."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dealreg.models import Deal
from dealreg.services.escalation import deals_escalate_overdue
from dealreg.services.protection import protection_send_reminders
from dealreg.tasks import protection_sweep
from enablement.models import Enrollment
from enablement.services.nudges import enablement_nudges_send
from mdf.models import Activity, Fund, MdfProgram
from mdf.services.nudges import mdf_nudges_send
from partners.models import PartnerOrganization
from partners.services.onboarding_nudges import onboarding_nudges_send
from prm.notifications.models import Notification, NudgeRule, NudgeRun
from prm.tenancy.scoping import partner_scope, unscoped
from tests.dealreg.registration_helpers import WEDNESDAY, approved, days_from_today, submitted
from tests.enablement.api_helpers import enrollment_of
from tests.enablement.helpers import course
from tests.mdf.helpers import approved_activity, ended, fund_with

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def set_rule(code: str, *, enabled: bool = True, **params) -> None:
    NudgeRule.objects.update_or_create(code=code, defaults={"enabled": enabled, "params": params})


def kinds_sent() -> list[str]:
    return sorted(Notification.objects.values_list("kind", flat=True))


def last_run(code: str) -> NudgeRun:
    return NudgeRun.objects.filter(rule=code).latest("started_at", "pk")


# --- partners: onboarding stalled ------------------------------------------------------------------------------

@pytest.fixture
def onboarding_for_10_days(partner_a, admin_a, settings):
    settings.PRM_ONBOARDING_STALL_DAYS = 7
    partner_a.status = PartnerOrganization.Status.ONBOARDING
    partner_a.status_changed_at = timezone.now() - timedelta(days=10)
    partner_a.save(update_fields=["status", "status_changed_at"])
    return partner_a


def test_onboarding_stalled_follows_its_rule(onboarding_for_10_days, admin_a):
    code = "partners.onboarding_stalled"
    set_rule(code, enabled=False)
    assert onboarding_nudges_send().stalled_admins == 0
    assert kinds_sent() == []
    run = last_run(code)
    assert (run.enabled, run.sent) == (False, 0) and run.finished_at is not None
    assert last_run("partners.agreement_reacceptance_due").enabled  # the other rule still ran

    set_rule(code, days=12)  # 10 days idle is not stalled any more
    assert onboarding_nudges_send().stalled_admins == 0
    set_rule(code, days=9)
    assert onboarding_nudges_send().stalled_admins == 1
    assert [n.recipient for n in Notification.objects.filter(kind="partners.onboarding_stalled")] == [admin_a]
    assert (last_run(code).enabled, last_run(code).sent) == (True, 1)
    assert NudgeRun.objects.filter(rule=code).count() == 3


# --- dealreg: protection reminders and the approval SLA -----------------------------------------------------------

def protected_for(partner, days: int) -> Deal:
    deal = approved(partner)
    with unscoped():
        Deal.objects.filter(pk=deal.pk).update(protected_until=days_from_today(days))
        deal.refresh_from_db()
    return deal


def test_protection_reminders_follow_their_rule_and_expiry_always_runs(partner_a):
    code = "dealreg.protection_expiring"
    deal = protected_for(partner_a, 10)
    ended_deal = protected_for(partner_a, -1)
    Notification.objects.all().delete()  # the approvals' own notices
    set_rule(code, enabled=False)
    assert protection_sweep() == {"expired": 1, "reminders": 0}  # the expiry is not a nudge
    with unscoped():
        ended_deal.refresh_from_db()
    assert ended_deal.status == Deal.Status.EXPIRED
    assert kinds_sent() == ["dealreg.protection_expired"]
    assert (last_run(code).enabled, last_run(code).sent) == (False, 0)

    set_rule(code, first_days=7, second_days=3, third_days=0)  # 10 days left: not yet
    with unscoped():
        assert protection_send_reminders(today=days_from_today(0)) == 0
        assert protection_send_reminders(today=days_from_today(4)) == 1  # 6 days left: the 7-day reminder
        assert protection_send_reminders(today=days_from_today(8)) == 1  # 2 days left: the 3-day reminder
        assert protection_send_reminders(today=days_from_today(9)) == 0  # 1 day left: no third reminder set
    reminders = Notification.objects.filter(kind="dealreg.protection_expiring").order_by("pk")
    end = deal.protected_until.isoformat()
    assert [r.window for r in reminders] == [f"expiry-7:{end}", f"expiry-3:{end}"]
    assert {r.recipient for r in reminders} == {deal.registered_by}
    assert [r.sent for r in NudgeRun.objects.filter(rule=code).order_by("pk")] == [0, 0, 1, 1, 0]


def test_approval_escalation_follows_its_rule(partner_a, manager_a, region_a, settings):
    settings.DEALREG_SLA_BUSINESS_HOURS = 24
    code = "dealreg.approval_overdue"
    deal = submitted(partner_a, now=WEDNESDAY)
    now = WEDNESDAY + timedelta(days=5, hours=1)  # Monday 11:00: 25 business hours waited
    set_rule(code, enabled=False)
    with unscoped():
        assert deals_escalate_overdue(now=now) == 0
        deal.refresh_from_db()
    assert deal.sla_escalated_at is None  # not marked: switching the rule on escalates it then
    assert (last_run(code).enabled, last_run(code).sent) == (False, 0)

    set_rule(code, hours=30)  # 25 hours is within the operator's limit
    with unscoped():
        assert deals_escalate_overdue(now=now) == 0
    set_rule(code, hours=20)
    with unscoped():
        assert deals_escalate_overdue(now=now) == 1
        deal.refresh_from_db()
    assert deal.sla_escalated_at == now
    [notice] = Notification.objects.filter(kind="dealreg.approval_overdue")
    assert notice.recipient == manager_a and notice.context["sla_hours"] == 20
    assert last_run(code).sent == 1


# --- mdf: claim window closing and unspent funds ------------------------------------------------------------------

def closing_in(activity: Activity, days: int) -> Activity:
    activity = ended(activity)
    with partner_scope(activity.partner_id):
        Activity.objects.filter(pk=activity.pk).update(claim_deadline=TODAY + timedelta(days=days))
        return Activity.objects.get(pk=activity.pk)


def test_mdf_nudges_follow_their_rules(partner_a, admin_a, user_a, manager_a):
    fund = fund_with(partner_a, Decimal("20000"))
    closing_in(approved_activity(partner_a, user_a, manager_a), 10)
    with partner_scope(partner_a):
        Fund.objects.filter(pk=fund.pk).update(expires_on=TODAY + timedelta(days=MdfProgram.current().expiry_warning_days))
    Notification.objects.all().delete()  # the approval's own notice
    for code in ("mdf.claim_window_closing", "mdf.fund_expiring", "mdf.info_reminder"):
        set_rule(code, enabled=False)
    with unscoped():
        assert mdf_nudges_send().as_dict() == {"claim_window_closing": 0, "fund_expiring": 0, "info_reminders": 0}
    assert kinds_sent() == []
    assert {r.rule: r.enabled for r in NudgeRun.objects.all()} == {
        "mdf.claim_window_closing": False, "mdf.fund_expiring": False, "mdf.info_reminder": False}

    set_rule("mdf.claim_window_closing", first_days=7, second_days=3)  # 10 days left: not yet
    set_rule("mdf.fund_expiring")
    with unscoped():
        assert mdf_nudges_send().as_dict() == {"claim_window_closing": 0, "fund_expiring": 1, "info_reminders": 0}
        set_rule("mdf.claim_window_closing", first_days=10, second_days=3)
        assert mdf_nudges_send().claim_window_closing == 2  # the creator and the partner's admin
    assert sorted(Notification.objects.filter(kind="mdf.claim_window_closing").values_list("recipient", flat=True)) \
        == sorted([admin_a.pk, user_a.pk])
    assert set(Notification.objects.filter(kind="mdf.claim_window_closing").values_list("window", flat=True)) == {
        f"d10:{(TODAY + timedelta(days=10)).isoformat()}"}
    assert last_run("mdf.claim_window_closing").sent == 2
    assert [r.sent for r in NudgeRun.objects.filter(rule="mdf.fund_expiring").order_by("pk")] == [0, 1, 0]


# --- enablement: idle courses and expiring certifications --------------------------------------------------------

def test_enablement_nudges_follow_their_rules(partner_a, user_a):
    enrollment_id = enrollment_of(partner_a, user=user_a, item=course())
    with partner_scope(partner_a):
        Enrollment.objects.filter(pk=enrollment_id).update(last_activity_at=timezone.now() - timedelta(days=15))
    set_rule("enablement.course_inactive", enabled=False)
    with unscoped():
        assert enablement_nudges_send().course_inactive == 0
    assert kinds_sent() == []
    assert {r.rule: r.enabled for r in NudgeRun.objects.all()} == {
        "enablement.course_inactive": False, "enablement.certification_expiring": True,
        "enablement.certification_tier_risk": True}

    set_rule("enablement.course_inactive", days=20)  # 15 days idle is not idle enough
    with unscoped():
        assert enablement_nudges_send().course_inactive == 0
        set_rule("enablement.course_inactive", days=15)
        assert enablement_nudges_send().course_inactive == 1
    assert kinds_sent() == ["enablement.course_inactive"]
    assert last_run("enablement.course_inactive").sent == 1


def test_the_two_certification_rules_switch_independently_and_share_the_days(partner_a, admin_a, user_a):
    from tests.enablement.helpers import certification
    from tests.enablement.test_nudges import certified, place

    item = course()
    certification(item)
    place(partner_a, minimum=1)  # the partner's tier depends on user_a's only certification
    award = certified(partner_a, user_a, item, expires_in=40)
    set_rule("enablement.certification_expiring", enabled=False)
    with unscoped():
        result = enablement_nudges_send()
    assert (result.certification_expiring, result.certification_tier_risk) == (0, 1)
    assert kinds_sent() == ["enablement.certification_tier_risk"]
    assert Notification.objects.get().window == f"d60:{award.expires_on.isoformat()}"

    set_rule("enablement.certification_expiring", first_days=45, second_days=0, third_days=0)
    set_rule("enablement.certification_tier_risk", enabled=False)
    with unscoped():
        result = enablement_nudges_send()
    assert (result.certification_expiring, result.certification_tier_risk) == (1, 0)
    holder = Notification.objects.get(kind="enablement.certification_expiring")
    assert holder.recipient == user_a and holder.window == f"d45:{award.expires_on.isoformat()}"
    assert [(r.enabled, r.sent) for r in NudgeRun.objects.filter(rule="enablement.certification_tier_risk")
            .order_by("pk")] == [(True, 1), (False, 0)]
