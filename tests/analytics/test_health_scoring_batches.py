"""Health scoring in batches (analytics.health.scoring.score_partners): a chunk read, scored and written batch by
batch — on PostgreSQL in a pipeline, each batch stored one step late so that a drop's reasons can be read — stores
exactly what one batch would, whichever batch a partner falls in."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from analytics.health import scoring
from analytics.models import HealthScore, PartnerSnapshot
from prm.tenancy.scoping import partners_scope
from tests.factories import PartnerFactory

from .health_helpers import DAY, days_ago, deal, member, only_weights, stored

pytestmark = pytest.mark.django_db

# 30 days before, the dropped partners had full sign-in points and few pipeline points: now sign-in fell most
# (20 days: 37.74 points), so the drop explains it first, though the pipeline is the weaker component (the order
# a score below the threshold gets).
EARLIER = {"login_recency": {"value": 2, "points": 50, "weight": 50},
           "pipeline_growth": {"value": -40.0, "points": 12, "weight": 50}}
DROPPED = (1, 4, 6)  # in the 1st, 3rd and last batch of two


def _partners(region):
    """Seven partners: healthy, below the threshold, and three whose score dropped (one per batch of two)."""
    only_weights(login_recency=50, pipeline_growth=50)
    partners = [PartnerFactory(region=region, name=f"Batch partner {n}") for n in range(7)]
    for n, partner in enumerate(partners):
        member(partner, last_login=days_ago(45 if n in (0, 3) else 20 if n in DROPPED else 1))
        deal(partner, value=str(400 + 100 * n), registered_at=days_ago(10))
        deal(partner, value="1000", registered_at=days_ago(100))
    for n in DROPPED:
        stored(partners[n], day=DAY - timedelta(days=30), score=95, components=EARLIER)
    for partner in (partners[0], partners[5]):
        stored(partner, day=DAY - timedelta(days=30), score=60)
    return partners


def _rows(ids):
    with partners_scope(ids):
        return {row.partner_id: (row.score, row.previous_score, row.components, row.at_risk, row.reasons)
                for row in HealthScore.objects.filter(day=DAY)}


def _snapshots(partners):
    for partner in partners:
        with partners_scope([partner.pk]):
            PartnerSnapshot.objects.create(partner=partner, region=partner.region, country=partner.country,
                                           partner_type=partner.partner_type, status=partner.status,
                                           refreshed_at=timezone.now())


def test_batches_of_two_store_what_one_batch_stores(region_a, monkeypatch):
    partners = _partners(region_a)
    _snapshots(partners)
    ids = [p.pk for p in partners]
    with partners_scope(ids):
        whole = scoring.score_partners(ids, DAY)
    one_batch = _rows(ids)
    with partners_scope(ids):
        HealthScore.objects.filter(day=DAY).delete()
    monkeypatch.setattr(scoring, "BATCH_SIZE", 2)
    with partners_scope(ids):
        batched = scoring.score_partners(ids, DAY)
    assert _rows(ids) == one_batch and len(one_batch) == 7
    assert batched.as_dict() == whole.as_dict()
    # The drops are explained by what fell most since (sign-in), in whichever batch they are, the last one included.
    for n in DROPPED:
        score, previous, components, at_risk, reasons = one_batch[partners[n].pk]
        assert previous == 95 and at_risk is True and reasons[0] == "login_recency", (n, one_batch[partners[n].pk])
    assert one_batch[partners[2].pk][1] is None  # no earlier score
    with partners_scope(ids):
        snaps = dict(PartnerSnapshot.objects.values_list("partner_id", "health_score"))
    assert snaps == {pid: row[0] for pid, row in one_batch.items()}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="pipeline mode is PostgreSQL's")
def test_on_postgresql_the_writes_are_queued_in_a_pipeline(region_a, monkeypatch):
    partners = _partners(region_a)
    ids = [p.pk for p in partners]
    seen = []
    upsert = scoring._upsert_postgresql

    def recording(rows, day, now):
        seen.append((len(rows), connection.connection.pgconn.pipeline_status != 0))
        upsert(rows, day, now)

    monkeypatch.setattr(scoring, "_upsert_postgresql", recording)
    monkeypatch.setattr(scoring, "BATCH_SIZE", 3)
    with partners_scope(ids):
        scoring.score_partners(ids, DAY)
    assert seen == [(3, True), (3, True), (1, True)]
    assert connection.connection.pgconn.pipeline_status == 0  # closed with the chunk
    assert len(_rows(ids)) == 7


def test_a_currency_outside_the_programs_list_is_still_converted(partner_a):
    """The scoring reads the rates of the program's currencies once per chunk; a registration in another currency
    with a rate of its own is converted too (its rates read when met), not left out."""
    from django.conf import settings

    from .health_helpers import rate

    assert "NOK" not in settings.CURRENCIES
    only_weights(pipeline_growth=1)
    rate("NOK", "0.1")
    deal(partner_a, value="1500", currency="NOK", registered_at=days_ago(10))   # 150.00 EUR
    deal(partner_a, value="100", registered_at=days_ago(100))                     # 100 EUR: growth +50%
    with partners_scope([partner_a.pk]):
        scoring.score_partners([partner_a.pk], DAY)
        row = HealthScore.objects.get(day=DAY)
    assert row.components["pipeline_growth"]["detail"] == {"now": "150.00"}
    assert row.components["pipeline_growth"]["value"] == 50.0 and row.score == 100
