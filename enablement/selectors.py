"""Reads for the enablement portal: a person's learning (paths, enrollments with progress, certifications),
the catalogue and paths offered to them, a course with its lessons and quiz, the team's progress and the asset
library. Each read is a fixed number of queries, whatever the number of rows; catalogue targeting
(``Targeted.targets``) is decided in Python because JSON containment differs between databases.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce

from enablement.models import (
    Asset,
    CertificationAward,
    CoBrandedPdf,
    CoBrandingProfile,
    Course,
    Enrollment,
    LearningPath,
    Lesson,
    LessonProgress,
    Localized,
    PathAssignment,
    PathCourse,
    Quiz,
    QuizAttempt,
    localized,
)
from partners.models import Membership

# Certifications expiring within this many days are flagged (the nudges warn at 60, 30 and 7 days).
EXPIRY_WARNING_DAYS = 60


# --- progress of an enrollment ---------------------------------------------------------------------------------


def _count_of(queryset, group: str):
    return Coalesce(Subquery(queryset.order_by().values(group).annotate(n=Count("id")).values("n")[:1],
                             output_field=IntegerField()), Value(0))


def enrollments_with_progress(queryset):
    """Annotate lessons total/done and quiz presence/pass: subqueries, so one query for any number of rows."""
    return queryset.annotate(
        lessons_total=_count_of(Lesson.objects.filter(course_id=OuterRef("course_id")), "course_id"),
        lessons_completed=_count_of(LessonProgress.objects.filter(enrollment_id=OuterRef("pk")), "enrollment_id"),
        has_quiz=Exists(Quiz.objects.filter(course_id=OuterRef("course_id"))),
        quiz_passed=Exists(QuizAttempt.objects.filter(enrollment_id=OuterRef("pk"), passed=True)),
    )


def enrollment_progress(*, enrollment: Enrollment) -> Enrollment:
    """The enrollment again, annotated with its progress. One query."""
    return enrollments_with_progress(Enrollment.objects.filter(pk=enrollment.pk)).get()


def progress_percent(enrollment: Enrollment) -> int:
    """Share of the course's steps done (each lesson, and the quiz when there is one); 100 once completed."""
    if enrollment.status == Enrollment.Status.COMPLETED:
        return 100
    total = enrollment.lessons_total + (1 if enrollment.has_quiz else 0)
    if not total:
        return 0
    done = min(enrollment.lessons_completed, enrollment.lessons_total) + (1 if enrollment.quiz_passed else 0)
    return min(99, done * 100 // total)


# --- my learning -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrollmentRow:
    enrollment: Enrollment
    title: Localized
    percent: int


@dataclass(frozen=True)
class PathStep:
    course: Course
    title: Localized
    enrollment: Enrollment | None

    @property
    def done(self) -> bool:
        return self.enrollment is not None and self.enrollment.status == Enrollment.Status.COMPLETED


@dataclass(frozen=True)
class PathRow:
    path: LearningPath
    title: Localized
    summary: Localized
    steps: list[PathStep]
    assignment: PathAssignment | None = None

    @property
    def total(self) -> int:
        return len(self.steps)

    @property
    def done(self) -> int:
        return sum(1 for step in self.steps if step.done)

    @property
    def percent(self) -> int:
        return self.done * 100 // self.total if self.total else 0


@dataclass(frozen=True)
class AwardRow:
    award: CertificationAward
    name: Localized
    days_left: int

    @property
    def revoked(self) -> bool:
        return self.award.revoked_at is not None

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    @property
    def expiring(self) -> bool:
        return not self.revoked and 0 <= self.days_left < EXPIRY_WARNING_DAYS


@dataclass(frozen=True)
class MyLearning:
    paths: list[PathRow]
    enrollments: list[EnrollmentRow]
    awards: list[AwardRow]


def _steps_prefetch() -> Prefetch:
    return Prefetch("steps", queryset=PathCourse.objects.select_related("course").order_by("order", "id"))


def _path_row(path: LearningPath, by_course: dict[int, Enrollment], language: str, assignment=None) -> PathRow:
    steps = [PathStep(step.course, localized(step.course, "title", language), by_course.get(step.course_id))
             for step in path.steps.all() if step.course.is_published or step.course_id in by_course]
    return PathRow(path, localized(path, "title", language), localized(path, "summary", language), steps, assignment)


def award_rows(awards, *, today: date, language: str) -> list[AwardRow]:
    return [AwardRow(a, localized(a.certification, "name", language), (a.expires_on - today).days) for a in awards]


def my_learning(*, partner, user, today: date, language: str) -> MyLearning:
    """The person's assigned paths, enrollments and certifications. Four queries, whatever their number."""
    enrollments = list(enrollments_with_progress(Enrollment.objects.filter(partner=partner, user=user))
                       .select_related("course").order_by("-last_activity_at", "-id"))
    by_course = {e.course_id: e for e in enrollments}
    assignments = list(PathAssignment.objects.filter(partner=partner, user=user).select_related("path")
                       .prefetch_related(Prefetch("path__steps", queryset=PathCourse.objects.select_related("course")
                                                  .order_by("order", "id")))
                       .order_by("assigned_at", "id"))
    return MyLearning(
        paths=[_path_row(a.path, by_course, language, a) for a in assignments],
        enrollments=[EnrollmentRow(e, localized(e.course, "title", language), progress_percent(e)) for e in enrollments],
        awards=certificates_for(partner=partner, user=user, today=today, language=language),
    )


# --- the catalogue ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourseRow:
    course: Course
    title: Localized
    summary: Localized
    enrollment: Enrollment | None


@dataclass(frozen=True)
class Catalogue:
    courses: list[CourseRow]
    paths: list[PathRow]
    assigned_path_ids: set[int] = field(default_factory=set)


def catalogue_for(*, partner, role: str, user, language: str) -> Catalogue:
    """Published courses and paths for the partner's type and the person's role, with the person's enrollments
    and path assignments. Five queries (the catalogue is small; targeting is filtered in Python)."""
    kind = partner.partner_type
    courses = [c for c in Course.objects.published().order_by("title", "id") if c.targets(partner_type=kind, role=role)]
    by_course = {e.course_id: e for e in Enrollment.objects.filter(partner=partner, user=user)}
    paths = [p for p in LearningPath.objects.published().prefetch_related(_steps_prefetch()).order_by("title", "id")
             if p.targets(partner_type=kind, role=role)]
    assigned = set(PathAssignment.objects.filter(partner=partner, user=user).values_list("path_id", flat=True))
    return Catalogue(
        courses=[CourseRow(c, localized(c, "title", language), localized(c, "summary", language), by_course.get(c.pk))
                 for c in courses],
        paths=[_path_row(p, by_course, language) for p in paths],
        assigned_path_ids=assigned,
    )


def path_for_portal(*, code: str, partner, role: str) -> LearningPath:
    """A published path offered to this partner type and role; DoesNotExist otherwise."""
    path = LearningPath.objects.published().get(code=code)
    if not path.targets(partner_type=partner.partner_type, role=role):
        raise LearningPath.DoesNotExist
    return path


def paths_assignable(*, partner) -> list[LearningPath]:
    """Published paths a partner admin may give to members (for the partner's type; roles are not checked)."""
    return [p for p in LearningPath.objects.published().order_by("title", "id")
            if not p.partner_types or partner.partner_type in p.partner_types]


# --- a course, its lessons and quiz ----------------------------------------------------------------------------


def enrollment_for(*, partner, user, course: Course) -> Enrollment | None:
    return Enrollment.objects.filter(partner=partner, user=user, course=course).first()


def course_for_portal(*, code: str, partner, role: str, user) -> tuple[Course, Enrollment | None]:
    """The course and the person's enrollment on it. A course is shown when it is published for the partner's type
    and the person's role, or when the person is enrolled (an assigned path). DoesNotExist otherwise."""
    course = Course.objects.get(code=code)
    enrollment = enrollment_for(partner=partner, user=user, course=course)
    if enrollment is None and not (course.is_published and course.targets(partner_type=partner.partner_type,
                                                                          role=role)):
        raise Course.DoesNotExist
    return course, enrollment


@dataclass(frozen=True)
class LessonRow:
    lesson: Lesson
    title: Localized
    done: bool


def lesson_rows(*, course: Course, enrollment: Enrollment | None, language: str) -> list[LessonRow]:
    """The course's lessons in order, each saying whether the person has done it. Two queries."""
    done = set()
    if enrollment is not None:
        done = set(LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", flat=True))
    return [LessonRow(lesson, localized(lesson, "title", language), lesson.pk in done)
            for lesson in Lesson.objects.filter(course=course).order_by("order", "id")]


def quiz_for_course(*, course: Course) -> Quiz | None:
    return Quiz.objects.filter(course=course).first()


def quiz_questions(*, quiz: Quiz) -> list:
    """The quiz's questions with their choices, in order. Two queries."""
    from enablement.models import Choice

    return list(quiz.questions.order_by("order", "id")
                .prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("order", "id"))))


def attempts_of(*, enrollment: Enrollment) -> list[QuizAttempt]:
    return list(QuizAttempt.objects.filter(enrollment=enrollment).order_by("number"))


def attempt_for(*, enrollment: Enrollment, pk) -> QuizAttempt | None:
    """One of this enrollment's attempts (another person's, course's or partner's id is not found)."""
    try:
        return QuizAttempt.objects.filter(enrollment=enrollment, pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


# --- certificates ----------------------------------------------------------------------------------------------


def certificates_for(*, partner, user, today: date, language: str) -> list[AwardRow]:
    """The person's certification awards, soonest expiry first. One query."""
    awards = CertificationAward.objects.filter(partner=partner, user=user).select_related("certification")
    return award_rows(awards.order_by("expires_on", "id"), today=today, language=language)


def award_get_for_portal(*, partner, pk: int, user, may_see_team: bool) -> CertificationAward:
    """A certification award of the partner's: the holder's own, or any member's for team managers."""
    awards = CertificationAward.objects.filter(partner=partner).select_related("certification", "user")
    if not may_see_team:
        awards = awards.filter(user=user)
    return awards.get(pk=pk)


# --- team progress ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberProgress:
    membership: Membership
    enrolled: int
    in_progress: int
    completed: int
    active_certifications: int
    expiring_certifications: int
    paths: int

    @property
    def percent_complete(self) -> int:
        return self.completed * 100 // self.enrolled if self.enrolled else 0


def team_progress(*, partner, today: date) -> list[MemberProgress]:
    """Every active member with their enrollment and certification counts. Four queries whatever the team size:
    the members, then one grouped aggregate each for enrollments, awards and path assignments."""
    status = Enrollment.Status
    members = list(Membership.objects.filter(partner=partner, is_active=True).select_related("user")
                   .order_by("user__full_name", "user__email", "id"))
    enrollments = {row["user_id"]: row for row in Enrollment.objects.filter(partner=partner).order_by()
                   .values("user_id").annotate(total=Count("id"),
                                               in_progress=Count("id", filter=Q(status=status.IN_PROGRESS)),
                                               completed=Count("id", filter=Q(status=status.COMPLETED)))}
    valid = Q(revoked_at__isnull=True, expires_on__gte=today)
    awards = {row["user_id"]: row for row in CertificationAward.objects.filter(partner=partner).order_by()
              .values("user_id").annotate(
                  active=Count("id", filter=valid),
                  expiring=Count("id", filter=valid & Q(expires_on__lt=today + timedelta(days=EXPIRY_WARNING_DAYS))))}
    paths = dict(PathAssignment.objects.filter(partner=partner).order_by().values("user_id")
                 .annotate(n=Count("id")).values_list("user_id", "n"))
    rows = []
    for member in members:
        e, a = enrollments.get(member.user_id, {}), awards.get(member.user_id, {})
        rows.append(MemberProgress(member, e.get("total", 0), e.get("in_progress", 0), e.get("completed", 0),
                                   a.get("active", 0), a.get("expiring", 0), paths.get(member.user_id, 0)))
    return rows


# --- the asset library -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Library:
    assets: list[Asset]  # the reader's language first, then by title
    tags: list[str]
    languages: list[str]


def asset_library_for(*, partner, role: str, language: str) -> Library:
    """Published assets for the partner's type and the person's role, the reader's language first, with the tags
    and languages they carry (for the filters). One query: the library is filtered in Python, so tags (JSON)
    work on both databases."""
    assets = [a for a in Asset.objects.filter(is_published=True).order_by("title", "id")
              if a.targets(partner_type=partner.partner_type, role=role)]
    assets.sort(key=lambda a: (a.language != language, a.title.casefold(), a.pk))
    return Library(assets=assets, tags=sorted({str(t) for a in assets for t in a.tags or []}, key=str.casefold),
                   languages=sorted({a.language for a in assets}))


def _matches(asset: Asset, q: str) -> bool:
    q = q.casefold()
    return q in asset.title.casefold() or q in asset.description.casefold() or any(
        q in str(tag).casefold() for tag in asset.tags or [])


def asset_library_filter(library: Library, *, filter_language: str = "", tag: str = "", q: str = "") -> list[Asset]:
    """The library's assets in one language, with one tag, matching a search in title, description and tags.
    No query."""
    return [a for a in library.assets
            if (not filter_language or a.language == filter_language)
            and (not tag or tag in [str(t) for t in a.tags or []])
            and (not q or _matches(a, q))]


def asset_for_portal(*, pk: int, partner, role: str) -> Asset:
    """A published asset offered to this partner type and role; DoesNotExist otherwise."""
    asset = Asset.objects.get(pk=pk, is_published=True)
    if not asset.targets(partner_type=partner.partner_type, role=role):
        raise Asset.DoesNotExist
    return asset


def cobranding_profile_for(*, partner) -> CoBrandingProfile | None:
    return CoBrandingProfile.objects.filter(partner=partner).first()


def co_branded_pdf_for(*, partner, asset: Asset) -> CoBrandedPdf | None:
    return CoBrandedPdf.objects.filter(partner=partner, asset=asset).first()
