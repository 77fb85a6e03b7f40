"""Enablement nudges: a course left idle 14 days, a certification expiring in 60, 30 and 7 days, and the notice to
partner admins when their tier depends on an expiring certification. Right people, in their language, never twice,
with a selection whose query count does not grow with the number of rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from enablement import tasks
from enablement.models import CertificationAward, Enrollment
from enablement.services.nudges import IDLE_CATCH_UP_DAYS, INACTIVE_DAYS, enablement_nudges_send, expiry_reminder
from partners.models import Membership, PartnerTier, Tier, TierProgram, TierThresholdOverride
from prm.notifications.models import Notification
from prm.notifications.rendering import render_notification
from prm.tenancy.scoping import partner_scope, unscoped
from tests.factories import make_member

from .api_helpers import enrollment_of
from .helpers import certification, complete, course

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
IDLE = "enablement.course_inactive"
EXPIRING = "enablement.certification_expiring"
TIER_RISK = "enablement.certification_tier_risk"


def nudge(*, days_later: int = 0):
    with unscoped():
        return enablement_nudges_send(now=timezone.now() + timedelta(days=days_later))


def sent(kind: str) -> list[tuple[str, int, str]]:
    return sorted(Notification.objects.filter(kind=kind).values_list("subject_key", "recipient_id", "window"))


def speaks(user, language: str):
    user.preferred_language = language
    user.save(update_fields=["preferred_language"])
    return user


def idle(partner, enrollment_id: int, days: int) -> Enrollment:
    with partner_scope(partner):
        Enrollment.objects.filter(pk=enrollment_id).update(last_activity_at=timezone.now() - timedelta(days=days))
        return Enrollment.objects.get(pk=enrollment_id)


def certified(partner, user, item, *, expires_in: int) -> CertificationAward:
    complete(partner, user, item)
    with partner_scope(partner):
        award = CertificationAward.objects.get(partner=partner, user=user, certification__courses=item)
        CertificationAward.objects.filter(pk=award.pk).update(expires_on=TODAY + timedelta(days=expires_in))
        award.refresh_from_db()
        return award


def place(partner, *, minimum: int, code: str = "") -> Tier:
    program, _ = TierProgram.objects.get_or_create(code="resellers", defaults={"name": "Resellers",
                                                                               "partner_types": ["reseller"]})
    rank = Tier.objects.filter(program=program).count() + 1
    tier = Tier.objects.create(program=program, code=code or f"tier-{rank}", name="Silver", rank=rank,
                               min_active_certifications=minimum, translations={"de": "Silber"})
    with partner_scope(partner):
        PartnerTier.objects.create(partner=partner, program=program, tier=tier, since=TODAY)
    return tier


@pytest.mark.parametrize(("days_left", "window"), [
    (61, None), (60, "d60"), (31, "d60"), (30, "d30"), (8, "d30"), (7, "d7"), (0, "d7"), (-1, None),
])
def test_expiry_reminder_windows(days_left, window):
    expires_on = TODAY + timedelta(days=days_left)
    assert expiry_reminder(expires_on=expires_on, today=TODAY) == (f"{window}:{expires_on.isoformat()}" if window
                                                                  else None)


# --- a course left idle ----------------------------------------------------------------------------------------

def test_idle_course_reminds_the_learner_once_per_idle_period(partner_a, partner_b, user_a, admin_a, user_b):
    item = course()
    mine = idle(partner_a, enrollment_of(partner_a, user=user_a, item=item), 15)
    idle(partner_a, enrollment_of(partner_a, user=admin_a, item=item), 13)  # not idle long enough
    theirs = idle(partner_b, enrollment_of(partner_b, user=user_b, item=item), 20)
    done = complete(partner_a, make_member(partner=partner_a).user, course())
    idle(partner_a, done.pk, 30)  # completed: nothing to pick up
    gone = make_member(partner=partner_a)
    idle(partner_a, enrollment_of(partner_a, user=gone.user, item=item), 30)
    with partner_scope(partner_a):
        Membership.objects.filter(pk=gone.pk).update(is_active=False)  # left the partner
    withdrawn = course()
    idle(partner_a, enrollment_of(partner_a, user=user_a, item=withdrawn), 30)
    withdrawn.is_published = False
    withdrawn.save(update_fields=["is_published"])

    assert tasks.nudges.delay().get()["course_inactive"] == 2
    first = f"idle:{timezone.localdate(mine.last_activity_at).isoformat()}"
    their_window = f"idle:{timezone.localdate(theirs.last_activity_at).isoformat()}"
    assert sent(IDLE) == sorted([(f"enablement.enrollment:{mine.pk}", user_a.pk, first),
                                 (f"enablement.enrollment:{theirs.pk}", user_b.pk, their_window)])
    nudge()
    nudge(days_later=10)  # the same idle period: nothing new for them (the admin's is now idle too)
    assert [row for row in sent(IDLE) if row[1] in (user_a.pk, user_b.pk)] == sorted([
        (f"enablement.enrollment:{mine.pk}", user_a.pk, first),
        (f"enablement.enrollment:{theirs.pk}", user_b.pk, their_window)])

    # The learner comes back, then leaves it again: a new idle period, a new reminder.
    idle(partner_a, mine.pk, 1)
    nudge(days_later=10)
    rows = Notification.objects.filter(kind=IDLE, recipient=user_a).order_by("pk")
    assert rows.count() == 1
    nudge(days_later=14)
    assert rows.count() == 2 and len({row.window for row in rows}) == 2
    assert rows[0].context["course_code"] == item.code and rows[0].context["started"] is False


def test_idle_reminder_catches_up_a_missed_week_but_not_older_idle_periods(partner_a, admin_a, user_a):
    """A night reads only the idle periods that began within IDLE_CATCH_UP_DAYS past the threshold (older ones were
    reminded on an earlier night), not every enrollment ever left idle (issue #7's nudge sweep benchmark)."""
    item = course()
    missed_days = idle(partner_a, enrollment_of(partner_a, user=user_a, item=item),
                       INACTIVE_DAYS + IDLE_CATCH_UP_DAYS - 1)
    idle(partner_a, enrollment_of(partner_a, user=admin_a, item=item), INACTIVE_DAYS + IDLE_CATCH_UP_DAYS + 1)
    nudge()
    assert [subject for subject, _user, _window in sent(IDLE)] == [f"enablement.enrollment:{missed_days.pk}"]


def test_idle_reminder_speaks_the_learners_language(partner_a, admin_a, user_a):
    speaks(admin_a, "de")
    item = course(title="Selling the platform")
    idle(partner_a, enrollment_of(partner_a, user=admin_a, item=item), 15)
    idle(partner_a, enrollment_of(partner_a, user=user_a, item=item), 15)
    nudge()
    for user, language, title in ((admin_a, "de", item.translations["de"]["title"]),
                                  (user_a, "en", "Selling the platform")):
        row = Notification.objects.get(kind=IDLE, recipient=user)
        assert row.language == language and row.context["course_title"] == title
        with translation.override(language):
            expected = gettext("Pick up where you left off: %(title)s") % {"title": title}
        rendered = render_notification(row)
        assert rendered.subject == expected
        assert item.code in rendered.body and title in rendered.alternatives[0].content


# --- a certification expiring ---------------------------------------------------------------------------------

def test_expiring_certification_reminds_the_holder_at_60_30_and_7_days_each_once(partner_a, partner_b, user_a,
                                                                                 admin_a, user_b):
    item = course()
    certification(item)
    award = certified(partner_a, user_a, item, expires_in=60)
    certified(partner_a, admin_a, item, expires_in=61)  # not yet
    key = f"enablement.certificationaward:{award.pk}"
    day = award.expires_on.isoformat()

    def mine() -> list[str]:
        return [window for subject, user, window in sent(EXPIRING) if subject == key and user == user_a.pk]

    assert tasks.nudges.delay().get()["certification_expiring"] == 1
    assert sent(EXPIRING) == [(key, user_a.pk, f"d60:{day}")]
    nudge()
    nudge(days_later=29)
    assert mine() == [f"d60:{day}"]
    nudge(days_later=30)
    nudge(days_later=52)
    assert mine() == sorted([f"d60:{day}", f"d30:{day}"])
    nudge(days_later=53)
    nudge(days_later=55)
    nudge(days_later=61)  # expired: nothing more
    assert mine() == sorted([f"d60:{day}", f"d30:{day}", f"d7:{day}"])
    assert not Notification.objects.filter(recipient=user_b).exists()
    assert sent(TIER_RISK) == []  # no tier: nothing depends on it


def test_no_reminder_for_a_revoked_certification_or_a_holder_who_left(partner_a, user_a, admin_a):
    item = course()
    certification(item)
    revoked = certified(partner_a, user_a, item, expires_in=20)
    left = certified(partner_a, admin_a, item, expires_in=20)
    with partner_scope(partner_a):
        CertificationAward.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
        Membership.objects.filter(user=admin_a).update(is_active=False)
    assert left.pk and nudge().certification_expiring == 0


def test_expiry_reminder_speaks_the_holders_language(partner_a, admin_a, user_a):
    speaks(admin_a, "de")
    item = course()
    certification(item)
    for user in (admin_a, user_a):
        certified(partner_a, user, item, expires_in=30)
    nudge()
    for user, language, name in ((admin_a, "de", "Zertifizierter Ingenieur"), (user_a, "en", "Certified Engineer")):
        row = Notification.objects.get(kind=EXPIRING, recipient=user)
        assert row.language == language and row.context["certification_name"] == name
        with translation.override(language):
            expected = gettext("Your certification “%(name)s” expires on %(date)s") % {
                "name": name, "date": formats.date_format(TODAY + timedelta(days=30), "DATE_FORMAT")}
        assert render_notification(row).subject == expected


# --- the partner's tier depends on it -------------------------------------------------------------------------

def test_partner_admins_hear_when_the_tier_depends_on_an_expiring_certification(
        partner_a, partner_b, region_b, admin_a, user_a, admin_b, user_b):
    speaks(admin_a, "de")
    second_admin = make_member(partner=partner_a, role=Membership.Role.ADMIN).user
    item = course()
    certification(item)
    silver = place(partner_a, minimum=2)
    at_risk = certified(partner_a, user_a, item, expires_in=30)
    certified(partner_a, admin_a, item, expires_in=400)
    # Partner B holds three for a minimum of two: losing one leaves enough.
    place(partner_b, minimum=2, code="b-silver")
    spare = certified(partner_b, user_b, item, expires_in=30)
    for user in (admin_b, make_member(partner=partner_b).user):
        certified(partner_b, user, item, expires_in=400)

    result = nudge()
    assert (result.certification_expiring, result.certification_tier_risk) == (2, 2)
    window = f"d30:{at_risk.expires_on.isoformat()}"
    key = f"enablement.certificationaward:{at_risk.pk}"
    assert sent(TIER_RISK) == sorted([(key, admin_a.pk, window), (key, second_admin.pk, window)])
    row = Notification.objects.get(kind=TIER_RISK, recipient=admin_a)
    assert row.language == "de"
    assert (row.context["tier_name"], row.context["required"], row.context["active"], row.context["remaining"]) == (
        "Silber", 2, 2, 1)
    assert row.context["holder_name"] == user_a.full_name
    with translation.override("de"):
        expected = gettext("Your %(tier)s tier depends on a certification that expires soon") % {"tier": "Silber"}
    assert render_notification(row).subject == expected
    assert silver.display_name("de") == "Silber"
    nudge()
    assert len(sent(TIER_RISK)) == 2  # never twice

    # A regional exception raises partner B's minimum to three: now its tier depends on the expiring one.
    TierThresholdOverride.objects.create(tier=Tier.objects.get(code="b-silver"), region=region_b,
                                         min_active_certifications=3)
    nudge()
    spare_key = f"enablement.certificationaward:{spare.pk}"
    assert [r for r in sent(TIER_RISK) if r[0] == spare_key] == [
        (spare_key, admin_b.pk, f"d30:{spare.expires_on.isoformat()}")]


def test_no_admin_notice_when_the_tier_needs_no_certification(partner_a, admin_a, user_a):
    item = course()
    certification(item)
    place(partner_a, minimum=0)
    certified(partner_a, user_a, item, expires_in=7)
    result = nudge()
    assert (result.certification_expiring, result.certification_tier_risk) == (1, 0)


def test_earlier_expiries_count_against_the_tier(partner_a, admin_a, user_a):
    """Three held for a minimum of two: the first to expire leaves two (fine), the second leaves one."""
    item = course()
    certification(item)
    place(partner_a, minimum=2)
    first = certified(partner_a, user_a, item, expires_in=10)
    second = certified(partner_a, admin_a, item, expires_in=20)
    certified(partner_a, make_member(partner=partner_a).user, item, expires_in=500)
    nudge()
    assert [row[0] for row in sent(TIER_RISK)] == [f"enablement.certificationaward:{second.pk}"]
    assert first.pk != second.pk


# --- the selection is set-based -------------------------------------------------------------------------------

def build_due(partner, count: int) -> None:
    """``count`` members, each with an idle enrollment and a certification expiring in 30 days (the tier depends
    on all of them)."""
    item = course()
    certification(item)
    idle_course = course()
    for _ in range(count):
        user = make_member(partner=partner).user
        certified(partner, user, item, expires_in=30)
        idle(partner, enrollment_of(partner, user=user, item=idle_course), 20)


def test_nudge_queries_do_not_grow_with_the_number_of_rows(partner_a, admin_a):
    place(partner_a, minimum=50)
    build_due(partner_a, 1)
    with CaptureQueriesContext(connection) as one:
        result = nudge()
    assert result.as_dict() == {"course_inactive": 1, "certification_expiring": 1, "certification_tier_risk": 1}

    build_due(partner_a, 5)
    with CaptureQueriesContext(connection) as many:
        result = nudge()
    assert result.as_dict() == {"course_inactive": 5, "certification_expiring": 5, "certification_tier_risk": 5}
    assert len(many.captured_queries) <= len(one.captured_queries), [q["sql"] for q in many.captured_queries]
    # + 3 per rule (3 rules): its settings, and its NudgeRun written at the start and completed at the end.
    assert len(one.captured_queries) <= 30 + 3 * 3
