"""PSAT under concurrency, on PostgreSQL (real row locks; SQLite serialises every write anyway): a link
submitted twice at the same moment records one answer; two events for one person at the same moment send one
event survey; two wave runs at once invite each person once."""

import pytest
from django.db import connection

from analytics.models import PsatInvitation, PsatResponse, PsatSurvey
from analytics.psat.services import PsatLinkError, invite_after_event, send_quarterly_wave, submit_response
from prm.notifications.models import Notification
from prm.tenancy.scoping import unscoped
from tests.analytics.psat_helpers import event_survey, invite
from tests.concurrency import run_together
from tests.factories import make_member

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]


def test_a_double_submit_records_one_answer(partner_a, user_a):
    _invitation, raw = invite(partner_a, user_a)
    results = run_together(*[lambda score=score: submit_response(token=raw, score=score) for score in (3, 9, 6, 1)])
    recorded = [r for r in results if isinstance(r, PsatResponse)]
    refused = [r for r in results if isinstance(r, PsatLinkError)]
    assert len(recorded) == 1 and len(refused) == 3, results
    assert {r.code for r in refused} == {"used"}
    with unscoped():
        assert PsatResponse.objects.count() == 1


def test_two_events_at_once_send_one_event_survey(partner_a, user_a):
    event_survey(PsatSurvey.Kind.DEAL_APPROVED)
    results = run_together(*[
        lambda key=key: invite_after_event(kind="deal_approved", subject_key=key, partner_id=partner_a.pk,
                                           user_ids=[user_a.pk])
        for key in ("deal:1", "deal:2", "deal:3")
    ])
    assert sorted(results) == [0, 0, 1], results
    with unscoped():
        assert PsatInvitation.objects.count() == 1
    assert Notification.objects.filter(kind="analytics.psat_invitation").count() == 1


def test_two_wave_runs_at_once_invite_each_person_once(partner_a, partner_b):
    people = [make_member(partner=partner).user for partner in (partner_a, partner_b) for _ in range(5)]
    from datetime import date

    PsatSurvey.objects.create(kind=PsatSurvey.Kind.QUARTERLY, quarter=date(2026, 4, 1))
    results = run_together(*[lambda: send_quarterly_wave(quarter_start=date(2026, 4, 1))] * 3)
    assert sum(r.invited for r in results) == len(people), results
    with unscoped():
        assert PsatInvitation.objects.count() == len(people)
    assert Notification.objects.filter(kind="analytics.psat_invitation").count() == len(people)
