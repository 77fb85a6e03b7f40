"""refresh_partners as a batch job: constant queries per chunk, idempotent, confined to its partners."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from analytics.models import PartnerPipelineFact, PartnerQuarterFact, PartnerSnapshot, PsatResponse, PsatSurvey
from analytics.rollups import facts
from analytics.rollups.refresh import refresh_partners
from prm.tenancy.scoping import ScopeError, partner_scope, partners_scope, unscoped

from .rollups_helpers import TODAY, at, build_world, extra_partner

pytestmark = pytest.mark.django_db


def rows_of(partner) -> dict:
    """Every rollup row of a partner, without the surrogate ids (a refresh replaces rows)."""
    with partner_scope(partner):
        return {
            "snapshot": [model_to_dict(s, exclude=["id"]) for s in PartnerSnapshot.objects.filter(partner=partner)],
            "quarters": sorted((model_to_dict(r, exclude=["id"]) for r in PartnerQuarterFact.objects.filter(
                partner=partner)), key=lambda r: r["quarter"]),
            "pipeline": sorted((model_to_dict(r, exclude=["id"]) for r in PartnerPipelineFact.objects.filter(
                partner=partner)), key=lambda r: r["stage"]),
        }


def test_query_count_is_the_same_for_1_and_30_partners(region_a):
    partners = [extra_partner(region_a, n) for n in range(30)]
    refresh_partners([partners[0].pk], today=TODAY)  # first-use costs (e.g. a temporary table) out of the way
    with CaptureQueriesContext(connection) as one:
        assert refresh_partners([partners[0].pk], today=TODAY) == 1
    with CaptureQueriesContext(connection) as thirty:
        assert refresh_partners([p.pk for p in partners], today=TODAY) == 30
    assert len(one.captured_queries) == len(thirty.captured_queries)
    assert len(thirty.captured_queries) <= 30
    with unscoped():
        assert PartnerQuarterFact.objects.filter(quarter=date(2026, 4, 1), registrations_submitted=1).count() == 30


def test_running_twice_gives_identical_rows(partner_a, partner_b):
    world = build_world(partner_a, partner_b)
    ids = [world.a.pk, world.b.pk, world.c.pk]
    refresh_partners(ids, today=TODAY)
    first = {pid: rows_of(p) for pid, p in ((p.pk, p) for p in (world.a, world.b, world.c))}
    refresh_partners(ids, today=TODAY)
    assert {p.pk: rows_of(p) for p in (world.a, world.b, world.c)} == first
    assert first[world.a.pk]["quarters"] and first[world.a.pk]["pipeline"]


def test_refreshing_a_never_touches_b(partner_a, partner_b):
    world = build_world(partner_a, partner_b)
    refresh_partners([world.a.pk, world.b.pk], today=TODAY)
    before_b = rows_of(world.b)
    survey = PsatSurvey.objects.create(kind=PsatSurvey.Kind.DEAL_APPROVED)
    for partner in (world.a, world.b):
        with partner_scope(partner):
            PsatResponse.objects.create(partner=partner, survey=survey, score=10, language="en",
                                        submitted_at=at(2026, 6, 1))
    refresh_partners([world.a.pk], today=date(2026, 6, 16))
    assert rows_of(world.b) == before_b  # B's new answer waits for B's own refresh
    with partner_scope(world.a):
        assert PartnerQuarterFact.objects.get(partner=world.a, quarter=date(2026, 4, 1)).psat_responses == 5


def test_quarters_older_than_the_kept_ones_are_dropped(partner_a, settings):
    with partner_scope(partner_a):
        PartnerQuarterFact.objects.create(partner=partner_a, quarter=date(2020, 1, 1), registrations_submitted=9,
                                          refreshed_at=at(2020, 3, 1))
    settings.ANALYTICS_QUARTERS_KEPT = 8
    refresh_partners([partner_a.pk], today=TODAY)
    with partner_scope(partner_a):
        assert not PartnerQuarterFact.objects.filter(partner=partner_a).exists()
        assert PartnerSnapshot.objects.get(partner=partner_a).open_pipeline_base == Decimal("0")


def test_reads_fail_closed_outside_the_scope(partner_a, partner_b):
    window = facts.window_for(today=TODAY, kept=12)
    with pytest.raises(ScopeError):
        facts.Reader([partner_a.pk], window)
    with partners_scope([partner_a.pk]), pytest.raises(ScopeError):
        facts.Reader([partner_a.pk, partner_b.pk], window)


def test_unknown_partner_ids_are_skipped(partner_a):
    assert refresh_partners([partner_a.pk, 987654], today=TODAY) == 1
    assert refresh_partners([], today=TODAY) == 0
