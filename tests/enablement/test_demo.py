"""The enablement demo: a translated catalogue (one course deliberately without Japanese), learning written through
the services in every state, certification awards in every state, enough active certifications for each demo
partner's tier (the tier metric reads them); idempotent, and ``seed_demo --reset`` builds the same again."""

import io
import re
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone, translation

from enablement.demo import FEATURED, plan_awards
from enablement.models import (
    Asset,
    AssetDownload,
    CertificationAward,
    Choice,
    CoBrandingProfile,
    Course,
    Enrollment,
    LearningPath,
    Lesson,
    LessonProgress,
    PathAssignment,
    Question,
    QuizAttempt,
    localized,
)
from partners.models import PartnerOrganization, PartnerTier
from partners.tiers import metrics
from partners.tiers.config import TierConfig
from prm.common.uploads import PDF, PNG, sniff_content_type
from prm.tenancy.scoping import partners_scope, unscoped

pytestmark = pytest.mark.django_db

CATALOGUE = (Course, Lesson, Question, Choice, LearningPath, Asset)
PROGRESS = (Enrollment, LessonProgress, QuizAttempt, CertificationAward, PathAssignment, AssetDownload,
            CoBrandingProfile)
SUMMARY = re.compile(r"^enablement: 8 courses, 4 paths, 3 certifications, 16 assets; (\d+) enrollments \(\d+ completed, "
                     r"\d+ in progress, \d+ not started\), (\d+) certification awards \(\d+ expiring within 60 days, "
                     r"1 expired, 1 renewed\), 3 co-branding profiles$", re.MULTILINE)


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, int]:
    with unscoped():
        return {model.__name__: model.objects.count() for model in (*CATALOGUE, *PROGRESS)}


def test_the_demo_has_learning_in_every_state_enough_certifications_for_the_tiers_and_is_idempotent():
    output = seed()
    match = SUMMARY.search(output)
    assert match, output
    first = snapshot()
    assert first["Enrollment"] == int(match.group(1)) and first["CertificationAward"] == int(match.group(2))
    again = seed()
    assert "enablement:" not in again  # nothing new the second time
    assert snapshot() == first

    today = timezone.localdate()
    with unscoped():
        _check_catalogue()
        demo = list(PartnerOrganization.objects.filter(website__endswith=".example"))
        enrollments = list(Enrollment.objects.select_related("partner", "course"))
        awards = list(CertificationAward.objects.select_related("certification", "partner"))
        attempts = list(QuizAttempt.objects.order_by("enrollment_id", "number"))

        # no duplicates: one enrollment per person and course, one award per person and certification
        assert len({(e.partner_id, e.user_id, e.course_id) for e in enrollments}) == len(enrollments)
        assert len({(a.partner_id, a.user_id, a.certification_id) for a in awards}) == len(awards)

        # every enrollment status and source; completions after a failed attempt
        assert set(Counter(e.status for e in enrollments)) == set(Enrollment.Status.values)
        assert {Enrollment.Source.SELF, Enrollment.Source.ASSIGNED} <= {e.source for e in enrollments}
        by_enrollment: dict[int, list] = {}
        for attempt in attempts:
            by_enrollment.setdefault(attempt.enrollment_id, []).append(attempt.passed)
        assert any(results[:2] == [False, True] for results in by_enrollment.values())
        assert any(results == [False] for results in by_enrollment.values())  # failed once, still in progress
        completed = [e for e in enrollments if e.status == Enrollment.Status.COMPLETED]
        assert all(e.completed_at and e.completed_at <= timezone.now() for e in completed)

        # awards: valid, expiring within 60, 30 and 7 days, one expired, one renewed
        left = [(a.expires_on - today).days for a in awards]
        assert any(30 < d <= 60 for d in left) and any(7 < d <= 30 for d in left) and any(0 <= d <= 7 for d in left)
        assert sum(d < 0 for d in left) == 1
        renewed = [a for a in awards if a.renewed_on]
        assert len(renewed) == 1 and renewed[0].certification.renewal_course_id
        assert renewed[0].renewed_on > renewed[0].awarded_on and renewed[0].expires_on.year >= today.year + 2
        assert Enrollment.objects.filter(user_id=renewed[0].user_id, course_id=renewed[0].certification.renewal_course_id,
                                         status=Enrollment.Status.COMPLETED).exists()
        assert len({a.verification_code for a in awards}) == len(awards)

        # paths assigned; onboarding partners took their first course; co-branding with a logo
        assert PathAssignment.objects.filter(assigned_by__staff_role="channel_manager").exists()
        assert PathAssignment.objects.filter(assigned_by__is_staff=False).exists()  # by a partner admin
        onboarding = {p.pk for p in demo if p.status == PartnerOrganization.Status.ONBOARDING}
        assert any(e.partner_id in onboarding for e in completed)
        assert not Enrollment.objects.exclude(partner__status__in=PartnerOrganization.PORTAL_STATUSES).exists()
        profiles = list(CoBrandingProfile.objects.all())
        assert any(p.logo for p in profiles) and all(p.display_name and p.contact_email for p in profiles)
        with next(p for p in profiles if p.logo).logo.open("rb") as handle:
            assert sniff_content_type(handle) == PNG
        assert AssetDownload.objects.filter(co_branded=True).exists() and AssetDownload.objects.count() > 10

    _check_tier_certifications(demo, today)

    # --reset removes the demo partners' learning with them and builds the same again; the catalogue stays
    seed("--reset")
    assert snapshot() == first
    with unscoped():
        assert {a.pk for a in awards}.isdisjoint(CertificationAward.objects.values_list("pk", flat=True))


def _check_catalogue() -> None:
    courses = {c.code: c for c in Course.objects.prefetch_related("lessons", "quiz__questions__choices")}
    assert len(courses) == 8 and all(c.is_published for c in courses.values())
    for course in courses.values():
        assert 2 <= course.lessons.count() <= 4
        questions = list(course.quiz.questions.all())
        assert 3 <= len(questions) <= 5 and sum(q.multiple for q in questions) == 1
        assert all(q.multiple == (sum(c.is_correct for c in q.choices.all()) > 1) for q in questions)
    assert {"de", "fr", "es", "ja"} <= set(courses["platform-fundamentals"].translations)
    missing_ja = [c.code for c in courses.values() if "ja" not in c.translations]
    assert missing_ja == ["technical-deep-dive"]
    with translation.override("ja"):
        assert localized(courses["technical-deep-dive"], "title").fallback
        assert not localized(courses["platform-fundamentals"], "title").fallback
    assert localized(courses["technical-deep-dive"], "title", "de").text == "Technischer Deep Dive für Integratoren"
    assert courses["referral-quick-start"].estimated_minutes <= 15
    assert courses["partner-admin-essentials"].roles == ["admin"]
    lessons = list(Lesson.objects.all())
    videos = [lesson for lesson in lessons if lesson.kind == Lesson.Kind.VIDEO]
    assert videos and all(v.video_url.startswith("https://videos.example.com/") for v in videos)
    files = [lesson for lesson in lessons if lesson.file]
    assert len(files) == 1 and files[0].file_type == PDF and files[0].file_name.endswith(".pdf")
    assert files[0].file.name.startswith("enablement/lessons/")
    with files[0].file.open("rb") as handle:
        assert sniff_content_type(handle) == PDF

    assets = list(Asset.objects.all())
    assert {a.language for a in assets if a.is_published} == {"en", "de", "fr", "es", "ja"}
    pdfs = [a for a in assets if a.kind == Asset.Kind.FILE]
    assert len(pdfs) >= 8 and all(a.file_type == PDF for a in pdfs)
    with pdfs[0].file.open("rb") as handle:
        assert sniff_content_type(handle) == PDF
    assert all(a.url.startswith("https://") for a in assets if a.kind == Asset.Kind.LINK)
    co_brandable = [a for a in assets if a.co_brandable]
    assert len(co_brandable) == 2 and all(a.one_pager_body for a in co_brandable)
    assert all(a.tags for a in assets) and any(not a.is_published for a in assets)
    paths = {p.code: p for p in LearningPath.objects.prefetch_related("steps")}
    assert len(paths) == 4 and all(p.steps.count() >= 2 for p in paths.values())
    assert {t for p in paths.values() for t in p.partner_types} >= {"reseller", "msp", "system_integrator", "isv",
                                                                   "referral"}


def _check_tier_certifications(demo, today) -> None:
    """Every demo partner holds at least the active certifications its tier asks for, as the tier engine reads them
    (metrics.measure in the partners' scope); the Gold and Platinum partners among them."""
    config = TierConfig.load()
    index = metrics.METRIC_CODES.index(metrics.ACTIVE_CERTIFICATIONS)
    ids = [p.pk for p in demo if p.status in PartnerOrganization.PORTAL_STATUSES]
    with partners_scope(ids):
        measured = metrics.measure(ids, today)
        states = list(PartnerTier.objects.filter(partner_id__in=ids).select_related("partner", "tier"))
    assert measured.values[metrics.ACTIVE_CERTIFICATIONS]  # the provider is registered and finds awards
    top = [s for s in states if s.tier.code in ("gold", "platinum")]
    assert {s.partner.name for s in top} >= {"Nordlicht IT GmbH", "Summit Ridge Technologies Inc."}
    assert {s.tier.code for s in top} == {"gold", "platinum"}
    for state in states:
        need = config.thresholds(state.tier, state.partner.region_id, state.partner.country)[index]
        have = measured.value(metrics.ACTIVE_CERTIFICATIONS, state.partner_id)
        assert have >= need, (state.partner.name, state.tier.code, have, need)
        if state.tier.code in ("gold", "platinum"):
            assert need > 0 and have >= need
    featured = [s for s in states if s.partner.name in FEATURED]
    assert all(measured.value(metrics.ACTIVE_CERTIFICATIONS, s.partner_id) >= 5 for s in featured)
    # an expiring award the tier depends on: Nordlicht holds exactly its platinum minimum
    nordlicht = next(s for s in states if s.partner.name == "Nordlicht IT GmbH")
    with partners_scope(ids):
        soon = CertificationAward.objects.filter(partner_id=nordlicht.partner_id,
                                                 expires_on__lte=today + timedelta(days=30), expires_on__gte=today)
        assert soon.exists()


def test_award_plan_gives_each_person_their_first_choice_before_anyones_second():
    pairs = plan_awards(partner_type="reseller", people=4, wanted=6)
    assert pairs[:4] == [(0, "certified-sales-professional"), (1, "certified-technical-specialist"),
                         (2, "msp-operations-certified"), (3, "certified-sales-professional")]
    assert len(pairs) == 6 and len(set(pairs)) == 6
    assert len(plan_awards(partner_type="isv", people=2, wanted=99)) == 6  # at most three per person
    referral = plan_awards(partner_type="referral", people=3, wanted=3)
    assert {code for _person, code in referral} == {"certified-sales-professional"}
