"""The learning rules through the services: completion needs every lesson and a passed quiz; quiz answers are
graded on the server and tampering is refused; certifications are awarded, counted for tiers and renewed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from enablement.metrics import active_certifications
from enablement.models import CertificationAward, Enrollment
from enablement.services import (
    EnablementError,
    attempt_start,
    attempt_submit,
    course_enroll,
    lesson_complete,
    path_assign,
)
from partners.tiers import metrics
from prm.tenancy.scoping import partner_scope
from tests.enablement.helpers import certification, complete, course, path, right_answers, wrong_answers
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_course_completes_only_with_every_lesson_and_a_passed_quiz(partner_a, user_a):
    item = course()
    with partner_scope(partner_a):
        enrollment, created = course_enroll(partner=partner_a, user=user_a, course=item)
        again, created_again = course_enroll(partner=partner_a, user=user_a, course=item)
        assert created and not created_again and again.pk == enrollment.pk
        failed = attempt_submit(attempt=attempt_start(enrollment=enrollment), answers=wrong_answers(item.quiz))
        assert not failed.passed and failed.score_percent == 0
        passed = attempt_submit(attempt=attempt_start(enrollment=enrollment), answers=right_answers(item.quiz))
        assert passed.passed and passed.score_percent == 100
        enrollment.refresh_from_db()
        assert enrollment.status == Enrollment.Status.IN_PROGRESS  # lessons still open
        for lesson in item.lessons.all():
            enrollment = lesson_complete(enrollment=enrollment, lesson=lesson)
        assert enrollment.status == Enrollment.Status.COMPLETED and enrollment.completed_at


def test_attempt_limit_finished_attempts_and_tampered_answers_are_refused(partner_a, user_a):
    item = course()
    other = course()
    with partner_scope(partner_a):
        enrollment, _ = course_enroll(partner=partner_a, user=user_a, course=item)
        attempt = attempt_start(enrollment=enrollment)
        foreign = right_answers(other.quiz)
        with pytest.raises(EnablementError) as tampered:
            attempt_submit(attempt=attempt, answers=foreign)
        assert tampered.value.code == "answers_tampered"
        first_question = item.quiz.questions.first()
        other_choice = other.quiz.questions.first().choices.first().pk
        mixed = {**right_answers(item.quiz), str(first_question.pk): [other_choice]}
        with pytest.raises(EnablementError):
            attempt_submit(attempt=attempt, answers=mixed)
        both = {**right_answers(item.quiz), str(first_question.pk): [c.pk for c in first_question.choices.all()]}
        with pytest.raises(EnablementError) as single:
            attempt_submit(attempt=attempt, answers=both)
        assert single.value.code == "answers_single"
        attempt_submit(attempt=attempt, answers=wrong_answers(item.quiz))
        with pytest.raises(EnablementError) as finished:
            attempt_submit(attempt=attempt, answers=right_answers(item.quiz))
        assert finished.value.code == "finished"
        attempt_submit(attempt=attempt_start(enrollment=enrollment), answers=wrong_answers(item.quiz))
        with pytest.raises(EnablementError) as used:
            attempt_start(enrollment=enrollment)
        assert used.value.code == "attempts_used"


def test_certification_is_awarded_counted_for_tiers_and_not_for_former_members(partner_a, partner_b, user_a):
    first, second = course(), course()
    cert = certification(first, second, months=24)
    complete(partner_a, user_a, first)
    with partner_scope(partner_a):
        assert not CertificationAward.objects.exists()
    complete(partner_a, user_a, second)
    today = timezone.localdate()
    with partner_scope(partner_a):
        award = CertificationAward.objects.get()
        assert award.certification == cert and award.expires_on.year == today.year + 2
    leaver = make_member(partner=partner_a).user
    complete(partner_a, leaver, first)
    complete(partner_a, leaver, second)
    with partner_scope(partner_a):
        assert active_certifications([partner_a.pk, partner_b.pk], today) == {partner_a.pk: 2}
        partner_a_membership = leaver.memberships.get(partner=partner_a)
        partner_a_membership.is_active = False
        partner_a_membership.save()
        assert active_certifications([partner_a.pk], today) == {partner_a.pk: 1}
        assert active_certifications([partner_a.pk], award.expires_on + timedelta(days=1)) == {}
        measured = metrics.measure([partner_a.pk], today)
        assert measured.value(metrics.ACTIVE_CERTIFICATIONS, partner_a.pk) == 1


def test_renewal_course_extends_the_award_from_its_expiry(partner_a, user_a):
    base, renewal = course(), course()
    cert = certification(base, months=12)
    cert.renewal_course = renewal
    cert.save()
    start = timezone.now() - timedelta(days=300)
    complete(partner_a, user_a, base, now=start)
    with partner_scope(partner_a):
        award = CertificationAward.objects.get()
        first_expiry = award.expires_on
    complete(partner_a, user_a, renewal)
    with partner_scope(partner_a):
        award.refresh_from_db()
        assert award.renewed_on == timezone.localdate()
        assert award.expires_on.year == first_expiry.year + 1 and award.expires_on.month == first_expiry.month


def test_assigning_a_path_enrolls_on_its_courses_once(partner_a, admin_a, user_a):
    first, second = course(), course()
    learning = path(first, second)
    with partner_scope(partner_a):
        path_assign(partner=partner_a, user=user_a, path=learning, assigned_by=admin_a)
        path_assign(partner=partner_a, user=user_a, path=learning, assigned_by=admin_a)
        enrollments = Enrollment.objects.filter(user=user_a)
        assert enrollments.count() == 2
        assert set(enrollments.values_list("source", flat=True)) == {Enrollment.Source.ASSIGNED}
