"""/api/v1/staff/applications/: applications of the caller's regions with their IPP score, approve and reject.

Applications are not partner-owned: the selector narrows them to the staff member's regions (operators:
all), so another region's application answers 404. Executives read; managers and operators decide.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from prm.accounts.api import StaffMFAEnrolled, error_responses
from prm.tenancy.api import IsStaffUser, StaffScopedAPIMixin

from . import application_selectors
from .api import RegionSerializer
from .models import IdealProfileCriterion, Industry, PartnerApplication, PartnerOrganization, SizeBand
from .services.applications import REASON_MAX, application_approve, application_reject


class ContributionSerializer(serializers.Serializer):
    criterion_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    attribute = serializers.ChoiceField(choices=IdealProfileCriterion.Attribute.choices)
    weight = serializers.IntegerField()
    matched = serializers.BooleanField()
    points = serializers.FloatField(help_text=_("Points this criterion adds to the score (0 when not met)."))


class ApplicationSerializer(serializers.ModelSerializer):
    region = RegionSerializer(read_only=True, allow_null=True)
    industries = serializers.ListField(child=serializers.ChoiceField(choices=Industry.choices), read_only=True)
    score_contributions = ContributionSerializer(many=True, read_only=True)
    partner_type = serializers.ChoiceField(choices=PartnerOrganization.PartnerType.choices, read_only=True)
    size_band = serializers.ChoiceField(choices=SizeBand.choices, read_only=True)

    class Meta:
        model = PartnerApplication
        fields = [
            "id", "status", "score", "score_contributions", "company_name", "website", "domain", "country", "region",
            "partner_type", "size_band", "certified_staff", "industries", "target_customers", "contact_name",
            "contact_email", "contact_phone", "language", "is_duplicate", "duplicate_of_partner",
            "duplicate_of_application", "partner", "created_at", "decided_at", "rejection_reason",
        ]
        read_only_fields = fields


class ApplicationFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PartnerApplication.Status.choices, required=False)
    region = serializers.CharField(required=False, max_length=20, help_text=_("Region code (e.g. emea) or id."))
    duplicate = serializers.BooleanField(required=False, allow_null=True, default=None,
                                         help_text=_("Only possible duplicates (true) or only new companies (false)."))


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX, help_text=_("Sent to the applicant by e-mail."))


@extend_schema_view(
    list=extend_schema(
        description=_("Applications of your regions (operators: all), highest IPP fit score first."),
        parameters=[ApplicationFilterSerializer],
        responses={200: ApplicationSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(responses={200: ApplicationSerializer, **error_responses(401, 403, 404)}),
    approve=extend_schema(
        request=None,
        description=_("Create the partner (onboarding) and invite the applicant as its first admin."),
        responses={200: ApplicationSerializer, **error_responses(400, 401, 403, 404)},
    ),
    reject=extend_schema(
        request=RejectSerializer,
        description=_("Reject with a reason; the applicant receives it by e-mail."),
        responses={200: ApplicationSerializer, **error_responses(400, 401, 403, 404)},
    ),
)
@extend_schema(tags=["staff"])
class StaffApplicationViewSet(StaffScopedAPIMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = ApplicationSerializer
    permission_classes = [IsStaffUser, StaffMFAEnrolled]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PartnerApplication.objects.none()
        if self.action != "list":
            return application_selectors.application_list_for_staff(user=self.request.user)
        filters = ApplicationFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return application_selectors.application_list_for_staff(user=self.request.user, **filters.validated_data)

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        application = application_approve(application=self.get_object(), actor=request.user)
        return Response(ApplicationSerializer(application).data)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        application = self.get_object()
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = application_reject(application=application, actor=request.user,
                                         reason=serializer.validated_data["reason"])
        return Response(ApplicationSerializer(application).data)

