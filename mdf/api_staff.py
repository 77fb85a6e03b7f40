"""MDF for staff in the API: the pre-approval queue and the claim queue of the caller's regions (operators:
all), oldest first with their SLA age, and the decisions (approve in full or in part, reject, ask for more,
record the payment).

Runs in the staff user's region scope: another region's activity or claim answers 404. Executives read;
channel managers and operators decide. Staff need MFA like the admin (StaffMFAEnrolled).
"""

from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from dealreg.sla import business_hours_between
from prm.accounts.api import StaffMFAEnrolled, error_responses
from prm.tenancy.api import IsStaffUser, StaffScopedAPIMixin

from .api import (
    MONEY,
    ActivityEventSerializer,
    ClaimSerializer,
    prepare_claim,
    service_errors,
)
from .duplicates import describe_flag
from .models import Activity, ActivityEvent, Claim, ProofFile
from .services import (
    activity_approve,
    activity_reject,
    activity_request_info,
    claim_approve,
    claim_reject,
    claim_request_info,
    payment_record,
)


class CanDecideMdf(BasePermission):
    """Reading is for every staff role of the region; deciding for channel managers and operators."""

    message = _("Only channel managers and operators decide on MDF requests and claims.")

    def has_permission(self, request, view) -> bool:
        if request.method in SAFE_METHODS:
            return True
        user = request.user
        return bool(user.is_operator or user.is_channel_manager)


STAFF_PERMISSIONS = [IsStaffUser, StaffMFAEnrolled, CanDecideMdf]


def sla_age_hours(item) -> float | None:
    """Business hours a submitted request or claim has waited (None unless it is waiting)."""
    if item.status != "submitted" or item.submitted_at is None:
        return None
    return round(business_hours_between(item.submitted_at, timezone.now()), 1)


# --- serializers ---


class MdfPartnerRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class StaffFundRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True)
    currency = serializers.CharField(read_only=True)
    available = serializers.DecimalField(read_only=True, **MONEY)


class StaffActivitySerializer(serializers.ModelSerializer):
    partner = MdfPartnerRefSerializer(read_only=True)
    fund = StaffFundRefSerializer(read_only=True, allow_null=True)
    sla_age_hours = serializers.SerializerMethodField(
        help_text=_("Business hours the request has waited for a decision; null unless submitted."))

    class Meta:
        model = Activity
        fields = ["id", "reference", "status", "partner", "activity_type", "title", "description", "starts_on",
                  "ends_on", "currency", "planned_cost", "cost_share_percent", "requested_amount", "approved_amount",
                  "expected_leads", "expected_pipeline", "fund", "claim_deadline", "info_request", "decision_reason",
                  "first_submitted_at", "submitted_at", "decided_at", "sla_age_hours", "created_at"]
        read_only_fields = fields

    def get_sla_age_hours(self, activity) -> float | None:
        return sla_age_hours(activity)


class StaffActivityDetailSerializer(StaffActivitySerializer):
    events = ActivityEventSerializer(many=True, read_only=True)

    class Meta(StaffActivitySerializer.Meta):
        fields = [*StaffActivitySerializer.Meta.fields, "events"]
        read_only_fields = fields


class DuplicateFlagSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=[("same_file", _("Same file")), ("same_invoice", _("Same invoice number"))])
    claim_id = serializers.IntegerField(help_text=_("The other claim (of any partner)."))
    same_partner = serializers.BooleanField()
    description = serializers.CharField()


class ClaimActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)
    activity_type = serializers.CharField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    approved_amount = serializers.DecimalField(read_only=True, **MONEY, help_text=_("The pre-approved reservation."))


class StaffClaimSerializer(ClaimSerializer):
    partner = MdfPartnerRefSerializer(read_only=True)
    activity = ClaimActivitySerializer(read_only=True)
    duplicate_flags = serializers.SerializerMethodField(
        help_text=_("Why to look twice: the same file or invoice number on another claim."))
    sla_age_hours = serializers.SerializerMethodField(
        help_text=_("Business hours the claim has waited for a decision; null unless submitted."))

    class Meta(ClaimSerializer.Meta):
        fields = ["id", "partner", "activity", *ClaimSerializer.Meta.fields[1:], "duplicate_flags", "sla_age_hours"]
        read_only_fields = fields

    @extend_schema_field(DuplicateFlagSerializer(many=True))
    def get_duplicate_flags(self, claim) -> list[dict]:
        return [{"code": flag.get("code"), "claim_id": flag.get("claim_id"),
                 "same_partner": bool(flag.get("same_partner")), "description": describe_flag(flag)}
                for flag in claim.duplicate_flags or []]

    def get_sla_age_hours(self, claim) -> float | None:
        return sla_age_hours(claim)


class MdfQueueFilterSerializer(serializers.Serializer):
    partner = serializers.IntegerField(required=False, min_value=1, max_value=2**62, help_text=_("A partner's id."))


class ActivityQueueFilterSerializer(MdfQueueFilterSerializer):
    status = serializers.ChoiceField(choices=Activity.Status.choices, required=False,
                                     help_text=_("submitted: the pre-approval queue."))


class ClaimQueueFilterSerializer(MdfQueueFilterSerializer):
    status = serializers.ChoiceField(choices=Claim.Status.choices, required=False,
                                     help_text=_("submitted: the claim approval queue."))


class MdfApproveSerializer(serializers.Serializer):
    amount = serializers.DecimalField(required=False, allow_null=True, **MONEY,
                                      help_text=_("Less than asked for approves in part (give a reason); "
                                                  "leave it out to approve in full."))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                   help_text=_("Required when approving in part; the partner reads it."))


class MdfRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=2000, help_text=_("The partner reads it."))


class MdfRequestInfoSerializer(serializers.Serializer):
    message = serializers.CharField(allow_blank=True, max_length=5000, help_text=_("What the partner should add."))


class MdfPaySerializer(serializers.Serializer):
    paid_on = serializers.DateField(help_text=_("The day the payment was made (not in the future)."))
    reference = serializers.CharField(allow_blank=True, max_length=100, help_text=_("The payment's reference."))


# --- views ---


def _decision(request_serializer, response_serializer, description):
    return extend_schema(request=request_serializer, description=description,
                         responses={200: response_serializer, **error_responses(400, 401, 403, 404)})


def _oldest_first(qs):
    return qs.order_by(F("submitted_at").asc(nulls_last=True), "created_at", "id")


@extend_schema_view(
    list=extend_schema(
        description=_("MDF requests of your regions (operators: all), oldest submission first."),
        parameters=[ActivityQueueFilterSerializer],
        responses={200: StaffActivitySerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(responses={200: StaffActivityDetailSerializer, **error_responses(401, 403, 404)}),
    approve=_decision(MdfApproveSerializer, StaffActivityDetailSerializer,
                      _("Pre-approve in full, or in part with a reason; reserves the amount in the partner's fund.")),
    reject=_decision(MdfRejectSerializer, StaffActivityDetailSerializer, _("Reject with a reason the partner reads.")),
    request_info=_decision(MdfRequestInfoSerializer, StaffActivityDetailSerializer,
                           _("Send the request back to the partner with a question.")),
)
@extend_schema(tags=["staff"])
class StaffActivityViewSet(StaffScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                           viewsets.GenericViewSet):
    serializer_class = StaffActivitySerializer
    permission_classes = STAFF_PERMISSIONS
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Activity.objects.none()
        qs = Activity.objects.select_related("partner", "fund")
        if self.action != "list":
            return qs.prefetch_related(
                Prefetch("events", queryset=ActivityEvent.objects.order_by("at", "id")))
        filters = ActivityQueueFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        if "status" in wanted:
            qs = qs.filter(status=wanted["status"])
        if "partner" in wanted:
            qs = qs.filter(partner_id=wanted["partner"])
        return _oldest_first(qs)

    def get_serializer_class(self):
        return StaffActivitySerializer if self.action == "list" else StaffActivityDetailSerializer

    def _fresh(self, activity: Activity) -> Response:
        return Response(StaffActivityDetailSerializer(self.get_queryset().get(pk=activity.pk)).data)

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        activity = self.get_object()
        serializer = MdfApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            activity = activity_approve(activity=activity, actor=request.user,
                                        amount=serializer.validated_data.get("amount"),
                                        reason=serializer.validated_data.get("reason", ""))
        return self._fresh(activity)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        activity = self.get_object()
        serializer = MdfRejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            activity = activity_reject(activity=activity, actor=request.user, reason=serializer.validated_data["reason"])
        return self._fresh(activity)

    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, pk=None):
        activity = self.get_object()
        serializer = MdfRequestInfoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            activity = activity_request_info(activity=activity, actor=request.user,
                                             message=serializer.validated_data["message"])
        return self._fresh(activity)


@extend_schema_view(
    list=extend_schema(
        description=_("MDF claims of your regions (operators: all), oldest submission first, with duplicate-proof "
                      "flags and the evidence checklist."),
        parameters=[ClaimQueueFilterSerializer],
        responses={200: StaffClaimSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(responses={200: StaffClaimSerializer, **error_responses(401, 403, 404)}),
    approve=_decision(MdfApproveSerializer, StaffClaimSerializer,
                      _("Approve in full, or in part with a reason: spends from the reservation, releases the rest.")),
    reject=_decision(MdfRejectSerializer, StaffClaimSerializer,
                     _("Reject with a reason the partner reads; the reservation goes back to the fund.")),
    request_info=_decision(MdfRequestInfoSerializer, StaffClaimSerializer,
                           _("Send the claim back to the partner with a question.")),
    pay=_decision(MdfPaySerializer, StaffClaimSerializer,
                  _("Record the payment of an approved claim (its approved amount, in its currency). Once per claim.")),
)
@extend_schema(tags=["staff"])
class StaffClaimViewSet(StaffScopedAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        viewsets.GenericViewSet):
    serializer_class = StaffClaimSerializer
    permission_classes = STAFF_PERMISSIONS
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Claim.objects.none()
        qs = (Claim.objects.select_related("activity", "partner", "payment")
              .prefetch_related(Prefetch("proofs", queryset=ProofFile.objects.order_by("uploaded_at", "id"))))
        if self.action != "list":
            return qs
        filters = ClaimQueueFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        if "status" in wanted:
            qs = qs.filter(status=wanted["status"])
        if "partner" in wanted:
            qs = qs.filter(partner_id=wanted["partner"])
        return _oldest_first(qs)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        data = StaffClaimSerializer([prepare_claim(claim, claim.activity) for claim in page], many=True).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        claim = self.get_object()
        return Response(StaffClaimSerializer(prepare_claim(claim, claim.activity)).data)

    def _fresh(self, claim: Claim) -> Response:
        claim = self.get_queryset().get(pk=claim.pk)
        return Response(StaffClaimSerializer(prepare_claim(claim, claim.activity)).data)

    def _decide(self, serializer_class, service, **fixed):
        claim = self.get_object()
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            service(claim=claim, actor=self.request.user, **fixed, **serializer.validated_data)
        return self._fresh(claim)

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(MdfApproveSerializer, claim_approve)

    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(MdfRejectSerializer, claim_reject)

    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, pk=None):
        return self._decide(MdfRequestInfoSerializer, claim_request_info)

    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        return self._decide(MdfPaySerializer, payment_record)
