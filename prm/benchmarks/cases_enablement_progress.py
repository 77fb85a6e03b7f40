"""Enablement's progress benchmark cases (imported at the end of prm/benchmarks/cases.py).

- enablement.active_certifications: the tier metric ``enablement.metrics.active_certifications`` run the way the
  tier engine runs it (chunks of partners.tiers.engine.CHUNK_SIZE eligible synthetic partners, each in its partners'
  scope), against one raw aggregate over the same rows (awards valid today, joined with their holders' active
  memberships, counted per partner). The results must agree. Target: at most twice the aggregate. Reads the
  synthetic dataset (generate_dataset's enablement step); full scale is 100k partners.
- enablement.team_progress: the portal's team progress (``enablement.selectors.team_progress``) of a partner with
  PRM_BENCH_TEAM_MEMBERS members (default 500), against its own SQL run raw; the case fails when it runs a different
  number of queries for a team of 5 (constant query count). Its partners and people are written in bulk and rolled
  back.
"""

import os
import random
import time
from datetime import timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partners.management.commands.generate_dataset import PARTNER_PREFIX, partner_rows, write_rows

from .runner import BenchContext, BenchError, Trial, case

BENCH_NUMBERS_FROM = 850_001  # partner numbers of the team case's rolled-back partners
EMAIL_DOMAIN = "team-bench.example"
SMALL_TEAM = 5


def bench_team_members() -> int:
    return max(SMALL_TEAM + 1, int(os.environ.get("PRM_BENCH_TEAM_MEMBERS", "500")))


def _eligible_synthetic_ids() -> list[int]:
    """Synthetic partners the tier engine recalculates (onboarding and active), by id. Raw: no scope for a sample."""
    from partners.models import PartnerOrganization

    q = connection.ops.quote_name
    statuses = [str(s) for s in PartnerOrganization.PORTAL_STATUSES]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {q('id')} FROM {q(PartnerOrganization._meta.db_table)} WHERE {q('name')} LIKE %s "
                       f"AND {q('status')} IN ({', '.join(['%s'] * len(statuses))}) ORDER BY {q('id')}",
                       [PARTNER_PREFIX + "%", *statuses])
        return [pk for (pk,) in cursor.fetchall()]


def active_certifications_sql(partner_ids, as_of) -> tuple[str, list]:
    """One aggregate: per partner, the awards valid on ``as_of`` whose holder is an active member."""
    from enablement.models import CertificationAward
    from partners.models import Membership
    from partners.tiers.metrics import ids_condition

    q = connection.ops.quote_name
    in_ids, params = ids_condition(f"a.{q('partner_id')}", list(partner_ids))
    sql = (f"SELECT a.{q('partner_id')}, COUNT(*) FROM {q(CertificationAward._meta.db_table)} a "
           f"JOIN {q(Membership._meta.db_table)} m ON m.{q('partner_id')} = a.{q('partner_id')} "
           f"AND m.{q('user_id')} = a.{q('user_id')} AND m.{q('is_active')} = %s "
           f"WHERE {in_ids} AND a.{q('revoked_at')} IS NULL AND a.{q('expires_on')} >= %s "
           f"AND a.{q('awarded_on')} <= %s GROUP BY a.{q('partner_id')}")
    return sql, [True, *params, as_of, as_of]


@case("enablement.active_certifications", unit="ms", repeat=7, warmup=1)
def enablement_active_certifications(ctx: BenchContext):
    """Active certification counts of every eligible synthetic partner through the tier metric, chunk by chunk in
    the partners' scope, against one raw aggregate over the same rows."""
    from enablement.metrics import active_certifications
    from partners.tiers.engine import CHUNK_SIZE, chunked
    from prm.tenancy.scoping import partners_scope

    ids = _eligible_synthetic_ids()
    if not ids:
        raise BenchError("No eligible synthetic partners: run manage.py generate_dataset.")
    today = timezone.localdate()
    chunks = list(chunked(ids, CHUNK_SIZE))
    sql, params = active_certifications_sql(ids, today)

    def by_metric() -> dict[int, int]:
        found: dict[int, int] = {}
        for chunk in chunks:
            with partners_scope(chunk):
                found.update(active_certifications(chunk, today))
        return found

    def by_sql() -> dict[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {pid: int(n) for pid, n in cursor.fetchall()}

    expected = by_sql()
    if not expected:
        raise BenchError("No active certifications among the synthetic partners: run generate_dataset with its "
                         "enablement step (DATASET_ENABLEMENT_COURSES_PER_USER > 0).")
    if by_metric() != expected:
        raise BenchError("active_certifications() disagrees with the raw aggregate.")
    ctx.log(f"enablement.active_certifications: {len(ids)} partners in {len(chunks)} chunks, "
            f"{sum(expected.values())} active certifications")

    def measured():
        by_metric()

    def baseline():
        by_sql()

    yield Trial(measured=measured, baseline=baseline)


def _team(number: int, members: int, *, now) -> int:
    """A fresh active partner with ``members`` active members, each enrolled on three courses (one completed, one
    in progress) with a certification and a path; written in bulk. Its id."""
    from enablement.dataset import verification_code
    from enablement.demo_catalogue import ensure_courses
    from enablement.models import CertificationAward, Enrollment, PathAssignment
    from partners.management.commands.seed_demo import ensure_regions
    from partners.models import Membership, PartnerOrganization
    from prm.accounts.models import User

    catalogue = ensure_courses()
    courses = [c.pk for c in catalogue.courses.values()][:3]
    certification = next(iter(catalogue.certifications.values()))
    path = next(iter(catalogue.paths.values()))
    rows = ({**row, "status": PartnerOrganization.Status.ACTIVE.value}
            for row in partner_rows([number], rng=random.Random(number), regions=ensure_regions(), now=now))
    write_rows(PartnerOrganization, rows, now=now)
    partner_id = PartnerOrganization.objects.get(name=f"{PARTNER_PREFIX}{number:06d}").pk
    emails = [f"t{number}.m{i:04d}@{EMAIL_DOMAIN}" for i in range(members)]
    write_rows(User, ({"email": e, "full_name": f"Team member {i:04d}", "password": "!", "date_joined": now}
                      for i, e in enumerate(emails)), now=now)
    user_ids = list(User.objects.filter(email__in=emails).order_by("email").values_list("pk", flat=True))
    write_rows(Membership, ({"partner_id": partner_id, "user_id": pk, "joined_at": now,
                             "role": Membership.Role.ADMIN.value if i == 0 else Membership.Role.USER.value}
                            for i, pk in enumerate(user_ids)), now=now)
    statuses = [Enrollment.Status.COMPLETED.value, Enrollment.Status.IN_PROGRESS.value, Enrollment.Status.ENROLLED.value]
    write_rows(Enrollment, ({"partner_id": partner_id, "user_id": pk, "course_id": course, "status": status,
                             "enrolled_at": now - timedelta(days=30), "last_activity_at": now,
                             "completed_at": now if status == "completed" else None}
                            for pk in user_ids for course, status in zip(courses, statuses, strict=False)), now=now)
    today = timezone.localdate(now)
    write_rows(CertificationAward, ({"partner_id": partner_id, "user_id": pk, "certification_id": certification.pk,
                                     "awarded_on": today - timedelta(days=i % 700),
                                     "expires_on": today + timedelta(days=30 + i % 700),
                                     "verification_code": verification_code()}
                                    for i, pk in enumerate(user_ids)), now=now)
    write_rows(PathAssignment, ({"partner_id": partner_id, "user_id": pk, "path_id": path.pk, "assigned_at": now}
                                for pk in user_ids[::2]), now=now)
    return partner_id


@case("enablement.team_progress", unit="ms", repeat=15, number=5)
def enablement_team_progress(ctx: BenchContext):
    """The portal's team progress of a partner with PRM_BENCH_TEAM_MEMBERS members (the same query count as for a
    team of 5), against the selector's own SQL run raw."""
    try:
        from enablement.selectors import team_progress
    except ImportError as error:
        raise BenchError("enablement.selectors.team_progress does not exist yet.") from error
    from partners.models import PartnerOrganization
    from prm.tenancy.scoping import partner_scope

    n = bench_team_members()
    now = timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        big = PartnerOrganization.objects.get(pk=_team(BENCH_NUMBERS_FROM, n, now=now))
        small = PartnerOrganization.objects.get(pk=_team(BENCH_NUMBERS_FROM + 1, SMALL_TEAM, now=now))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE accounts_user, partners_membership, enablement_enrollment, "
                               "enablement_certificationaward, enablement_pathassignment")
        captured, seconds = {}, {}
        for partner, size in ((small, SMALL_TEAM), (big, n)):
            with partner_scope(partner), CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                rows = team_progress(partner=partner, today=today)
                seconds[size] = time.perf_counter() - started
            if len(rows) != size:
                raise BenchError(f"team_progress() listed {len(rows)} members of {size}.")
            captured[size] = [q["sql"] for q in queries.captured_queries]
        if len(captured[SMALL_TEAM]) != len(captured[n]):
            raise BenchError(f"team_progress() ran {len(captured[SMALL_TEAM])} queries for {SMALL_TEAM} members and "
                             f"{len(captured[n])} for {n}: not a constant query count.")
        ctx.log(f"enablement.team_progress: {len(captured[n])} queries for {SMALL_TEAM} and for {n} members "
                f"(first run {seconds[SMALL_TEAM] * 1000:.1f} ms and {seconds[n] * 1000:.1f} ms)")
        statements = captured[n]

        def measured():
            with partner_scope(big):
                team_progress(partner=big, today=today)

        def baseline():
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
                    cursor.fetchall()

        try:
            yield Trial(measured=measured, baseline=baseline)
        finally:
            transaction.set_rollback(True)
