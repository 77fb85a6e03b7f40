"""prm.common.pipeline: queued statements run in order, their errors surface as Django's and roll back the
caller's transaction; outside a pipeline (SQLite, or no block) Queued reads at once."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from prm.common.models import ExchangeRate
from prm.common.pipeline import Queued, pipelined

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="pipeline mode is PostgreSQL's")
TABLE = ExchangeRate._meta.db_table
INSERT = f"INSERT INTO {TABLE} (date, from_currency, to_currency, rate, created_at) VALUES (%s, %s, %s, %s, %s)"


def _count() -> int:
    return ExchangeRate.objects.filter(date="2026-01-02").count()


def test_outside_a_pipeline_queued_reads_run_at_once():
    queued = Queued(connection, [("SELECT %s", [1]), ("SELECT %s", [2])])
    assert queued.rows() == [[(1,)], [(2,)]]


def test_a_read_queued_after_a_write_sees_it():
    with transaction.atomic(), pipelined(connection):
        with connection.cursor() as cursor:
            cursor.execute(INSERT, ["2026-01-02", "USD", "EUR", "0.9", timezone.now()])
        queued = Queued(connection, [(f"SELECT COUNT(*) FROM {TABLE} WHERE date = %s", ["2026-01-02"])])
        assert queued.rows() == [[(1,)]]
    assert _count() == 1


@postgresql_only
def test_a_failing_queued_write_raises_a_django_error_and_nothing_is_saved():
    ExchangeRate.objects.create(date="2026-01-03", from_currency="USD", to_currency="EUR", rate="0.9")
    with pytest.raises(IntegrityError):
        with transaction.atomic(), pipelined(connection):
            with connection.cursor() as cursor:
                cursor.execute(INSERT, ["2026-01-02", "GBP", "EUR", "1.1", timezone.now()])
                cursor.execute(INSERT, ["2026-01-03", "USD", "EUR", "0.8", timezone.now()])  # the (date, pair) is taken
            assert connection.connection.pgconn.pipeline_status != 0  # sent, not yet run: no error so far
    assert _count() == 0  # the first insert went with the transaction
    assert connection.connection.pgconn.pipeline_status == 0
    assert ExchangeRate.objects.count() == 1


@postgresql_only
def test_a_nested_block_keeps_the_one_pipeline():
    with transaction.atomic(), pipelined(connection):
        with pipelined(connection):
            Queued(connection, [("SELECT 1", [])]).rows()
        assert connection.connection.pgconn.pipeline_status != 0
    assert connection.connection.pgconn.pipeline_status == 0
