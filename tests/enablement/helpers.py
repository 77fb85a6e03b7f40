"""Building blocks for enablement tests: a published course with lessons and a quiz, a certification on it,
and a person who completes it through the real services."""

import itertools

from django.utils import timezone

from enablement.models import Certification, Choice, Course, LearningPath, Lesson, PathCourse, Question, Quiz
from enablement.services import attempt_start, attempt_submit, course_enroll, lesson_complete
from prm.tenancy.scoping import partner_scope

_numbers = itertools.count(1)


def course(*, code: str = "", lessons: int = 2, quiz: bool = True, published: bool = True, **fields) -> Course:
    n = next(_numbers)
    item = Course.objects.create(code=code or f"course-{n}", title=fields.pop("title", f"Course {n}"),
                                 summary="What you learn", is_published=published,
                                 translations=fields.pop("translations", {"de": {"title": f"Kurs {n}"}}), **fields)
    for order in range(lessons):
        Lesson.objects.create(course=item, order=order, title=f"Lesson {order + 1}", body="Read this.")
    if quiz:
        q = Quiz.objects.create(course=item, pass_mark_percent=50, max_attempts=2)
        for order in range(2):
            question = Question.objects.create(quiz=q, order=order, text=f"Question {order + 1}?")
            Choice.objects.create(question=question, order=0, text="Right", is_correct=True)
            Choice.objects.create(question=question, order=1, text="Wrong", is_correct=False)
    return item


def certification(*courses: Course, months: int = 24, code: str = "") -> Certification:
    cert = Certification.objects.create(code=code or f"cert-{next(_numbers)}", name="Certified Engineer",
                                        validity_months=months, translations={"de": {"name": "Zertifizierter Ingenieur"}})
    cert.courses.set(courses)
    return cert


def path(*courses: Course, code: str = "") -> LearningPath:
    item = LearningPath.objects.create(code=code or f"path-{next(_numbers)}", title="Sales path", is_published=True)
    for order, c in enumerate(courses):
        PathCourse.objects.create(path=item, course=c, order=order)
    return item


def right_answers(quiz: Quiz) -> dict:
    return {str(q.pk): [c.pk for c in q.choices.all() if c.is_correct] for q in quiz.questions.all()}


def wrong_answers(quiz: Quiz) -> dict:
    return {str(q.pk): [c.pk for c in q.choices.all() if not c.is_correct][:1] for q in quiz.questions.all()}


def complete(partner, user, item: Course, *, now=None):
    """Take the course to completion through the services: every lesson, then the quiz passed."""
    now = now or timezone.now()
    with partner_scope(partner):
        enrollment, _ = course_enroll(partner=partner, user=user, course=item, now=now)
        for lesson in item.lessons.all():
            enrollment = lesson_complete(enrollment=enrollment, lesson=lesson, now=now)
        if hasattr(item, "quiz"):
            attempt = attempt_start(enrollment=enrollment, now=now)
            attempt_submit(attempt=attempt, answers=right_answers(item.quiz), now=now)
        enrollment.refresh_from_db()
        return enrollment
