"""The minimum interval between segment rebuilds triggered by dirty drains (ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS):
a drain within it refreshes the partner rollups but leaves the segments stale, and the first drain or sweep after
it rebuilds even with nothing new to refresh; full refreshes always rebuild; the dashboards' "as of" stays the time
of what they show."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from analytics.dashboards import queries
from analytics.dashboards.filters import Filters
from analytics.models import PartnerQuarterFact, PsatResponse, PsatSurvey, RollupDirty, RollupState
from analytics.periods import quarter_start
from analytics.rollups import segments, services
from analytics.rollups.tasks import rollups_refresh_dirty
from prm.tenancy.scoping import partner_scope

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # the drain lock lives in the cache
    yield
    cache.clear()


def answer(partner, score=9):
    survey = PsatSurvey.objects.get_or_create(kind=PsatSurvey.Kind.CLAIM_PAID)[0]
    with partner_scope(partner):
        PsatResponse.objects.create(partner=partner, survey=survey, score=score, language="en",
                                    submitted_at=timezone.now())
    RollupDirty.objects.create(partner_id=partner.pk)  # what the signal writes on commit


def current_quarter():
    return quarter_start(timezone.localdate())


def segment_answers(region) -> int:
    """PSAT answers of the current quarter in the region, as the dashboards read them (the segment sums)."""
    rows = queries.quarter_rows(Filters(region_ids=(region.pk,), quarters=(current_quarter(),)))
    return sum(row["psat_responses"] for row in rows)


def partner_answers(partner) -> int:
    with partner_scope(partner):
        return PartnerQuarterFact.objects.get(partner=partner, quarter=current_quarter()).psat_responses


def rebuilt_at():
    return RollupState.objects.get(name=segments.STATE).refreshed_at


def last_rebuild_ago(seconds: int) -> None:
    """As if the last rebuild happened ``seconds`` ago (its rows are what they are)."""
    RollupState.objects.filter(name=segments.STATE).update(refreshed_at=timezone.now() - timedelta(seconds=seconds))


def test_a_drain_within_the_interval_leaves_the_segments_stale_until_the_next_drain_after_it(
        partner_a, region_a, settings):
    settings.ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS = 300
    services.refresh_all()
    built = rebuilt_at()
    answer(partner_a)
    assert rollups_refresh_dirty.apply().get() == 1
    assert partner_answers(partner_a) == 1  # the partner's own rollups are current
    assert segment_answers(region_a) == 0  # the sums are not rebuilt yet
    assert rebuilt_at() == built
    assert RollupState.objects.get(name=services.STATE).refreshed_at > built  # stale: left for a later drain

    # Still within the interval: a sweep with nothing dirty does not rebuild either.
    last_rebuild_ago(120)
    assert services.refresh_dirty() == 0
    assert segment_answers(region_a) == 0

    # The first sweep after the interval rebuilds although nothing new is dirty.
    last_rebuild_ago(301)
    assert rollups_refresh_dirty.apply().get() == 0
    assert segment_answers(region_a) == 1
    assert rebuilt_at() > timezone.now() - timedelta(seconds=60)

    # And then not again while nothing changed, however long ago.
    RollupState.objects.filter(name=services.STATE).update(refreshed_at=timezone.now() - timedelta(seconds=3601))
    last_rebuild_ago(3600)
    again = rebuilt_at()
    assert services.refresh_dirty() == 0
    assert rebuilt_at() == again


def test_a_drain_after_the_interval_rebuilds_at_once(partner_a, region_a, settings):
    settings.ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS = 60
    services.refresh_all()
    last_rebuild_ago(61)
    answer(partner_a)
    assert services.refresh_dirty() == 1
    assert segment_answers(region_a) == 1


def test_the_sweep_is_not_turned_away_by_the_seconds_a_drain_takes(partner_a, region_a, settings):
    """The 5-minute sweep after a rebuilding drain finds the rebuild a few seconds less than 300 s old: a tenth of
    the interval is forgiven, so it rebuilds instead of leaving it to the sweep after."""
    settings.ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS = 300
    services.refresh_all()
    answer(partner_a)
    assert services.refresh_dirty() == 1
    last_rebuild_ago(295)
    assert services.refresh_dirty() == 0
    assert segment_answers(region_a) == 1


def test_full_refreshes_always_rebuild(partner_a, partner_b, region_a, settings):
    settings.ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS = 3600
    services.refresh_all()
    answer(partner_a)
    assert services.refresh_dirty() == 1
    assert segment_answers(region_a) == 0
    services.refresh_all()  # within the interval
    assert segment_answers(region_a) == 1
    # The fanned-out nightly run too.
    answer(partner_a)
    RollupDirty.objects.all().delete()
    run, chunks = services.full_run_start(chunk_size=1)
    for chunk in chunks:
        services.refresh_partners(chunk)
        services.full_run_chunk_done(run)
    assert segment_answers(region_a) == 2


def test_health_scores_within_the_interval_wait_for_it(partner_a, region_a, settings):
    from tests.analytics.dashboards_helpers import health

    settings.ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS = 300
    services.refresh_all()
    built = rebuilt_at()
    score = health(partner_a, timezone.localdate(), 64)
    score.computed_at = timezone.now()
    with partner_scope(partner_a):
        score.save(update_fields=["computed_at"])
    assert services.refresh_dirty() == 0
    assert rebuilt_at() == built
    last_rebuild_ago(300)
    assert services.refresh_dirty() == 0
    assert rebuilt_at() > built


def test_the_dashboards_as_of_stays_the_time_of_the_sums_they_show(partner_a, region_a, settings):
    settings.ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS = 300
    answer(partner_a)
    services.refresh_all()
    RollupDirty.objects.all().delete()
    filters = Filters(region_ids=(region_a.pk,), quarters=(current_quarter(),))
    before = max(row["refreshed_at"] for row in queries.quarter_rows(filters))
    answer(partner_a)
    assert services.refresh_dirty() == 1
    with partner_scope(partner_a):
        refreshed = PartnerQuarterFact.objects.get(partner=partner_a, quarter=current_quarter()).refreshed_at
    assert refreshed > before
    # The sums still hold the earlier figures: so does their time.
    assert max(row["refreshed_at"] for row in queries.quarter_rows(filters)) == before
    states = {row["name"]: row for row in queries.freshness_rows()}
    assert states[segments.STATE]["refreshed_at"] < states[services.STATE]["refreshed_at"]
    last_rebuild_ago(301)
    services.refresh_dirty()
    assert max(row["refreshed_at"] for row in queries.quarter_rows(filters)) == refreshed


def test_the_interval_defaults_to_five_minutes(settings):
    del settings.ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS
    assert segments.drain_min_interval() == 300
    settings.ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS = -5
    assert segments.drain_min_interval() == 0
