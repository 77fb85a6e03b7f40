"""The segment tables (analytics.rollups.segments): per-partner rollups summed by region, country, partner type and
tier, checked against hand-computed sums; the rebuild is idempotent, and every refresh run ends with one.

    segment (region A, DE, reseller, Gold)   P1 active, health 100, signed in; P2 active, health 0, in grace, at risk;
                                            P3 onboarding, no health score, signed in
    segment (region A, FR, reseller, Silver) P4 active, health 19
    segment (region B, JP, reseller, Gold)   P5 health 20, P6 health 79, P7 health 80 (all active, none signed in)
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.forms.models import model_to_dict
from django.utils import timezone

from analytics.dashboards import queries
from analytics.dashboards.filters import Filters
from analytics.models import (
    PartnerQuarterFact,
    PartnerSnapshot,
    PsatResponse,
    PsatSurvey,
    RollupDirty,
    RollupState,
    SegmentPipelineFact,
    SegmentQuarterFact,
    SegmentSnapshot,
)
from analytics.models.rollups import DECISION_BUCKETS
from analytics.periods import quarter_start
from analytics.rollups import segments, services
from analytics.rollups.segments import QUARTER_MEASURES, SNAPSHOT_MEASURES, rebuild_segments
from analytics.rollups.tasks import rollups_refresh_all, rollups_refresh_chunk, rollups_refresh_dirty
from partners.models import PartnerOrganization
from prm.tenancy.scoping import partner_scope
from tests.analytics.dashboards_helpers import Q1, Q2, fact, histogram, pipeline, snapshot, tiers
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db

EARLY = datetime(2026, 5, 1, 3, 30, tzinfo=UTC)
LATE = datetime(2026, 5, 1, 9, 15, tzinfo=UTC)
FULL = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # the drain lock and the fan-out counters live in the cache
    yield
    cache.clear()


def money(n: int) -> Decimal:
    """n euros and n cents: sums of cents catch float rounding (SQLite keeps decimals as floats)."""
    return Decimal(n) + Decimal(n) / 100


@pytest.fixture
def world(region_a, region_b):
    ladder = tiers()
    gold, silver = ladder["gold"], ladder["silver"]

    def partner(name, region, country, status=PartnerOrganization.Status.ACTIVE):
        return PartnerFactory(name=name, region=region, country=country, status=status)

    p = {
        1: partner("P1", region_a, "DE"), 2: partner("P2", region_a, "DE"),
        3: partner("P3", region_a, "DE", PartnerOrganization.Status.ONBOARDING),
        4: partner("P4", region_a, "FR"), 5: partner("P5", region_b, "JP"), 6: partner("P6", region_b, "JP"),
        7: partner("P7", region_b, "JP"),
    }
    # Every additive snapshot measure: P1 holds 1 (or 1.01), P2 2 (2.02): their segment must hold 3 (3.03).
    # (certifications_expiring_60d too, which the dashboards still sum from PartnerSnapshot.)
    measures = {n: {name: money(n) if name.endswith("_base") else n
                    for name in (*SNAPSHOT_MEASURES, "certifications_expiring_60d")} for n in (1, 2)}
    snapshot(p[1], tier=gold, health_score=100, **{**measures[1], "active_users_30d": 2}, refreshed_at=EARLY)
    snapshot(p[2], tier=gold, health_score=0, in_grace=True, at_risk=True, **{**measures[2], "active_users_30d": 0},
             refreshed_at=LATE)
    snapshot(p[3], tier=gold, active_users_30d=1, users=4, refreshed_at=EARLY)
    snapshot(p[4], tier=silver, health_score=19, refreshed_at=EARLY)
    snapshot(p[5], tier=gold, health_score=20, refreshed_at=EARLY)
    snapshot(p[6], tier=gold, health_score=79, refreshed_at=EARLY)
    snapshot(p[7], tier=gold, health_score=80, at_risk=True, refreshed_at=EARLY)

    # Every additive quarter measure: P1 holds 1 (1.01) in Q1, P2 2 (2.02); P3 only a submission, no histogram.
    quarter = {n: {name: money(n) if name.endswith("_base") else n for name in QUARTER_MEASURES} for n in (1, 2)}
    fact(p[1], Q1, **quarter[1], decision_hours=histogram(b0=1, b2=2), refreshed_at=EARLY)
    fact(p[2], Q1, **quarter[2], decision_hours=histogram(b1=5, b2=1, b11=7), refreshed_at=LATE)
    fact(p[3], Q1, registrations_submitted=4, refreshed_at=EARLY)          # decision_hours: [] (the default)
    fact(p[1], Q2, registrations_submitted=2, decision_hours=histogram(b3=1), refreshed_at=EARLY)
    fact(p[5], Q1, registrations_submitted=9, sourced_won_base=Decimal("900.00"), refreshed_at=EARLY)

    pipeline(p[1], "submitted", 2, "100.05")
    pipeline(p[2], "submitted", 1, "0.25")
    pipeline(p[1], "approved", 1, "300.00")
    pipeline(p[5], "submitted", 4, "400.00")
    RollupState.objects.create(name="partner_facts", refreshed_at=LATE, full_refreshed_at=FULL, partners=7)
    return {"p": p, "gold": gold, "silver": silver, "region_a": region_a, "region_b": region_b}


def segment_snapshot(region, country, tier, status) -> SegmentSnapshot:
    return SegmentSnapshot.objects.get(region=region, country=country, partner_type="reseller", tier=tier,
                                       status=status)


def as_rows(model) -> list[dict]:
    return sorted((model_to_dict(row, exclude=["id"]) for row in model.objects.all()), key=repr)


def test_the_measures_cover_every_partner_measure():
    partner_quarter = {f.attname for f in PartnerQuarterFact._meta.concrete_fields} - {
        "id", "partner_id", "quarter", "refreshed_at", "decision_hours"}
    assert set(QUARTER_MEASURES) == partner_quarter
    assert set(SNAPSHOT_MEASURES) <= {f.attname for f in PartnerSnapshot._meta.concrete_fields}
    assert {"users", "active_users_30d", "open_pipeline_base", "mdf_available_base"} <= set(SNAPSHOT_MEASURES)
    assert segments.PARTNER_STATE == services.STATE


def test_snapshot_segments_are_the_hand_computed_sums(world):
    result = rebuild_segments()
    assert (result.partners, result.snapshot_rows) == (7, 4)
    a, b, gold, silver = world["region_a"], world["region_b"], world["gold"], world["silver"]

    active = segment_snapshot(a, "DE", gold, "active")
    assert (active.partners, active.active_30d, active.in_grace, active.at_risk) == (2, 1, 1, 1)
    assert (active.scored, active.health_sum, active.health_buckets) == (2, 100, [1, 0, 0, 0, 1])  # 0 and 100
    for name in SNAPSHOT_MEASURES:
        expected = Decimal("3.03") if name.endswith("_base") else 3
        if name == "active_users_30d":
            expected = 2
        assert getattr(active, name) == expected, name
    assert active.refreshed_at == LATE  # the latest refresh of its partners

    onboarding = segment_snapshot(a, "DE", gold, "onboarding")
    assert (onboarding.partners, onboarding.active_30d, onboarding.scored, onboarding.health_sum) == (1, 1, 0, 0)
    assert onboarding.health_buckets == [0, 0, 0, 0, 0] and onboarding.users == 4  # no score: in no bucket

    assert segment_snapshot(a, "FR", silver, "active").health_buckets == [1, 0, 0, 0, 0]  # 19
    japan = segment_snapshot(b, "JP", gold, "active")
    assert (japan.partners, japan.scored, japan.health_sum, japan.at_risk, japan.active_30d) == (3, 3, 179, 1, 0)
    assert japan.health_buckets == [0, 1, 0, 1, 1]  # 20 | 79 | 80

    state = RollupState.objects.get(name=segments.STATE)
    assert (state.partners, state.full_refreshed_at) == (7, FULL) and state.refreshed_at is not None


def test_quarter_segments_add_every_measure_and_the_histograms_element_wise(world):
    assert rebuild_segments().quarter_rows == 3
    a, b, gold = world["region_a"], world["region_b"], world["gold"]
    q1 = SegmentQuarterFact.objects.get(region=a, country="DE", tier=gold, quarter=Q1)
    assert q1.partners == 3 and q1.refreshed_at == LATE
    for name in QUARTER_MEASURES:
        expected = Decimal("3.03") if name.endswith("_base") else 3
        if name == "registrations_submitted":
            expected = 7  # 1 + 2 + P3's 4
        assert getattr(q1, name) == expected, name
    assert q1.decision_hours == [1, 5, 3, 0, 0, 0, 0, 0, 0, 0, 0, 7]  # P3's empty histogram adds nothing
    assert len(q1.decision_hours) == DECISION_BUCKETS
    q2 = SegmentQuarterFact.objects.get(region=a, quarter=Q2)
    assert (q2.partners, q2.registrations_submitted, q2.decision_hours) == (1, 2, histogram(b3=1))
    japan = SegmentQuarterFact.objects.get(region=b)
    assert (japan.quarter, japan.registrations_submitted, japan.sourced_won_base) == (Q1, 9, Decimal("900.00"))
    assert japan.decision_hours == [0] * DECISION_BUCKETS


def test_pipeline_segments_by_stage(world):
    rebuild_segments()
    rows = {(r.region_id, r.stage): (r.partners, r.deals, r.amount_base) for r in SegmentPipelineFact.objects.all()}
    assert rows == {
        (world["region_a"].pk, "submitted"): (2, 3, Decimal("100.30")),
        (world["region_a"].pk, "approved"): (1, 1, Decimal("300.00")),
        (world["region_b"].pk, "submitted"): (1, 4, Decimal("400.00")),
    }


def test_rebuild_is_idempotent(world):
    rebuild_segments()
    first = [as_rows(m) for m in (SegmentSnapshot, SegmentQuarterFact, SegmentPipelineFact)]
    rebuild_segments()
    assert [as_rows(m) for m in (SegmentSnapshot, SegmentQuarterFact, SegmentPipelineFact)] == first
    assert (SegmentSnapshot.objects.count(), SegmentQuarterFact.objects.count(),
            SegmentPipelineFact.objects.count()) == (4, 3, 3)


def test_rebuild_drops_what_the_rollups_no_longer_hold(world):
    rebuild_segments()
    with partner_scope(world["p"][5]):
        PartnerQuarterFact.objects.filter(partner=world["p"][5]).delete()
    rebuild_segments()
    assert not SegmentQuarterFact.objects.filter(region=world["region_b"]).exists()


def test_the_rebuild_is_a_fixed_number_of_statements(world, django_assert_max_num_queries):
    # savepoint (+ release), lock, work_mem and ANALYZE (PostgreSQL), state, 3 deletes, 3 inserts, count, upsert
    with django_assert_max_num_queries(14):
        rebuild_segments()
    for n in range(10):
        partner = PartnerFactory(region=world["region_a"], country="DE")
        snapshot(partner, tier=world["gold"], health_score=n)
        fact(partner, Q1, registrations_submitted=1)
    with django_assert_max_num_queries(14):
        assert rebuild_segments().partners == 17


def test_the_region_filter_isolates_the_segment_reads(world):
    rebuild_segments()
    a, b = world["region_a"], world["region_b"]
    only_a = Filters(region_ids=(a.pk,), quarters=(Q1, Q2))
    quarter = queries.quarter_rows(only_a)
    assert {row["region_id"] for row in quarter} == {a.pk}
    assert sum(row["registrations_submitted"] for row in quarter) == 9  # 7 + 2; B's 9 are not here
    snap = queries.snapshot_rows(only_a)
    assert {row["region_id"] for row in snap} == {a.pk}
    assert sum(row["partners"] for row in snap) == 4 and sum(row["health_sum"] for row in snap) == 119
    assert sum(row["certifications_expiring_60d"] for row in snap) == 3
    pipe = queries.distribution_rows(only_a)["pipeline"]
    assert {row["region_id"] for row in pipe} == {a.pk}
    only_b = Filters(region_ids=(b.pk,), quarters=(Q1, Q2), tier_id=world["gold"].pk)
    assert [row["sourced_won_base"] for row in queries.quarter_rows(only_b)] == [Decimal("900.00")]
    assert queries.quarter_rows(Filters(region_ids=(), quarters=(Q1,))) == []


# --- every refresh run ends with a rebuild (through the tasks) --------------------------------------------------


def answer(partner, score=9):
    survey = PsatSurvey.objects.get_or_create(kind=PsatSurvey.Kind.CLAIM_PAID)[0]
    with partner_scope(partner):
        return PsatResponse.objects.create(partner=partner, survey=survey, score=score, language="en",
                                           submitted_at=timezone.now())


def psat_answers(region) -> int:
    current = quarter_start(timezone.localdate())
    return sum(SegmentQuarterFact.objects.filter(region=region, quarter=current).values_list("psat_responses",
                                                                                             flat=True))


def test_the_nightly_task_rebuilds_the_segments(partner_a, partner_b, region_a):
    answer(partner_a)
    assert rollups_refresh_all.apply().get() == 1
    assert psat_answers(region_a) == 1
    assert sum(SegmentSnapshot.objects.values_list("partners", flat=True)) == 2
    assert RollupState.objects.get(name=segments.STATE).partners == 2


def test_a_fanned_out_run_rebuilds_once_its_last_chunk_ends(partner_a, partner_b):
    run, chunks = services.full_run_start(chunk_size=1)
    rollups_refresh_chunk.apply(kwargs={"partner_ids": chunks[0], "run": run})
    assert not RollupState.objects.filter(name=segments.STATE).exists() and not SegmentSnapshot.objects.exists()
    rollups_refresh_chunk.apply(kwargs={"partner_ids": chunks[1], "run": run})
    assert RollupState.objects.get(name=segments.STATE).partners == 2


def test_the_dirty_drain_task_rebuilds_after_refreshing(partner_a, region_a, settings):
    settings.ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS = 0  # every drain may rebuild (the interval: further down)
    services.refresh_all()
    assert psat_answers(region_a) == 0
    answer(partner_a, 3)
    RollupDirty.objects.create(partner_id=partner_a.pk)
    assert rollups_refresh_dirty.apply().get() == 1
    assert psat_answers(region_a) == 1


def test_an_empty_drain_rebuilds_only_after_health_scoring(partner_a, region_a, settings):
    from tests.analytics.dashboards_helpers import health

    settings.ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS = 0
    services.refresh_all()
    built = RollupState.objects.get(name=segments.STATE).refreshed_at
    assert services.refresh_dirty() == 0
    assert RollupState.objects.get(name=segments.STATE).refreshed_at == built  # nothing new: no rebuild
    # Health scoring writes the score and the snapshot's health columns (analytics.health.scoring), no refresh.
    score = health(partner_a, timezone.localdate(), 64)
    score.computed_at = timezone.now()  # after the last rebuild
    with partner_scope(partner_a):
        score.save(update_fields=["computed_at"])
        PartnerSnapshot.objects.filter(partner=partner_a).update(health_score=64)
    assert services.refresh_dirty() == 0
    rebuilt = SegmentSnapshot.objects.get(region=region_a)
    assert (rebuilt.scored, rebuilt.health_sum, rebuilt.health_buckets) == (1, 64, [0, 0, 0, 1, 0])
    assert RollupState.objects.get(name=segments.STATE).refreshed_at > built
    # And not again while no newer score exists.
    again = RollupState.objects.get(name=segments.STATE).refreshed_at
    services.refresh_dirty()
    assert RollupState.objects.get(name=segments.STATE).refreshed_at == again


def test_an_empty_drain_rebuilds_after_a_refresh_the_segments_missed(partner_a, region_a, settings):
    settings.ANALYTICS_SEGMENTS_MIN_INTERVAL_SECONDS = 0
    services.refresh_all()
    built = RollupState.objects.get(name=segments.STATE).refreshed_at
    # A refresh recorded after the last rebuild (its rebuild failed): the next sweep catches up.
    RollupState.objects.filter(name=services.STATE).update(refreshed_at=timezone.now())
    assert services.refresh_dirty() == 0
    assert RollupState.objects.get(name=segments.STATE).refreshed_at > built


def test_a_partner_that_moves_region_takes_its_history_along(partner_a, region_a, region_b):
    answer(partner_a)
    services.refresh_all()
    assert psat_answers(region_a) == 1
    PartnerOrganization.objects.filter(pk=partner_a.pk).update(region=region_b)
    services.refresh_all()
    assert psat_answers(region_a) == 0 and psat_answers(region_b) == 1
    assert not SegmentSnapshot.objects.filter(region=region_a).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL statistics")
def test_the_rebuild_analyses_the_rollups_first(world):
    """Planner statistics of near-empty rollup tables made the rebuild join in nested loops (minutes at 10k
    partners): the rebuild refreshes them before summing."""

    tables = [PartnerSnapshot._meta.db_table, PartnerQuarterFact._meta.db_table]
    with connection.cursor() as cursor:  # statistics of the world as it is, then 23 more partners: stale
        cursor.execute(f'ANALYZE "{tables[0]}", "{tables[1]}"')
    for n in range(23):
        partner = PartnerFactory(region=world["region_a"], country="DE")
        snapshot(partner, tier=world["gold"], health_score=n)
        fact(partner, Q1, registrations_submitted=1)
    rebuild_segments()
    with connection.cursor() as cursor:
        counts = {}
        for name in tables:
            cursor.execute(f'SELECT COUNT(*) FROM "{name}"')
            counts[name] = cursor.fetchone()[0]
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relname IN (%s, %s)", tables)
        estimated = {name: int(rows) for name, rows in cursor.fetchall()}
    assert estimated == counts, (estimated, counts)
    assert counts[PartnerSnapshot._meta.db_table] > 23
