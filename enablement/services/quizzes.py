"""Quiz attempts: started within the attempt limit, answered once, graded on the server.

The submitted answers are checked against the quiz itself: a question of another quiz, an answer of
another question, a second answer to a single-answer question or a missing question is refused with a
translated message, and a finished attempt can never be submitted again."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enablement.models import Enrollment, Quiz, QuizAttempt

from .errors import EnablementError
from .learning import _lessons_done, course_complete


@transaction.atomic
def attempt_start(*, enrollment: Enrollment, now=None) -> QuizAttempt:
    """The person's open attempt, or a new one while attempts remain. Safe on a double click."""
    now = now or timezone.now()
    quiz = Quiz.objects.filter(course_id=enrollment.course_id).first()
    if quiz is None:
        raise EnablementError(_("This course has no quiz."), code="no_quiz")
    enrollment = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    attempts = list(QuizAttempt.objects.filter(enrollment=enrollment).order_by("number"))
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    if open_attempt is not None:
        return open_attempt
    if any(a.passed for a in attempts):
        raise EnablementError(_("You have already passed this quiz."), code="passed")
    if len(attempts) >= quiz.max_attempts:
        raise EnablementError(_("You have used all %(count)s attempts at this quiz.") % {"count": quiz.max_attempts},
                              code="attempts_used")
    try:
        with transaction.atomic():
            return QuizAttempt.objects.create(partner_id=enrollment.partner_id, enrollment=enrollment, quiz=quiz,
                                              number=len(attempts) + 1, started_at=now)
    except IntegrityError:
        return QuizAttempt.objects.get(enrollment=enrollment, number=len(attempts) + 1)


def _clean_answers(quiz: Quiz, answers: dict) -> dict[int, list[int]]:
    """``{question_id: [choice_id, ...]}`` checked against the quiz; EnablementError on anything else."""
    questions = {q.pk: q for q in quiz.questions.prefetch_related("choices")}
    try:
        given = {int(qid): sorted({int(cid) for cid in (cids if isinstance(cids, list | tuple) else [cids])})
                 for qid, cids in (answers or {}).items()}
    except (TypeError, ValueError):
        raise EnablementError(_("The answers could not be read. Reload the quiz and try again."),
                              code="answers_invalid") from None
    if set(given) - set(questions):
        raise EnablementError(_("The answers do not belong to this quiz. Reload the quiz and try again."),
                              code="answers_tampered")
    missing = [q for qid, q in questions.items() if not given.get(qid)]
    if missing:
        raise EnablementError(_("Answer every question before you submit (%(count)s left).") % {"count": len(missing)},
                              code="answers_missing")
    for qid, cids in given.items():
        question = questions[qid]
        if set(cids) - {c.pk for c in question.choices.all()}:
            raise EnablementError(_("The answers do not belong to this quiz. Reload the quiz and try again."),
                                  code="answers_tampered")
        if not question.multiple and len(cids) != 1:
            raise EnablementError(_("Choose exactly one answer for each single-answer question."),
                                  code="answers_single")
    return given


def grade(quiz: Quiz, answers: dict[int, list[int]]) -> Decimal:
    """Percent of questions answered exactly right (every correct choice and no wrong one)."""
    questions = list(quiz.questions.prefetch_related("choices"))
    if not questions:
        return Decimal("100.00")
    right = sum(1 for q in questions if sorted(c.pk for c in q.choices.all() if c.is_correct) == answers.get(q.pk, []))
    return (Decimal(right) * 100 / Decimal(len(questions))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@transaction.atomic
def attempt_submit(*, attempt: QuizAttempt, answers: dict, now=None) -> QuizAttempt:
    """Grade and close the attempt (once). Passing with every lesson done completes the course."""
    now = now or timezone.now()
    attempt = QuizAttempt.objects.select_for_update().select_related("quiz", "enrollment").get(pk=attempt.pk)
    if attempt.submitted_at is not None:
        raise EnablementError(_("This attempt is finished and cannot be submitted again."), code="finished")
    cleaned = _clean_answers(attempt.quiz, answers)
    attempt.answers = {str(k): v for k, v in cleaned.items()}
    attempt.score_percent = grade(attempt.quiz, cleaned)
    attempt.passed = attempt.score_percent >= attempt.quiz.pass_mark_percent
    attempt.submitted_at = now
    attempt.save(update_fields=["answers", "score_percent", "passed", "submitted_at"])
    enrollment = attempt.enrollment
    Enrollment.objects.filter(pk=enrollment.pk).update(last_activity_at=now, status=(
        enrollment.status if enrollment.status == Enrollment.Status.COMPLETED else Enrollment.Status.IN_PROGRESS))
    if attempt.passed and _lessons_done(enrollment):
        course_complete(enrollment=enrollment, at=now, score_percent=attempt.score_percent)
    return attempt
