"""Enablement in the API. Partners: the catalogue offered to the caller (titles in the request's language, saying
when they fell back to English), enrolling, the caller's enrollments and certifications (a partner admin's team's
too), and partner admins assigning learning paths.

Runs in the caller's partner scope: another partner's enrollment answers 404, and so does a colleague's for anyone
but a partner admin. The services decide every rule; their errors, and unknown courses, paths or people, answer 400
with the fields they concern. Staff endpoints: api_staff.py; the completions import has its own module.
"""

from contextlib import contextmanager
from datetime import date

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from partners.api import PARTNER_HEADER, PartnerAPIMixin, PersonSerializer
from partners.models import Membership
from prm.accounts.api import error_responses

from . import selectors
from .models import (
    CertificationAward,
    Course,
    Enrollment,
    Lesson,
    LessonProgress,
    PathAssignment,
    Quiz,
    QuizAttempt,
    localized,
)
from .services import course_enroll, path_assign

ID = {"min_value": 1, "max_value": 2**62}


@contextmanager
def service_errors(*, field: str):
    """A service's ValidationError (EnablementError) becomes a 400 on its own fields, else on ``field``."""
    try:
        yield
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            fields = {("non_field_errors" if name == "__all__" else name): messages
                      for name, messages in error.message_dict.items()}
        else:
            fields = {field: error.messages}
        raise exceptions.ValidationError(fields) from error


def with_progress(queryset):
    """Lessons total and done, quiz presence and pass, as subqueries: one query for any number of enrollments.
    (Own names: ``lessons_done`` is the reverse accessor of LessonProgress and cannot be an annotation.)"""
    def count(qs, group):
        return Coalesce(Subquery(qs.order_by().values(group).annotate(n=Count("id")).values("n")[:1],
                                 output_field=IntegerField()), Value(0))

    return queryset.annotate(
        lesson_count=count(Lesson.objects.filter(course_id=OuterRef("course_id")), "course_id"),
        lessons_finished=count(LessonProgress.objects.filter(enrollment_id=OuterRef("pk")), "enrollment_id"),
        quiz_exists=Exists(Quiz.objects.filter(course_id=OuterRef("course_id"))),
        quiz_passed_any=Exists(QuizAttempt.objects.filter(enrollment_id=OuterRef("pk"), passed=True)),
    )


def progress_percent(enrollment: Enrollment) -> int:
    """Share of the course's steps done (each lesson, and the quiz when there is one); 100 once completed."""
    if enrollment.status == Enrollment.Status.COMPLETED:
        return 100
    total = enrollment.lesson_count + (1 if enrollment.quiz_exists else 0)
    done = min(enrollment.lessons_finished, enrollment.lesson_count) + (1 if enrollment.quiz_passed_any else 0)
    return min(99, done * 100 // total) if total else 0


def request_language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def award_status(award: CertificationAward, today: date) -> str:
    if award.revoked_at is not None:
        return "revoked"
    return "expired" if award.expires_on < today else "active"


# --- serializers ---


class LearningCourseRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True, help_text=_("In the request's language, else English."))
    title_language = serializers.CharField(read_only=True, help_text=_("The language the title is in."))
    fallback = serializers.BooleanField(read_only=True,
                                        help_text=_("True when the title is not in the request's language."))


def course_ref(course: Course, language: str) -> dict:
    title = localized(course, "title", language)
    return {"code": course.code, "title": title.text, "title_language": title.language, "fallback": title.fallback}


class OwnEnrollmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=Enrollment.Status.choices, read_only=True)


class CatalogueCourseSerializer(LearningCourseRefSerializer):
    summary = serializers.CharField(read_only=True)
    estimated_minutes = serializers.IntegerField(read_only=True)
    is_external = serializers.BooleanField(read_only=True,
                                           help_text=_("Taken in an external learning system; no lessons here."))
    lessons = serializers.IntegerField(read_only=True)
    has_quiz = serializers.BooleanField(read_only=True)
    enrollment = OwnEnrollmentRefSerializer(read_only=True, allow_null=True,
                                            help_text=_("Your enrollment on the course; null when not enrolled."))


class EnrollmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    course = LearningCourseRefSerializer(read_only=True)
    user = PersonSerializer(read_only=True)
    source = serializers.ChoiceField(choices=Enrollment.Source.choices, read_only=True)
    status = serializers.ChoiceField(choices=Enrollment.Status.choices, read_only=True)
    progress_percent = serializers.IntegerField(read_only=True)
    lessons_total = serializers.IntegerField(read_only=True)
    lessons_done = serializers.IntegerField(read_only=True)
    enrolled_at = serializers.DateTimeField(read_only=True)
    last_activity_at = serializers.DateTimeField(read_only=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    score_percent = serializers.DecimalField(read_only=True, allow_null=True, max_digits=5, decimal_places=2)


class EnrollmentLessonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    order = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    title_language = serializers.CharField(read_only=True)
    fallback = serializers.BooleanField(read_only=True)
    done = serializers.BooleanField(read_only=True)
    completed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class AttemptsSummarySerializer(serializers.Serializer):
    has_quiz = serializers.BooleanField(read_only=True)
    count = serializers.IntegerField(read_only=True, help_text=_("Attempts started."))
    allowed = serializers.IntegerField(read_only=True, allow_null=True)
    remaining = serializers.IntegerField(read_only=True, allow_null=True)
    passed = serializers.BooleanField(read_only=True)
    best_score = serializers.DecimalField(read_only=True, allow_null=True, max_digits=5, decimal_places=2)
    last_submitted_at = serializers.DateTimeField(read_only=True, allow_null=True)
    open_attempt = serializers.BooleanField(read_only=True, help_text=_("An attempt is started and not submitted."))


class EnrollmentDetailSerializer(EnrollmentSerializer):
    lessons = EnrollmentLessonSerializer(many=True, read_only=True)
    attempts = AttemptsSummarySerializer(read_only=True)


class EnrollSerializer(serializers.Serializer):
    course = serializers.SlugField(max_length=50, help_text=_("The course's code (from the catalogue)."))


class LearningCertificationRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text=_("In the request's language, else English."))
    name_language = serializers.CharField(read_only=True)
    fallback = serializers.BooleanField(read_only=True)


AWARD_STATUS_CHOICES = [("active", _("Valid")), ("expired", _("Expired")), ("revoked", _("Revoked"))]


class CertificationAwardSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    certification = LearningCertificationRefSerializer(read_only=True)
    user = PersonSerializer(read_only=True)
    status = serializers.ChoiceField(choices=AWARD_STATUS_CHOICES, read_only=True)
    awarded_on = serializers.DateField(read_only=True)
    renewed_on = serializers.DateField(read_only=True, allow_null=True)
    expires_on = serializers.DateField(read_only=True, help_text=_("Valid until this day (included)."))
    days_left = serializers.IntegerField(read_only=True, help_text=_("Days until it expires; negative once expired."))
    verification_code = serializers.CharField(read_only=True,
                                              help_text=_("Printed on the certificate; anyone can check it with us."))


class PeopleFilterSerializer(serializers.Serializer):
    """Whose learning: your own by default; partner admins may name a member or ask for the whole team."""

    user = serializers.IntegerField(required=False, help_text=_("A member's user id (partner admins)."), **ID)
    team = serializers.BooleanField(required=False, default=False,
                                    help_text=_("Everyone in your organisation (partner admins)."))

    def validate(self, data):
        membership = self.context["membership"]
        wanted = data.get("user")
        if not membership.is_admin:
            if data.get("team"):
                raise serializers.ValidationError({"team": _("Only partner admins can see their team's learning.")})
            if wanted is not None and wanted != membership.user_id:
                raise serializers.ValidationError({"user": _("Only partner admins can see another member's learning.")})
        if wanted is not None and wanted != membership.user_id and not Membership.objects.filter(
                partner_id=membership.partner_id, user_id=wanted).exists():
            raise serializers.ValidationError({"user": _("This person is not a member of your organisation.")})
        return data


class EnrollmentFilterSerializer(PeopleFilterSerializer):
    status = serializers.ChoiceField(choices=Enrollment.Status.choices, required=False)


class PathAssignSerializer(serializers.Serializer):
    path = serializers.SlugField(max_length=50, help_text=_("The learning path's code."))
    user = serializers.IntegerField(help_text=_("The member's user id."), **ID)
    due_on = serializers.DateField(required=False, allow_null=True)

    def validate_due_on(self, value):
        if value is not None and value < timezone.localdate():
            raise serializers.ValidationError(_("The due date cannot be in the past."))
        return value


class LearningPathRefSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    title_language = serializers.CharField(read_only=True)
    fallback = serializers.BooleanField(read_only=True)


class PathAssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    path = LearningPathRefSerializer(read_only=True)
    user = PersonSerializer(read_only=True)
    assigned_at = serializers.DateTimeField(read_only=True)
    due_on = serializers.DateField(read_only=True, allow_null=True)
    enrollments = OwnEnrollmentRefSerializer(many=True, read_only=True,
                                             help_text=_("The member's enrollments on the path's courses."))


# --- shaping rows (no queries: everything is loaded by the view's one query per kind) ---


def enrollment_row(enrollment: Enrollment, language: str, *, staff: bool = False) -> dict:
    return {
        "id": enrollment.pk, "course": course_ref(enrollment.course, language), "user": enrollment.user,
        **({"partner": enrollment.partner} if staff else {}), "source": enrollment.source, "status": enrollment.status,
        "progress_percent": progress_percent(enrollment), "lessons_total": enrollment.lesson_count,
        "lessons_done": min(enrollment.lessons_finished, enrollment.lesson_count),
        "enrolled_at": enrollment.enrolled_at, "last_activity_at": enrollment.last_activity_at,
        "completed_at": enrollment.completed_at, "score_percent": enrollment.score_percent,
    }


def award_row(award: CertificationAward, language: str, today: date, *, staff: bool = False) -> dict:
    name = localized(award.certification, "name", language)
    return {
        "id": award.pk, "user": award.user, **({"partner": award.partner} if staff else {}),
        "status": award_status(award, today),
        "certification": {"code": award.certification.code, "name": name.text, "name_language": name.language,
                          "fallback": name.fallback},
        "awarded_on": award.awarded_on, "renewed_on": award.renewed_on, "expires_on": award.expires_on,
        "days_left": (award.expires_on - today).days, "verification_code": award.verification_code,
    }


def _people(queryset, request, filters: dict):
    """Narrow a partner's rows to the people asked for (validated by PeopleFilterSerializer)."""
    if filters.get("team"):
        return queryset
    return queryset.filter(user_id=filters.get("user") or request.user.pk)


def _filters(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params, context={"membership": request.membership})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- partner views ---


@extend_schema(tags=["enablement"], parameters=[PARTNER_HEADER],
               responses={200: CatalogueCourseSerializer(many=True), **error_responses(401, 404)})
class CourseViewSet(PartnerAPIMixin, viewsets.GenericViewSet):
    """The published courses offered to your partner type and role, with your enrollment on each."""

    serializer_class = CatalogueCourseSerializer

    def get_queryset(self):
        return Course.objects.none()  # the catalogue is filtered in Python (list)

    def list(self, request, *args, **kwargs):
        partner, role, language = request.partner, request.membership.role, request_language()
        courses = (Course.objects.published().order_by("title", "id")
                   .annotate(lesson_count=Count("lessons"),
                             quiz_present=Exists(Quiz.objects.filter(course_id=OuterRef("pk")))))
        offered = [c for c in courses if c.targets(partner_type=partner.partner_type, role=role)]
        mine = {e.course_id: e for e in Enrollment.objects.filter(partner=partner, user=request.user)
                .only("id", "course_id", "status")}
        page = self.paginate_queryset(offered)
        rows = []
        for course in page:
            summary = localized(course, "summary", language)
            enrollment = mine.get(course.pk)
            rows.append({**course_ref(course, language), "summary": summary.text,
                         "estimated_minutes": course.estimated_minutes, "is_external": course.is_external,
                         "lessons": course.lesson_count, "has_quiz": course.quiz_present,
                         "enrollment": {"id": enrollment.pk, "status": enrollment.status} if enrollment else None})
        return self.get_paginated_response(CatalogueCourseSerializer(rows, many=True).data)


def enrollment_detail(enrollment: Enrollment, language: str) -> dict:
    """The enrollment with its lessons (each done or not) and a summary of its quiz attempts. Four queries."""
    done = dict(LessonProgress.objects.filter(enrollment=enrollment).values_list("lesson_id", "completed_at"))
    lessons = []
    for lesson in enrollment.course.lessons.order_by("order", "id"):
        title = localized(lesson, "title", language)
        lessons.append({"id": lesson.pk, "order": lesson.order, "title": title.text, "title_language": title.language,
                        "fallback": title.fallback, "done": lesson.pk in done, "completed_at": done.get(lesson.pk)})
    quiz = Quiz.objects.filter(course_id=enrollment.course_id).first()
    attempts = list(QuizAttempt.objects.filter(enrollment=enrollment).order_by("number"))
    submitted = [a for a in attempts if a.submitted_at is not None]
    allowed = quiz.max_attempts if quiz else None
    summary = {
        "has_quiz": quiz is not None, "count": len(attempts), "allowed": allowed,
        "remaining": max(allowed - len(attempts), 0) if allowed is not None else None,
        "passed": any(a.passed for a in attempts),
        "best_score": max((a.score_percent for a in submitted if a.score_percent is not None), default=None),
        "last_submitted_at": submitted[-1].submitted_at if submitted else None,
        "open_attempt": any(a.submitted_at is None for a in attempts),
    }
    return {**enrollment_row(enrollment, language), "lessons": lessons, "attempts": summary}


@extend_schema_view(
    list=extend_schema(
        description=_("Your enrollments, most recently active first. Partner admins: ?user=<id> for a member, "
                      "?team=1 for everyone in the organisation."),
        parameters=[EnrollmentFilterSerializer],
        responses={200: EnrollmentSerializer(many=True), **error_responses(400, 401, 404)}),
    retrieve=extend_schema(
        description=_("One enrollment with its lessons and quiz attempts (yours; partner admins: the team's)."),
        responses={200: EnrollmentDetailSerializer, **error_responses(401, 404)}),
    create=extend_schema(
        description=_("Enroll yourself on a course of the catalogue. Idempotent: 201 when new, 200 when you were "
                      "already enrolled."),
        request=EnrollSerializer,
        responses={201: EnrollmentDetailSerializer,
                   200: OpenApiResponse(EnrollmentDetailSerializer, description=_("Already enrolled.")),
                   **error_responses(400, 401, 404)}),
)
@extend_schema(tags=["enablement"], parameters=[PARTNER_HEADER])
class EnrollmentViewSet(PartnerAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your learning: enrollments on courses and their progress."""

    serializer_class = EnrollmentSerializer
    http_method_names = ["get", "post", "head", "options"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enrollment.objects.none()
        qs = with_progress(
            Enrollment.objects.filter(partner=self.request.partner).select_related("course", "user"))
        if self.action == "retrieve" and not self.request.membership.is_admin:
            qs = qs.filter(user=self.request.user)
        return qs.order_by("-last_activity_at", "-id")

    def list(self, request, *args, **kwargs):
        filters = _filters(EnrollmentFilterSerializer, request)
        qs = _people(self.get_queryset(), request, filters)
        if "status" in filters:
            qs = qs.filter(status=filters["status"])
        page = self.paginate_queryset(qs)
        language = request_language()
        return self.get_paginated_response(
            EnrollmentSerializer([enrollment_row(e, language) for e in page], many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(EnrollmentDetailSerializer(enrollment_detail(self.get_object(), request_language())).data)

    def create(self, request, *args, **kwargs):
        serializer = EnrollSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        partner, membership = request.partner, request.membership
        course = Course.objects.filter(code=serializer.validated_data["course"]).first()
        existing = course is not None and Enrollment.objects.filter(partner=partner, user=request.user,
                                                                    course=course).exists()
        if not existing and (course is None or not course.is_published
                             or not course.targets(partner_type=partner.partner_type, role=membership.role)):
            raise exceptions.ValidationError({"course": [_("Unknown course.")]})
        with service_errors(field="course"):
            enrollment, created = course_enroll(partner=partner, user=request.user, course=course)
        fresh = self.get_queryset().get(pk=enrollment.pk)
        return Response(EnrollmentDetailSerializer(enrollment_detail(fresh, request_language())).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(
        description=_("Your certifications with their validity and verification code. Partner admins: ?user=<id> "
                      "for a member, ?team=1 for everyone in the organisation."),
        parameters=[PeopleFilterSerializer],
        responses={200: CertificationAwardSerializer(many=True), **error_responses(400, 401, 404)}),
)
@extend_schema(tags=["enablement"], parameters=[PARTNER_HEADER])
class CertificationViewSet(PartnerAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Certifications earned, soonest expiry first."""

    serializer_class = CertificationAwardSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CertificationAward.objects.none()
        return (CertificationAward.objects.filter(partner=self.request.partner)
                .select_related("certification", "user").order_by("expires_on", "id"))

    def list(self, request, *args, **kwargs):
        qs = _people(self.get_queryset(), request, _filters(PeopleFilterSerializer, request))
        page = self.paginate_queryset(qs)
        language, today = request_language(), timezone.localdate()
        return self.get_paginated_response(
            CertificationAwardSerializer([award_row(a, language, today) for a in page], many=True).data)


@extend_schema_view(
    create=extend_schema(
        description=_("Partner admins: give a member a learning path (enrolls them on its courses). Idempotent: "
                      "201 when new, 200 when the member already has the path."),
        request=PathAssignSerializer,
        responses={201: PathAssignmentSerializer,
                   200: OpenApiResponse(PathAssignmentSerializer, description=_("Already assigned.")),
                   **error_responses(400, 401, 404)}),
)
@extend_schema(tags=["enablement"], parameters=[PARTNER_HEADER])
class PathAssignmentViewSet(PartnerAPIMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Learning paths given to members."""

    serializer_class = PathAssignmentSerializer

    def get_queryset(self):
        return PathAssignment.objects.none()

    def create(self, request, *args, **kwargs):
        partner, membership = request.partner, request.membership
        if not membership.is_admin:
            raise exceptions.ValidationError(
                {"non_field_errors": [_("Only partner admins can assign learning paths to members.")]})
        serializer = PathAssignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        path = next((p for p in selectors.paths_assignable(partner=partner) if p.code == values["path"]), None)
        if path is None:
            raise exceptions.ValidationError({"path": [_("Unknown learning path.")]})
        member = (Membership.objects.filter(partner=partner, user_id=values["user"], is_active=True)
                  .select_related("user").first())
        if member is None:
            raise exceptions.ValidationError({"user": [_("This person is not an active member of your organisation.")]})
        existed = PathAssignment.objects.filter(partner=partner, user=member.user, path=path).exists()
        with service_errors(field="user"):
            assignment = path_assign(partner=partner, user=member.user, path=path, assigned_by=request.user,
                                     due_on=values.get("due_on"))
        course_ids = list(path.steps.values_list("course_id", flat=True))
        enrollments = (Enrollment.objects.filter(partner=partner, user=member.user, course_id__in=course_ids)
                       .order_by("id"))
        title = localized(path, "title", request_language())
        body = {"id": assignment.pk, "user": member.user, "assigned_at": assignment.assigned_at,
                "due_on": assignment.due_on,
                "path": {"code": path.code, "title": title.text, "title_language": title.language,
                         "fallback": title.fallback},
                "enrollments": [{"id": e.pk, "status": e.status} for e in enrollments]}
        return Response(PathAssignmentSerializer(body).data,
                        status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)
