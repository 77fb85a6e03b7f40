"""Incremental refresh: signal handlers mark partners dirty on commit, the drain task refreshes them; the nightly
fan-out and the freshness the dashboards show."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from analytics.models import PartnerQuarterFact, PartnerSnapshot, PsatResponse, PsatSurvey, RollupDirty, RollupState
from analytics.periods import quarter_start
from analytics.rollups import services
from analytics.rollups.dirty import _PendingMarks, flush
from analytics.rollups.selectors import freshness
from analytics.rollups.tasks import rollups_refresh_all, rollups_refresh_chunk
from dealreg.models import Deal, DealParticipant
from prm.tenancy.scoping import partner_scope
from tests.factories import PartnerFactory, make_member

from .rollups_helpers import deal

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # the debounce key and the drain lock live in the cache
    yield
    cache.clear()


def fresh_transaction():
    """Forget the marks of the fixtures' rows: the test's transaction holds one collecting callback, registered
    before django_capture_on_commit_callbacks starts (so it would collect the test's marks and never run)."""
    connection.run_on_commit[:] = [e for e in connection.run_on_commit if not isinstance(e[1], _PendingMarks)]


def pending_marks(callbacks) -> list[_PendingMarks]:
    return [c for c in callbacks if isinstance(c, _PendingMarks)]


def answer(partner, score=9):
    survey = PsatSurvey.objects.get_or_create(kind=PsatSurvey.Kind.CLAIM_PAID)[0]
    with partner_scope(partner):
        return PsatResponse.objects.create(partner=partner, survey=survey, score=score, language="en",
                                           submitted_at=timezone.now())


def this_quarter(partner) -> PartnerQuarterFact:
    with partner_scope(partner):
        return PartnerQuarterFact.objects.get(partner=partner, quarter=quarter_start(timezone.localdate()))


def test_a_change_is_refreshed_after_commit(partner_a, django_capture_on_commit_callbacks):
    fresh_transaction()
    with django_capture_on_commit_callbacks(execute=True):
        answer(partner_a, 10)
    assert this_quarter(partner_a).psat_responses == 1
    assert not RollupDirty.objects.exists()  # drained
    fresh_transaction()
    with django_capture_on_commit_callbacks(execute=True):
        answer(partner_a, 3)
    cache.clear()  # the debounce held the second dispatch; the 5-minute sweep would run the drain
    services.refresh_dirty()
    fact = this_quarter(partner_a)
    assert (fact.psat_responses, fact.psat_score_sum, fact.psat_detractors) == (2, 13, 1)
    assert freshness().refreshed_at is not None


def test_registration_through_the_services_updates_the_figures(partner_a, django_capture_on_commit_callbacks):
    from tests.dealreg.registration_helpers import submitted

    fresh_transaction()
    with django_capture_on_commit_callbacks(execute=True):
        submitted(partner_a, value=Decimal("25000"))
    fact = this_quarter(partner_a)
    assert (fact.registrations_submitted, fact.pipeline_submitted_base) == (1, Decimal("25000.00"))
    with partner_scope(partner_a):
        assert PartnerSnapshot.objects.get(partner=partner_a).open_deals == 1


def test_marks_are_collected_into_one_callback_per_transaction(partner_a, partner_b, django_capture_on_commit_callbacks):
    fresh_transaction()
    with django_capture_on_commit_callbacks() as callbacks:
        answer(partner_a)
        answer(partner_b)
        make_member(partner=partner_a)
    marks = pending_marks(callbacks)
    assert len(marks) == 1 and marks[0].ids == {partner_a.pk, partner_b.pk}


def test_flush_is_one_query_and_queues_the_drain_once(partner_a, partner_b, django_assert_num_queries):
    with mock.patch("analytics.rollups.tasks.rollups_refresh_dirty.apply_async") as dispatch:
        with django_assert_num_queries(1):
            flush({partner_a.pk, partner_b.pk})
        flush({partner_a.pk})
    assert dispatch.call_count == 1  # debounced
    assert set(RollupDirty.objects.values_list("partner_id", flat=True)) == {partner_a.pk, partner_b.pk}


def test_a_lost_dispatch_leaves_the_rows_for_the_sweep(partner_a):
    with mock.patch("analytics.rollups.tasks.rollups_refresh_dirty.apply_async", side_effect=ConnectionError):
        flush({partner_a.pk})
    assert RollupDirty.objects.filter(partner_id=partner_a.pk).exists()


def test_irrelevant_saves_mark_nothing_and_cost_no_query(partner_a, django_capture_on_commit_callbacks,
                                                         django_assert_num_queries):
    user = make_member(partner=partner_a).user
    registration = deal(partner_a, user, value="100", registered_at=timezone.now())
    fresh_transaction()
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(1):  # the UPDATE itself
        with partner_scope(partner_a):
            registration.has_conflict = True
            registration.save(update_fields=["has_conflict"])
    assert pending_marks(callbacks) == []


def test_a_win_marks_the_accepted_participants(partner_a, partner_b, django_capture_on_commit_callbacks):
    registrant = make_member(partner=partner_b).user
    registration = deal(partner_b, registrant, value="1000", registered_at=timezone.now())
    with partner_scope(partner_a):
        DealParticipant.objects.create(partner=partner_a, deal=registration, role="influencer", share=Decimal("30"),
                                       status="accepted")
    fresh_transaction()
    with django_capture_on_commit_callbacks() as callbacks:
        with partner_scope(partner_b):
            registration.status, registration.closed_at = Deal.Status.WON, timezone.localdate()
            registration.won_amount_base = Decimal("1000")
            registration.save(update_fields=["status", "closed_at", "won_amount_base"])
    assert pending_marks(callbacks)[0].ids == {partner_a.pk, partner_b.pk}


def test_a_rolled_back_change_marks_nothing(partner_a, django_capture_on_commit_callbacks):
    fresh_transaction()
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            answer(partner_a)
            raise RuntimeError
    assert pending_marks(callbacks) == []


def test_a_sign_in_marks_the_persons_partners(client, partner_a, django_capture_on_commit_callbacks):
    user = make_member(partner=partner_a).user
    fresh_transaction()
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(user)
    with partner_scope(partner_a):
        snapshot = PartnerSnapshot.objects.get(partner=partner_a)
    assert (snapshot.users, snapshot.active_users_30d) == (1, 1)


def test_the_drain_keeps_partners_marked_again_while_it_ran(partner_a, partner_b):
    old = timezone.now() - timedelta(minutes=5)
    RollupDirty.objects.bulk_create([RollupDirty(partner_id=partner_a.pk), RollupDirty(partner_id=partner_b.pk)])
    RollupDirty.objects.update(marked_at=old)
    real = services.refresh_partners

    def refresh_and_remark(ids, **kwargs):
        done = real(ids, **kwargs)
        RollupDirty.objects.filter(partner_id=partner_b.pk).update(marked_at=timezone.now() + timedelta(seconds=1))
        return done

    with mock.patch.object(services, "refresh_partners", refresh_and_remark):
        assert services.refresh_dirty() == 2
    assert list(RollupDirty.objects.values_list("partner_id", flat=True)) == [partner_b.pk]
    state = RollupState.objects.get(name=services.STATE)
    assert state.partners == 2 and state.full_refreshed_at is None


def test_one_drain_at_a_time(partner_a):
    RollupDirty.objects.create(partner_id=partner_a.pk)
    cache.add(services.DRAIN_LOCK, 1)
    assert services.refresh_dirty() == 0
    assert RollupDirty.objects.exists()


def test_the_nightly_fan_out_refreshes_everyone_and_records_the_run(partner_a, partner_b, region_a):
    third = PartnerFactory(name="Third", region=region_a)
    assert freshness().as_of is None
    assert rollups_refresh_all.apply().get() == 1  # one chunk of up to 2,000 partners
    with partner_scope(third):
        assert PartnerSnapshot.objects.filter(partner=third).exists()
    seen = freshness()
    assert seen.as_of is not None and seen.partners == 3


def test_a_run_in_several_chunks_is_recorded_when_the_last_one_ends(partner_a, partner_b):
    run, chunks = services.full_run_start(chunk_size=1)
    assert len(chunks) == 2
    rollups_refresh_chunk.apply(kwargs={"partner_ids": chunks[0], "run": run})
    assert freshness().as_of is None
    rollups_refresh_chunk.apply(kwargs={"partner_ids": chunks[1], "run": run})
    assert freshness().as_of is not None and freshness().partners == 2


def test_freshness_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        assert freshness().as_of is None


def test_the_tasks_are_registered_under_their_names():
    from prm.celery import app

    for name in ("analytics.rollups_refresh_all", "analytics.rollups_refresh_chunk", "analytics.rollups_refresh_dirty"):
        assert name in app.tasks
