"""The enablement admin: the catalogue (lesson files checked by content, quiz answers validated with translated
messages, translations explained), progress scoped to the staff user's regions, revoking an award (audited),
the expiring filter, the report by partner, downloads per asset, and constant query counts."""

from datetime import timedelta

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from enablement.models import (
    Asset,
    AssetDownload,
    CertificationAward,
    Choice,
    Course,
    Enrollment,
    Lesson,
    Question,
)
from prm.common.models import AuditEvent
from prm.tenancy.scoping import partner_scope
from tests.enablement.helpers import certification, course
from tests.factories import make_member

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def said(user, message, **params):
    with translation.override(user.preferred_language):
        text = gettext(message)
    return text % params if params else text


def management(prefix, total, initial=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def award_for(partner, user, cert, *, expires_in_days=400, **fields):
    today = timezone.localdate()
    with partner_scope(partner):
        return CertificationAward.objects.create(partner=partner, user=user, certification=cert, awarded_on=today,
                                                 expires_on=today + timedelta(days=expires_in_days), **fields)


def enrollment_for(partner, user, item, **fields):
    now = timezone.now()
    with partner_scope(partner):
        return Enrollment.objects.create(partner=partner, user=user, course=item, enrolled_at=now,
                                         last_activity_at=now, **fields)


# --- catalogue ---------------------------------------------------------------------------------------------------


def course_post(**lesson):
    data = {"code": "cloud-101", "title": "Cloud basics", "summary": "", "estimated_minutes": "30",
            "is_published": "on", "partner_types": ["reseller"],
            "translations": '{"de": {"title": "Cloud-Grundlagen"}}',
            **management("lessons", 1)}
    data.update({f"lessons-0-{key}": value for key, value in {
        "order": "1", "kind": "file", "title": "Price list", "body": "", "video_url": "", "estimated_minutes": "5",
        "translations": "", **lesson}.items()})
    return data


def test_lesson_files_are_checked_by_content_and_kept_with_their_name(client, operator):
    client.force_login(operator)
    url = reverse("admin:enablement_course_add")
    page = client.get(url).content.decode()
    assert '{"de": {"title": "…", "summary": "…"}' in page  # the translations field explains itself
    fake = SimpleUploadedFile("prices.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    response = client.post(url, course_post(file=fake))
    assert response.status_code == 200 and not Course.objects.filter(code="cloud-101").exists()
    assert escape(said(operator, "%(name)s is not a file type we accept. Upload %(types)s files.",
                       name="prices.pdf", types="PDF, PNG, JPEG, CSV, XLSX")) in response.content.decode()
    response = client.post(url, course_post(file=SimpleUploadedFile("Preisliste 2026.pdf", PDF_BYTES)))
    assert response.status_code == 302, response.content.decode()[:3000]
    item = Course.objects.get(code="cloud-101")
    lesson = Lesson.objects.get(course=item)
    assert (lesson.file_name, lesson.file_type) == ("Preisliste 2026.pdf", "application/pdf")
    assert "Preisliste" not in lesson.file.name and lesson.file.name.endswith(".pdf")
    assert item.partner_types == ["reseller"] and item.translations == {"de": {"title": "Cloud-Grundlagen"}}


def test_a_download_lesson_needs_its_file_and_translations_name_known_texts(client, operator):
    client.force_login(operator)
    data = course_post()
    data["translations"] = '{"de": {"titel": "Cloud"}}'
    html = client.post(reverse("admin:enablement_course_add"), data).content.decode()
    needs_file = "A download lesson needs its file (PDF, PNG, JPEG, CSV or XLSX, at most 50 MB)."
    assert escape(said(operator, needs_file)) in html
    assert escape(said(operator, "Unknown text “%(name)s” for %(language)s: use %(texts)s.", name="titel",
                       language="de", texts="title, summary")) in html
    assert not Course.objects.exists()


def question_post(quiz, answers, *, multiple=False):
    data = {"quiz": str(quiz.pk), "order": "5", "text": "Which port?", "translations": "",
            **management("choices", len(answers))}
    if multiple:
        data["multiple"] = "on"
    for i, (text, correct) in enumerate(answers):
        data.update({f"choices-{i}-order": str(i), f"choices-{i}-text": text, f"choices-{i}-translations": ""})
        if correct:
            data[f"choices-{i}-is_correct"] = "on"
    return data


@pytest.mark.parametrize("answers, multiple, message", [
    ([("443", True)], False, "A question needs at least two answers."),
    ([("443", False), ("80", False)], False, "Mark at least one answer as correct."),
    ([("443", True), ("8443", True), ("80", False)], False,
     "A single-answer question needs exactly one correct answer; tick “several answers are right” to allow more."),
])
def test_quiz_answers_are_validated_with_translated_messages(client, operator, answers, multiple, message):
    operator.preferred_language = "ja"
    operator.save()
    quiz = course().quiz
    before = Question.objects.count()
    client.force_login(operator)
    response = client.post(reverse("admin:enablement_question_add"), question_post(quiz, answers, multiple=multiple),
                           HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    assert escape(said(operator, message)) in response.content.decode()
    assert Question.objects.count() == before


def test_a_valid_question_is_saved_and_the_quiz_page_checks_its_questions(client, operator):
    quiz = course().quiz
    client.force_login(operator)
    response = client.post(reverse("admin:enablement_question_add"),
                           question_post(quiz, [("443", True), ("8443", True), ("80", False)], multiple=True))
    assert response.status_code == 302
    question = Question.objects.get(text="Which port?")
    assert sorted(Choice.objects.filter(question=question).values_list("text", "is_correct")) == [
        ("443", True), ("80", False), ("8443", True)]
    Choice.objects.filter(question=question).update(is_correct=False)
    html = client.get(reverse("admin:enablement_quiz_change", args=[quiz.pk])).content.decode()
    assert escape(said(operator, "Mark at least one answer as correct.")) in html


def test_channel_managers_read_the_catalogue_but_change_nothing(client, manager_a):
    item = course(code="readonly-1")
    client.force_login(manager_a)
    assert client.get(reverse("admin:enablement_course_changelist")).status_code == 200
    assert client.get(reverse("admin:enablement_course_add")).status_code == 403
    assert client.get(reverse("admin:enablement_quiz_changelist")).status_code == 403  # the right answers
    client.post(reverse("admin:enablement_course_change", args=[item.pk]), {"code": "x", "title": "Changed"})
    item.refresh_from_db()
    assert item.title != "Changed"


def test_assets_file_checked_and_downloads_counted_per_asset_in_the_managers_regions(
        client, operator, manager_a, partner_a, user_a, partner_b, user_b):
    client.force_login(operator)
    response = client.post(reverse("admin:enablement_asset_add"), {
        "title": "Battlecard", "description": "", "language": "en", "kind": "file", "url": "",
        "tags": "sales, security, sales", "co_brandable": "on", "one_pager_body": "", "is_published": "on",
        "file": SimpleUploadedFile("card.pdf", PDF_BYTES)})
    assert escape(said(operator, "A co-brandable asset needs the text of its one-pager.")) in response.content.decode()
    response = client.post(reverse("admin:enablement_asset_add"), {
        "title": "Battlecard", "description": "", "language": "en", "kind": "file", "url": "",
        "tags": "sales, security, sales", "one_pager_body": "", "is_published": "on",
        "file": SimpleUploadedFile("card.pdf", PDF_BYTES)})
    assert response.status_code == 302
    asset = Asset.objects.get()
    assert asset.tags == ["sales", "security"] and asset.file_type == "application/pdf"
    with partner_scope(partner_a):
        for _ in range(3):
            AssetDownload.objects.create(partner=partner_a, user=user_a, asset=asset)
    with partner_scope(partner_b):
        AssetDownload.objects.create(partner=partner_b, user=user_b, asset=asset)
    client.force_login(manager_a)
    html = client.get(reverse("admin:enablement_assetdownload_changelist")).content.decode()
    assert 'id="downloads-per-asset"' in html and "<td>Battlecard</td><td>3</td>" in html
    assert partner_b.name not in html
    assert ">3</td>" in client.get(reverse("admin:enablement_asset_changelist")).content.decode()


# --- progress ------------------------------------------------------------------------------------------------------


def test_progress_admins_are_scoped_to_the_managers_regions(client, manager_a, partner_a, user_a, partner_b, user_b):
    item = course(code="scope-1")
    cert = certification(item)
    mine, theirs = enrollment_for(partner_a, user_a, item), enrollment_for(partner_b, user_b, item)
    my_award, their_award = award_for(partner_a, user_a, cert), award_for(partner_b, user_b, cert)
    client.force_login(manager_a)
    for name in ("enrollment", "certificationaward"):
        html = client.get(reverse(f"admin:enablement_{name}_changelist")).content.decode()
        assert partner_a.name in html and partner_b.name not in html, name
    assert client.get(reverse("admin:enablement_enrollment_change", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:enablement_enrollment_change", args=[theirs.pk])).status_code == 302
    assert client.get(reverse("admin:enablement_certificationaward_change", args=[my_award.pk])).status_code == 200
    assert client.get(reverse("admin:enablement_certificationaward_change",
                              args=[their_award.pk])).status_code == 302
    assert client.post(reverse("admin:enablement_enrollment_change", args=[mine.pk]), {}).status_code == 403


def test_revoking_an_award_needs_a_reason_and_is_audited(client, manager_a, partner_a, user_a, partner_b, user_b):
    cert = certification(course(code="rev-1"))
    award = award_for(partner_a, user_a, cert)
    other = award_for(partner_b, user_b, cert)
    url = reverse("admin:enablement_certificationaward_changelist")
    client.force_login(manager_a)
    ask = client.post(url, {"action": "revoke_selected", ACTION_CHECKBOX_NAME: [award.pk, other.pk]})
    assert ask.status_code == 200 and user_a.get_full_name() in ask.content.decode()
    assert user_b.get_full_name() not in ask.content.decode()  # another region's award is not even listed
    client.post(url, {"action": "revoke_selected", ACTION_CHECKBOX_NAME: [award.pk], "apply": "1", "reason": ""})
    with partner_scope(partner_a):
        award.refresh_from_db()
    assert award.revoked_at is None
    client.post(url, {"action": "revoke_selected", ACTION_CHECKBOX_NAME: [award.pk, other.pk], "apply": "1",
                      "reason": "Exam fraud"})
    with partner_scope(partner_a):
        award.refresh_from_db()
    with partner_scope(partner_b):
        other.refresh_from_db()
    assert award.revoked_at is not None and other.revoked_at is None
    event = AuditEvent.objects.get(action="enablement.certification.revoked")
    assert event.actor == manager_a and event.data["reason"] == "Exam fraud" and event.target_id == str(award.pk)
    html = client.get(url + "?validity=revoked").content.decode()
    assert said(manager_a, "Revoked") in html


def test_executives_read_awards_without_the_revoke_action(client, executive_a, partner_a, user_a):
    award = award_for(partner_a, user_a, certification(course(code="exec-1")))
    client.force_login(executive_a)
    url = reverse("admin:enablement_certificationaward_changelist")
    html = client.get(url).content.decode()
    assert partner_a.name in html and "revoke_selected" not in html
    client.post(url, {"action": "revoke_selected", ACTION_CHECKBOX_NAME: [award.pk], "apply": "1", "reason": "x"})
    with partner_scope(partner_a):
        award.refresh_from_db()
    assert award.revoked_at is None


def test_expiring_filter_lists_awards_ending_within_60_days(client, operator, partner_a, user_a, admin_a):
    cert = certification(course(code="exp-1"))
    soon = award_for(partner_a, user_a, cert, expires_in_days=30)
    award_for(partner_a, admin_a, cert, expires_in_days=300)
    client.force_login(operator)
    response = client.get(reverse("admin:enablement_certificationaward_changelist") + "?validity=expiring")
    assert [a.pk for a in response.context["cl"].result_list] == [soon.pk]


def test_report_counts_completions_and_active_certifications_per_partner(client, manager_a, partner_a, user_a,
                                                                        admin_a, partner_b, user_b):
    item = course(code="rep-1")
    cert = certification(item)
    now = timezone.now()
    enrollment_for(partner_a, user_a, item, status="completed", completed_at=now)
    enrollment_for(partner_a, admin_a, item, status="completed", completed_at=now - timedelta(days=200))
    enrollment_for(partner_b, user_b, item, status="completed", completed_at=now)
    award_for(partner_a, user_a, cert, expires_in_days=20)
    award_for(partner_a, admin_a, cert, expires_in_days=20, revoked_at=now)
    client.force_login(manager_a)
    url = reverse("admin:enablement_enrollment_report")
    assert url in client.get(reverse("admin:enablement_enrollment_changelist")).content.decode()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    rows = {p.name: (p.completions, p.recent_completions, p.active_certifications, p.expiring_certifications)
            for p in response.context["page"]}
    assert rows == {partner_a.name: (2, 1, 1, 1)}
    report_queries = [q for q in queries.captured_queries if "partners_partnerorganization" in q["sql"]
                      and "enablement_enrollment" in q["sql"]]
    assert len(report_queries) == 1  # one aggregate query for the page


@pytest.mark.parametrize("name", ["enrollment", "certificationaward", "assetdownload"])
def test_progress_lists_are_a_constant_number_of_queries(client, manager_a, partner_a, name):
    item = course(code=f"const-{name}", lessons=0, quiz=False)
    cert = certification(item)
    asset = Asset.objects.create(title="Deck", is_published=True)

    def add(n):
        for _ in range(n):
            user = make_member(partner=partner_a).user
            enrollment_for(partner_a, user, item)
            award_for(partner_a, user, cert)
            with partner_scope(partner_a):
                AssetDownload.objects.create(partner=partner_a, user=user, asset=asset)

    add(1)
    url = reverse(f"admin:enablement_{name}_changelist")
    client.force_login(manager_a)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(8)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.status_code == 200 and len(response.context["cl"].result_list) == 9
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_operator_opens_every_enablement_admin_page(client, operator, partner_a, user_a):
    item = course(code="pages-1")
    certification(item)
    client.force_login(operator)
    for name in ("course", "quiz", "question", "learningpath", "certification", "asset", "enrollment",
                 "certificationaward", "assetdownload", "completionimport"):
        assert client.get(reverse(f"admin:enablement_{name}_changelist")).status_code == 200, name
    for name in ("course", "quiz", "question", "learningpath", "certification", "asset", "completionimport"):
        assert client.get(reverse(f"admin:enablement_{name}_add")).status_code == 200, name
    assert client.get(reverse("admin:enablement_course_change", args=[item.pk])).status_code == 200
    assert client.get(reverse("admin:enablement_quiz_change", args=[item.quiz.pk])).status_code == 200
    assert client.get(reverse("admin:enablement_enrollment_report")).status_code == 200


def test_two_lessons_in_the_same_place_are_refused_not_half_saved(client, operator):
    client.force_login(operator)
    data = course_post(kind="text")
    data.update(management("lessons", 2))
    data.update({"lessons-1-order": "1", "lessons-1-kind": "text", "lessons-1-title": "Again", "lessons-1-body": "",
                 "lessons-1-video_url": "", "lessons-1-estimated_minutes": "5", "lessons-1-translations": ""})
    response = client.post(reverse("admin:enablement_course_add"), data)
    assert response.status_code == 200 and not Course.objects.exists()
    data["lessons-1-order"] = "2"
    data["lessons-1-kind"] = "video"
    html = client.post(reverse("admin:enablement_course_add"), data).content.decode()
    assert escape(said(operator, "A video lesson needs its video link.")) in html
    data["lessons-1-video_url"] = "https://videos.example.com/cloud"
    assert client.post(reverse("admin:enablement_course_add"), data).status_code == 302
    assert list(Lesson.objects.order_by("order").values_list("title", flat=True)) == ["Price list", "Again"]


def test_learning_path_keeps_its_course_order_and_a_certification_needs_courses(client, operator):
    first, second = course(code="path-a"), course(code="path-b")
    client.force_login(operator)
    response = client.post(reverse("admin:enablement_learningpath_add"), {
        "code": "sales-path", "title": "Sales", "summary": "", "translations": "", "is_published": "on",
        **management("steps", 2), "steps-0-order": "2", "steps-0-course": str(first.pk),
        "steps-1-order": "1", "steps-1-course": str(second.pk)})
    assert response.status_code == 302
    from enablement.models import LearningPath

    path = LearningPath.objects.get(code="sales-path")
    assert [s.course.code for s in path.steps.order_by("order")] == ["path-b", "path-a"]
    html = client.post(reverse("admin:enablement_certification_add"), {
        "code": "c1", "name": "Cert", "description": "", "validity_months": "24", "is_active": "on",
        "translations": ""}).content.decode()
    assert escape(said(operator, "Choose the courses a person completes to earn the certification.")) in html
    response = client.post(reverse("admin:enablement_certification_add"), {
        "code": "c1", "name": "Cert", "description": "", "validity_months": "24", "is_active": "on",
        "translations": "", "courses": [first.pk, second.pk], "renewal_course": str(second.pk)})
    assert response.status_code == 302
