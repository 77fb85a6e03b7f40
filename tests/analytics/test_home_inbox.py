"""The action inbox: each item appears with the fact behind it and goes away when the fact changes; items are
offered only to people who can act on them; most urgent first; texts in the reader's language."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from analytics.home.data import HomeData
from analytics.home.inbox import HIGH, LOW, MEDIUM, inbox_for
from analytics.models import PsatInvitation, PsatSurvey
from dealreg.models import Deal
from enablement.models import Enrollment
from mdf.models import Activity, Claim, MdfProgram
from partners.models import Membership, PartnerOrganization
from prm.tenancy.scoping import partner_scope
from tests.analytics import home_helpers as h
from tests.factories import make_member
from tests.partners.onboarding_factories import make_acceptance, make_agreement_version
from tests.partners.tier_helpers import make_program, place

pytestmark = pytest.mark.django_db


def inbox(partner, user, **kwargs):
    """The person's inbox, read the way the home page reads it (in the partner's scope)."""
    with partner_scope(partner):
        membership = Membership.objects.get(partner=partner, user=user)
        return inbox_for(HomeData(partner=partner, membership=membership, user=user, **kwargs))


def kinds(actions) -> list[str]:
    return [a.kind for a in actions]


def by_kind(actions, kind):
    (action,) = [a for a in actions if a.kind == kind]
    return action


@pytest.fixture
def dealer(partner_a):
    """A partner user who may register deals and claim MDF (not an admin)."""
    return h.member(partner_a, can_register_deals=True, can_claim_mdf=True)


# --- deal registration ------------------------------------------------------------------------------------------


def test_protection_ending_within_a_week_appears_and_goes_when_the_deal_closes(partner_a, dealer):
    today = h.today()
    soon = h.deal(partner_a, status=Deal.Status.APPROVED, protected_until=today + timedelta(days=3), by=dealer)
    h.deal(partner_a, status=Deal.Status.APPROVED, protected_until=today + timedelta(days=8), by=dealer)  # later
    h.deal(partner_a, status=Deal.Status.EXPIRED, protected_until=today - timedelta(days=1), by=dealer)
    action = by_kind(inbox(partner_a, dealer), "deals_expiring")
    assert (action.count, action.due, action.severity) == (1, today + timedelta(days=3), HIGH)
    assert action.url == reverse("dealreg:deal_detail", args=[soon.pk])  # exactly one: straight to it
    assert "1 registration's protection ends on" in action.text

    other = h.deal(partner_a, status=Deal.Status.APPROVED, protected_until=today + timedelta(days=7), by=dealer)
    action = by_kind(inbox(partner_a, dealer), "deals_expiring")
    assert (action.count, action.due) == (2, today + timedelta(days=3))
    assert action.url == reverse("dealreg:deal_list") + "?status=approved"
    assert action.text.startswith("2 registrations' protection ends within 7 days")

    with partner_scope(partner_a):
        Deal.objects.filter(pk__in=[soon.pk, other.pk]).update(status=Deal.Status.WON)
    assert "deals_expiring" not in kinds(inbox(partner_a, dealer))


def test_registration_waiting_for_information_until_it_is_resubmitted(partner_a, dealer):
    waiting = h.deal(partner_a, status=Deal.Status.MORE_INFO, by=dealer)
    action = by_kind(inbox(partner_a, dealer), "deals_more_info")
    assert (action.count, action.severity, action.due) == (1, MEDIUM, None)
    assert action.url == reverse("dealreg:deal_detail", args=[waiting.pk])
    with partner_scope(partner_a):
        Deal.objects.filter(pk=waiting.pk).update(status=Deal.Status.SUBMITTED)
    assert inbox(partner_a, dealer) == []


# --- MDF ---------------------------------------------------------------------------------------------------------


def test_claim_window_closing_counts_pre_approved_activities_without_a_submitted_claim(partner_a, dealer):
    today = h.today()
    no_claim = h.activity(partner_a, claim_deadline=today + timedelta(days=10))
    h.activity(partner_a, claim_deadline=today + timedelta(days=12), claim_status=Claim.Status.DRAFT)
    h.activity(partner_a, claim_deadline=today + timedelta(days=4), claim_status=Claim.Status.SUBMITTED)
    h.activity(partner_a, claim_deadline=today + timedelta(days=20))  # not within 14 days
    h.activity(partner_a, claim_deadline=today + timedelta(days=2), status=Activity.Status.LAPSED)
    action = by_kind(inbox(partner_a, dealer), "mdf_claim_due")
    assert (action.count, action.due, action.severity) == (2, today + timedelta(days=10), MEDIUM)
    assert action.url == reverse("mdf:overview") + "?status=approved"

    with partner_scope(partner_a):
        Activity.objects.exclude(pk=no_claim.pk).update(status=Activity.Status.COMPLETED)
        Activity.objects.filter(pk=no_claim.pk).update(claim_deadline=today + timedelta(days=5))
    action = by_kind(inbox(partner_a, dealer), "mdf_claim_due")
    assert (action.count, action.severity) == (1, HIGH)  # five days left: urgent
    assert action.url == reverse("mdf:activity_detail", args=[no_claim.pk])
    with partner_scope(partner_a):
        Claim.objects.create(partner=partner_a, activity=no_claim, status=Claim.Status.SUBMITTED, currency="EUR")
    assert "mdf_claim_due" not in kinds(inbox(partner_a, dealer))


def test_information_requested_on_a_request_and_on_a_claim(partner_a, dealer):
    request = h.activity(partner_a, status=Activity.Status.MORE_INFO)
    claimed = h.activity(partner_a, claim_status=Claim.Status.MORE_INFO, claim_deadline=h.today() + timedelta(days=40))
    actions = inbox(partner_a, dealer)
    assert by_kind(actions, "mdf_activity_info").url == reverse("mdf:activity_detail", args=[request.pk])
    assert by_kind(actions, "mdf_claim_info").url == reverse("mdf:activity_detail", args=[claimed.pk])
    with partner_scope(partner_a):
        Claim.objects.filter(activity=claimed).update(status=Claim.Status.SUBMITTED)
        Activity.objects.filter(pk=request.pk).update(status=Activity.Status.SUBMITTED)
    assert kinds(inbox(partner_a, dealer)) == []


def test_unspent_funds_expiring_within_the_programs_warning_period(partner_a, dealer):
    today = h.today()
    expiring = h.fund(partner_a, allocated="5000", reserved="1200", expires_on=today + timedelta(days=10),
                      label="2026-Q3", period_start=today - timedelta(days=100))
    h.fund(partner_a, allocated="3000", spent="3000", expires_on=today + timedelta(days=5),
           period_start=today - timedelta(days=200))  # nothing left to lose
    h.fund(partner_a, allocated="3000", expires_on=today + timedelta(days=45),
           period_start=today - timedelta(days=10))  # beyond the 30-day warning
    action = by_kind(inbox(partner_a, dealer), "mdf_funds_expiring")
    assert (action.count, action.due, action.severity) == (1, today + timedelta(days=10), MEDIUM)
    assert action.text.startswith("€3,800.00 of your 2026-Q3 fund is unspent and expires on")
    assert action.url == reverse("mdf:fund_detail", args=[expiring.pk])

    program = MdfProgram.current()
    program.expiry_warning_days = 60
    program.save()
    action = by_kind(inbox(partner_a, dealer), "mdf_funds_expiring")
    assert action.count == 2 and action.url == reverse("mdf:overview")


# --- who sees what ------------------------------------------------------------------------------------------------


def test_items_are_offered_only_to_people_who_can_act_on_them(partner_a, admin_a):
    today = h.today()
    plain = h.member(partner_a, can_register_deals=False, can_claim_mdf=False)
    dealer_only = h.member(partner_a, can_register_deals=True, can_claim_mdf=False)
    h.deal(partner_a, status=Deal.Status.MORE_INFO, by=dealer_only)
    h.activity(partner_a, status=Activity.Status.MORE_INFO)
    colleague = h.member(partner_a)
    h.award(partner_a, colleague, expires_on=today + timedelta(days=30))
    make_agreement_version(language=partner_a.default_language, deadline=today + timedelta(days=20))

    assert kinds(inbox(partner_a, plain)) == []
    assert kinds(inbox(partner_a, dealer_only)) == ["deals_more_info"]
    # Partner admins can do everything: sign the agreement, answer both, look after the team's certifications.
    assert sorted(kinds(inbox(partner_a, admin_a))) == sorted(
        ["agreement", "deals_more_info", "mdf_activity_info", "team_certifications_expiring"])


def test_agreement_to_accept_by_its_deadline_for_partner_admins(partner_a, admin_a):
    today = h.today()
    first = make_agreement_version(language=partner_a.default_language)
    make_acceptance(partner=partner_a, version=first, user=admin_a)
    assert "agreement" not in kinds(inbox(partner_a, admin_a))  # accepted: nothing to do
    make_agreement_version(template=first.template, deadline=today + timedelta(days=5))
    action = by_kind(inbox(partner_a, admin_a), "agreement")
    assert (action.due, action.severity, action.url) == (today + timedelta(days=5), HIGH,
                                                         reverse("partners:agreement"))
    assert "Accept the new version of the partner agreement by" in action.text


def test_open_onboarding_steps_while_onboarding(partner_a, admin_a):
    partner_a.status = PartnerOrganization.Status.ONBOARDING
    partner_a.save(update_fields=["status"])
    action = by_kind(inbox(partner_a, admin_a), "onboarding")
    assert action.url == reverse("partners:onboarding") and action.count >= 3
    assert "Company profile" in action.text and "Payout details" in action.text
    partner_a.status = PartnerOrganization.Status.ACTIVE
    partner_a.save(update_fields=["status"])
    assert "onboarding" not in kinds(inbox(partner_a, admin_a))


# --- enablement ------------------------------------------------------------------------------------------------------


def test_own_certifications_expiring_within_60_days(partner_a, user_a):
    today = h.today()
    h.award(partner_a, user_a, expires_on=today + timedelta(days=20))
    h.award(partner_a, user_a, expires_on=today + timedelta(days=90))  # later
    h.award(partner_a, user_a, expires_on=today + timedelta(days=10), revoked=True)
    action = by_kind(inbox(partner_a, user_a), "certifications_expiring")
    assert (action.count, action.due, action.url) == (1, today + timedelta(days=20), reverse("enablement:certificates"))
    assert "team_certifications_expiring" not in kinds(inbox(partner_a, user_a))  # not their team to manage


def test_tier_depending_on_expiring_certifications(partner_a, user_a):
    _program, tiers = make_program()
    place(partner_a, tiers["gold"])  # Gold needs 5 active certifications
    today = h.today()
    people = [h.member(partner_a) for _ in range(5)]
    for index, person in enumerate(people):
        h.award(partner_a, person, expires_on=today + timedelta(days=30 if index < 2 else 400))
    action = by_kind(inbox(partner_a, user_a), "tier_at_risk")
    assert action.text == "Your Gold depends on 2 certifications that expire within 60 days."
    assert action.url == reverse("partners:tier")
    h.award(partner_a, h.member(partner_a), expires_on=today + timedelta(days=400))
    h.award(partner_a, h.member(partner_a), expires_on=today + timedelta(days=400))
    assert "tier_at_risk" not in kinds(inbox(partner_a, user_a))  # 5 remain after the two expire


def test_assigned_learning_paths_not_started(partner_a, user_a):
    first, second = h.course(), h.course()
    path = h.learning_path(first, second)
    h.assign(partner_a, user_a, path, due_on=h.today() + timedelta(days=21))
    h.enroll(partner_a, user_a, first, status=Enrollment.Status.ENROLLED)  # enrolled is not started
    action = by_kind(inbox(partner_a, user_a), "paths_not_started")
    assert (action.count, action.due, action.severity) == (1, h.today() + timedelta(days=21), LOW)
    assert action.url == reverse("enablement:my_learning")
    h.enroll(partner_a, user_a, h.course(), status=Enrollment.Status.COMPLETED)  # outside the path: no change
    assert "paths_not_started" in kinds(inbox(partner_a, user_a))
    with partner_scope(partner_a):
        Enrollment.objects.filter(user=user_a, course=first).update(status=Enrollment.Status.IN_PROGRESS)
    assert "paths_not_started" not in kinds(inbox(partner_a, user_a))


def test_an_enrollment_in_another_partner_does_not_start_the_path(partner_a, partner_b, user_a):
    course = h.course()
    h.assign(partner_a, user_a, h.learning_path(course))
    make_member(partner=partner_b, user=user_a)  # the same person also works for partner B
    h.enroll(partner_b, user_a, course, status=Enrollment.Status.COMPLETED)
    assert "paths_not_started" in kinds(inbox(partner_a, user_a))


def test_open_psat_invitation(partner_a, user_a):
    survey = PsatSurvey.objects.create(kind=PsatSurvey.Kind.QUARTERLY, quarter=h.today().replace(day=1))
    now = timezone.now()
    with partner_scope(partner_a):
        invitation = PsatInvitation.objects.create(partner=partner_a, survey=survey, user=user_a,
                                                   token_hash=PsatInvitation.hash_token("raw"), sent_at=now,
                                                   expires_at=now + timedelta(days=30))
    action = by_kind(inbox(partner_a, user_a), "psat")
    assert action.url == reverse("psat:member_answer", args=[invitation.pk]) and action.severity == LOW
    with partner_scope(partner_a):
        PsatInvitation.objects.filter(pk=invitation.pk).update(used_at=now)
    assert "psat" not in kinds(inbox(partner_a, user_a))


# --- order, language, cost -----------------------------------------------------------------------------------------


def test_most_urgent_first_then_by_due_date(partner_a, dealer):
    today = h.today()
    h.deal(partner_a, status=Deal.Status.MORE_INFO, by=dealer)                                    # medium, no date
    h.activity(partner_a, claim_deadline=today + timedelta(days=9))                               # medium, day 9
    h.deal(partner_a, status=Deal.Status.APPROVED, protected_until=today + timedelta(days=2), by=dealer)  # high
    h.award(partner_a, dealer, expires_on=today + timedelta(days=50))                             # low
    assert kinds(inbox(partner_a, dealer)) == ["deals_expiring", "mdf_claim_due", "deals_more_info",
                                               "certifications_expiring"]


def test_texts_follow_the_readers_language(partner_a, dealer):
    today = h.today()
    h.fund(partner_a, allocated="5000", expires_on=today + timedelta(days=10), label="2026-Q3",
           period_start=today - timedelta(days=100))
    for _ in range(2):
        h.deal(partner_a, status=Deal.Status.APPROVED, protected_until=today + timedelta(days=4), by=dealer)
    with translation.override("de"):
        actions = inbox(partner_a, dealer)
        expected_date = date_format(today + timedelta(days=10), "DATE_FORMAT")
    fund = by_kind(actions, "mdf_funds_expiring")
    assert "5.000,00\xa0€" in fund.text and expected_date in fund.text  # German amount and date
    assert by_kind(actions, "deals_expiring").count == 2


def test_query_count_does_not_grow_with_the_facts(partner_a, admin_a):
    def count() -> int:
        with partner_scope(partner_a):
            membership = Membership.objects.get(partner=partner_a, user=admin_a)
        with CaptureQueriesContext(connection) as queries, partner_scope(partner_a):
            inbox_for(HomeData(partner=partner_a, membership=membership, user=admin_a))
        return len(queries.captured_queries)

    few = count()
    today = h.today()
    h.deals(partner_a, 30, by=admin_a, status=Deal.Status.APPROVED, protected_until=today + timedelta(days=2))
    h.deals(partner_a, 30, by=admin_a, status=Deal.Status.MORE_INFO)
    for _ in range(10):
        h.activity(partner_a, claim_deadline=today + timedelta(days=3))
        h.activity(partner_a, status=Activity.Status.MORE_INFO)
        h.award(partner_a, admin_a, expires_on=today + timedelta(days=30))
    h.assign(partner_a, admin_a, h.learning_path(h.course(), h.course()))
    h.fund(partner_a, allocated="100", expires_on=today + timedelta(days=3), period_start=today - timedelta(days=95))
    many = count()
    actions = inbox(partner_a, admin_a)
    assert by_kind(actions, "deals_expiring").count == 30 and by_kind(actions, "mdf_claim_due").count == 10
    assert many == few, (few, many)
    # SQLite reads the latest health score in two queries where PostgreSQL uses one (scoring.previous_scores)
    assert few <= (16 if connection.vendor == "postgresql" else 17)
