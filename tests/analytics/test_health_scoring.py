"""Health scoring: the trend and at-risk flag (by threshold and by drop) with their reasons, idempotent writes per
(partner, day), the snapshot's health columns, the nightly fan-out and the tier metric provider."""

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.health import metrics as health_metrics
from analytics.health import scoring, tasks
from analytics.health.components import Raw
from analytics.health.scoring import Previous, score_one
from analytics.models import HealthScore, PartnerSnapshot
from partners.models import PartnerOrganization
from partners.tiers import metrics
from prm.tenancy.scoping import ScopeError, partner_scope, partners_scope
from tests.factories import PartnerFactory

from .health_helpers import DAY, days_ago, deal, member, model, only_weights, score_of, stored

pytestmark = pytest.mark.django_db


def score(*partners, day=DAY):
    ids = [p.pk for p in partners]
    with partners_scope(ids):
        return scoring.score_partners(ids, day)


def snapshot(partner):
    with partner_scope(partner):
        return PartnerSnapshot.objects.create(partner=partner, region=partner.region, country=partner.country,
                                              partner_type=partner.partner_type, status=partner.status,
                                              refreshed_at=timezone.now())


def healthy(partner):
    """Scores 100 with a model weighing sign-in recency only."""
    member(partner, last_login=days_ago(1))


def test_below_the_threshold_is_at_risk_with_the_weakest_components_as_reasons(partner_a):
    member(partner_a, last_login=days_ago(20))  # signed in within 30 days; login points (60 − 20)/53 of full
    result = score(partner_a)
    row = score_of(partner_a)
    # Present: login 15, active 10, training 10, certifications 15, downloads 5 = 55 → scaled ×100/55.
    # login 40/53 × 27.27 = 20.58; active 1/1 × 18.18; the rest 0 → 38.76 → 39 < 40.
    assert row.score == 39 and row.at_risk is True and result.at_risk == 1
    # Weakest first (most missing points): certifications 27.27, training 18.18, downloads 9.09.
    assert row.reasons == ["certifications", "training", "asset_downloads"]


def test_at_the_threshold_is_not_at_risk(partner_a):
    only_weights(login_recency=1)
    model(at_risk_below=100)
    healthy(partner_a)
    score(partner_a)
    assert score_of(partner_a).score == 100 and score_of(partner_a).at_risk is False


def test_a_drop_of_more_than_the_limit_is_at_risk_and_the_biggest_drops_explain_it(partner_a):
    only_weights(login_recency=50, pipeline_growth=50)
    member(partner_a, last_login=days_ago(1))                      # login full: 50
    deal(partner_a, value="600", registered_at=days_ago(10))
    deal(partner_a, value="1000", registered_at=days_ago(100))    # −40% → 0.1 × 50 = 5
    earlier = {"login_recency": {"value": 2, "points": 50, "weight": 50},
               "pipeline_growth": {"value": 10.0, "points": 30, "weight": 50}}
    stored(partner_a, day=DAY - timedelta(days=45), score=99)
    stored(partner_a, day=DAY - timedelta(days=30), score=80, components=earlier)   # the one compared with
    stored(partner_a, day=DAY - timedelta(days=29), score=10)
    score(partner_a)
    row = score_of(partner_a)
    assert (row.score, row.previous_score) == (55, 80)  # dropped 25 > 15
    assert row.at_risk is True and row.reasons == ["pipeline_growth"]
    # "previous" is the comparison value: the pipeline of the 90 days before; sign-in recency has none.
    assert row.components["pipeline_growth"]["previous"] == "1000.00"
    assert row.components["login_recency"]["previous"] is None


def test_a_drop_of_exactly_the_limit_is_not_at_risk(partner_a):
    only_weights(login_recency=1)
    member(partner_a, last_login=days_ago(1))
    stored(partner_a, day=DAY - timedelta(days=31), score=100)
    model(at_risk_drop=0)
    score(partner_a)
    assert score_of(partner_a).at_risk is False  # 100 → 100: no drop at all

    raw = Raw(members=1, active_30d=1, days_since_login=1)
    current = model(at_risk_drop=15)
    assert score_one(partner_id=1, raw=raw, model=current, previous=Previous(score=115, components={})).at_risk is False
    assert score_one(partner_id=1, raw=raw, model=current, previous=Previous(score=116, components={})).at_risk is True


def test_the_previous_score_is_the_nearest_on_or_before_30_days_earlier(partner_a):
    only_weights(login_recency=1)
    healthy(partner_a)
    stored(partner_a, day=DAY - timedelta(days=40), score=70)
    stored(partner_a, day=DAY - timedelta(days=33), score=72)
    score(partner_a)
    assert score_of(partner_a).previous_score == 72


def test_scoring_twice_keeps_one_row_per_partner_and_day_and_updates_it(partner_a, partner_b):
    healthy(partner_a)
    healthy(partner_b)
    score(partner_a, partner_b)
    first = score_of(partner_a)
    score(partner_a, partner_b)
    again = score_of(partner_a)
    with partners_scope([partner_a.pk, partner_b.pk]):
        assert HealthScore.objects.count() == 2
    assert (again.pk, again.score, again.components, again.at_risk, again.reasons) == (
        first.pk, first.score, first.components, first.at_risk, first.reasons)
    only_weights(login_recency=1, certifications=1)  # a new model the same day: the row is replaced
    score(partner_a)
    changed = score_of(partner_a)
    assert changed.pk == first.pk and changed.score == 50 and changed.at_risk is False


def test_the_snapshot_gets_the_score_its_change_and_the_flag(partner_a, partner_b):
    only_weights(login_recency=1)
    healthy(partner_a)
    snap = snapshot(partner_a)
    stored(partner_a, day=DAY - timedelta(days=30), score=60)
    score(partner_a, partner_b)  # partner_b has no snapshot row: nothing to update, nothing created
    with partner_scope(partner_a):
        snap.refresh_from_db()
    assert (snap.health_score, snap.health_change, snap.at_risk) == (100, 40, False)
    with partner_scope(partner_b):
        assert not PartnerSnapshot.objects.exists()
    score(partner_a, day=DAY - timedelta(days=5))  # a backfill of an earlier day leaves the latest in place
    with partner_scope(partner_a):
        snap.refresh_from_db()
    assert snap.health_score == 100 and snap.health_change == 40


def test_a_snapshot_that_already_holds_the_score_is_not_rewritten(partner_a):
    """Most nights most scores do not move: the snapshot UPDATE skips rows that already hold the values (PostgreSQL:
    the row keeps its physical version; elsewhere the values are checked)."""
    from django.db import connection

    only_weights(login_recency=1)
    healthy(partner_a)
    snap = snapshot(partner_a)
    stored(partner_a, day=DAY - timedelta(days=30), score=60)

    def version():
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT ctid::text FROM {PartnerSnapshot._meta.db_table} WHERE id = %s", [snap.pk])
            return cursor.fetchone()[0]

    score(partner_a)
    written = version()
    score(partner_a)  # the same night again: same score, change and flag
    assert version() == written
    with partner_scope(partner_a):
        snap.refresh_from_db()
    assert (snap.health_score, snap.health_change, snap.at_risk) == (100, 40, False)
    with partner_scope(partner_a):  # the comparison moves: the change is rewritten
        HealthScore.objects.filter(day=DAY - timedelta(days=30)).update(score=90)
    score(partner_a)
    with partner_scope(partner_a):
        snap.refresh_from_db()
    assert (snap.health_score, snap.health_change) == (100, 10)
    if connection.vendor == "postgresql":
        assert version() != written


def test_writing_needs_a_scope_covering_the_chunk(partner_a, partner_b):
    with pytest.raises(ScopeError):
        scoring.score_partners([partner_a.pk], DAY)
    with partner_scope(partner_a), pytest.raises(ScopeError):
        scoring.score_partners([partner_a.pk, partner_b.pk], DAY)


def test_score_all_covers_onboarding_and_active_partners_only(region_a):
    only_weights(login_recency=1)
    active = PartnerFactory(region=region_a)
    onboarding = PartnerFactory(region=region_a, status=PartnerOrganization.Status.ONBOARDING)
    prospect = PartnerFactory(region=region_a, status=PartnerOrganization.Status.PROSPECT)
    suspended = PartnerFactory(region=region_a, status=PartnerOrganization.Status.SUSPENDED)
    result = scoring.score_all(DAY, chunk_size=1)
    assert result.scored == 2
    for partner, expected in ((active, 1), (onboarding, 1), (prospect, 0), (suspended, 0)):
        with partner_scope(partner):
            assert HealthScore.objects.filter(day=DAY).count() == expected


def test_the_nightly_task_fans_out_chunks_that_score_the_day(region_a, monkeypatch):
    only_weights(login_recency=1)
    partners = [PartnerFactory(region=region_a) for _ in range(3)]
    monkeypatch.setattr(scoring, "CHUNK_SIZE", 2)
    assert tasks.health_score_all.delay(day=DAY.isoformat()).get() == 2
    for partner in partners:
        assert score_of(partner).score == 0  # nobody signed in


# --- the tier metric -------------------------------------------------------------------------------------------

def test_the_tier_metric_is_the_latest_score_on_or_before_the_day(partner_a, partner_b, region_a):
    never = PartnerFactory(region=region_a)
    stored(partner_a, day=DAY - timedelta(days=5), score=50)
    stored(partner_a, day=DAY, score=70)
    stored(partner_a, day=DAY + timedelta(days=3), score=90)
    stored(partner_b, day=DAY - timedelta(days=400), score=33)
    ids = [partner_a.pk, partner_b.pk, never.pk]
    with partners_scope(ids):
        assert health_metrics.health_score(ids, DAY) == {partner_a.pk: 70, partner_b.pk: 33}
        assert metrics.available(metrics.HEALTH_SCORE)
        measured = metrics.measure(ids, DAY)
    assert measured.value(metrics.HEALTH_SCORE, partner_a.pk) == 70
    assert measured.value(metrics.HEALTH_SCORE, never.pk) == 0
    with partner_scope(partner_a):  # partners outside the scope are not read
        assert health_metrics.health_score(ids, DAY) == {partner_a.pk: 70}
    with pytest.raises(ScopeError):
        health_metrics.health_score(ids, DAY)
