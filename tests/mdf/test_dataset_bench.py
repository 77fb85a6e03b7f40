"""The MDF dataset step and benchmark cases (shapes, not speed: SQLite here), and the O(1) fund balance."""

import dataclasses
import io
import json
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mdf import dataset
from mdf.models import Activity, Claim, Fund, FundEntry, Payment
from mdf.periods import quarter_of
from mdf.selectors import balances_for, fund_ledger_totals
from mdf.services.funds import fund_for_period
from mdf.services.ledger import TOTALS, Posting, fund_lock, ledger_post_many
from partners.management.commands import generate_dataset as gd
from prm.benchmarks import REGISTRY
from prm.common.fx import RateBook
from prm.tenancy.scoping import partner_scope, unscoped
from tests.mdf.helpers import fund_with

pytestmark = pytest.mark.django_db

LINE = re.compile(r"^[\w.]+: [\d.]+ \S+ \(baseline [\d.]+ \S+, ratio [\d.]+\)$")
CASES = ("mdf.fund_balance", "mdf.allocate_quarter", "mdf.activity_list_portal")


def test_the_dataset_gives_active_partners_funds_activities_and_a_ledger_that_adds_up(partner_a):
    mine = fund_with(partner_a, Decimal("1000"))
    with CaptureQueriesContext(connection) as small:
        gd.generate_dataset(partners=10, users_per_partner=1)
    with unscoped():
        active = set(gd.synthetic_partners().filter(status="active").values_list("pk", flat=True))
        funds = list(Fund.objects.filter(partner_id__in=active))
        activities = list(Activity.objects.filter(partner_id__in=active))
        claims = list(Claim.objects.filter(partner_id__in=active).select_related("activity"))
        # this quarter's and last quarter's fund for each active partner, nothing for the others
        assert Counter(f.partner_id for f in funds) == dict.fromkeys(active, 2)
        assert not Fund.objects.filter(partner__name__startswith=gd.PARTNER_PREFIX).exclude(partner_id__in=active).exists()
        current = quarter_of(timezone.localdate())[0]
        assert {f.status for f in funds if f.period_start == current} == {Fund.Status.OPEN}
        for fund in funds:
            assert fund_ledger_totals(fund=fund) == {name: getattr(fund, name) for name in TOTALS}
            assert fund.available >= 0 and fund.paid <= fund.spent
            if fund.status == Fund.Status.EXPIRED:
                assert fund.available == 0
        portal = gd.synthetic_partners().get(name=gd.partner_name(1))
        assert sum(a.partner_id == portal.pk for a in activities) == dataset.PORTAL_PARTNER_ACTIVITIES
        assert {a.status for a in activities} == set(Activity.Status.values)
        assert all(a.reference.startswith(dataset.REFERENCE_PREFIX) and a.currency for a in activities)
        assert all(c.activity.status == Activity.Status.COMPLETED for c in claims)
        paid = [c for c in claims if c.status == Claim.Status.PAID]
        assert paid and Payment.objects.filter(claim__in=paid).count() == len(paid)
        entries = FundEntry.objects.filter(partner_id__in=active)
        assert entries.filter(kind="spend", claim__isnull=True).count() == 0
        # the keys the services use: a later approval or payment of the same row is refused as a repeat
        assert entries.filter(kind="reservation", key__startswith="reservation:activity:").count() == \
            entries.filter(kind="reservation").count()

    # the same statements for 10 partners as for 40: five writes (COPY on PostgreSQL, which the capture does not
    # see) and the reads of the new ids
    def mdf_statements(queries, start=""):
        return [q["sql"] for q in queries.captured_queries
                if re.search(r'(FROM|INTO) "mdf_', q["sql"]) and q["sql"].startswith(start)]

    with CaptureQueriesContext(connection) as large:
        gd.generate_dataset(partners=40, users_per_partner=1)
    assert len(mdf_statements(large)) == len(mdf_statements(small)) > 0
    if connection.vendor == "sqlite":
        assert len(mdf_statements(large, "INSERT")) == len(mdf_statements(small, "INSERT")) == 5

    # reset removes every synthetic MDF row, the append-only ledger included, and nothing else
    removed = gd.reset_dataset()
    assert removed["mdf"] > 0
    with unscoped():
        assert not FundEntry.objects.filter(partner__name__startswith=gd.PARTNER_PREFIX).exists()
        assert list(Fund.objects.values_list("pk", flat=True)) == [mine.pk]
        assert FundEntry.objects.filter(fund=mine).count() == 1
    with pytest.raises(Exception, match="append-only"), transaction.atomic():  # the triggers are back
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM mdf_fundentry")


def test_register_adds_the_step_once(monkeypatch):
    monkeypatch.setattr(gd, "STEPS", list(gd.STEPS))
    dataset.register()
    dataset.register()
    assert [s.name for s in gd.STEPS].count("mdf") == 1
    names = [s.name for s in gd.STEPS]
    assert names.index("mdf") > names.index("registrations")  # after the registrations: its reset runs first


def test_fund_balance_takes_the_same_queries_for_one_entry_and_for_500(partner_a, partner_b):
    today = timezone.localdate()
    fund_with(partner_a, Decimal("10"))  # one entry (and the exchange rates)
    fund_with(partner_b, Decimal("10"))
    with partner_scope(partner_b), transaction.atomic():
        fund = fund_lock(fund_id=fund_for_period(partner=partner_b, day=today).pk)
        ledger_post_many(postings=[Posting(fund=fund, kind=FundEntry.Kind.ALLOCATION, amount=Decimal("1"),
                                           key=f"many:{i}", occurred_on=today) for i in range(499)],
                         book=RateBook(currencies={"JPY"}, start=today, end=today))
        assert FundEntry.objects.filter(fund=fund).count() == 500
    counts = {}
    for partner in (partner_a, partner_b):
        with partner_scope(partner), CaptureQueriesContext(connection) as queries:
            balances = balances_for(partner=partner, today=today)
        counts[partner.pk] = len(queries.captured_queries)
    assert counts[partner_a.pk] == counts[partner_b.pk] == 1
    assert balances.allocated == Decimal("509.00") and balances.currency == "JPY"


def test_the_bench_cases_run(tmp_path, monkeypatch):
    import prm.benchmarks.cases  # noqa: F401 - registers the cases

    for name in CASES:
        monkeypatch.setitem(REGISTRY, name, dataclasses.replace(REGISTRY[name], repeat=1, number=1, warmup=0))
    monkeypatch.setenv("PRM_BENCH_MDF_PARTNERS", "25")
    monkeypatch.setenv("PRM_BENCH_MDF_ENTRIES", "30")
    monkeypatch.setenv("DATASET_MDF_ACTIVITIES_PER_PARTNER", "2")
    monkeypatch.setenv("DATASET_DEALS_PER_PARTNER", "0")
    output = tmp_path / "results.json"
    out, err = io.StringIO(), io.StringIO()
    args = [arg for name in CASES for arg in ("--only", name)]
    call_command("bench", "--allow-sqlite", "--partners", "4", *args, "--output", str(output), stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert len(lines) == 3 and all(LINE.match(line) for line in lines), out.getvalue() + err.getvalue()
    assert [row["name"] for row in json.loads(output.read_text())] == list(CASES)
    assert "1 query for 1 and for 30 ledger entries" in err.getvalue()
    assert "25 partners in 1 chunks" in err.getvalue()
    with unscoped():  # every case rolled its rows back
        assert gd.synthetic_partner_count() == 4
        assert not Fund.objects.filter(period_start__gt=quarter_of(timezone.localdate())[1]).exists()
