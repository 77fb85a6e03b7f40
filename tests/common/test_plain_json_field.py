"""prm.common.fields.PlainJSONField (a health score's components): stored as ``json`` on PostgreSQL, read back as
the same Python values through the ORM and raw SQL; keys can still be read in SQL."""

import pytest
from django.db import connection
from django.utils import timezone

from analytics.health.scoring import previous_scores
from analytics.models import HealthScore
from prm.tenancy.scoping import partner_scope

pytestmark = pytest.mark.django_db

COMPONENTS = {"psat": {"value": 7.5, "previous": None, "points": 3.75, "weight": 5.0, "detail": {"responses": 2}},
              "pipeline_growth": {"value": None, "previous": "0.00", "points": 15.0, "weight": 15.0}}


def _stored(partner, components):
    with partner_scope(partner):
        return HealthScore.objects.create(partner=partner, day="2026-03-01", score=42, components=components,
                                          computed_at=timezone.now())


def test_components_come_back_as_written(partner_a):
    row = _stored(partner_a, COMPONENTS)
    with partner_scope(partner_a):
        again = HealthScore.objects.get(pk=row.pk)
        assert again.components == COMPONENTS
        assert list(again.components) == ["psat", "pipeline_growth"]  # the order as written
        assert HealthScore.objects.values_list("components__psat__detail__responses", flat=True).get() == 2
        assert previous_scores([partner_a.pk], timezone.datetime(2026, 3, 2).date())[partner_a.pk].components \
            == COMPONENTS


def test_an_empty_document_reads_as_an_empty_dict(partner_a):
    row = _stored(partner_a, {})
    with partner_scope(partner_a):
        assert HealthScore.objects.get(pk=row.pk).components == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the json column type is PostgreSQL's")
def test_the_column_is_plain_json_on_postgresql():
    with connection.cursor() as cursor:
        cursor.execute("SELECT data_type FROM information_schema.columns WHERE table_name = %s AND column_name = %s",
                       [HealthScore._meta.db_table, "components"])
        assert cursor.fetchone() == ("json",)
