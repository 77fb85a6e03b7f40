"""Segment rebuilds under concurrency, on PostgreSQL (SQLite serialises every write anyway): rebuilds started at the
same moment (the last nightly chunk and a dirty drain) take turns on the advisory lock, so the tables hold one set
of sums, never two."""

import pytest
from django.db import connection

from analytics.models import SegmentPipelineFact, SegmentQuarterFact, SegmentSnapshot
from analytics.rollups.segments import rebuild_segments
from tests.analytics.dashboards_helpers import build_world
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]


def tables() -> tuple[int, int, int, int]:
    return (SegmentSnapshot.objects.count(), SegmentQuarterFact.objects.count(), SegmentPipelineFact.objects.count(),
            sum(SegmentSnapshot.objects.values_list("partners", flat=True)))


def test_rebuilds_at_once_leave_one_set_of_sums(partner_a, partner_b, region_a):
    build_world(partner_a, partner_b, region_a)
    once = tables()
    assert once[3] == 3
    results = run_together(*[rebuild_segments] * 4)
    assert all(not isinstance(r, Exception) for r in results), results
    assert tables() == once
