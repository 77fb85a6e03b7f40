"""The staff dashboard's benchmark case (imported at the end of prm/benchmarks/cases.py).

- analytics.dashboard_page: an operator's GET of /staff/analytics/ (every region, the default four quarters)
  over the rollups of PRM_BENCH_DASHBOARD_PARTNERS fresh partners (default 10000: one snapshot, eight quarter
  facts and three pipeline stages each, written with COPY, then summed into the segment tables by
  analytics.rollups.segments.rebuild_segments, as every refresh run ends), against the statement the segments
  replaced (the per-partner quarter facts joined to their snapshots, GROUP BY quarter, region) run raw: a ratio
  below 1 means the whole page costs less than that one statement did. The case fails when the page answers
  anything but 200 or runs more than PRM_BENCH_DASHBOARD_MAX_QUERIES queries (default 12, the issue's budget).
  Its rows are committed and vacuumed (as real rollups are) and deleted at the end, also when the case fails;
  the segments are rebuilt then without them. The rebuild's own time is logged.
"""

import os
import random
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partners.management.commands.generate_dataset import partner_name, partner_rows, write_rows

from .runner import BenchContext, BenchError, Trial, case

BENCH_NUMBERS_FROM = 800_001  # partner numbers of this case's rolled-back partners (mdf uses 700_001, cases 900_001)
OPERATOR_EMAIL = "bench.dashboard.operator@example.com"
STAGES = ("qualification", "discovery", "proposal", "negotiation", "commit")


def bench_partners() -> int:
    return max(10, int(os.environ.get("PRM_BENCH_DASHBOARD_PARTNERS", "10000")))


def max_queries() -> int:
    return int(os.environ.get("PRM_BENCH_DASHBOARD_MAX_QUERIES", "12"))


def _rollups(ids_dims: list[tuple], *, now) -> tuple[int, int, int]:
    """Snapshots, eight quarters of facts and three pipeline stages per partner, COPY-ed (bulk_create elsewhere)."""
    from analytics.models import PartnerPipelineFact, PartnerQuarterFact, PartnerSnapshot
    from analytics.models.rollups import DECISION_BUCKETS
    from analytics.periods import last_quarters
    from partners.models import Tier

    rng = random.Random(11)
    quarters = last_quarters(now.date(), 8)
    tier_ids = list(Tier.objects.values_list("pk", flat=True)) or [None]

    def snapshots():
        for pk, region_id, country, partner_type, status in ids_dims:
            score = rng.randint(5, 99)
            cohort = quarters[rng.randrange(8)]
            yield {"partner_id": pk, "region_id": region_id, "country": country, "partner_type": partner_type,
                   "status": status, "tier_id": tier_ids[pk % len(tier_ids)], "in_grace": pk % 13 == 0,
                   "activated_on": cohort + timedelta(days=5), "cohort": cohort,
                   "days_to_first_registration": rng.randint(1, 90), "days_to_first_win": rng.randint(20, 300),
                   "users": 5, "active_users_30d": rng.randint(0, 3), "open_deals": 3,
                   "open_pipeline_base": Decimal(rng.randint(1, 90) * 1000), "active_certifications": 2,
                   "health_score": score, "health_change": rng.randint(-30, 10), "at_risk": score < 30,
                   "refreshed_at": now}

    def facts():
        for pk, *_dims in ids_dims:
            for quarter in quarters:
                histogram = [0] * DECISION_BUCKETS
                histogram[rng.randrange(DECISION_BUCKETS)] = 4
                yield {"partner_id": pk, "quarter": quarter, "registrations_submitted": 5,
                       "registrations_approved": 3, "registrations_rejected": 1, "decision_hours": histogram,
                       "won_deals": 2, "sourced_won_base": Decimal(rng.randint(0, 50) * 1000),
                       "influenced_won_base": Decimal(rng.randint(0, 20) * 1000), "mdf_allocated_base": Decimal(5000),
                       "mdf_spent_base": Decimal(1000), "mdf_attributed_won_base": Decimal(4000),
                       "course_completions": 2, "psat_responses": 1, "psat_score_sum": rng.randint(4, 10),
                       "refreshed_at": now}

    def pipeline():
        for pk, *_dims in ids_dims:
            for stage in STAGES[pk % 3:pk % 3 + 3]:
                yield {"partner_id": pk, "stage": stage, "deals": 2, "amount_base": Decimal(20000), "refreshed_at": now}

    return (write_rows(PartnerSnapshot, snapshots(), now=now), write_rows(PartnerQuarterFact, facts(), now=now),
            write_rows(PartnerPipelineFact, pipeline(), now=now))


def _cleanup(numbers: range) -> None:
    """Delete this case's partners and their rollups (also what an interrupted run left behind)."""
    from analytics.models import PartnerPipelineFact, PartnerQuarterFact, PartnerSnapshot
    from partners.models import PartnerOrganization
    from prm.accounts.models import User

    q = connection.ops.quote_name
    partners = (f"SELECT {q('id')} FROM {q(PartnerOrganization._meta.db_table)} "
                f"WHERE {q('name')} BETWEEN %s AND %s")
    names = [partner_name(numbers[0]), partner_name(numbers[-1])]
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (PartnerQuarterFact, PartnerPipelineFact, PartnerSnapshot):
            cursor.execute(f"DELETE FROM {q(model._meta.db_table)} WHERE {q('partner_id')} IN ({partners})", names)
        cursor.execute(f"DELETE FROM {q(PartnerOrganization._meta.db_table)} WHERE {q('name')} BETWEEN %s AND %s",
                       names)
        User.objects.filter(email=OPERATOR_EMAIL).delete()


def _vacuum() -> None:
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) analytics_partnersnapshot, analytics_partnerquarterfact, "
                           "analytics_partnerpipelinefact, partners_partnerorganization, analytics_segmentsnapshot, "
                           "analytics_segmentquarterfact, analytics_segmentpipelinefact")


def _per_partner_quarter_statement(filters) -> None:
    """What the page's quarter figures cost before the segments: PartnerQuarterFact joined to PartnerSnapshot,
    every measure and the histogram summed by (quarter, region) over the period's rows."""
    from analytics.dashboards.queries import QUARTER_SUMS, _histogram_item
    from analytics.models import PartnerQuarterFact, PartnerSnapshot
    from analytics.models.rollups import DECISION_BUCKETS

    regions = ", ".join(str(int(pk)) for pk in filters.region_ids)
    sums = ", ".join(f"SUM(f.{name})" for name in QUARTER_SUMS)
    buckets = ", ".join(f"SUM({_histogram_item('f.decision_hours', i)})" for i in range(DECISION_BUCKETS))
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT f."quarter", s.region_id, {sums}, {buckets}, MAX(f.refreshed_at) '
            f"FROM {PartnerQuarterFact._meta.db_table} f JOIN {PartnerSnapshot._meta.db_table} s "
            f"ON s.partner_id = f.partner_id WHERE s.region_id IN ({regions}) "
            f'AND f."quarter" >= %s AND f."quarter" <= %s GROUP BY f."quarter", s.region_id',
            [filters.first_quarter, filters.last_quarter])
        cursor.fetchall()


def page_trial(ctx: BenchContext, name: str, *, operator, day):
    """The measured side of the dashboard cases: ``operator``'s GET of /staff/analytics/ (every region, the default
    quarters of ``day``), which must answer 200 within max_queries() queries (counted once, logged), against the
    statement the segments replaced run raw."""
    from analytics.dashboards.filters import Filters, default_quarters
    from partners.models import Region

    filters = Filters(region_ids=tuple(Region.objects.values_list("pk", flat=True)), quarters=default_quarters(day))
    client = Client()
    url = reverse("analytics:dashboard")

    def measured():
        response = client.get(url)
        if response.status_code != 200:
            raise BenchError(f"GET {url} answered {response.status_code}, not 200.")

    def baseline():
        _per_partner_quarter_statement(filters)

    # The test client calls itself "testserver"; staff MFA enrolment is not what these cases measure.
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], REQUIRE_STAFF_MFA=False):
        client.force_login(operator)
        measured()  # the session's first request writes its user-session row
        with CaptureQueriesContext(connection) as captured:
            measured()
        count = len([x for x in captured.captured_queries
                     if not x["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT"))])
        ctx.log(f"{name}: {count} queries per page view")
        if os.environ.get("PRM_BENCH_SHOW_QUERIES"):
            for x in captured.captured_queries:
                ctx.log("  " + x["sql"][:120])
        if count > max_queries():
            raise BenchError(f"The dashboard ran {count} queries, more than {max_queries()}.")
        yield Trial(measured=measured, baseline=baseline)
        client.logout()


@case("analytics.dashboard_page", unit="ms", repeat=11, number=1)
def analytics_dashboard_page(ctx: BenchContext):
    """An operator's GET of the staff dashboard over PRM_BENCH_DASHBOARD_PARTNERS partners' rollups, against the
    page's biggest SQL statement (quarter facts by quarter and region) run raw."""
    from analytics.rollups.segments import rebuild_segments
    from partners.management.commands.seed_demo import ensure_regions
    from partners.models import PartnerOrganization
    from prm.accounts.models import User

    n = bench_partners()
    now = timezone.now()
    q = connection.ops.quote_name
    numbers = range(BENCH_NUMBERS_FROM, BENCH_NUMBERS_FROM + n)
    _cleanup(numbers)
    # Committed and vacuumed, as rollups are when a manager opens the page (rows written by a still-open
    # transaction scan several times slower: no hint bits, no visibility map). _cleanup() removes them.
    with transaction.atomic():
        regions = ensure_regions()
        write_rows(PartnerOrganization, partner_rows(numbers, rng=random.Random(3), regions=regions, now=now), now=now)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {q('id')}, {q('region_id')}, {q('country')}, {q('partner_type')}, {q('status')} "
                f"FROM {q(PartnerOrganization._meta.db_table)} WHERE {q('name')} BETWEEN %s AND %s ORDER BY {q('id')}",
                [partner_name(numbers[0]), partner_name(numbers[-1])])
            ids_dims = cursor.fetchall()
        if len(ids_dims) != n:
            raise BenchError(f"Expected {n} fresh partners, found {len(ids_dims)} (partner name prefix changed?).")
        snapshots, facts, pipeline = _rollups(ids_dims, now=now)
        operator = User.objects.create_user(email=OPERATOR_EMAIL, staff_role=User.StaffRole.OPERATOR)
    try:
        _vacuum()
        rebuild = rebuild_segments()  # committed, as the refresh run's last step commits it
        ctx.log(f"analytics.dashboard_page: segments rebuilt in {rebuild.seconds * 1000:.0f} ms "
                f"({rebuild.partners} partners: {rebuild.snapshot_rows} snapshot, {rebuild.quarter_rows} quarter, "
                f"{rebuild.pipeline_rows} pipeline rows)")
        _vacuum()
        ctx.log(f"analytics.dashboard_page: {snapshots} snapshots, {facts} quarter facts, {pipeline} pipeline rows")
        yield from page_trial(ctx, "analytics.dashboard_page", operator=operator, day=now.date())
    finally:
        _cleanup(numbers)
        rebuild_segments()  # the sums without this case's partners
        _vacuum()
