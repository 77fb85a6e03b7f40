"""/api/v1/staff/applications/: applications of the caller's regions with their IPP score; approve (optionally in
another region), reject, and move to another region.

Applications are not partner-owned: the selector narrows them to the staff member's regions (operators:
all), so another region's application answers 404. Executives read; managers and operators decide.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from prm.accounts.api import StaffMFAEnrolled, error_responses
from prm.tenancy.api import IsStaffUser, StaffScopedAPIMixin

from . import application_selectors
from .api import RegionSerializer
from .models import IdealProfileCriterion, Industry, PartnerApplication, PartnerOrganization, Region, SizeBand
from .services.applications import REASON_MAX, application_approve, application_reject, application_set_region


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
            "duplicate_of_application", "partner", "created_at", "decided_at", "rejection_reason", "region_chosen_at",
        ]
        read_only_fields = fields


class ApplicationFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PartnerApplication.Status.choices, required=False)
    region = serializers.CharField(required=False, max_length=20, help_text=_("Region code (e.g. emea) or id."))
    duplicate = serializers.BooleanField(required=False, allow_null=True, default=None,
                                         help_text=_("Only possible duplicates (true) or only new companies (false)."))


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}], "description": "Region id or code."})
class RegionField(serializers.Field):
    """A region by id or code."""

    default_error_messages = {"unknown": _("No region has this id or code.")}

    def to_internal_value(self, data):
        text = str(data).strip()
        lookup = {"pk": int(text)} if text.isdigit() else {"code": text}
        region = Region.objects.filter(**lookup).first()
        if region is None:
            self.fail("unknown")
        return region

    def to_representation(self, value):
        return value.pk


class RegionChoiceSerializer(serializers.Serializer):
    region = RegionField(help_text=_("Region id or code. Default: the region of the applicant's country."))


class ApproveSerializer(serializers.Serializer):
    region = RegionField(required=False, help_text=_("Create the partner in this region (id or code) instead of "
                                                     "the application's."))


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
        request=ApproveSerializer,
        description=_("Create the partner (onboarding) and invite the applicant as its first admin; optionally in "
                      "another region than the application's."),
        responses={200: ApplicationSerializer, **error_responses(400, 401, 403, 404)},
    ),
    region=extend_schema(
        request=RegionChoiceSerializer,
        description=_("Move a pending application to another region (its managers then review it); the IPP score "
                      "is computed again."),
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
        application = self.get_object()
        serializer = ApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = application_approve(application=application, actor=request.user,
                                          region=serializer.validated_data.get("region"))
        return Response(ApplicationSerializer(application).data)

    @action(detail=True, methods=["post"])
    def region(self, request, pk=None):
        application = self.get_object()
        serializer = RegionChoiceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = application_set_region(application=application, actor=request.user,
                                             region=serializer.validated_data["region"])
        return Response(ApplicationSerializer(application).data)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        application = self.get_object()
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = application_reject(application=application, actor=request.user,
                                         reason=serializer.validated_data["reason"])
        return Response(ApplicationSerializer(application).data)

