"""The staff dashboard over rollups built by the real refresh (imported at the end of prm/benchmarks/cases.py).

- analytics.dashboard_page_refreshed: issue #7's size, 10,000 partners (PRM_BENCH_DASHBOARD_PARTNERS) with 100
  registrations each (PRM_BENCH_DASHBOARD_DEALS: 1M registrations), plus their people, completions,
  certifications, funds, PSAT answers and downloads (the health case's builder). Their rollups come from
  analytics.rollups.refresh.refresh_partners in chunks of analytics.rollups.services.CHUNK, as the nightly run
  computes them, and the segment tables from rebuild_segments; both times are logged. Then an operator's GET of
  /staff/analytics/ (every region, the default quarters), against the statement the segments replaced run raw
  (analytics.dashboard_page's baseline). Fails on a status other than 200 or more than
  PRM_BENCH_DASHBOARD_MAX_QUERIES queries (default 12). Everything happens in one transaction, rolled back.

- analytics.scorecard_pdf: over the same kind of data, a region's quarterly scorecard PDF in Japanese (the slowest
  language: CJK fonts are subset into the file) as the worker renders it, against WeasyPrint's fixed cost (a one-line
  Japanese page). Issue #7's target: under 6 s (PRM_BENCH_SCORECARD_MAX_SECONDS); the case fails above it.

analytics.dashboard_page measures the same page over synthetic rollups that are committed and vacuumed (how the
page reads in production); this case shows that rollups computed from a million registrations give a page of the
same cost, and what the refresh itself costs at that size.
"""

import os
import time
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from .cases_analytics_dashboard import bench_partners, page_trial
from .cases_analytics_health import _build
from .runner import BenchContext, BenchError, Trial, case

NUMBERS_FROM = 850_001  # this case's rolled-back partners (dashboard 800_001, health 600_001)
SCORECARD_NUMBERS_FROM = 870_001  # the scorecard case's
OPERATOR_EMAIL = "bench.dashboard.refreshed@example.com"


def deals_per_partner() -> int:
    return max(1, int(os.environ.get("PRM_BENCH_DASHBOARD_DEALS", "100")))


@contextmanager
def refreshed_partners(ctx: BenchContext, name: str, numbers_from: int):
    """10k partners' facts built and their rollups refreshed for real, in a transaction rolled back on exit; yields
    the day."""
    from analytics.rollups.refresh import refresh_partners
    from analytics.rollups.segments import rebuild_segments
    from analytics.rollups.services import CHUNK, chunked

    n, per_partner = bench_partners(), deals_per_partner()
    numbers = range(numbers_from, numbers_from + n)
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
            ctx.log(f"{name}: {n} partners, {n * per_partner} registrations built in "
                    f"{(datetime.now() - started).total_seconds():.1f} s")
            began = time.perf_counter()
            refreshed = sum(refresh_partners(chunk, today=day) for chunk in chunked(ids, CHUNK))
            refresh_seconds = time.perf_counter() - began
            if refreshed != n:
                raise BenchError(f"The refresh wrote {refreshed} snapshots, expected {n}.")
            rebuild = rebuild_segments()
            ctx.log(f"{name}: rollups of {n} partners refreshed in {refresh_seconds:.1f} s "
                    f"({refresh_seconds * 1000 / n:.2f} ms per partner); segments rebuilt in "
                    f"{rebuild.seconds * 1000:.0f} ms ({rebuild.quarter_rows} quarter rows)")
            yield day
        finally:
            transaction.set_rollback(True)


@case("analytics.dashboard_page_refreshed", unit="ms", repeat=7, number=1)
def analytics_dashboard_page_refreshed(ctx: BenchContext):
    """An operator's GET of the staff dashboard over rollups refreshed from 10k partners' 1M registrations,
    against the page's biggest SQL statement before segments, run raw."""
    from prm.accounts.models import User

    with refreshed_partners(ctx, "analytics.dashboard_page_refreshed", NUMBERS_FROM) as day:
        operator = User.objects.create_user(email=OPERATOR_EMAIL, staff_role=User.StaffRole.OPERATOR)
        yield from page_trial(ctx, "analytics.dashboard_page_refreshed", operator=operator, day=day)


def scorecard_max_seconds() -> float:
    return float(os.environ.get("PRM_BENCH_SCORECARD_MAX_SECONDS", "6"))


@case("analytics.scorecard_pdf", unit="s", repeat=3, number=1)
def analytics_scorecard_pdf(ctx: BenchContext):
    """A region's quarterly scorecard PDF in Japanese (CJK fonts: the slowest language) over rollups refreshed
    from 10k partners' 1M registrations, what the worker's task renders, against WeasyPrint's rendering of a
    one-line Japanese page (its fixed cost)."""
    from analytics.dashboards.scorecard import render_scorecard_pdf
    from analytics.periods import quarter_start
    from partners.models import PartnerOrganization, Region
    from partners.pdf import render_html_to_pdf

    with refreshed_partners(ctx, "analytics.scorecard_pdf", SCORECARD_NUMBERS_FROM) as day:
        # The region with most partners: the fullest scorecard.
        region = Region.objects.get(pk=PartnerOrganization.objects.values("region_id").annotate(
            n=Count("id")).order_by("-n").values_list("region_id", flat=True)[0])
        quarter = quarter_start(day)
        seconds: list[float] = []

        def measured():
            began = time.perf_counter()
            pdf = render_scorecard_pdf(region=region, quarter=quarter, language="ja")
            seconds.append(time.perf_counter() - began)
            if not pdf.startswith(b"%PDF"):
                raise BenchError("The scorecard is not a PDF.")

        def baseline():
            render_html_to_pdf('<html lang="ja"><body><p>パートナー</p></body></html>')

        began = time.perf_counter()
        render_scorecard_pdf(region=region, quarter=quarter, language="en")
        ctx.log(f"analytics.scorecard_pdf: {region.code} ({region.name}), English {time.perf_counter() - began:.2f} s")
        yield Trial(measured=measured, baseline=baseline)
        slowest = max(seconds)
        ctx.log(f"analytics.scorecard_pdf: Japanese, slowest of {len(seconds)} {slowest:.2f} s "
                f"(limit {scorecard_max_seconds():.0f} s)")
        if slowest > scorecard_max_seconds():
            raise BenchError(f"The scorecard took {slowest:.1f} s, more than {scorecard_max_seconds():.0f} s.")
