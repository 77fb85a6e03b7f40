"""Synthetic enablement data for load tests and ``manage.py bench`` (a generate_dataset step).

Every person of a new synthetic partner in the portal (active or onboarding) gets DATASET_ENABLEMENT_COURSES_PER_USER
enrollments (default 3; 0 turns the step off): the platform course and others of the demo catalogue
(enablement/demo_catalogue.py, created when missing), mostly completed, some in progress or not started. Every
certification whose courses a person completed is awarded on the day the last of them was completed, valid for
the certification's months, so some have expired and some expire soon; some technical awards were renewed with
the renewal course (its enrollment is there too), a few are revoked.

Full scale: ``manage.py generate_dataset --partners 34000`` gives 100k people their enrollments and certifications.
Rows go in with COPY on PostgreSQL (write_rows): enrollments, then awards — two statements whatever the number of
people. ``register()`` adds the step (EnablementConfig.ready()); ``reset_enablement()`` deletes the enablement rows
of every synthetic partner in set-based SQL.
"""

import base64
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from partners.management.commands.generate_dataset import PARTNER_PREFIX, DatasetContext, Step, user_email, write_rows
from partners.models import PartnerOrganization

from .models import (
    AssetDownload,
    Certification,
    CertificationAward,
    CoBrandedPdf,
    CoBrandingProfile,
    Enrollment,
    LessonProgress,
    PathAssignment,
    QuizAttempt,
)

STEP_NAME = "enablement"
HISTORY_DAYS = 900  # completions spread over the last two and a half years
RENEWED_SHARE = 0.5  # of technical awards older than their validity minus two months
REVOKED_SHARE = 0.005
CERTIFYING_WEIGHT = 3  # a course that leads to a certification is taken three times as often as another
_E = Enrollment.Status
# Round numbers for COPY: plain strings (not enum members).
FIRST_COURSE_WEIGHTS = {_E.COMPLETED.value: 80, _E.IN_PROGRESS.value: 12, _E.ENROLLED.value: 8}
OTHER_COURSE_WEIGHTS = {_E.COMPLETED.value: 60, _E.IN_PROGRESS.value: 22, _E.ENROLLED.value: 18}
# The verification code alphabet (no look-alikes) for base32's A-Z2-7.
_CODE_TABLE = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "ABCDEFGHJKLMNPQRSTUVWXYZ23456789")


def courses_per_user() -> int:
    return max(0, int(os.environ.get("DATASET_ENABLEMENT_COURSES_PER_USER", "3")))


def verification_code() -> str:
    """A fresh 16-character code in new_verification_code()'s alphabet (80 random bits), fast enough for 100k rows."""
    return base64.b32encode(secrets.token_bytes(10)).decode().translate(_CODE_TABLE)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (as relativedelta does)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


@dataclass(frozen=True)
class CertificationRule:
    certification_id: int
    required: tuple[int, ...]  # course ids
    months: int
    renewal_course_id: int | None


def _rules() -> tuple[int, list[int], list[CertificationRule]]:
    """(the first course's id, the other courses people take, the certification rules) of the demo catalogue."""
    from .demo_catalogue import ensure_courses

    catalogue = ensure_courses()
    first = catalogue.courses["platform-fundamentals"].pk
    renewal = {c.renewal_course_id for c in catalogue.certifications.values() if c.renewal_course_id}
    others = sorted(c.pk for c in catalogue.courses.values() if c.pk != first and c.pk not in renewal)
    required: dict[int, list[int]] = {}
    for certification_id, course_id in (Certification.courses.through.objects
                                        .filter(certification_id__in=[c.pk for c in catalogue.certifications.values()])
                                        .values_list("certification_id", "course_id")):
        required.setdefault(certification_id, []).append(course_id)
    rules = [CertificationRule(c.pk, tuple(sorted(required.get(c.pk, []))), c.validity_months, c.renewal_course_id)
             for c in catalogue.certifications.values() if required.get(c.pk)]
    return first, others, rules


def _people(ctx: DatasetContext) -> list[tuple[int, int]]:
    """(partner id, user id) of this run's people in partners that use the portal. One query (a run's ids are a range)."""
    numbers = {pk: number for number, pk in ctx.partner_ids.items()}
    if not numbers:
        return []
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {q('id')} FROM {q(PartnerOrganization._meta.db_table)} "
                       f"WHERE {q('id')} BETWEEN %s AND %s AND {q('status')} IN (%s, %s) ORDER BY {q('id')}",
                       [min(numbers), max(numbers), *[str(s) for s in PartnerOrganization.PORTAL_STATUSES]])
        portal = [pk for (pk,) in cursor.fetchall() if pk in numbers]
    people = []
    for pk in portal:
        for k in range(ctx.users_per_partner):
            user_id = ctx.user_ids.get(user_email(numbers[pk], k))
            if user_id is not None:
                people.append((pk, user_id))
    return people


def _pick(rng, items: list[int], weights: list[int], count: int) -> list[int]:
    """``count`` distinct items drawn by weight."""
    items, weights, chosen = list(items), list(weights), []
    for _ in range(min(count, len(items))):
        index = rng.choices(range(len(items)), weights)[0]
        chosen.append(items.pop(index))
        weights.pop(index)
    return chosen


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour % 24)))


def build_enablement(ctx: DatasetContext) -> None:
    per_user = courses_per_user()
    people = _people(ctx) if per_user else []
    if not people:
        return
    first, others, rules = _rules()
    certifying = {c for rule in rules for c in rule.required}
    course_weights = [CERTIFYING_WEIGHT if c in certifying else 1 for c in others]
    rng, today = ctx.rng, timezone.localdate(ctx.now)
    statuses = {first: (list(FIRST_COURSE_WEIGHTS), list(FIRST_COURSE_WEIGHTS.values()))}
    other_statuses = (list(OTHER_COURSE_WEIGHTS), list(OTHER_COURSE_WEIGHTS.values()))
    enrollments: list[tuple] = []  # (partner, user, course, status, enrolled day, completed day or None)
    awards: list[tuple] = []  # (partner, user, certification, awarded, renewed or None, expires, revoked)
    for partner_id, user_id in people:
        courses = [first, *_pick(rng, others, course_weights, per_user - 1)]
        done: dict[int, date] = {}
        for course_id in courses:
            names, weights = statuses.get(course_id, other_statuses)
            status = rng.choices(names, weights)[0]
            enrolled = today - timedelta(days=rng.randint(1, HISTORY_DAYS))
            completed = None
            if status == _E.COMPLETED:
                completed = min(today, enrolled + timedelta(days=rng.randint(0, 30)))
                done[course_id] = completed
            enrollments.append((partner_id, user_id, course_id, status, enrolled, completed))
        for rule in rules:
            if not all(c in done for c in rule.required):
                continue
            awarded = max(done[c] for c in rule.required)
            expires, renewed = add_months(awarded, rule.months), None
            if (rule.renewal_course_id and expires - timedelta(days=60) <= today and rng.random() < RENEWED_SHARE):
                renewed = min(today, expires - timedelta(days=rng.randint(1, 60)))
                expires = add_months(max(renewed, expires), rule.months)
                enrollments.append((partner_id, user_id, rule.renewal_course_id, _E.COMPLETED.value,
                                    renewed - timedelta(days=3), renewed))
            awards.append((partner_id, user_id, rule.certification_id, awarded, renewed, expires,
                           rng.random() < REVOKED_SHARE))
    now = ctx.now
    ctx.rows["enablement enrollments"] = write_rows(Enrollment, _enrollment_rows(enrollments, rng=rng, now=now), now=now)
    ctx.rows["enablement certification awards"] = write_rows(CertificationAward, _award_rows(awards, now=now), now=now)


def _enrollment_rows(enrollments, *, rng, now) -> Iterator[dict]:
    for partner_id, user_id, course_id, status, enrolled, completed in enrollments:
        enrolled_at = _at(enrolled, 8 + user_id % 10)
        if completed is not None:
            completed_at = max(enrolled_at, _at(completed, 10 + user_id % 8))
            last = completed_at
        else:
            completed_at = None
            last = enrolled_at + timedelta(days=rng.randint(0, 20)) if status == _E.IN_PROGRESS else enrolled_at
        yield {"partner_id": partner_id, "user_id": user_id, "course_id": course_id, "source": "self",
               "status": status, "enrolled_at": enrolled_at, "last_activity_at": min(last, now),
               "completed_at": completed_at, "external_id": "",
               "score_percent": Decimal(80 + (user_id + course_id) % 21) if completed is not None else None}


def _award_rows(awards, *, now) -> Iterator[dict]:
    for partner_id, user_id, certification_id, awarded, renewed, expires, revoked in awards:
        yield {"partner_id": partner_id, "user_id": user_id, "certification_id": certification_id,
               "awarded_on": awarded, "renewed_on": renewed, "expires_on": expires,
               "verification_code": verification_code(), "revoked_at": now if revoked else None,
               "certificate_pdf": "", "certificate_rendered_for": None}


def reset_enablement() -> int:
    """Delete every enablement row of the synthetic partners, set-based (the catalogue stays)."""
    q = connection.ops.quote_name
    synthetic = f"SELECT {q('id')} FROM {q(PartnerOrganization._meta.db_table)} WHERE {q('name')} LIKE %s"
    deleted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (LessonProgress, QuizAttempt, CertificationAward, PathAssignment, Enrollment, AssetDownload,
                      CoBrandedPdf, CoBrandingProfile):
            cursor.execute(f"DELETE FROM {q(model._meta.db_table)} WHERE {q('partner_id')} IN ({synthetic})",
                           [PARTNER_PREFIX + "%"])
            deleted += cursor.rowcount
    return deleted


STEP = Step(name=STEP_NAME, build=build_enablement, reset=reset_enablement)


def register() -> None:
    """Add the step to generate_dataset (once; call from start-up code)."""
    from partners.management.commands.generate_dataset import STEPS

    if all(s.name != STEP_NAME for s in STEPS):
        STEPS.append(STEP)
