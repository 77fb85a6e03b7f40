"""Enrolling, assigning paths, finishing lessons and completing courses. A completed course may award or
renew certifications (services/certifications.py). Every write: one transaction, an audit row where a person
acts on someone else, side effects after commit."""

from datetime import datetime
from functools import partial

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enablement.models import Course, Enrollment, LearningPath, Lesson, LessonProgress, PathAssignment
from partners.models import Membership
from prm.common.audit import audit

from .errors import EnablementError

Status = Enrollment.Status


def _member(*, partner, user) -> Membership:
    membership = Membership.objects.filter(partner=partner, user=user, is_active=True).first()
    if membership is None:
        raise EnablementError(_("This person is not an active member of the organisation."), code="not_member")
    return membership


def course_enroll(*, partner, user, course: Course, source: str = Enrollment.Source.SELF, assigned_by=None,
                  now: datetime | None = None) -> tuple[Enrollment, bool]:
    """The person's enrollment on the course, created when missing. Idempotent (a double click, a path
    assigning a course the person already takes). An assignment upgrades a self-enrollment's source."""
    now = now or timezone.now()
    existing = Enrollment.objects.filter(partner=partner, user=user, course=course).first()
    if existing is not None:
        if source == Enrollment.Source.ASSIGNED and existing.source == Enrollment.Source.SELF:
            existing.source, existing.assigned_by = source, assigned_by
            existing.save(update_fields=["source", "assigned_by"])
        return existing, False
    if not course.is_published:
        raise EnablementError(_("This course is not offered yet."), code="unpublished")
    _member(partner=partner, user=user)
    try:
        with transaction.atomic():
            enrollment = Enrollment.objects.create(partner=partner, user=user, course=course, source=source,
                                                   assigned_by=assigned_by, enrolled_at=now, last_activity_at=now)
    except IntegrityError:
        return Enrollment.objects.get(partner=partner, user=user, course=course), False
    return enrollment, True


@transaction.atomic
def path_assign(*, partner, user, path: LearningPath, assigned_by, due_on=None) -> PathAssignment:
    """Give a person a learning path: enrolls them (as assigned) on each of its courses. Idempotent."""
    _member(partner=partner, user=user)
    assignment, created = PathAssignment.objects.get_or_create(
        partner=partner, user=user, path=path, defaults={"assigned_by": assigned_by, "due_on": due_on})
    for step in path.steps.select_related("course").order_by("order", "id"):
        if step.course.is_published:
            course_enroll(partner=partner, user=user, course=step.course, source=Enrollment.Source.ASSIGNED,
                          assigned_by=assigned_by)
    if created and assigned_by is not None and assigned_by != user:
        audit(actor=assigned_by, action="enablement.path.assigned", target=assignment, partner=partner,
              data={"path": path.code, "user": user.pk})
    return assignment


def _lessons_done(enrollment: Enrollment) -> bool:
    total = Lesson.objects.filter(course_id=enrollment.course_id).count()
    done = LessonProgress.objects.filter(enrollment=enrollment).count()
    return done >= total


def _quiz_passed(enrollment: Enrollment) -> bool:
    from enablement.models import Quiz, QuizAttempt

    if not Quiz.objects.filter(course_id=enrollment.course_id).exists():
        return True
    return QuizAttempt.objects.filter(enrollment=enrollment, passed=True).exists()


@transaction.atomic
def lesson_complete(*, enrollment: Enrollment, lesson: Lesson, now: datetime | None = None) -> Enrollment:
    """Mark a lesson done (once); completes the course when every lesson is done and the quiz (if any) passed."""
    now = now or timezone.now()
    if lesson.course_id != enrollment.course_id:
        raise EnablementError(_("This lesson belongs to another course."), code="wrong_course")
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    LessonProgress.objects.get_or_create(partner_id=enrollment.partner_id, enrollment=enrollment, lesson=lesson,
                                         defaults={"completed_at": now})
    enrollment.last_activity_at = now
    if enrollment.status == Status.ENROLLED:
        enrollment.status = Status.IN_PROGRESS
    enrollment.save(update_fields=["last_activity_at", "status"])
    if enrollment.status != Status.COMPLETED and _lessons_done(enrollment) and _quiz_passed(enrollment):
        enrollment = course_complete(enrollment=enrollment, at=now)
    return enrollment


@transaction.atomic
def course_complete(*, enrollment: Enrollment, at: datetime, score_percent=None, external_id: str = "") -> Enrollment:
    """Record the completion (the first one counts; a later one with a newer date renews certifications)
    and award or renew the certifications it completes."""
    from .certifications import certifications_evaluate

    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    if enrollment.status != Status.COMPLETED or (enrollment.completed_at and at > enrollment.completed_at):
        enrollment.status = Status.COMPLETED
        enrollment.completed_at = at
        if score_percent is not None:
            enrollment.score_percent = score_percent
        if external_id:
            enrollment.external_id = external_id
        enrollment.last_activity_at = max(enrollment.last_activity_at, at)
        enrollment.save(update_fields=["status", "completed_at", "score_percent", "external_id", "last_activity_at"])
    certifications_evaluate(partner_id=enrollment.partner_id, user_id=enrollment.user_id, today=at.date())
    transaction.on_commit(partial(_sync_onboarding, enrollment.partner_id, enrollment.user), robust=True)
    return enrollment


def _sync_onboarding(partner_id: int, user) -> None:
    """A first completed course may be an onboarding partner's last missing step: record it (as done by the
    person who completed the course) and activate at once, instead of waiting for someone to open the checklist."""
    from partners.models import PartnerOrganization
    from partners.services.onboarding import onboarding_sync
    from prm.tenancy.scoping import partner_scope

    partner = PartnerOrganization.objects.filter(pk=partner_id, status=PartnerOrganization.Status.ONBOARDING).first()
    if partner is not None:
        with partner_scope(partner):
            onboarding_sync(partner=partner, actor=user)
