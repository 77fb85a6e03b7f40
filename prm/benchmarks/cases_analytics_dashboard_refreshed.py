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

from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from .cases_analytics_dashboard import _per_partner_quarter_statement, bench_partners, max_queries
from .cases_analytics_health import _build
from .runner import BenchContext, BenchError, Trial, case

NUMBERS_FROM = 850_001  # this case's rolled-back partners (dashboard 800_001, health 600_001)
OPERATOR_EMAIL = "bench.dashboard.refreshed@example.com"


def deals_per_partner() -> int:
    return max(1, int(os.environ.get("PRM_BENCH_DASHBOARD_DEALS", "100")))


@case("analytics.dashboard_page_refreshed", unit="ms", repeat=7, number=1)
def analytics_dashboard_page_refreshed(ctx: BenchContext):
    """An operator's GET of the staff dashboard over rollups refreshed from 10k partners' 1M registrations,
    against the page's biggest SQL statement before segments, run raw."""
    from analytics.dashboards.filters import Filters, default_quarters
    from analytics.rollups.refresh import refresh_partners
    from analytics.rollups.segments import rebuild_segments
    from analytics.rollups.services import CHUNK, chunked
    from partners.models import Region
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
            filters = Filters(region_ids=tuple(Region.objects.values_list("pk", flat=True)),
                              quarters=default_quarters(day))
            client = Client()
            url = reverse("analytics:dashboard")

            def measured():
                response = client.get(url)
                if response.status_code != 200:
                    raise BenchError(f"GET {url} answered {response.status_code}, not 200.")

            def baseline():
                _per_partner_quarter_statement(filters)

            with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], REQUIRE_STAFF_MFA=False):
                client.force_login(operator)
                measured()  # the session's first request writes its user-session row
                with CaptureQueriesContext(connection) as captured:
                    measured()
                count = len([x for x in captured.captured_queries
                             if not x["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT"))])
                ctx.log(f"analytics.dashboard_page_refreshed: {count} queries per page view")
                if count > max_queries():
                    raise BenchError(f"The dashboard ran {count} queries, more than {max_queries()}.")
                yield Trial(measured=measured, baseline=baseline)
        finally:
            transaction.set_rollback(True)
