"""Market development funds in the API, for the caller's partner: funds with their ledger, balances,
activities (requests) with their timeline, claim and ROPI, the claim with its proof, submit and cancel.

Runs in the caller's partner scope: another partner's fund, activity or proof answers 404. Writing
needs the ``can_claim_mdf`` capability. The services decide every rule; their errors answer 400 with
the fields they concern. Amounts are decimal strings next to a ``currency``. Staff endpoints: api_staff.py.
"""

from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from partners.api import PARTNER_HEADER, PartnerAPIMixin
from prm.accounts.api import error_responses

from . import selectors
from .models import REQUIRED_EVIDENCE, Activity, ActivityEvent, ActivityType, Claim, EvidenceKind, Fund, FundEntry
from .services import (
    activity_cancel,
    activity_create,
    activity_submit,
    activity_update,
    claim_start,
    claim_submit,
    claim_update,
    proof_add,
    proof_remove,
)

CAN_CLAIM = "can_claim_mdf"
MONEY = {"max_digits": 14, "decimal_places": 2}


@contextmanager
def service_errors(*, field: str | None = None):
    """A service's ValidationError (MdfError, InsufficientFunds, FxRateMissingError, an upload check)
    becomes a 400 with field errors: its own fields, else ``field``, else ``non_field_errors``."""
    try:
        yield
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            fields = {("non_field_errors" if name == "__all__" else name): messages
                      for name, messages in error.message_dict.items()}
        else:
            fields = {field or "non_field_errors": error.messages}
        raise exceptions.ValidationError(fields) from error


def evidence_checklist(claim: Claim, activity_type: str) -> list[dict]:
    """The evidence the activity type requires, each with whether a file covers it (uses prefetched proofs)."""
    present = {proof.kind for proof in claim.proofs.all()}
    required = REQUIRED_EVIDENCE.get(activity_type, (EvidenceKind.INVOICE,))
    return [{"kind": kind, "label": str(EvidenceKind(kind).label), "present": kind in present} for kind in required]


def claim_of(activity: Activity) -> Claim | None:
    """The activity's claim from ``select_related("claim")`` (None when there is none), without a query."""
    try:
        return activity.claim
    except Claim.DoesNotExist:
        return None


# --- serializers ---


class MdfFundRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    label = serializers.CharField(read_only=True, help_text=_("The period, e.g. 2026-Q4."))


class MdfActivityRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    reference = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)


class FundSerializer(serializers.ModelSerializer):
    approved = serializers.DecimalField(source="spent", read_only=True, **MONEY,
                                        help_text=_("Approved claims (spent from the fund), paid or not."))
    available = serializers.DecimalField(read_only=True, **MONEY,
                                         help_text=_("Allocated minus reserved, approved and expired."))
    approved_unpaid = serializers.DecimalField(read_only=True, **MONEY)

    class Meta:
        model = Fund
        fields = ["id", "label", "period_start", "period_end", "expires_on", "status", "currency", "allocated",
                  "reserved", "approved", "paid", "expired", "available", "approved_unpaid"]
        read_only_fields = fields


class FundEntrySerializer(serializers.ModelSerializer):
    activity = MdfActivityRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = FundEntry
        fields = ["id", "kind", "amount", "currency", "base_amount", "base_currency", "fx_rate", "occurred_on",
                  "reason", "activity", "claim_id", "created_at"]
        read_only_fields = fields


class FundDetailSerializer(FundSerializer):
    entries = FundEntrySerializer(many=True, read_only=True, source="ledger",
                                  help_text=_("Every movement of the fund, oldest first: they explain every cent."))

    class Meta(FundSerializer.Meta):
        fields = [*FundSerializer.Meta.fields, "entries"]
        read_only_fields = fields


class BalancesSerializer(serializers.Serializer):
    currency = serializers.CharField(read_only=True)
    allocated = serializers.DecimalField(read_only=True, **MONEY)
    reserved = serializers.DecimalField(read_only=True, **MONEY)
    approved = serializers.DecimalField(read_only=True, **MONEY)
    paid = serializers.DecimalField(read_only=True, **MONEY)
    approved_unpaid = serializers.DecimalField(read_only=True, **MONEY)
    available = serializers.DecimalField(read_only=True, **MONEY)


class ClaimSummarySerializer(serializers.ModelSerializer):
    """The claim's state on the activity (amounts in the activity's currency); the full claim is at .../claim/."""

    class Meta:
        model = Claim
        fields = ["id", "status", "claimed_amount", "approved_amount"]  # what the list selector loads
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    """One row of the list (only the columns the list selector loads)."""

    fund = MdfFundRefSerializer(read_only=True, allow_null=True)
    claim = ClaimSummarySerializer(source="claim_summary", read_only=True, allow_null=True)

    class Meta:
        model = Activity
        fields = ["id", "reference", "status", "activity_type", "title", "starts_on", "ends_on", "currency",
                  "planned_cost", "requested_amount", "approved_amount", "claim_deadline", "fund", "claim",
                  "created_at", "submitted_at"]
        read_only_fields = fields


class ActivityEventSerializer(serializers.ModelSerializer):
    currency = serializers.CharField(source="activity.currency", read_only=True)

    class Meta:
        model = ActivityEvent
        fields = ["kind", "at", "amount", "currency", "message"]
        read_only_fields = fields


class RopiSerializer(serializers.Serializer):
    currency = serializers.SerializerMethodField(help_text=_("The vendor's base currency."))
    spend = serializers.DecimalField(read_only=True, max_digits=20, decimal_places=2)
    pipeline = serializers.DecimalField(read_only=True, max_digits=20, decimal_places=2)
    won = serializers.DecimalField(read_only=True, max_digits=20, decimal_places=2)
    deals = serializers.IntegerField(read_only=True)
    won_deals = serializers.IntegerField(read_only=True)
    ratio = serializers.DecimalField(read_only=True, allow_null=True, max_digits=20, decimal_places=2,
                                     help_text=_("Won revenue per unit of spend; null while nothing was spent."))
    pipeline_ratio = serializers.DecimalField(read_only=True, allow_null=True, max_digits=20, decimal_places=2)

    def get_currency(self, ropi) -> str:
        return settings.BASE_CURRENCY


class ActivityDetailSerializer(ActivitySerializer):
    events = ActivityEventSerializer(many=True, read_only=True, help_text=_("The timeline, oldest first."))
    ropi = RopiSerializer(read_only=True, help_text=_("Return on partner investment, in the base currency."))

    class Meta(ActivitySerializer.Meta):
        fields = [*ActivitySerializer.Meta.fields, "description", "cost_share_percent", "expected_leads",
                  "expected_pipeline", "decision_reason", "info_request", "decided_at", "events", "ropi"]
        read_only_fields = fields


class ActivityWriteSerializer(serializers.Serializer):
    activity_type = serializers.ChoiceField(choices=ActivityType.choices)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    planned_cost = serializers.DecimalField(min_value=0, help_text=_("The activity's whole cost, in your currency."),
                                            **MONEY)
    expected_leads = serializers.IntegerField(required=False, min_value=0, max_value=2_000_000_000)
    expected_pipeline = serializers.DecimalField(required=False, min_value=0, **MONEY)


class ActivityCreateSerializer(ActivityWriteSerializer):
    submit = serializers.BooleanField(default=False, help_text=_("Submit for pre-approval at once (all or nothing)."))


class ActivityUpdateSerializer(ActivityWriteSerializer):
    activity_type = serializers.ChoiceField(choices=ActivityType.choices, required=False)
    title = serializers.CharField(max_length=200, required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    planned_cost = serializers.DecimalField(required=False, min_value=0, **MONEY)


class ActivityFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Activity.Status.choices, required=False)
    q = serializers.CharField(required=False, max_length=100, help_text=_("Searches title and reference."))


class MdfCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ProofSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, read_only=True)
    original_name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True, help_text=_("The type found in the file's content."))
    size = serializers.IntegerField(read_only=True, help_text=_("Bytes."))
    uploaded_at = serializers.DateTimeField(read_only=True)
    download_url = serializers.CharField(source="get_absolute_url", read_only=True,
                                         help_text=_("The portal page that serves the file (signed-in session)."))


class ProofUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EvidenceKind.choices, help_text=_("What the file shows."))
    file = serializers.FileField(help_text=_("PDF, PNG, JPEG, CSV or XLSX; checked by content, not by name."))


class MdfEvidenceItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EvidenceKind.choices)
    label = serializers.CharField()
    present = serializers.BooleanField()


class MdfPaymentSerializer(serializers.Serializer):
    paid_on = serializers.DateField(read_only=True)
    reference = serializers.CharField(read_only=True)
    amount = serializers.DecimalField(read_only=True, **MONEY)
    currency = serializers.CharField(read_only=True)


class ClaimSerializer(serializers.ModelSerializer):
    activity_id = serializers.IntegerField(read_only=True)
    proofs = ProofSerializer(many=True, read_only=True)
    evidence = MdfEvidenceItemSerializer(many=True, read_only=True, source="evidence_checklist",
                                      help_text=_("The evidence this activity type needs and whether it is attached."))
    payment = MdfPaymentSerializer(read_only=True, allow_null=True, source="payment_or_none")

    class Meta:
        model = Claim
        fields = ["id", "activity_id", "status", "currency", "actual_cost", "claimed_amount", "approved_amount",
                  "leads", "attendees", "invoice_number", "notes", "decision_reason", "info_request", "proofs",
                  "evidence", "payment", "submitted_at", "decided_at", "paid_at", "created_at", "updated_at"]
        read_only_fields = fields


class ClaimUpdateSerializer(serializers.Serializer):
    actual_cost = serializers.DecimalField(required=False, allow_null=True, min_value=0, **MONEY)
    claimed_amount = serializers.DecimalField(required=False, allow_null=True, min_value=0, **MONEY,
                                              help_text=_("The vendor's share you claim; at most the pre-approved."))
    leads = serializers.IntegerField(required=False, min_value=0, max_value=2_000_000_000)
    attendees = serializers.IntegerField(required=False, min_value=0, max_value=2_000_000_000)
    invoice_number = serializers.CharField(required=False, allow_blank=True, max_length=64)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)


def prepare_claim(claim: Claim, activity: Activity) -> Claim:
    """Attach what the claim serializers read: the activity (no extra query), checklist and payment."""
    claim.activity = activity
    claim.evidence_checklist = evidence_checklist(claim, activity.activity_type)
    try:
        claim.payment_or_none = claim.payment
    except Claim.payment.RelatedObjectDoesNotExist:
        claim.payment_or_none = None
    return claim


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=_("Any unique string (e.g. a UUID). Repeating a create with the same key returns the first "
                  "request (200) instead of creating another."),
)
PROOF_ID = OpenApiParameter("proof_id", OpenApiTypes.INT, OpenApiParameter.PATH, description=_("The proof file."))


# --- views ---


class MdfPartnerMixin(PartnerAPIMixin):
    """The partner's scope; every write (any unsafe method) needs ``can_claim_mdf``, as in the portal."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method not in SAFE_METHODS and not request.membership.can(CAN_CLAIM):
            raise exceptions.PermissionDenied(_("Your role does not allow this."))


@extend_schema_view(
    list=extend_schema(description=_("Your funds, newest period first, with their totals."),
                       responses={200: FundSerializer(many=True), **error_responses(401, 404)}),
    retrieve=extend_schema(description=_("One fund with its ledger."),
                           responses={200: FundDetailSerializer, **error_responses(401, 404)}),
)
@extend_schema(tags=["mdf"], parameters=[PARTNER_HEADER])
class FundViewSet(MdfPartnerMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your organisation's market development funds."""

    serializer_class = FundSerializer
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Fund.objects.none()
        return Fund.objects.filter(partner=self.request.partner).order_by("-period_start", "-id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(selectors.fund_list_for_portal(partner=request.partner))
        return self.get_paginated_response(FundSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        fund = self.get_object()
        fund.ledger = list(selectors.fund_entries(fund=fund))
        return Response(FundDetailSerializer(fund).data)


@extend_schema(tags=["mdf"], parameters=[PARTNER_HEADER],
               responses={200: BalancesSerializer, **error_responses(401, 404)})
class BalancesView(MdfPartnerMixin, GenericAPIView):
    """What you have across the funds still open for requests, in your currency."""

    serializer_class = BalancesSerializer

    def get(self, request, *args, **kwargs):
        balances = selectors.balances_for(partner=request.partner, today=timezone.localdate())
        return Response(BalancesSerializer(balances).data)


def activity_detail(*, partner, pk: int) -> dict:
    """The activity as the detail serializer shows it: timeline, claim summary and ROPI (a fixed number of queries)."""
    try:
        activity = selectors.activity_get_for_portal(partner=partner, pk=pk)
    except Activity.DoesNotExist:
        raise Http404 from None
    activity.claim_summary = selectors.claim_for_activity(activity=activity)
    activity.ropi = selectors.ropi_for_activities(activity_ids=[activity.pk])[activity.pk]
    return ActivityDetailSerializer(activity).data


@extend_schema_view(
    list=extend_schema(parameters=[ActivityFilterSerializer],
                       responses={200: ActivitySerializer(many=True), **error_responses(400, 401, 404)}),
    retrieve=extend_schema(responses={200: ActivityDetailSerializer, **error_responses(401, 404)}),
    create=extend_schema(
        description=_("Ask for funds: a draft, or submitted for pre-approval at once with submit=true."),
        parameters=[IDEMPOTENCY_HEADER], request=ActivityCreateSerializer,
        responses={201: ActivityDetailSerializer,
                   200: OpenApiResponse(ActivityDetailSerializer, description=_("Replayed create.")),
                   **error_responses(400, 401, 403, 404)},
    ),
    partial_update=extend_schema(
        description=_("Change a draft, or a request sent back for more information."),
        request=ActivityUpdateSerializer, responses={200: ActivityDetailSerializer, **error_responses(400, 401, 403, 404)},
    ),
)
@extend_schema(tags=["mdf"], parameters=[PARTNER_HEADER])
class ActivityViewSet(MdfPartnerMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Your organisation's MDF activities (requests for funds) and their claims."""

    serializer_class = ActivitySerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Activity.objects.none()
        if self.action != "list":
            return Activity.objects.filter(partner=self.request.partner)
        filters = ActivityFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.activity_list_for_portal(partner=self.request.partner, **filters.validated_data)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        for activity in page:
            activity.claim_summary = claim_of(activity)
        return self.get_paginated_response(ActivitySerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(activity_detail(partner=request.partner, pk=self.get_object().pk))

    def _fresh(self, activity: Activity, *, code: int = status.HTTP_200_OK) -> Response:
        return Response(activity_detail(partner=self.request.partner, pk=activity.pk), status=code)

    def create(self, request, *args, **kwargs):
        serializer = ActivityCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        submit = values.pop("submit", False)
        with service_errors():
            activity, created = activity_create(
                partner=request.partner, actor=request.user, values=values, submit=submit,
                idempotency_key=request.headers.get("Idempotency-Key", ""),
            )
        return self._fresh(activity, code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        activity = self.get_object()
        serializer = ActivityUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            activity = activity_update(activity=activity, actor=request.user, values=serializer.validated_data)
        return self._fresh(activity)

    @extend_schema(request=None, responses={200: ActivityDetailSerializer, **error_responses(400, 401, 403, 404)},
                   description=_("Submit a draft (or a request your channel manager asked more about) for "
                                 "pre-approval; the vendor's share must be available in your fund."))
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        activity = self.get_object()
        with service_errors():
            activity = activity_submit(activity=activity, actor=request.user)
        return self._fresh(activity)

    @extend_schema(request=MdfCancelSerializer, responses={200: ActivityDetailSerializer, **error_responses(400, 401, 403, 404)},
                   description=_("Cancel the activity; a pre-approved one gives its reservation back to the fund."))
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        activity = self.get_object()
        serializer = MdfCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            activity = activity_cancel(activity=activity, actor=request.user,
                                       reason=serializer.validated_data.get("reason", ""))
        return self._fresh(activity)

    # --- the claim ---

    def _claim(self, activity: Activity) -> Claim:
        claim = selectors.claim_for_activity(activity=activity)
        if claim is None:
            raise Http404
        return claim

    def _claim_response(self, activity: Activity, *, code: int = status.HTTP_200_OK) -> Response:
        claim = prepare_claim(self._claim(activity), activity)
        return Response(ClaimSerializer(claim).data, status=code)

    @extend_schema(methods=["GET"], request=None, responses={200: ClaimSerializer, **error_responses(401, 404)},
                   description=_("The activity's claim (404 while none was started)."))
    @extend_schema(methods=["POST"], request=None,
                   responses={201: ClaimSerializer,
                              200: OpenApiResponse(ClaimSerializer, description=_("The claim already started.")),
                              **error_responses(400, 401, 403, 404)},
                   description=_("Start the claim of a pre-approved activity that has ended. Idempotent."))
    @extend_schema(methods=["PATCH"], request=ClaimUpdateSerializer,
                   responses={200: ClaimSerializer, **error_responses(400, 401, 403, 404)},
                   description=_("Change a draft claim, or one sent back for more information."))
    @action(detail=True, methods=["get", "post", "patch"])
    def claim(self, request, pk=None):
        activity = self.get_object()
        if request.method == "GET":
            return self._claim_response(activity)
        if request.method == "POST":
            with service_errors():
                _claim, created = claim_start(activity=activity, actor=request.user)
            return self._claim_response(activity, code=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
        claim = self._claim(activity)
        serializer = ClaimUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            claim_update(claim=claim, actor=request.user, values=serializer.validated_data)
        return self._claim_response(activity)

    @extend_schema(methods=["GET"], request=None, responses={200: ProofSerializer(many=True), **error_responses(401, 404)},
                   description=_("The claim's proof of performance files."))
    @extend_schema(methods=["POST"], request={"multipart/form-data": ProofUploadSerializer},
                   responses={201: ProofSerializer, **error_responses(400, 401, 403, 404)},
                   description=_("Attach one proof file (multipart: kind and file). Checked by its content; "
                                 "size-limited per file and per claim."))
    @action(detail=True, methods=["get", "post"], url_path="claim/proofs", pagination_class=None,
            parser_classes=[MultiPartParser, FormParser])
    def claim_proofs(self, request, pk=None):
        claim = self._claim(self.get_object())
        if request.method == "GET":
            return Response(ProofSerializer(claim.proofs.all(), many=True).data)
        serializer = ProofUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors(field="file"):
            proof = proof_add(claim=claim, actor=request.user, upload=serializer.validated_data["file"],
                              kind=serializer.validated_data["kind"])
        return Response(ProofSerializer(proof).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[PROOF_ID], request=None,
                   responses={204: OpenApiResponse(description=_("Removed.")), **error_responses(400, 401, 403, 404)},
                   description=_("Remove a proof file from a draft claim (or one sent back for information)."))
    @action(detail=True, methods=["delete"], url_path=r"claim/proofs/(?P<proof_id>[0-9]+)")
    def claim_proof(self, request, pk=None, proof_id=None):
        claim = self._claim(self.get_object())
        proof = next((p for p in claim.proofs.all() if p.pk == int(proof_id)), None)
        if proof is None:
            raise Http404
        with service_errors():
            proof_remove(proof=proof, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: ClaimSerializer, **error_responses(400, 401, 403, 404)},
                   description=_("Submit the claim: amounts within the pre-approval, inside the claim window, every "
                                 "required piece of evidence attached. Submitting twice changes nothing."))
    @action(detail=True, methods=["post"], url_path="claim/submit")
    def claim_submit(self, request, pk=None):
        activity = self.get_object()
        claim = self._claim(activity)
        with service_errors():
            claim_submit(claim=claim, actor=request.user)
        return self._claim_response(activity)
