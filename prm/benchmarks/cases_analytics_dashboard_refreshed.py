"""The staff dashboard over rollups built by the real refresh (imported at the end of prm/benchmarks/cases.py).

- analytics.dashboard_page_refreshed: issue #7's size, 10,000 partners (PRM_BENCH_DASHBOARD_PARTNERS) with 100
  registrations each (PRM_BENCH_DASHBOARD_DEALS: 1M registrations), plus their people, completions,
  certifications, funds, PSAT answers and downloads (the health case's builder). Their rollups come from
  analytics.rollups.refresh.refresh_partners in chunks of analytics.rollups.services.CHUNK, as the nightly run
  computes them, and the segment tables from rebuild_segments; both times are logged. Then an operator's GET of
  /staff/analytics/ (every region, the default quarters), against the statement the segments replaced run raw
  (analytics.dashboard_page's baseline). Fails on a status other than 200 or more than
  PRM_BENCH_DASHBOARD_MAX_QUERIES queries (default 12). Everything happens in one transaction, rolled back.

analytics.dashboard_page measures the same page over synthetic rollups that are committed and vacuumed (how the
page reads in production); this case shows that rollups computed from a million registrations give a page of the
same cost, and what the refresh itself costs at that size.
"""

import os
import time
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from .cases_analytics_dashboard import bench_partners, page_trial
from .cases_analytics_health import _build
from .runner import BenchContext, BenchError, case

NUMBERS_FROM = 850_001  # this case's rolled-back partners (dashboard 800_001, health 600_001)
OPERATOR_EMAIL = "bench.dashboard.refreshed@example.com"


def deals_per_partner() -> int:
    return max(1, int(os.environ.get("PRM_BENCH_DASHBOARD_DEALS", "100")))


@case("analytics.dashboard_page_refreshed", unit="ms", repeat=7, number=1)
def analytics_dashboard_page_refreshed(ctx: BenchContext):
    """An operator's GET of the staff dashboard over rollups refreshed from 10k partners' 1M registrations,
    against the page's biggest SQL statement before segments, run raw."""
    from analytics.rollups.refresh import refresh_partners
    from analytics.rollups.segments import rebuild_segments
    from analytics.rollups.services import CHUNK, chunked
    from prm.accounts.models import User

    n, per_partner = bench_partners(), deals_per_partner()
    numbers = range(NUMBERS_FROM, NUMBERS_FROM + n)
    now = timezone.now()
    day = timezone.localdate(now)
    with transaction.atomic():
        try:
            started = datetime.now()
            ids = _build(numbers, day=day, now=now, deals=per_partner)
            if len(ids) != n:
                raise BenchError(f"Built {len(ids)} partners, expected {n}.")
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            ctx.log(f"analytics.dashboard_page_refreshed: {n} partners, {n * per_partner} registrations built in "
                    f"{(datetime.now() - started).total_seconds():.1f} s")
            began = time.perf_counter()
            refreshed = sum(refresh_partners(chunk, today=day) for chunk in chunked(ids, CHUNK))
            refresh_seconds = time.perf_counter() - began
            if refreshed != n:
                raise BenchError(f"The refresh wrote {refreshed} snapshots, expected {n}.")
            rebuild = rebuild_segments()
            ctx.log(f"analytics.dashboard_page_refreshed: rollups of {n} partners refreshed in {refresh_seconds:.1f} s "
                    f"({refresh_seconds * 1000 / n:.2f} ms per partner); segments rebuilt in "
                    f"{rebuild.seconds * 1000:.0f} ms ({rebuild.quarter_rows} quarter rows)")
            operator = User.objects.create_user(email=OPERATOR_EMAIL, staff_role=User.StaffRole.OPERATOR)
            yield from page_trial(ctx, "analytics.dashboard_page_refreshed", operator=operator, day=day)
        finally:
            transaction.set_rollback(True)
