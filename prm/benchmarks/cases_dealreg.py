"""Deal registration's benchmark cases (imported at the end of prm/benchmarks/cases.py).

- dealreg.conflict_check: the conflict engine against the raw SQL it needs; target ratio <= 2 and < 50 ms
  on 1M registrations / 10k partners (``DATASET_DEALS_PER_PARTNER=100 make bench BENCH_ARGS="--partners 10000"``).
- dealreg.import_vendor_accounts_rows_per_s: the CRM import against a raw COPY; size PRM_BENCH_IMPORT_ROWS.
Defaults stay small so ``make bench`` stays fast.
"""

import os

from django.db import connection, transaction
from django.utils import timezone

from partners.management.commands.generate_dataset import PARTNER_PREFIX

from .runner import BenchContext, BenchError, Trial, case


def _conflict_sample() -> tuple[dict, int]:
    """An open synthetic registration with a domain, and a partner other than its own to ask as (raw SQL:
    a sample across partners, no scope involved)."""
    from dealreg.dataset import REFERENCE_PREFIX, ensure_registrations
    from dealreg.models import Deal
    from partners.models import PartnerOrganization

    ensure_registrations()
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {q('partner_id')}, {q('customer_name')}, {q('customer_domain')}, {q('customer_country')} "
            f"FROM {q(Deal._meta.db_table)} WHERE {q('reference')} LIKE %s AND {q('status')} IN (%s, %s) "
            f"AND {q('customer_domain')} <> '' ORDER BY {q('id')} LIMIT 1",
            [REFERENCE_PREFIX + "%", Deal.Status.SUBMITTED.value, Deal.Status.MORE_INFO.value],
        )
        row = cursor.fetchone()
        if row is None:
            raise BenchError("No open synthetic registration: run generate_dataset with DATASET_DEALS_PER_PARTNER > 0.")
        cursor.execute(f"SELECT {q('id')} FROM {q(PartnerOrganization._meta.db_table)} WHERE {q('name')} LIKE %s "
                       f"AND {q('id')} <> %s ORDER BY {q('id')} LIMIT 1", [PARTNER_PREFIX + "%", row[0]])
        asking = cursor.fetchone()
    if asking is None:
        raise BenchError("The conflict check needs two synthetic partners.")
    return {"customer_name": row[1], "customer_domain": row[2], "customer_country": row[3]}, asking[0]


@case("dealreg.conflict_check", unit="ms", repeat=21, number=10)
def dealreg_conflict_check(ctx: BenchContext):
    """find_conflicts() for a customer other partners registered (name in other spelling, URL), against the raw
    SQL it needs (SET LOCAL threshold + the one domain-OR-trigram statement)."""
    from dealreg.conflicts import conflict_sql, find_conflicts, set_threshold_sql
    from dealreg.models import Deal
    from dealreg.normalize import normalize_company_name
    from prm.common.domains import company_domain

    sample, asking = _conflict_sample()
    name = sample["customer_name"].upper()
    url = f"https://www.{sample['customer_domain']}/contact"
    country = sample["customer_country"]

    def measured():
        if not find_conflicts(customer_name=name, customer_domain=url, customer_country=country, partner_id=asking):
            raise BenchError("The sample customer found no conflict.")

    if connection.vendor == "postgresql":
        sql, params = conflict_sql(name=normalize_company_name(name), domain=company_domain(url), products=[],
                                   exclude_deal_id=None, partner_id=asking)

        def baseline():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(*set_threshold_sql())
                cursor.execute(sql, params)
                cursor.fetchall()
    else:  # --allow-sqlite: the fallback's candidate query, raw
        q = connection.ops.quote_name
        sql = (f"SELECT {q('id')}, {q('customer_name_normalized')}, {q('customer_domain')} FROM "
               f"{q(Deal._meta.db_table)} WHERE {q('status')} IN ('submitted', 'more_info', 'approved') AND "
               f"({q('customer_domain')} = %s OR {q('customer_name_normalized')} LIKE %s) LIMIT 2000")
        params = [company_domain(url), f"%{normalize_company_name(name).split(' ')[0]}%"]

        def baseline():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()

    yield Trial(measured=measured, baseline=baseline)


def bench_import_rows() -> int:
    return max(100, int(os.environ.get("PRM_BENCH_IMPORT_ROWS", "5000")))


@case("dealreg.import_vendor_accounts_rows_per_s", unit="rows/s", repeat=3)
def dealreg_import_rows(ctx: BenchContext):
    """The CRM import of vendor accounts (read the CSV, check every row, bulk upsert), rolled back, against a raw
    COPY of the same, already checked rows into the same table and indexes, rolled back: the ratio is the
    price of reading and checking every row."""
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from dealreg import imports
    from dealreg.models import ImportJob, VendorAccount

    n = bench_import_rows()
    lines = ["external_id,name,domain,country,owner_name,owner_email"]
    lines += [f"BENCH-{i},Bench Customer {i} GmbH,https://www.bench-customer-{i}.de,DE,Owner {i % 50},"
              f"owner{i % 50}@vendor.com" for i in range(n)]
    path = default_storage.save("bench/vendor-accounts.csv", ContentFile(("\n".join(lines) + "\n").encode()))
    job = ImportJob(kind=ImportJob.Kind.VENDOR_ACCOUNTS, file=path)
    columns = ["external_id", "name", "name_normalized", "domain", "country", "owner_name", "owner_email",
               "created_at", "updated_at"]
    _result, objects, _importer = imports.validate(job)
    now = timezone.now()
    values = [tuple(now if c.endswith("_at") else getattr(o, c) for c in columns) for o in objects]
    q = connection.ops.quote_name
    table = q(VendorAccount._meta.db_table)
    column_sql = ", ".join(q(c) for c in columns)

    def measured() -> int:
        with transaction.atomic():
            result, rows, importer = imports.validate(job)
            if not result.is_valid:
                raise BenchError(f"the bench file has row errors: {result.errors[:3]}")
            count = importer.write(rows)
            transaction.set_rollback(True)
        return count

    def baseline() -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:
                cursor.executemany(f"INSERT INTO {table} ({column_sql}) VALUES ({', '.join(['%s'] * len(columns))})",
                                   values)
            transaction.set_rollback(True)
        return len(values)

    try:
        yield Trial(measured=measured, baseline=baseline)
    finally:
        default_storage.delete(path)
