"""Market development funds' benchmark cases (imported at the end of prm/benchmarks/cases.py).

- mdf.fund_balance: ``balances_for`` of a partner whose fund has PRM_BENCH_MDF_ENTRIES ledger entries (default
  500), against a single-row primary-key SELECT; the case fails when its query count differs from that of a
  partner with one entry (the totals live on the fund row: O(1) whatever the ledger's length).
- mdf.allocate_quarter: the quarterly allocation, ``funds_allocate_chunk`` in chunks of mdf.tasks.PARTNER_CHUNK
  over PRM_BENCH_MDF_PARTNERS fresh partners (default 20000), against one INSERT ... SELECT each of the same
  funds and entries.
- mdf.activity_list_portal: the first page of the portal's activity list through the selector in the partner's
  scope, against the same SQL run raw.
Everything a case writes is rolled back. Defaults keep ``make bench`` quick.
"""

import os
import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.management.commands.generate_dataset import PARTNER_PREFIX, partner_rows, write_rows

from .runner import BenchContext, BenchError, Trial, case

PAGE = 25
BENCH_NUMBERS_FROM = 700_001  # partner numbers of the allocation case's rolled-back partners


def bench_entries() -> int:
    return max(2, int(os.environ.get("PRM_BENCH_MDF_ENTRIES", "500")))


def bench_partners() -> int:
    return max(10, int(os.environ.get("PRM_BENCH_MDF_PARTNERS", "20000")))


def _synthetic_partner_with_activities() -> tuple[int, int]:
    """(partner id, activities) of the synthetic partner with the most MDF activities (raw SQL: a sample across
    partners, no scope involved)."""
    from mdf.models import Activity
    from partners.models import PartnerOrganization

    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.{q('partner_id')}, COUNT(*) FROM {q(Activity._meta.db_table)} a "
            f"JOIN {q(PartnerOrganization._meta.db_table)} p ON p.{q('id')} = a.{q('partner_id')} "
            f"WHERE p.{q('name')} LIKE %s GROUP BY a.{q('partner_id')} ORDER BY COUNT(*) DESC, a.{q('partner_id')} "
            f"LIMIT 1", [PARTNER_PREFIX + "%"])
        row = cursor.fetchone()
    if row is None:
        raise BenchError("No synthetic MDF activities: run generate_dataset (the mdf step) with "
                         "DATASET_MDF_ACTIVITIES_PER_PARTNER > 0.")
    return row[0], row[1]


def _names(numbers: range) -> list[str]:
    """The first and last partner names of ``numbers`` (numbered names sort like their numbers)."""
    return [f"{PARTNER_PREFIX}{numbers[0]:06d}", f"{PARTNER_PREFIX}{numbers[-1]:06d}"]


def _new_partners(numbers: range, *, now) -> list[int]:
    """Active resellers with a funded tier (gold or platinum of the sell-through program), written in bulk in the
    caller's transaction; their ids."""
    from partners.demo_tiers import ensure_tier_programs
    from partners.management.commands.seed_demo import ensure_regions
    from partners.models import PartnerOrganization, PartnerTier

    ladder = ensure_tier_programs()["sell-through"]
    tiers = [ladder["silver"], ladder["gold"], ladder["platinum"]]
    rows = ({**row, "status": PartnerOrganization.Status.ACTIVE.value,
             "partner_type": PartnerOrganization.PartnerType.RESELLER.value}
            for row in partner_rows(numbers, rng=random.Random(7), regions=ensure_regions(), now=now))
    write_rows(PartnerOrganization, rows, now=now)
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {q('id')} FROM {q(PartnerOrganization._meta.db_table)} "
                       f"WHERE {q('name')} BETWEEN %s AND %s ORDER BY {q('id')}", _names(numbers))
        ids = [pk for (pk,) in cursor.fetchall()]
    write_rows(PartnerTier, ({"partner_id": pk, "program_id": tiers[i % 3].program_id, "tier_id": tiers[i % 3].pk,
                              "since": now.date() - timedelta(days=90), "updated_at": now}
                             for i, pk in enumerate(ids)), now=now)
    return ids


def _ensure_rates(day) -> None:
    """A rate for every configured currency on ``day`` (the allocation converts at the period's first day)."""
    from dealreg.dataset import RATES
    from prm.common.models import ExchangeRate

    ExchangeRate.objects.bulk_create([
        ExchangeRate(date=day, from_currency=code, to_currency=settings.BASE_CURRENCY, rate=Decimal(RATES[code]))
        for code in settings.CURRENCIES if code != settings.BASE_CURRENCY and code in RATES
    ], ignore_conflicts=True)


@case("mdf.fund_balance", unit="ms", repeat=21, number=50)
def mdf_fund_balance(ctx: BenchContext):
    """balances_for() of a partner with PRM_BENCH_MDF_ENTRIES ledger entries (same query count as with one entry),
    against a single-row primary-key SELECT of its fund."""
    from mdf.models import Fund, FundEntry
    from mdf.selectors import balances_for
    from mdf.services.funds import fund_for_period
    from mdf.services.ledger import Posting, fund_lock, ledger_post_many
    from partners.models import PartnerOrganization
    from prm.common.fx import RateBook
    from prm.tenancy.scoping import partner_scope

    today = timezone.localdate()
    n = bench_entries()
    q = connection.ops.quote_name
    with transaction.atomic():
        _ensure_rates(today)
        big_id, small_id = _new_partners(range(BENCH_NUMBERS_FROM - 2, BENCH_NUMBERS_FROM), now=timezone.now())
        big, small = PartnerOrganization.objects.get(pk=big_id), PartnerOrganization.objects.get(pk=small_id)
        book = RateBook(currencies={big.currency, small.currency}, start=today, end=today)
        for partner, count in ((big, n), (small, 1)):
            with partner_scope(partner):
                fund = fund_lock(fund_id=fund_for_period(partner=partner, day=today).pk)
                ledger_post_many(postings=[Posting(fund=fund, kind=FundEntry.Kind.ALLOCATION, amount=Decimal("10"),
                                                   key=f"bench:{i}", occurred_on=today) for i in range(count)],
                                 book=book)
                if FundEntry.objects.filter(fund=fund).count() != count:
                    raise BenchError(f"{partner} has not {count} ledger entries.")
                if partner is big:
                    fund_id = fund.pk
        counts = []
        for partner in (small, big):
            with partner_scope(partner), CaptureQueriesContext(connection) as queries:
                balances_for(partner=partner, today=today)
            counts.append(len(queries.captured_queries))
        if counts[0] != counts[1]:
            raise BenchError(f"balances_for() ran {counts[0]} queries for 1 entry and {counts[1]} for {n}: not O(1).")
        ctx.log(f"mdf.fund_balance: {counts[1]} query for 1 and for {n} ledger entries")
        sql = f"SELECT * FROM {q(Fund._meta.db_table)} WHERE {q('id')} = %s"

        def measured():
            with partner_scope(big):
                balances_for(partner=big, today=today)

        def baseline():
            with connection.cursor() as cursor:
                cursor.execute(sql, [fund_id])
                cursor.fetchall()

        try:
            yield Trial(measured=measured, baseline=baseline)
        finally:
            transaction.set_rollback(True)


def _allocation_baseline_sql(*, numbers: range, start, end, expires_on, label) -> tuple[list[str], list]:
    """The same funds and allocation entries as funds_allocate_chunk writes, each table in one INSERT ... SELECT
    (amounts converted at the rate on the period's first day; the base currency at 1)."""
    from mdf.models import Fund, FundEntry
    from partners.models import PartnerOrganization, PartnerTier, Tier
    from prm.common.models import ExchangeRate

    q = connection.ops.quote_name
    fund, entry = Fund._meta.db_table, FundEntry._meta.db_table
    rate = (f"COALESCE((SELECT r.{q('rate')} FROM {q(ExchangeRate._meta.db_table)} r WHERE r.{q('date')} = %s "
            f"AND r.{q('to_currency')} = %s AND r.{q('from_currency')} = p.{q('currency')}), 1)")
    funds_sql = (
        f"INSERT INTO {q(fund)} ({q('partner_id')}, {q('label')}, {q('period_start')}, {q('period_end')}, "
        f"{q('expires_on')}, {q('currency')}, {q('status')}, {q('allocated')}, {q('reserved')}, {q('spent')}, "
        f"{q('paid')}, {q('expired')}, {q('created_at')}) "
        f"SELECT p.{q('id')}, %s, %s, %s, %s, p.{q('currency')}, 'open', ROUND(t.{q('mdf_allocation_per_quarter')} / "
        f"{rate}, 2), 0, 0, 0, 0, %s FROM {q(PartnerOrganization._meta.db_table)} p "
        f"JOIN {q(PartnerTier._meta.db_table)} pt ON pt.{q('partner_id')} = p.{q('id')} "
        f"JOIN {q(Tier._meta.db_table)} t ON t.{q('id')} = pt.{q('tier_id')} "
        f"WHERE p.{q('name')} BETWEEN %s AND %s AND t.{q('mdf_allocation_per_quarter')} IS NOT NULL")
    entries_sql = (
        f"INSERT INTO {q(entry)} ({q('partner_id')}, {q('fund_id')}, {q('kind')}, {q('amount')}, {q('currency')}, "
        f"{q('base_amount')}, {q('base_currency')}, {q('fx_rate')}, {q('occurred_on')}, {q('key')}, {q('reason')}, "
        f"{q('created_at')}) "
        f"SELECT f.{q('partner_id')}, f.{q('id')}, 'allocation', f.{q('allocated')}, f.{q('currency')}, "
        f"t.{q('mdf_allocation_per_quarter')}, %s, 1, %s, 'allocation:tier', 'Quarterly allocation', %s "
        f"FROM {q(fund)} f JOIN {q(PartnerTier._meta.db_table)} pt ON pt.{q('partner_id')} = f.{q('partner_id')} "
        f"JOIN {q(Tier._meta.db_table)} t ON t.{q('id')} = pt.{q('tier_id')} "
        f"JOIN {q(PartnerOrganization._meta.db_table)} p ON p.{q('id')} = f.{q('partner_id')} "
        f"WHERE f.{q('period_start')} = %s AND p.{q('name')} BETWEEN %s AND %s")
    now = timezone.now()
    params = [[label, start, end, expires_on, start, settings.BASE_CURRENCY, now, *_names(numbers)],
              [settings.BASE_CURRENCY, start, now, start, *_names(numbers)]]
    return [funds_sql, entries_sql], params


@case("mdf.allocate_quarter", unit="ms", repeat=3, warmup=0)
def mdf_allocate_quarter(ctx: BenchContext):
    """The quarterly allocation of PRM_BENCH_MDF_PARTNERS partners (funds_allocate_chunk per chunk of
    mdf.tasks.PARTNER_CHUNK, each in its partners' scope), against one INSERT ... SELECT of the funds and one of
    their entries. Both rolled back."""
    from mdf.models import MdfProgram
    from mdf.periods import quarter_of
    from mdf.services import funds_allocate_chunk
    from mdf.tasks import PARTNER_CHUNK, _chunked
    from prm.tenancy.scoping import partners_scope

    n = bench_partners()
    # Next quarter: no fund of any partner exists for it yet.
    start, end, label = quarter_of(quarter_of(timezone.localdate())[1] + timedelta(days=1))
    expires_on = end + timedelta(days=MdfProgram.current().fund_grace_days)
    with transaction.atomic():
        numbers = range(BENCH_NUMBERS_FROM, BENCH_NUMBERS_FROM + n)
        ids = _new_partners(numbers, now=timezone.now())
        _ensure_rates(start)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE partners_partnerorganization, partners_partnertier, mdf_fund, mdf_fundentry")
        chunks = list(_chunked(ids, PARTNER_CHUNK))
        statements, params = _allocation_baseline_sql(numbers=numbers, start=start, end=end, expires_on=expires_on, label=label)

        def measured():
            with transaction.atomic():
                written = 0
                for chunk in chunks:
                    with partners_scope(chunk):
                        written += funds_allocate_chunk(partner_ids=chunk, day=start)
                if written != len(ids):
                    raise BenchError(f"funds_allocate_chunk wrote {written} allocations for {len(ids)} partners.")
                transaction.set_rollback(True)

        def baseline():
            with transaction.atomic(), connection.cursor() as cursor:
                for sql, values in zip(statements, params, strict=True):
                    cursor.execute(sql, values)
                transaction.set_rollback(True)

        ctx.log(f"mdf.allocate_quarter: {len(ids)} partners in {len(chunks)} chunks")
        try:
            yield Trial(measured=measured, baseline=baseline)
        finally:
            transaction.set_rollback(True)
    _vacuum("partners_partnerorganization", "partners_partnertier", "mdf_fund", "mdf_fundentry")


def _vacuum(*tables: str) -> None:
    """Clear the rows the rolled-back runs left behind, so later cases (and later runs) do not wade through them
    while autovacuum has not come by. PostgreSQL only, outside any transaction."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(connection.ops.quote_name(t) for t in tables)}")


@case("mdf.activity_list_portal", unit="ms", repeat=21, number=20)
def mdf_activity_list_portal(ctx: BenchContext):
    """The first page of the portal's MDF activity list (activity_list_for_portal, in the partner's scope), against
    the same SQL run raw."""
    from mdf.selectors import activity_list_for_portal
    from partners.models import PartnerOrganization
    from prm.tenancy.scoping import partner_scope

    partner_id, count = _synthetic_partner_with_activities()
    partner = PartnerOrganization.objects.get(pk=partner_id)
    with partner_scope(partner):
        sql, params = activity_list_for_portal(partner=partner)[:PAGE].query.sql_with_params()
    ctx.log(f"mdf.activity_list_portal: {partner} has {count} activities; first page of {min(count, PAGE)}")

    def measured():
        with partner_scope(partner):
            rows = list(activity_list_for_portal(partner=partner)[:PAGE])
        if not rows:
            raise BenchError("The activity list is empty.")

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    yield Trial(measured=measured, baseline=baseline)
