"""Enablement's benchmark cases (imported at the end of prm/benchmarks/cases.py).

- enablement.import_completions_rows_per_s: the worker's step of an external LMS completions import
  (``completion_import_run``: read the CSV, check every row, write enrollments in chunks, award certifications,
  progress on the job) over PRM_BENCH_COMPLETION_ROWS rows (default 100,000 on PostgreSQL, 2,000 elsewhere) for
  people of fresh partners, against a plain bulk INSERT (COPY on PostgreSQL) of the same enrollment rows.
  Target: at least 2,000 rows/s. Self-contained: its partners, people, memberships, courses and certification are
  written in bulk in the case's transaction and rolled back with everything the runs wrote.
"""

import math
import os
import random
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.utils import timezone

from partners.management.commands.generate_dataset import PARTNER_PREFIX, partner_rows, write_rows

from .runner import BenchContext, BenchError, Trial, case

BENCH_NUMBERS_FROM = 800_001  # partner numbers of this case's rolled-back partners
EMAIL_DOMAIN = "lms-bench.example"
PER_PERSON = 5  # completions per person in the file
PEOPLE_PER_PARTNER = 50
COURSES = 10
TARGET_ROWS_PER_S = 2000


def bench_completion_rows() -> int:
    default = "100000" if connection.vendor == "postgresql" else "2000"
    return max(100, int(os.environ.get("PRM_BENCH_COMPLETION_ROWS", default)))


def _partners(count: int, *, now) -> list[int]:
    from partners.management.commands.seed_demo import ensure_regions
    from partners.models import PartnerOrganization

    numbers = range(BENCH_NUMBERS_FROM, BENCH_NUMBERS_FROM + count)
    rows = ({**row, "status": PartnerOrganization.Status.ACTIVE.value}
            for row in partner_rows(numbers, rng=random.Random(11), regions=ensure_regions(), now=now))
    write_rows(PartnerOrganization, rows, now=now)
    first, last = f"{PARTNER_PREFIX}{numbers[0]:06d}", f"{PARTNER_PREFIX}{numbers[-1]:06d}"
    return list(PartnerOrganization.objects.filter(name__gte=first, name__lte=last).order_by("pk")
                .values_list("pk", flat=True))


def _people(count: int, partner_ids: list[int], *, now) -> list[int]:
    """Users with an active membership each, in bulk; their ids in e-mail order (person 0 first)."""
    from partners.models import Membership
    from prm.accounts.models import User

    emails = [f"learner{i:07d}@{EMAIL_DOMAIN}" for i in range(count)]
    write_rows(User, ({"email": email, "full_name": f"Learner {i}", "password": "!", "date_joined": now}
                      for i, email in enumerate(emails)), now=now)
    ids = dict(User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").values_list("email", "pk"))
    user_ids = [ids[email] for email in emails]
    write_rows(Membership, ({"partner_id": partner_ids[i // PEOPLE_PER_PARTNER], "user_id": pk, "joined_at": now}
                            for i, pk in enumerate(user_ids)), now=now)
    return user_ids


@case("enablement.import_completions_rows_per_s", unit="rows/s", repeat=3, warmup=0)
def enablement_import_completions(ctx: BenchContext):
    """The LMS completions import of PRM_BENCH_COMPLETION_ROWS rows (the worker's step: check every row, write in
    chunks, award certifications once per person), against a plain bulk INSERT of the same enrollment rows."""
    from django.core.files.base import ContentFile

    from enablement.models import Certification, CompletionImport, Course, Enrollment
    from enablement.services.imports import completion_import_run

    n = bench_completion_rows()
    people = math.ceil(n / PER_PERSON)
    now = timezone.now()
    today = timezone.localdate()
    with transaction.atomic():
        partner_ids = _partners(math.ceil(people / PEOPLE_PER_PARTNER), now=now)
        user_ids = _people(people, partner_ids, now=now)
        courses = Course.objects.bulk_create([Course(code=f"lms-bench-{k}", title=f"Bench course {k}",
                                                     is_published=True, is_external=True) for k in range(COURSES)])
        certification = Certification.objects.create(code="lms-bench-cert", name="Bench certification")
        certification.courses.set(courses[:2])
        lines = ["Completion ID,Email Address,Course Code,Date Completed,Score"]
        values = []
        for i in range(n):
            person, step = divmod(i, PER_PERSON)
            course = courses[(person + step) % COURSES]
            day = today - timedelta(days=1 + i % 700)
            lines.append(f"LMS-{i},learner{person:07d}@{EMAIL_DOMAIN},{course.code},{day.isoformat()},{i % 101}")
            moment = timezone.make_aware(datetime.combine(day, time()))
            values.append((partner_ids[person // PEOPLE_PER_PARTNER], user_ids[person], course.pk, "imported",
                           "completed", moment, moment, moment, i % 101, f"LMS-{i}"))
        job = CompletionImport(original_name="bench.csv")
        job.file.save("bench-completions.csv", ContentFile(("\n".join(lines) + "\n").encode()), save=False)
        job.save()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE accounts_user, partners_membership, partners_partnerorganization, "
                               "enablement_enrollment, enablement_course")
        ctx.log(f"enablement.import_completions_rows_per_s: {n} rows, {people} people of {len(partner_ids)} "
                f"partners, {COURSES} courses (2 make a certification)")

        def measured() -> int:
            with transaction.atomic():
                CompletionImport.objects.filter(pk=job.pk).update(status=CompletionImport.Status.IMPORTING)
                done = completion_import_run(job_id=job.pk)
                if (done.status, done.created_rows, done.error_count) != ("done", n, 0):
                    raise BenchError(f"the import ended {done.status} with {done.created_rows} recorded and "
                                     f"{done.error_count} rows with errors: {done.errors[:3]}")
                transaction.set_rollback(True)
            return n

        q = connection.ops.quote_name
        table = q(Enrollment._meta.db_table)
        columns = ["partner_id", "user_id", "course_id", "source", "status", "enrolled_at", "last_activity_at",
                   "completed_at", "score_percent", "external_id"]
        column_sql = ", ".join(q(c) for c in columns)

        def baseline() -> int:
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    with cursor.copy(f"COPY {table} ({column_sql}) FROM STDIN") as copy:
                        for value in values:
                            copy.write_row(value)
                else:
                    placeholders = ", ".join(["%s"] * len(columns))
                    cursor.executemany(f"INSERT INTO {table} ({column_sql}) VALUES ({placeholders})", values)
                transaction.set_rollback(True)
            return len(values)

        try:
            yield Trial(measured=measured, baseline=baseline)
        finally:
            job.file.delete(save=False)
            transaction.set_rollback(True)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:  # clear the rolled-back rows for the cases after this one
            cursor.execute("VACUUM (ANALYZE) accounts_user, partners_membership, partners_partnerorganization, "
                           "enablement_enrollment, common_auditevent")
