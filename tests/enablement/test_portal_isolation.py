"""Catalogue URLs (a course code, a lesson, a path, an asset) are the same for every partner
(tests/tenancy/test_meta.py PORTAL_CATALOGUE_URLS): another partner's member who opens or posts to them sees and
changes only their own progress, never this partner's. Partner-owned ids (a certificate) answer 404 there."""

import pytest
from django.urls import reverse

from enablement.models import AssetDownload, CoBrandedPdf, Enrollment, LessonProgress, PathAssignment, QuizAttempt
from enablement.services import attempt_start, course_enroll, lesson_complete
from enablement.services.library import cobranding_profile_save
from prm.tenancy.scoping import partner_scope
from tests.tenancy.test_meta import PORTAL_CATALOGUE_URLS

from .helpers import course, path, right_answers
from .portal_helpers import award, learner, lesson_with_file, one_pager_asset

pytestmark = pytest.mark.django_db

MODELS = (Enrollment, LessonProgress, QuizAttempt, PathAssignment, AssetDownload, CoBrandedPdf)


def snapshot(partner) -> dict:
    with partner_scope(partner):
        return {model.__name__: sorted(model.objects.values_list("pk", flat=True)) for model in MODELS}


@pytest.fixture
def world(partner_a, admin_a):
    """Partner A's member halfway through a course with a file lesson and an open attempt; a path; an asset."""
    item = course(code="zero-trust")
    lesson = lesson_with_file(item)
    person = learner(partner_a)
    person.full_name = "Alma Alpha-Learner"
    person.save()
    with partner_scope(partner_a):
        enrollment, _ = course_enroll(partner=partner_a, user=person, course=item)
        lesson_complete(enrollment=enrollment, lesson=item.lessons.order_by("order").first())
        attempt = attempt_start(enrollment=enrollment)
        cobranding_profile_save(partner=partner_a, actor=admin_a, values={"display_name": "Alpha Systems GmbH"})
    path(item, code="sales-path")
    asset = one_pager_asset()
    return {"course": item, "lesson": lesson, "person": person, "attempt": attempt, "asset": asset}


def requests_for(world) -> dict:
    code, lesson, asset = world["course"].code, world["lesson"].pk, world["asset"].pk
    return {
        "enablement:course_detail": ("get", [code], {}),
        "enablement:course_enroll": ("post", [code], {}),
        "enablement:lesson_detail": ("get", [code, lesson], {}),
        "enablement:lesson_complete": ("post", [code, lesson], {}),
        "enablement:lesson_file": ("get", [code, lesson], {}),
        "enablement:quiz": ("post", [code], {"attempt": world["attempt"].pk,
                                            **{f"q_{k}": v for k, v in right_answers(world["course"].quiz).items()}}),
        "enablement:quiz_start": ("post", [code], {}),
        "enablement:path_choose": ("post", ["sales-path"], {}),
        "enablement:asset_download": ("get", [asset], {}),
        "enablement:asset_one_pager": ("get", [asset], {}),
    }


def test_the_table_covers_every_catalogue_url(world):
    assert set(requests_for(world)) == PORTAL_CATALOGUE_URLS


@pytest.mark.parametrize("url_name", sorted(PORTAL_CATALOGUE_URLS))
def test_another_partner_sees_and_changes_none_of_this_partners_progress(client, world, url_name, partner_a, admin_b,
                                                                        django_capture_on_commit_callbacks):
    before = snapshot(partner_a)
    method, args, data = requests_for(world)[url_name]
    client.force_login(admin_b)
    with django_capture_on_commit_callbacks(execute=True):
        response = getattr(client, method)(reverse(url_name, args=args), data, follow=True)
    assert response.status_code in (200, 400, 404)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    for secret in ("Alma Alpha-Learner", world["person"].email, partner_a.name):
        assert secret.encode() not in body, secret
    assert snapshot(partner_a) == before


def test_a_lesson_file_and_an_attempt_of_another_partner_stay_out_of_reach(client, world, admin_b, partner_b):
    item = world["course"]
    client.force_login(admin_b)
    client.post(reverse("enablement:course_enroll", args=[item.code]))  # enrolled on the same course, own row
    with partner_scope(partner_b):
        assert Enrollment.objects.filter(user=admin_b, course=item).count() == 1
    assert client.get(reverse("enablement:lesson_file", args=[item.code, world["lesson"].pk])).status_code == 200
    refused = client.post(reverse("enablement:quiz", args=[item.code]),
                          {"attempt": world["attempt"].pk, **{f"q_{k}": v for k, v in right_answers(item.quiz).items()}})
    assert refused.status_code == 400
    with partner_scope(world["attempt"].partner_id):
        assert QuizAttempt.objects.get(pk=world["attempt"].pk).submitted_at is None


def test_a_certificate_of_another_partner_is_not_found(client, partner_a, admin_b):
    held = award(partner_a)
    client.force_login(admin_b)
    assert client.get(reverse("enablement:certificate_pdf", args=[held.pk])).status_code == 404
