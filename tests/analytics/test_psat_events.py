"""Event surveys: an approved deal registration asks its registrant, a paid MDF claim asks the claim's creator
(or the partner's admins when the creator has left); only while operators keep that survey active; once per
event; at most one event survey per person per 30 days."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from analytics.models import PsatInvitation, PsatSurvey
from analytics.psat.services import EVENT_COOLDOWN_DAYS, invite_after_event, send_quarterly_wave
from dealreg.models import DealEvent
from dealreg.services.events import record_event
from mdf.services import claim_approve, payment_record
from partners.models import Membership
from prm.tenancy.scoping import partner_scope, unscoped
from tests.analytics.psat_helpers import event_survey, tokens_in
from tests.dealreg.registration_helpers import approved, registrant, submitted
from tests.factories import make_member
from tests.mdf.helpers import approved_activity, ended, fund_with, submitted_claim
from tests.mdf.portal_helpers import claimer

pytestmark = pytest.mark.django_db


def invitations():
    with unscoped():
        return list(PsatInvitation.objects.order_by("id").values_list("partner_id", "user_id", "subject_key",
                                                                       "survey__kind"))


def test_an_approved_deal_invites_its_registrant_once(partner_a, manager_a, django_capture_on_commit_callbacks):
    event_survey(PsatSurvey.Kind.DEAL_APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        deal = approved(partner_a, manager=manager_a)
    assert invitations() == [(partner_a.pk, deal.registered_by_id, f"deal:{deal.pk}", "deal_approved")]
    psat_mails = [m for m in mail.outbox if tokens_in([m])]
    assert [m.to[0] for m in psat_mails] == [deal.registered_by.email]
    assert deal.reference in psat_mails[0].body
    # Approved again (after a material change): the same deal, no second survey.
    with django_capture_on_commit_callbacks(execute=True), partner_scope(partner_a):
        record_event(deal=deal, kind=DealEvent.Kind.APPROVED, actor=manager_a)
    assert len(invitations()) == 1
    assert len([m for m in mail.outbox if tokens_in([m])]) == 1


def test_an_automatic_approval_counts_too(partner_a, django_capture_on_commit_callbacks):
    event_survey(PsatSurvey.Kind.DEAL_APPROVED)
    deal = submitted(partner_a)
    with django_capture_on_commit_callbacks(execute=True), partner_scope(partner_a):
        record_event(deal=deal, kind=DealEvent.Kind.AUTO_APPROVED)
    assert invitations() == [(partner_a.pk, deal.registered_by_id, f"deal:{deal.pk}", "deal_approved")]


def test_other_timeline_events_ask_nothing(partner_a, manager_a, django_capture_on_commit_callbacks):
    event_survey(PsatSurvey.Kind.DEAL_APPROVED)
    with django_capture_on_commit_callbacks(execute=True):
        deal = submitted(partner_a)
        with partner_scope(partner_a):
            record_event(deal=deal, kind=DealEvent.Kind.REJECTED, actor=manager_a)
    assert invitations() == []


def test_nothing_is_asked_while_the_survey_is_missing_or_off(partner_a, manager_a,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        approved(partner_a, manager=manager_a)
    assert callbacks  # the trigger ran ...
    assert invitations() == []  # ... and found no survey
    event_survey(PsatSurvey.Kind.DEAL_APPROVED, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        approved(partner_a, manager=manager_a)
    assert invitations() == []


def test_at_most_one_event_survey_per_person_per_30_days(partner_a):
    event_survey(PsatSurvey.Kind.DEAL_APPROVED)
    event_survey(PsatSurvey.Kind.CLAIM_PAID)
    person = registrant(partner_a)
    now = timezone.now()
    assert invite_after_event(kind="deal_approved", subject_key="deal:1", partner_id=partner_a.pk,
                              user_ids=[person.pk], now=now) == 1
    for days, kind, key in ((1, "deal_approved", "deal:2"), (29, "claim_paid", "claim:7")):
        assert invite_after_event(kind=kind, subject_key=key, partner_id=partner_a.pk, user_ids=[person.pk],
                                  now=now + timedelta(days=days)) == 0
    assert invite_after_event(kind="claim_paid", subject_key="claim:7", partner_id=partner_a.pk,
                              user_ids=[person.pk], now=now + timedelta(days=EVENT_COOLDOWN_DAYS + 1)) == 1
    assert [row[2] for row in invitations()] == ["deal:1", "claim:7"]


def test_the_quarterly_pulse_does_not_count_against_event_surveys(partner_a):
    event_survey(PsatSurvey.Kind.DEAL_APPROVED)
    person = registrant(partner_a)
    send_quarterly_wave(quarter_start=timezone.localdate())
    assert invite_after_event(kind="deal_approved", subject_key="deal:1", partner_id=partner_a.pk,
                              user_ids=[person.pk]) == 1


def test_only_active_members_of_that_partner_are_asked(partner_a, partner_b, user_b):
    event_survey(PsatSurvey.Kind.DEAL_APPROVED)
    left = make_member(partner=partner_a, is_active=False).user
    assert invite_after_event(kind="deal_approved", subject_key="deal:1", partner_id=partner_a.pk,
                              user_ids=[left.pk, user_b.pk]) == 0  # user_b belongs to another partner
    assert invitations() == []


def test_an_unknown_kind_is_a_programming_error(partner_a):
    with pytest.raises(ValueError):
        invite_after_event(kind="quarterly", subject_key="x", partner_id=partner_a.pk, user_ids=[1])


# --- claims paid -----------------------------------------------------------------------------------------------


def _approved_claim(partner, manager):
    fund_with(partner, Decimal("10000"))
    person = claimer(partner)
    activity = ended(approved_activity(partner, person, manager))
    claim = submitted_claim(activity, person, claimed=Decimal("1500.00"), invoice="INV-PSAT")
    with partner_scope(partner):
        return claim_approve(claim=claim, actor=manager), person, activity


def test_a_paid_claim_invites_the_person_who_claimed(partner_a, admin_a, manager_a,
                                                     django_capture_on_commit_callbacks):
    event_survey(PsatSurvey.Kind.CLAIM_PAID)
    claim, person, activity = _approved_claim(partner_a, manager_a)
    with django_capture_on_commit_callbacks(execute=True), partner_scope(partner_a):
        payment_record(claim=claim, actor=manager_a, paid_on=timezone.localdate(), reference="PAY-1")
    assert invitations() == [(partner_a.pk, person.pk, f"claim:{claim.pk}", "claim_paid")]
    psat_mail = [m for m in mail.outbox if tokens_in([m])]
    assert [m.to[0] for m in psat_mail] == [person.email]
    assert activity.reference in psat_mail[0].body
    # Recording the payment again returns the first one: no second survey.
    with django_capture_on_commit_callbacks(execute=True), partner_scope(partner_a):
        payment_record(claim=claim, actor=manager_a, paid_on=timezone.localdate(), reference="PAY-1")
    assert len(invitations()) == 1


def test_when_the_claimer_has_left_the_partners_admins_are_asked(partner_a, admin_a, manager_a,
                                                                 django_capture_on_commit_callbacks):
    event_survey(PsatSurvey.Kind.CLAIM_PAID)
    claim, person, _activity = _approved_claim(partner_a, manager_a)
    with partner_scope(partner_a):
        Membership.objects.filter(user=person).update(is_active=False)
    with django_capture_on_commit_callbacks(execute=True), partner_scope(partner_a):
        payment_record(claim=claim, actor=manager_a, paid_on=timezone.localdate(), reference="PAY-2")
    assert invitations() == [(partner_a.pk, admin_a.pk, f"claim:{claim.pk}", "claim_paid")]
