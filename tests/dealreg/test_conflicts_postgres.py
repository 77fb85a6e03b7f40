"""The conflict engine on PostgreSQL: pg_trgm similarity over the GIN indexes of dealreg/sql.py.

Skipped on SQLite (the default test database); the lead's CI runs it with DATABASE_URL set.
"""

import pytest
from django.db import connection, transaction

from dealreg import sql
from dealreg.conflicts import NAME_SIMILAR, conflict_sql, find_conflicts, set_threshold_sql

from .engine_helpers import make_account, make_deal

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db,
]


@pytest.fixture(autouse=True)
def trigram_sql(db):
    """Tests run with --nomigrations: apply the extension and indexes the migration will carry, if missing."""
    with connection.cursor() as cursor:
        for statement in sql.FORWARD["postgresql"]:
            cursor.execute(statement)


def test_pg_trgm_finds_a_similar_name_without_a_shared_word(partner_a, partner_b):
    # "Mikrosoft" shares no whole word with "Microsoft": the SQLite fallback's prefilter would miss it.
    theirs = make_deal(partner=partner_b, customer_name="Microsoft Corporation", customer_domain="")
    hits = find_conflicts(customer_name="Mikrosoft", customer_domain="", customer_country="DE",
                          partner_id=partner_a.pk)
    assert [h.object_id for h in hits] == [theirs.pk]
    assert NAME_SIMILAR in hits[0].reasons and 0.5 <= hits[0].similarity < 1


def test_similarity_agrees_with_the_python_port(partner_a, partner_b):
    make_deal(partner=partner_b, customer_name="Müller Systems GmbH", customer_domain="")
    [hit] = find_conflicts(customer_name="Mueller Systems AG", customer_domain="", partner_id=partner_a.pk)
    assert hit.similarity == pytest.approx(13 / 18, abs=0.001)


def test_vendor_account_by_trigram(partner_a):
    account = make_account(name="Wayne Enterprises Inc.", domain="", country="US")
    [hit] = find_conflicts(customer_name="Wayne Enterprise", customer_domain="", partner_id=partner_a.pk)
    assert hit.vendor_account_id == account.pk


def test_the_trigram_indexes_serve_the_similarity_operator():
    """Which index a statement uses on a near-empty table is the planner's choice (the bench measures the
    check on 1M rows); here: the GIN trigram indexes exist with the definitions the engine relies on."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY(%s)",
                       [["dealreg_deal_name_trgm", "dealreg_vendoraccount_name_trgm"]])
        definitions = dict(cursor.fetchall())
    deal_index = definitions["dealreg_deal_name_trgm"]
    assert "USING gin (customer_name_normalized gin_trgm_ops)" in deal_index
    for status in ("submitted", "more_info", "approved"):  # partial: the open registrations only
        assert status in deal_index
    assert "USING gin (name_normalized gin_trgm_ops)" in definitions["dealreg_vendoraccount_name_trgm"]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(*set_threshold_sql())
        cursor.execute("SHOW pg_trgm.similarity_threshold")
        assert cursor.fetchone()[0] == "0.5"
    statement, params = conflict_sql(name="acme", domain="acme.de", products=[], exclude_deal_id=None, partner_id=0)
    with transaction.atomic(), connection.cursor() as cursor:  # the one statement runs as written
        cursor.execute(*set_threshold_sql())
        cursor.execute(statement, params)
        assert cursor.fetchall() == []
