"""A member's learning through the test client: catalogue → enroll → lessons → quiz failed then passed →
certification → certificate PDF queued then served → verified publicly (then expired). The quiz refuses tampered
answers and a second submission with the service's translated message, changing nothing."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from enablement.models import CertificationAward, Enrollment, LessonProgress, QuizAttempt
from prm.tenancy.scoping import partner_scope

from .helpers import certification, course, right_answers, wrong_answers
from .portal_helpers import expire, learner

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The PDF queue throttle lives in the cache; row ids repeat between tests."""
    cache.clear()
    yield
    cache.clear()


def german(user):
    user.preferred_language = "de"
    user.save(update_fields=["preferred_language"])
    return user


def answers_post(attempt_id, answers: dict) -> dict:
    data = {"attempt": str(attempt_id)}
    data.update({f"q_{qid}": [str(c) for c in cids] for qid, cids in answers.items()})
    return data


def open_attempt_id(html: str) -> int:
    return int(re.search(r'name="attempt" value="(\d+)"', html).group(1))


def enrollment_of(partner, user, item) -> Enrollment:
    with partner_scope(partner):
        return Enrollment.objects.get(user=user, course=item)


def test_a_member_learns_passes_gets_certified_and_the_certificate_verifies(
        client, partner_a, django_capture_on_commit_callbacks):
    item = course(title="Zero trust basics", translations={"de": {"title": "Zero-Trust-Grundlagen"}})
    certification(item, months=24)
    person = german(learner(partner_a))
    client.force_login(person)

    catalogue = client.get(reverse("enablement:catalogue")).content.decode()
    assert "Zero-Trust-Grundlagen" in catalogue
    assert reverse("enablement:course_enroll", args=[item.code]) in catalogue

    enroll = reverse("enablement:course_enroll", args=[item.code])
    assert client.post(enroll)["Location"] == item.get_absolute_url()
    assert client.post(enroll).status_code == 302  # a double click: still one enrollment
    with partner_scope(partner_a):
        assert Enrollment.objects.filter(user=person).count() == 1

    page = client.get(item.get_absolute_url()).content.decode()
    first, second = list(item.lessons.order_by("order"))
    assert reverse("enablement:lesson_detail", args=[item.code, first.pk]) in page

    lesson = client.get(reverse("enablement:lesson_detail", args=[item.code, first.pk])).content.decode()
    with translation.override("de"):
        assert gettext("Mark as done") in lesson
    done = client.post(reverse("enablement:lesson_complete", args=[item.code, first.pk]))
    assert done["Location"] == reverse("enablement:lesson_detail", args=[item.code, second.pk])
    done = client.post(reverse("enablement:lesson_complete", args=[item.code, second.pk]))
    assert done["Location"] == reverse("enablement:quiz", args=[item.code])  # lessons done; the quiz is left

    quiz_url = reverse("enablement:quiz", args=[item.code])
    client.post(reverse("enablement:quiz_start", args=[item.code]))
    attempt_id = open_attempt_id(client.get(quiz_url).content.decode())
    assert client.post(quiz_url, answers_post(attempt_id, wrong_answers(item.quiz))).status_code == 302
    result = client.get(quiz_url).content.decode()
    assert 'data-result="failed"' in result and 'data-attempts-left="1"' in result

    # The same finished attempt posted again (a replayed form): refused, nothing changes.
    replay = client.post(quiz_url, answers_post(attempt_id, right_answers(item.quiz)))
    assert replay.status_code == 400
    with translation.override("de"):
        assert gettext("This attempt is finished and cannot be submitted again.") in replay.content.decode()
    with partner_scope(partner_a):
        assert not QuizAttempt.objects.get(pk=attempt_id).passed
        assert not CertificationAward.objects.exists()

    client.post(reverse("enablement:quiz_start", args=[item.code]))
    attempt_id = open_attempt_id(client.get(quiz_url).content.decode())
    client.post(quiz_url, answers_post(attempt_id, right_answers(item.quiz)))
    assert 'data-result="passed"' in client.get(quiz_url).content.decode()
    enrollment = enrollment_of(partner_a, person, item)
    assert enrollment.status == Enrollment.Status.COMPLETED and enrollment.score_percent == 100
    with partner_scope(partner_a):
        award = CertificationAward.objects.get(user=person)

    mine = client.get(reverse("enablement:my_learning")).content.decode()
    assert "Zertifizierter Ingenieur" in mine and 'value="100"' in mine
    pdf_url = reverse("enablement:certificate_pdf", args=[award.pk])
    assert pdf_url in mine

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        pending = client.get(pdf_url)
    with translation.override("de"):
        assert pending.status_code == 200 and gettext("Your certificate is being prepared") in pending.content.decode()
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:  # the on-commit dispatch; eager Celery renders in-process
            callback()
    served = client.get(pdf_url)
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert served["Content-Disposition"].startswith("attachment") and served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content).startswith(b"%PDF")

    client.logout()
    verify_url = reverse("certificate_verify", args=[award.verification_code])
    valid = client.get(verify_url)
    assert valid.status_code == 200
    html = valid.content.decode()
    assert 'data-status="valid"' in html and person.full_name in html and "Certified Engineer" in html
    assert partner_a.name not in html and person.email not in html
    expire(award, days_ago=3)
    expired = client.get(verify_url).content.decode()
    assert 'data-status="expired"' in expired and 'data-status="valid"' not in expired


# --- the quiz refuses tampering -------------------------------------------------------------------------------


@pytest.fixture
def quiz_in_progress(client, partner_a):
    """A German-speaking member enrolled on a course, with an open quiz attempt."""
    item, other = course(), course()
    person = german(learner(partner_a))
    client.force_login(person)
    client.post(reverse("enablement:course_enroll", args=[item.code]))
    client.post(reverse("enablement:course_enroll", args=[other.code]))
    client.post(reverse("enablement:quiz_start", args=[item.code]))
    quiz_url = reverse("enablement:quiz", args=[item.code])
    return item, other, person, quiz_url, open_attempt_id(client.get(quiz_url).content.decode())


def assert_refused(response, message: str, partner, attempt_id):
    assert response.status_code == 400
    with translation.override("de"):
        assert gettext(message) in response.content.decode()
    with partner_scope(partner):
        attempt = QuizAttempt.objects.get(pk=attempt_id)
        assert attempt.submitted_at is None and attempt.score_percent is None and attempt.answers == {}


def test_answers_from_another_quiz_or_extra_answers_are_refused_and_change_nothing(client, partner_a, quiz_in_progress):
    item, other, _person, quiz_url, attempt_id = quiz_in_progress
    tampered = "The answers do not belong to this quiz. Reload the quiz and try again."
    foreign = client.post(quiz_url, answers_post(attempt_id, right_answers(other.quiz)))
    assert_refused(foreign, tampered, partner_a, attempt_id)
    extra = client.post(quiz_url, {**answers_post(attempt_id, right_answers(item.quiz)), "q_999999": ["1"]})
    assert_refused(extra, tampered, partner_a, attempt_id)
    question = item.quiz.questions.first()
    other_choice = other.quiz.questions.first().choices.first().pk
    mixed = {**right_answers(item.quiz), str(question.pk): [other_choice]}
    assert_refused(client.post(quiz_url, answers_post(attempt_id, mixed)), tampered, partner_a, attempt_id)
    both = {**right_answers(item.quiz), str(question.pk): [c.pk for c in question.choices.all()]}
    assert_refused(client.post(quiz_url, answers_post(attempt_id, both)),
                   "Choose exactly one answer for each single-answer question.", partner_a, attempt_id)
    garbage = client.post(quiz_url, {"attempt": str(attempt_id), f"q_{question.pk}": ["x"]})
    assert_refused(garbage, "The answers could not be read. Reload the quiz and try again.", partner_a, attempt_id)
    # The page still offers the open attempt, with the person's choices kept.
    assert f'name="attempt" value="{attempt_id}"' in garbage.content.decode()


def test_an_attempt_of_another_course_or_person_cannot_be_submitted_here(client, partner_a, quiz_in_progress):
    item, other, person, quiz_url, attempt_id = quiz_in_progress
    client.post(reverse("enablement:quiz_start", args=[other.code]))
    other_attempt = open_attempt_id(client.get(reverse("enablement:quiz", args=[other.code])).content.decode())
    unknown = "This attempt does not belong to this quiz. Reload the quiz and try again."
    refused = client.post(quiz_url, answers_post(other_attempt, right_answers(item.quiz)))
    assert_refused(refused, unknown, partner_a, attempt_id)
    with partner_scope(partner_a):
        assert QuizAttempt.objects.get(pk=other_attempt).submitted_at is None
    colleague = german(learner(partner_a))
    client.force_login(colleague)
    client.post(reverse("enablement:course_enroll", args=[item.code]))
    assert_refused(client.post(quiz_url, answers_post(attempt_id, right_answers(item.quiz))), unknown, partner_a,
                   attempt_id)


def test_multiple_answer_questions_use_checkboxes_and_single_ones_radios(client, partner_a, quiz_in_progress):
    item, _other, _person, quiz_url, _attempt_id = quiz_in_progress
    first = item.quiz.questions.order_by("order").first()
    first.multiple = True
    first.translations = {"de": {"text": "Welche stimmen?"}}
    first.save()
    html = client.get(quiz_url).content.decode()
    assert f'type="checkbox" name="q_{first.pk}"' in html and 'type="radio"' in html
    assert "Welche stimmen?" in html


def test_the_attempt_limit_and_a_double_start(client, partner_a, quiz_in_progress):
    item, _other, person, quiz_url, attempt_id = quiz_in_progress
    client.post(reverse("enablement:quiz_start", args=[item.code]))  # a double click opens no second attempt
    assert open_attempt_id(client.get(quiz_url).content.decode()) == attempt_id
    client.post(quiz_url, answers_post(attempt_id, wrong_answers(item.quiz)))
    client.post(reverse("enablement:quiz_start", args=[item.code]))
    second = open_attempt_id(client.get(quiz_url).content.decode())
    client.post(quiz_url, answers_post(second, wrong_answers(item.quiz)))
    page = client.post(reverse("enablement:quiz_start", args=[item.code]), follow=True).content.decode()
    with translation.override("de"):
        assert gettext("You have used all %(count)s attempts at this quiz.") % {"count": 2} in page
    assert 'data-attempts-left="0"' in page and 'name="attempt"' not in page
    with partner_scope(partner_a):
        assert QuizAttempt.objects.filter(enrollment__user=person, enrollment__course=item).count() == 2


# --- course page and lesson player ------------------------------------------------------------------------------


def test_titles_fall_back_to_english_visibly(client, partner_a):
    course(title="Kubernetes for sellers", translations={})
    person = german(learner(partner_a))
    client.force_login(person)
    html = client.get(reverse("enablement:catalogue")).content.decode()
    with translation.override("de"):
        marker = gettext("(English)")
    assert re.search(r'<span lang="en">Kubernetes for sellers</span> <span class="badge"[^>]*>' + re.escape(marker), html)


def test_courses_for_another_partner_type_or_role_are_not_offered(client, partner_a, user_a):
    shown = course(title="For resellers")
    hidden = course(title="For distributors", partner_types=["distributor"])
    admins_only = course(title="For admins", roles=["admin"])
    client.force_login(user_a)
    html = client.get(reverse("enablement:catalogue")).content.decode()
    assert "For resellers" in html and "For distributors" not in html and "For admins" not in html
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(admins_only.get_absolute_url()).status_code == 404
    assert client.post(reverse("enablement:course_enroll", args=[hidden.code])).status_code == 404
    assert client.get(shown.get_absolute_url()).status_code == 200
    unpublished = course(published=False)
    assert client.get(unpublished.get_absolute_url()).status_code == 404


def test_lesson_text_is_plain_text_and_videos_open_in_a_new_tab(client, partner_a, user_a):
    item = course(lessons=1)
    lesson = item.lessons.get()
    lesson.body = "<script>alert('x')</script>\nSecond line"
    lesson.video_url = "https://videos.example.com/watch?v=1"
    lesson.save()
    client.force_login(user_a)
    url = reverse("enablement:lesson_detail", args=[item.code, lesson.pk])
    not_enrolled = client.get(url)
    assert not_enrolled.status_code == 302 and not_enrolled["Location"] == item.get_absolute_url()
    client.post(reverse("enablement:course_enroll", args=[item.code]))
    html = client.get(url).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;<br>Second line" in html
    assert re.search(r'href="https://videos.example.com/watch\?v=1" target="_blank" rel="noopener noreferrer"', html)
    assert "<iframe" not in html


def test_marking_the_last_lesson_done_completes_a_course_without_quiz(client, partner_a, user_a):
    item = course(lessons=1, quiz=False)
    lesson = item.lessons.get()
    client.force_login(user_a)
    client.post(reverse("enablement:course_enroll", args=[item.code]))
    url = reverse("enablement:lesson_complete", args=[item.code, lesson.pk])
    assert client.post(url)["Location"] == item.get_absolute_url()
    assert client.post(url).status_code == 302  # twice: still one progress row
    assert enrollment_of(partner_a, user_a, item).status == Enrollment.Status.COMPLETED
    with partner_scope(partner_a):
        assert LessonProgress.objects.filter(lesson=lesson).count() == 1
    assert client.get(url).status_code == 405


def test_a_lesson_of_another_course_is_not_found(client, partner_a, user_a):
    item, other = course(), course()
    client.force_login(user_a)
    client.post(reverse("enablement:course_enroll", args=[item.code]))
    foreign = other.lessons.first()
    assert client.get(reverse("enablement:lesson_detail", args=[item.code, foreign.pk])).status_code == 404
    assert client.post(reverse("enablement:lesson_complete", args=[item.code, foreign.pk])).status_code == 404
    with partner_scope(partner_a):
        assert not LessonProgress.objects.exists()


def test_my_learning_warns_about_certifications_expiring_soon(client, partner_a, user_a):
    from .portal_helpers import award

    held = award(partner_a, user_a)
    client.force_login(user_a)
    assert "award-row--expiring" not in client.get(reverse("enablement:my_learning")).content.decode()
    with partner_scope(partner_a):
        CertificationAward.objects.filter(pk=held.pk).update(expires_on=timezone.localdate() + timedelta(days=20))
    html = client.get(reverse("enablement:my_learning")).content.decode()
    assert "award-row--expiring" in html and "Expires in 20 days" in html
