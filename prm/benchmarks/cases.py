"""The benchmark cases. Each measures one figure against a baseline taken in the same run.

They read the synthetic dataset (``generate_dataset``), which ``manage.py bench`` builds when missing.
The ratio is the figure that matters: absolute numbers move with the machine (PERFORMANCE.md).
"""

import random

from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from partners.management.commands.generate_dataset import PARTNER_PREFIX, partner_rows, write_rows
from partners.management.commands.seed_demo import ensure_regions
from partners.models import Membership, PartnerOrganization
from partners.selectors import member_list_for_portal
from prm.accounts.models import User
from prm.tenancy.scoping import partner_scope, unscoped

from .runner import BenchContext, BenchError, Trial, case

INSERT_ROWS = 2000
# Partner numbers for rows that are inserted and rolled back; far beyond any dataset size.
ROLLED_BACK_NUMBERS = range(900_001, 900_001 + INSERT_ROWS)


def portal_partner() -> tuple[PartnerOrganization, User]:
    """The first active synthetic partner and its admin: "a partner using the portal"."""
    with unscoped():  # picking a sample across partners; the measured code runs in its scope
        membership = (
            Membership.objects.filter(
                partner__name__startswith=PARTNER_PREFIX, partner__status=PartnerOrganization.Status.ACTIVE,
                role=Membership.Role.ADMIN, is_active=True,
            )
            .select_related("partner", "user")
            .order_by("partner__name")
            .first()
        )
    if membership is None:
        raise BenchError("No active synthetic partner with an admin: run manage.py generate_dataset.")
    return membership.partner, membership.user


@case("portal.member_list_scoped", unit="ms", repeat=21, number=50)
def member_list_scoped(ctx: BenchContext):
    """The portal's team list through the selector in a partner scope, against the same rows in raw SQL."""
    partner, _admin = portal_partner()
    q = connection.ops.quote_name
    member, person = Membership._meta, User._meta
    columns = [f"m.{q(f.column)}" for f in member.concrete_fields] + [f"u.{q(f.column)}" for f in person.concrete_fields]
    sql = (
        f"SELECT {', '.join(columns)} FROM {q(member.db_table)} m "
        f"INNER JOIN {q(person.db_table)} u ON u.{q(person.pk.column)} = m.{q(member.get_field('user').column)} "
        f"WHERE m.{q(member.get_field('partner').column)} = %s AND m.{q('is_active')} = %s ORDER BY u.{q('email')}"
    )

    def measured():
        with partner_scope(partner):
            list(member_list_for_portal(partner=partner))

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(sql, [partner.pk, True])
            cursor.fetchall()

    with partner_scope(partner):
        if not member_list_for_portal(partner=partner).exists():
            raise BenchError(f"{partner} has no members to list.")
    yield Trial(measured=measured, baseline=baseline)


@case("tenancy.middleware_request", unit="ms", repeat=15, number=5)
def middleware_request(ctx: BenchContext):
    """A signed-in partner admin's GET of the portal team page, against GET /healthz (one query, no template)."""
    _partner, admin = portal_partner()
    client = Client()

    def get(path: str):
        def call():
            response = client.get(path)
            if response.status_code != 200:
                raise BenchError(f"GET {path} answered {response.status_code}, not 200.")

        return call

    # The test client calls itself "testserver"; outside a test run that host is not allowed yet.
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        client.force_login(admin)
        try:
            yield Trial(measured=get(reverse("partners:team")), baseline=get(reverse("healthz")))
        finally:
            client.logout()


@case("dataset.generate_partners_rows_per_s", unit="rows/s", repeat=7)
def generate_partners_rows(ctx: BenchContext):
    """generate_dataset's partner insert (row building + COPY into the real table), against a raw COPY of
    the same rows into an unindexed temporary table. Both are rolled back."""
    regions = ensure_regions()
    now = timezone.now()
    rows = list(partner_rows(ROLLED_BACK_NUMBERS, rng=random.Random(1), regions=regions, now=now))
    names = list(rows[0])
    values = [tuple(row[name] for name in names) for row in rows]
    q = connection.ops.quote_name
    table = q("bench_partner_copy")
    columns = ", ".join(q(PartnerOrganization._meta.get_field(name).column) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMPORARY TABLE {table} AS SELECT {columns} "
                       f"FROM {q(PartnerOrganization._meta.db_table)} WHERE 1 = 0")

    def measured() -> int:
        with transaction.atomic():
            count = write_rows(
                PartnerOrganization, partner_rows(ROLLED_BACK_NUMBERS, rng=random.Random(1), regions=regions, now=now),
                now=now,
            )
            transaction.set_rollback(True)
        return count

    def baseline() -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:  # the --allow-sqlite fallback: one executemany
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})", values)
            transaction.set_rollback(True)
        return len(values)

    try:
        yield Trial(measured=measured, baseline=baseline)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


# --- tiers: the nightly recalculation against one aggregate query over the same facts -------------------------

TIER_FACTS = "bench_tier_facts"
TIER_MEMORY_LIMIT_MB = 300


def _tier_fact_rows(cursor, partner_ids: list[int], day0: int) -> None:
    """Synthetic, deterministic facts per partner in a temporary table: 0-12 won deals (amount, close day),
    0-8 certifications (expiry day) and a health score. Days are ordinals, so the SQL runs on both databases."""
    q = connection.ops.quote_name
    cursor.execute(f"DROP TABLE IF EXISTS {q(TIER_FACTS)}")
    cursor.execute(f"CREATE TEMPORARY TABLE {q(TIER_FACTS)} (partner_id bigint NOT NULL, kind smallint NOT NULL, "
                   f"amount numeric(14, 2) NOT NULL, day integer NOT NULL)")
    cursor.execute("DROP TABLE IF EXISTS bench_n")
    cursor.execute("CREATE TEMPORARY TABLE bench_n (n integer NOT NULL)")
    cursor.executemany("INSERT INTO bench_n (n) VALUES (%s)", [(n,) for n in range(1, 13)])
    cursor.execute("DROP TABLE IF EXISTS bench_p")
    cursor.execute("CREATE TEMPORARY TABLE bench_p (id bigint NOT NULL)")
    cursor.executemany("INSERT INTO bench_p (id) VALUES (%s)", [(pid,) for pid in partner_ids])
    # Every statement below has parameters, so the modulo operator is written "%%".
    h = "((p.id * 7919 + s.n * 104729) %% 1000)"
    insert = f"INSERT INTO {q(TIER_FACTS)} (partner_id, kind, amount, day) "
    cursor.execute(insert + f"SELECT p.id, 1, ({h} + 1) * 150, %s + 30 - (({h} * 47) %% 480) "
                   "FROM bench_p p CROSS JOIN bench_n s WHERE s.n <= (p.id * 31) %% 13", [day0])
    cursor.execute(insert + f"SELECT p.id, 2, 0, %s - 60 + (({h} * 13) %% 500) "
                   "FROM bench_p p CROSS JOIN bench_n s WHERE s.n <= (p.id * 17) %% 9", [day0])
    cursor.execute(insert + "SELECT p.id, 3, (p.id * 37) %% 101, %s FROM bench_p p", [day0])
    cursor.execute(f"CREATE INDEX bench_tier_facts_partner ON {q(TIER_FACTS)} (partner_id)")
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {q(TIER_FACTS)}")


def _tier_aggregate_sql(where: str) -> str:
    q = connection.ops.quote_name
    window = "kind = 1 AND day > %s AND day <= %s"
    return (f"SELECT partner_id, SUM(CASE WHEN {window} THEN amount ELSE 0 END), "
            f"SUM(CASE WHEN {window} THEN 1 ELSE 0 END), SUM(CASE WHEN kind = 2 AND day > %s THEN 1 ELSE 0 END), "
            f"CAST(MAX(CASE WHEN kind = 3 THEN amount END) AS INTEGER) FROM {q(TIER_FACTS)} {where} GROUP BY partner_id")


def _tier_window(as_of) -> list[int]:
    day = as_of.toordinal()
    return [day - 365, day, day - 365, day, day]


def tier_facts_provider(partner_ids: list[int], as_of) -> dict:
    """The four tier metrics from the synthetic facts: what dealreg, enablement and analytics will provide,
    here as one aggregate query per chunk."""
    from partners.tiers.metrics import ids_condition

    condition, params = ids_condition("partner_id", partner_ids)
    where = f"WHERE {condition}"
    values = {"won_revenue_ttm": {}, "won_deals_ttm": {}, "active_certifications": {}, "health_score": {}}
    with connection.cursor() as cursor:
        cursor.execute(_tier_aggregate_sql(where), _tier_window(as_of) + params)
        for pid, revenue, deals, certifications, health in cursor.fetchall():
            values["won_revenue_ttm"][pid] = revenue
            values["won_deals_ttm"][pid] = deals
            values["active_certifications"][pid] = certifications
            values["health_score"][pid] = health or 0
    return values


def _tier_case(ctx: BenchContext, *, days_later: int, name: str):
    """Shared by the tier cases: facts, two earlier nightly runs (so states have settled, as in production),
    then the measured run ``days_later`` days after the last one, rolled back each time."""
    import datetime
    import resource
    import tracemalloc

    from partners.models import PartnerTier, TierChange
    from partners.tiers import engine, metrics
    from partners.tiers.config import TierConfig
    from partners.tiers.tasks import tiers_recalculate_chunk
    from prm.notifications.models import Notification

    ids = list(PartnerOrganization.objects.filter(name__startswith=PARTNER_PREFIX, status__in=engine.ELIGIBLE_STATUSES)
               .order_by("pk").values_list("pk", flat=True))
    if not ids:
        raise BenchError("No synthetic partners: run manage.py generate_dataset.")
    with partner_scope(ids[0]):
        if not PartnerTier.objects.exists():
            raise BenchError("Synthetic partners have no tiers: rebuild the dataset (generate_dataset --reset).")
    last_night = timezone.localdate()
    as_of = last_night + datetime.timedelta(days=days_later)
    chunks = list(engine.chunked(ids, engine.CHUNK_SIZE))
    if connection.vendor == "postgresql" and connection.get_autocommit():
        # Every earlier run of these cases wrote and rolled back states, history and notices, and other cases
        # roll back 100k partners of their own: without a vacuum (autovacuum's job in production, too slow to
        # follow a benchmark) the dead rows make the chunk reads up to twice as slow as in production.
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {PartnerOrganization._meta.db_table}, {PartnerTier._meta.db_table}, "
                           f"{TierChange._meta.db_table}, {Notification._meta.db_table}")

    def run_all(on) -> int:
        # What the nightly fan-out and its workers run: one configuration snapshot, then each chunk task's
        # body in its own scope, without the broker.
        config = TierConfig.load().snapshot()
        return sum(tiers_recalculate_chunk(partner_ids=chunk, as_of=on.isoformat(), config=config)["changed"]
                   for chunk in chunks)

    def measured():
        with transaction.atomic():
            run_all(as_of)
            transaction.set_rollback(True)

    baseline_sql = _tier_aggregate_sql("")

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(baseline_sql, _tier_window(as_of))
            cursor.fetchall()

    # Everything, the earlier runs included, happens in one transaction that is rolled back: the dataset
    # is left as it was and no notice leaves the machine.
    with transaction.atomic(), metrics.providers(groups=[(metrics.METRIC_CODES, tier_facts_provider)]):
        with connection.cursor() as cursor:
            _tier_fact_rows(cursor, ids, last_night.toordinal())
            if connection.vendor == "postgresql":  # fresh COPYs: the statistics autovacuum would have
                cursor.execute(f"ANALYZE {PartnerOrganization._meta.db_table}, {PartnerTier._meta.db_table}")
        # The dataset's tiers are drawn at random: a run 100 days ago starts grace periods, last night's
        # ends them, so the measured night starts from settled states.
        run_all(last_night - datetime.timedelta(days=100))
        run_all(last_night)
        if connection.vendor == "postgresql":  # the statistics autovacuum keeps after such nights
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {PartnerTier._meta.db_table}, {Notification._meta.db_table}")
        tracemalloc.start()
        with transaction.atomic():
            changed = run_all(as_of)
            transaction.set_rollback(True)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak_mb = peak / 2**20
        rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ctx.log(f"{name}: {len(ids)} partners in {len(chunks)} chunks, {changed} changed; "
                f"peak Python memory {peak_mb:.1f} MB (tracemalloc), process max RSS {rss_mb:.0f} MB "
                f"(limit {TIER_MEMORY_LIMIT_MB} MB)")
        if peak_mb >= TIER_MEMORY_LIMIT_MB:
            raise BenchError(f"tier recalculation used {peak_mb:.0f} MB, over {TIER_MEMORY_LIMIT_MB} MB")
        try:
            yield Trial(measured=measured, baseline=baseline)
        finally:
            with connection.cursor() as cursor:
                for table in (TIER_FACTS, "bench_n", "bench_p"):
                    cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}")
            transaction.set_rollback(True)


@case("tiers.recalculate_nightly", unit="ms", repeat=5, warmup=1)
def tiers_recalculate_nightly(ctx: BenchContext):
    """The nightly tier recalculation of every synthetic partner, the night after the last (chunk tasks run
    in-process), against one aggregate SQL query over the same facts."""
    yield from _tier_case(ctx, days_later=1, name="tiers.recalculate_nightly")


@case("tiers.recalculate_month", unit="ms", repeat=5, warmup=1)
def tiers_recalculate_month(ctx: BenchContext):
    """The same, 30 days after the last run: a month of changes at once (more grace periods, promotions,
    history and notices), against the same aggregate query."""
    yield from _tier_case(ctx, days_later=30, name="tiers.recalculate_month")


from . import (  # noqa: E402, F401 - each app's cases register themselves
    cases_analytics,
    cases_analytics_dashboard,
    cases_analytics_dashboard_refreshed,
    cases_analytics_health,
    cases_dealreg,
    cases_enablement,
    cases_enablement_progress,
    cases_mdf,
    cases_nudges,
)
