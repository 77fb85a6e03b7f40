"""The at-risk digest to channel managers (one per manager per day, only partners whose at-risk episode is new, with
the reasons) and the re-engagement nudge to partner users who stopped signing in (once per inactivity episode);
both rules can be switched off."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.health import digest, tasks
from partners.models import PartnerOrganization
from prm.notifications.models import Notification, NudgeRule, NudgeRun
from prm.notifications.rendering import render_notification
from tests.factories import PartnerFactory, StaffFactory

from .health_helpers import DAY, member, stored

pytestmark = pytest.mark.django_db

DIGEST = "analytics.at_risk_digest"
NO_LOGIN = "analytics.no_login"
FELL = {"pipeline_growth": {"value": -40.0, "points": 1.5, "weight": 15},
        "login_recency": {"value": 2, "points": 15, "weight": 15}}


def manager_of(*regions, language="en"):
    user = StaffFactory(preferred_language=language)
    user.regions.add(*regions)
    return user


def digests():
    return {n.recipient_id: n for n in Notification.objects.filter(kind=DIGEST)}


def listed(notification) -> list[str]:
    return [item["partner_name"] for item in notification.context["partners"]]


@pytest.fixture
def book(region_a, region_b, partner_a, partner_b, manager_a):
    """partner_a (managed by manager_a) and an unmanaged EMEA partner newly at risk; one still at risk from yesterday;
    one healthy; partner_b (APAC, unmanaged) newly at risk."""
    colleague = manager_of(region_a, language="de")
    apac = manager_of(region_b)
    partner_a.channel_manager = manager_a
    partner_a.save(update_fields=["channel_manager"])
    unmanaged = PartnerFactory(name="Unmanaged AG", region=region_a)
    still = PartnerFactory(name="Still GmbH", region=region_a, channel_manager=manager_a)
    fine = PartnerFactory(name="Fine GmbH", region=region_a, channel_manager=manager_a)
    stored(partner_a, day=DAY - timedelta(days=1), score=50)
    stored(partner_a, day=DAY, score=30, at_risk=True, components=FELL, reasons=["pipeline_growth"])
    stored(unmanaged, day=DAY, score=20, at_risk=True)
    stored(still, day=DAY - timedelta(days=1), score=25, at_risk=True)
    stored(still, day=DAY, score=24, at_risk=True)
    stored(fine, day=DAY, score=80)
    stored(partner_b, day=DAY, score=10, at_risk=True)
    return {"colleague": colleague, "apac": apac, "unmanaged": unmanaged}


def test_each_manager_gets_one_digest_of_their_newly_at_risk_partners(book, manager_a, partner_a, partner_b):
    result = tasks.at_risk_digest.delay(day=DAY.isoformat()).get()
    assert result == {"partners": 3, "managers": 3, "sent": 3}
    sent = digests()
    assert set(sent) == {manager_a.pk, book["colleague"].pk, book["apac"].pk}
    assert listed(sent[manager_a.pk]) == ["Unmanaged AG", partner_a.name]  # lowest score first; "Still" is not new
    assert listed(sent[book["colleague"].pk]) == ["Unmanaged AG"]          # the region's managers share the unmanaged
    assert listed(sent[book["apac"].pk]) == [partner_b.name]
    mine = sent[manager_a.pk]
    assert (mine.window, mine.subject_key, mine.language) == (DAY.isoformat(), f"accounts.user:{manager_a.pk}", "en")
    assert sent[book["colleague"].pk].language == "de"
    entry = mine.context["partners"][1]
    assert entry["score"] == 30 and entry["previous_score"] is None
    assert entry["reasons"] == ["Pipeline growth: Pipeline fell 40% compared with the 90 days before."]
    email = render_notification(mine)
    assert "2 partners newly at risk" in email.subject
    assert "Pipeline fell 40% compared with the 90 days before." in email.body and "Unmanaged AG" in email.body


def test_the_digest_is_never_sent_twice_and_lists_a_partner_once_per_episode(book, manager_a, region_a, partner_a,
                                                                             partner_b):
    partner_ids = [partner_a.pk, partner_b.pk, book["unmanaged"].pk]
    digest.at_risk_digest_send(day=DAY)
    again = digest.at_risk_digest_send(day=DAY)
    assert again.sent == 0 and Notification.objects.filter(kind=DIGEST).count() == 3
    # The next night: everyone still at risk is old news; one new partner at risk is the only line.
    new = PartnerFactory(name="New Risk SA", region=region_a, channel_manager=manager_a)
    stored(new, day=DAY, score=70)
    stored(new, day=DAY + timedelta(days=1), score=35, at_risk=True)
    for partner in PartnerOrganization.objects.filter(pk__in=partner_ids).exclude(pk=new.pk):
        stored(partner, day=DAY + timedelta(days=1), score=30, at_risk=True)
    nextday = digest.at_risk_digest_send(day=DAY + timedelta(days=1))
    assert nextday.by_manager == {manager_a.pk: [new.pk]} and nextday.sent == 1
    latest = Notification.objects.filter(kind=DIGEST, recipient=manager_a).order_by("-pk").first()
    assert listed(latest) == ["New Risk SA"] and latest.window == (DAY + timedelta(days=1)).isoformat()


def test_a_disabled_digest_rule_sends_nothing(book):
    NudgeRule.objects.create(code=DIGEST, enabled=False)
    assert digest.at_risk_digest_send(day=DAY).sent == 0
    assert not Notification.objects.filter(kind=DIGEST).exists()
    run = NudgeRun.objects.get(rule=DIGEST)
    assert run.enabled is False and run.sent == 0 and run.finished_at is not None


def test_the_digest_run_is_logged_with_what_it_sent(book):
    digest.at_risk_digest_send(day=DAY)
    run = NudgeRun.objects.get(rule=DIGEST)
    assert run.enabled is True and run.sent == 3


# --- no sign-in for a while ------------------------------------------------------------------------------------

@pytest.fixture
def people(partner_a, region_a):
    now = timezone.now()
    prospect = PartnerFactory(region=region_a, status=PartnerOrganization.Status.PROSPECT)
    return {
        "away": member(partner_a, last_login=now - timedelta(days=31)),
        "recent": member(partner_a, last_login=now - timedelta(days=29)),
        "never": member(partner_a, joined_at=now - timedelta(days=40)),
        "new": member(partner_a, joined_at=now - timedelta(days=5)),
        "left": member(partner_a, last_login=now - timedelta(days=90), active=False),
        "disabled": member(partner_a, last_login=now - timedelta(days=90), user_active=False),
        "prospect": member(prospect, last_login=now - timedelta(days=90)),
    }


def reminded():
    return sorted(Notification.objects.filter(kind=NO_LOGIN).values_list("recipient_id", "window"))


def test_users_away_for_30_days_are_reminded_once_per_episode(people):
    away, never = people["away"], people["never"]
    away.user.preferred_language = "de"
    away.user.save(update_fields=["preferred_language"])
    assert tasks.no_login_nudges.delay().get() == 2
    last = timezone.localdate(away.user.last_login).isoformat()
    joined = timezone.localdate(never.joined_at).isoformat()
    assert reminded() == sorted([(away.user.pk, f"last:{last}"), (never.user.pk, f"joined:{joined}")])
    row = Notification.objects.get(kind=NO_LOGIN, recipient=away.user)
    assert row.language == "de" and row.partner_id == away.partner_id and row.context["days"] == 31
    # A week later: the same episodes, nothing new for them.
    from analytics.health.reengagement import no_login_nudges_send

    no_login_nudges_send(now=timezone.now() + timedelta(days=7))
    assert Notification.objects.filter(kind=NO_LOGIN, recipient=away.user).count() == 1
    # They come back, then stay away again: a new episode, a new reminder.
    away.user.last_login = timezone.now()
    away.user.save(update_fields=["last_login"])
    no_login_nudges_send(now=timezone.now() + timedelta(days=31))
    windows = list(Notification.objects.filter(kind=NO_LOGIN, recipient=away.user).values_list("window", flat=True))
    assert len(windows) == 2 and len(set(windows)) == 2


def test_the_no_login_email_says_how_long(people):
    tasks.no_login_nudges.delay().get()
    email = render_notification(Notification.objects.get(kind=NO_LOGIN, recipient=people["away"].user))
    assert "31 days ago" in email.body and people["away"].partner.name in email.subject
    never = render_notification(Notification.objects.get(kind=NO_LOGIN, recipient=people["never"].user))
    assert "You have not signed in to the partner portal since you joined." in never.body


def test_the_operator_sets_the_days_and_can_switch_the_rule_off(people):
    NudgeRule.objects.create(code=NO_LOGIN, params={"days": 35})
    assert tasks.no_login_nudges.delay().get() == 1  # only the one who joined 40 days ago and never signed in
    NudgeRule.objects.filter(code=NO_LOGIN).update(enabled=False, params={})
    Notification.objects.filter(kind=NO_LOGIN).delete()
    assert tasks.no_login_nudges.delay().get() == 0
    assert not Notification.objects.filter(kind=NO_LOGIN).exists()
    assert NudgeRun.objects.filter(rule=NO_LOGIN).order_by("-started_at").first().enabled is False
