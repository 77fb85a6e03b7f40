"""Enablement for staff in the API: enrollments and certifications of the caller's regions' partners (operators:
all), read-only, with filters (partner, status, course; certifications expiring within a number of days).

Runs in the staff user's region scope: another region's rows are never listed. Staff need MFA like the admin
(StaffMFAEnrolled). Serializers and row shaping are shared with the partner endpoints (api.py).
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from prm.accounts.api import StaffMFAEnrolled, error_responses
from prm.tenancy.api import IsStaffUser, StaffScopedAPIMixin

from .api import (
    ID,
    CertificationAwardSerializer,
    EnrollmentSerializer,
    award_row,
    enrollment_row,
    request_language,
    with_progress,
)
from .models import CertificationAward, Course, Enrollment

# --- serializers ---


class LearningPartnerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class StaffCertificationAwardSerializer(CertificationAwardSerializer):
    partner = LearningPartnerRefSerializer(read_only=True)


class StaffEnrollmentSerializer(EnrollmentSerializer):
    partner = LearningPartnerRefSerializer(read_only=True)


class StaffCertificationFilterSerializer(serializers.Serializer):
    expiring_within = serializers.IntegerField(
        required=False, min_value=0, max_value=3650,
        help_text=_("Only valid certifications expiring within this many days, e.g. 60."))
    partner = serializers.IntegerField(required=False, help_text=_("A partner's id."), **ID)
    certification = serializers.SlugField(required=False, max_length=50, help_text=_("A certification's code."))


class StaffEnrollmentFilterSerializer(serializers.Serializer):
    partner = serializers.IntegerField(required=False, help_text=_("A partner's id."), **ID)
    status = serializers.ChoiceField(choices=Enrollment.Status.choices, required=False)
    course = serializers.SlugField(required=False, max_length=50, help_text=_("A course's code."))

    def validate_course(self, value):
        if not Course.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("Unknown course."))
        return value


# --- staff views ---


STAFF_PERMISSIONS = [IsStaffUser, StaffMFAEnrolled]


@extend_schema_view(
    list=extend_schema(
        description=_("Certifications of your regions' partners (operators: all), soonest expiry first. "
                      "?expiring_within=60: only valid ones expiring within 60 days."),
        parameters=[StaffCertificationFilterSerializer],
        responses={200: StaffCertificationAwardSerializer(many=True), **error_responses(400, 401, 403)}),
)
@extend_schema(tags=["staff"])
class StaffCertificationViewSet(StaffScopedAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = StaffCertificationAwardSerializer
    permission_classes = STAFF_PERMISSIONS

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CertificationAward.objects.none()
        filters = StaffCertificationFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted, today = filters.validated_data, timezone.localdate()
        qs = CertificationAward.objects.select_related("certification", "user", "partner")
        if "expiring_within" in wanted:
            qs = qs.active_on(today).filter(expires_on__lte=today + timedelta(days=wanted["expiring_within"]))
        if "partner" in wanted:
            qs = qs.filter(partner_id=wanted["partner"])
        if "certification" in wanted:
            qs = qs.filter(certification__code=wanted["certification"])
        return qs.order_by("expires_on", "id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        language, today = request_language(), timezone.localdate()
        return self.get_paginated_response(
            StaffCertificationAwardSerializer([award_row(a, language, today, staff=True) for a in page], many=True).data)


@extend_schema_view(
    list=extend_schema(
        description=_("Enrollments of your regions' partners (operators: all), most recently active first."),
        parameters=[StaffEnrollmentFilterSerializer],
        responses={200: StaffEnrollmentSerializer(many=True), **error_responses(400, 401, 403)}),
)
@extend_schema(tags=["staff"])
class StaffEnrollmentViewSet(StaffScopedAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = StaffEnrollmentSerializer
    permission_classes = STAFF_PERMISSIONS

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enrollment.objects.none()
        filters = StaffEnrollmentFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        qs = with_progress(Enrollment.objects.select_related("course", "user", "partner"))
        if "partner" in wanted:
            qs = qs.filter(partner_id=wanted["partner"])
        if "status" in wanted:
            qs = qs.filter(status=wanted["status"])
        if "course" in wanted:
            qs = qs.filter(course__code=wanted["course"])
        return qs.order_by("-last_activity_at", "-id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        language = request_language()
        return self.get_paginated_response(
            StaffEnrollmentSerializer([enrollment_row(e, language, staff=True) for e in page], many=True).data)
