"""Portal pages of one course: its page (lessons in order, progress, enroll), the lesson player ("Mark as done",
the lesson's file for enrolled people only) and the quiz (start an attempt, answer, see the result). Runs
inside the partner's scope.

Courses are the vendor's catalogue, shared by every partner and keyed by their code; what these pages show of
progress is always the requester's own enrollment. Quiz answers are checked against the quiz by the service:
tampered ids and a second submission of a finished attempt show its translated refusal and change nothing.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from enablement import selectors
from enablement.forms import quiz_answers
from enablement.models import Course, Enrollment, Lesson, localized
from enablement.services import EnablementError, attempt_start, attempt_submit, course_enroll, lesson_complete
from prm.common.downloads import private_download
from prm.common.money import format_number

from .portal import error_text, reader_language, role_of

SAFE_LINK_SCHEMES = ("https://", "http://")


def course_or_404(request, code: str) -> tuple[Course, Enrollment | None]:
    try:
        return selectors.course_for_portal(code=code, partner=request.partner, role=role_of(request), user=request.user)
    except Course.DoesNotExist:
        raise Http404 from None


def _enrolled_or_redirect(request, course: Course, enrollment: Enrollment | None):
    if enrollment is None:
        messages.info(request, _("Enroll on the course to open its lessons and quiz."))
        return redirect(course)
    return None


def _lesson_or_404(course: Course, pk: int) -> Lesson:
    if course.is_external:
        raise Http404  # taken elsewhere: the portal shows no lessons
    lesson = Lesson.objects.filter(course=course, pk=pk).first()
    if lesson is None:
        raise Http404
    return lesson


def _course_context(request, course: Course, enrollment: Enrollment | None) -> dict:
    language = reader_language()
    lessons = [] if course.is_external else selectors.lesson_rows(course=course, enrollment=enrollment,
                                                                   language=language)
    progress = selectors.enrollment_progress(enrollment=enrollment) if enrollment is not None else None
    return {
        "course": course, "enrollment": progress or enrollment, "lessons": lessons,
        "title": localized(course, "title", language), "summary": localized(course, "summary", language),
        "percent": selectors.progress_percent(progress) if progress is not None else 0,
        "quiz": None if course.is_external else selectors.quiz_for_course(course=course),
    }


def course_detail(request, code: str):
    course, enrollment = course_or_404(request, code)
    return TemplateResponse(request, "enablement/portal/course_detail.html", _course_context(request, course, enrollment))


@require_POST
def course_enroll_view(request, code: str):
    """Enroll the person (idempotent: a double click or an existing enrollment changes nothing)."""
    course, _enrollment = course_or_404(request, code)
    try:
        _enrollment, created = course_enroll(partner=request.partner, user=request.user, course=course)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect(course)
    if created:
        messages.success(request, _("You are enrolled. Start with the first lesson."))
    return redirect(course)


# --- the lesson player ----------------------------------------------------------------------------------------


def lesson_detail(request, code: str, pk: int):
    course, enrollment = course_or_404(request, code)
    lesson = _lesson_or_404(course, pk)
    if (refused := _enrolled_or_redirect(request, course, enrollment)) is not None:
        return refused
    context = _course_context(request, course, enrollment)
    rows = context["lessons"]
    index = next(i for i, row in enumerate(rows) if row.lesson.pk == lesson.pk)
    language = reader_language()
    context.update({
        "lesson": lesson, "current": rows[index], "position": index + 1,
        "lesson_title": localized(lesson, "title", language), "body": localized(lesson, "body", language),
        "previous": rows[index - 1] if index > 0 else None,
        "next": rows[index + 1] if index + 1 < len(rows) else None,
        "video_url": lesson.video_url if lesson.video_url.startswith(SAFE_LINK_SCHEMES) else "",
    })
    return TemplateResponse(request, "enablement/portal/lesson_detail.html", context)


@require_POST
def lesson_complete_view(request, code: str, pk: int):
    course, enrollment = course_or_404(request, code)
    lesson = _lesson_or_404(course, pk)
    if (refused := _enrolled_or_redirect(request, course, enrollment)) is not None:
        return refused
    try:
        enrollment = lesson_complete(enrollment=enrollment, lesson=lesson)
    except ValidationError as error:
        messages.error(request, error_text(error))
        return redirect("enablement:lesson_detail", code=course.code, pk=lesson.pk)
    if enrollment.status == Enrollment.Status.COMPLETED:
        messages.success(request, _("You completed this course."))
        return redirect(course)
    following = next((row for row in selectors.lesson_rows(course=course, enrollment=enrollment, language="en")
                      if not row.done), None)
    if following is not None:
        return redirect("enablement:lesson_detail", code=course.code, pk=following.lesson.pk)
    messages.success(request, _("Every lesson is done. Pass the quiz to complete the course."))
    return redirect("enablement:quiz", code=course.code)


def lesson_file(request, code: str, pk: int):
    """The lesson's file, for people enrolled on the course only: an attachment the browser must not sniff."""
    course, enrollment = course_or_404(request, code)
    lesson = _lesson_or_404(course, pk)
    if enrollment is None or not lesson.file or not lesson.file.storage.exists(lesson.file.name):
        raise Http404
    return private_download(lesson.file, filename=lesson.file_name, content_type=lesson.file_type,
                            fallback=f"lesson-{lesson.pk}")


# --- the quiz -------------------------------------------------------------------------------------------------


def _question_rows(quiz, language: str, given: dict | None = None) -> list[dict]:
    given = given or {}
    rows = []
    for question in selectors.quiz_questions(quiz=quiz):
        chosen = {str(c) for c in given.get(str(question.pk), [])}
        rows.append({
            "question": question, "text": localized(question, "text", language),
            "choices": [{"choice": c, "text": localized(c, "text", language), "checked": str(c.pk) in chosen}
                        for c in question.choices.all()],
        })
    return rows


def _quiz_response(request, course: Course, enrollment: Enrollment, *, given=None, error: str = "", status=200):
    quiz = selectors.quiz_for_course(course=course)
    if quiz is None:
        raise Http404
    attempts = selectors.attempts_of(enrollment=enrollment)
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    submitted = [a for a in attempts if a.submitted_at is not None]
    progress = selectors.enrollment_progress(enrollment=enrollment)
    language = reader_language()
    return TemplateResponse(request, "enablement/portal/quiz.html", {
        "course": course, "title": localized(course, "title", language), "quiz": quiz, "enrollment": progress,
        "open_attempt": open_attempt, "last": submitted[-1] if submitted else None,
        "passed": any(a.passed for a in attempts),
        "attempts_used": len(attempts), "attempts_left": max(0, quiz.max_attempts - len(attempts)),
        "lessons_left": max(0, progress.lessons_total - progress.lessons_completed),
        "questions": _question_rows(quiz, language, given) if open_attempt is not None else [],
        "error": error,
    }, status=status)


def quiz(request, code: str):
    """GET: the quiz's state and, while an attempt is open, its questions. POST: submit the open attempt."""
    course, enrollment = course_or_404(request, code)
    if course.is_external:
        raise Http404
    if (refused := _enrolled_or_redirect(request, course, enrollment)) is not None:
        return refused
    if request.method != "POST":
        return _quiz_response(request, course, enrollment)
    answers = quiz_answers(request.POST)
    attempt = selectors.attempt_for(enrollment=enrollment, pk=request.POST.get("attempt"))
    try:
        if attempt is None:
            raise EnablementError(_("This attempt does not belong to this quiz. Reload the quiz and try again."),
                                  code="attempt_unknown")
        attempt = attempt_submit(attempt=attempt, answers=answers)
    except EnablementError as refusal:
        return _quiz_response(request, course, enrollment, given=answers, error=error_text(refusal), status=400)
    score = format_number(attempt.score_percent)
    if attempt.passed:
        messages.success(request, _("You passed with %(score)s%%.") % {"score": score})
    else:
        messages.warning(request, _("You scored %(score)s%%, below the pass mark of %(mark)s%%.")
                         % {"score": score, "mark": attempt.quiz.pass_mark_percent})
    return redirect("enablement:quiz", code=course.code)


@require_POST
def quiz_start(request, code: str):
    """Open an attempt (or return the open one: a double click starts one attempt)."""
    course, enrollment = course_or_404(request, code)
    if course.is_external:
        raise Http404
    if (refused := _enrolled_or_redirect(request, course, enrollment)) is not None:
        return refused
    try:
        attempt_start(enrollment=enrollment)
    except ValidationError as error:
        messages.error(request, error_text(error))
    return redirect("enablement:quiz", code=course.code)
