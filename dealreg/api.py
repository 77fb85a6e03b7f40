"""Deal registrations in the API: full CRUD of the caller's partner's own registrations, with the same
rules as the portal (the services decide), plus submit, withdraw, protection extensions and closing as won
or lost; participants and deals shared with the caller come from dealreg/api_participants.py.

Runs in the caller's partner scope: another partner's registration answers 404. Writing needs the
``can_register_deals`` capability. A registration shows only ``has_conflict`` (a boolean) about
conflicts: never whose, which or how much.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import ListAPIView
from rest_framework.response import Response

from mdf.models import Activity
from partners.api import PARTNER_HEADER, PartnerAPIMixin
from prm.accounts.api import error_responses

from . import selectors
from .api_participants import (
    OUTCOME_ERROR_FIELDS,
    PARTICIPANT_CAPABILITIES,
    DealParticipantActions,
    OutcomeSerializer,
    raise_on_field,
)
from .models import Deal, ExtensionRequest, Product
from .services.extensions import extension_request
from .services.outcomes import deal_close_lost, deal_close_won
from .services.registration import deal_create, deal_delete, deal_submit, deal_update, deal_withdraw

CAN_REGISTER = "can_register_deals"

# --- serializers ---


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["code", "name", "family"]
        read_only_fields = fields


class DealSerializer(serializers.ModelSerializer):
    products = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    rejection_reason = serializers.SerializerMethodField(
        help_text=_("The reason from the program's list, in the request's language; empty unless rejected.")
    )
    has_conflict = serializers.BooleanField(
        read_only=True, help_text=_("A possible conflict exists and will be reviewed. Nothing more is disclosed.")
    )

    class Meta:
        model = Deal
        fields = [
            "id", "reference", "status", "customer_name", "customer_domain", "customer_contact_email",
            "customer_country", "products", "value", "currency", "expected_close_date", "stage", "description",
            "private_notes", "has_conflict", "is_co_sell", "registered_at", "submitted_at", "decided_at",
            "rejection_reason", "decision_reason", "protected_until", "mdf_activity", "closed_at", "won_amount",
            "won_currency", "lost_reason", "created_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_rejection_reason(self, deal) -> str:
        return deal.rejection_reason.label_in() if deal.rejection_reason_id and deal.rejection_reason else ""


@extend_schema_field(OpenApiTypes.INT)
class ScopedActivityField(serializers.PrimaryKeyRelatedField):
    """The request's partner's MDF activities, looked up in the request's scope (another partner's id: not found)."""

    def get_queryset(self):
        return Activity.objects.all()


class DealWriteSerializer(serializers.Serializer):
    """What the partner sets. Drafts may be incomplete; submitting checks everything."""

    customer_name = serializers.CharField(max_length=200)
    customer_domain = serializers.CharField(
        max_length=253, required=False, allow_blank=True,
        help_text=_("A domain or URL; or leave it empty and give a contact e-mail at the customer."),
    )
    customer_contact_email = serializers.EmailField(required=False, allow_blank=True)
    customer_country = serializers.CharField(max_length=2, required=False, allow_blank=True,
                                             help_text=_("ISO 3166-1 alpha-2 code, e.g. DE."))
    products = serializers.SlugRelatedField(slug_field="code", many=True, required=False,
                                            queryset=Product.objects.all(), help_text=_("Product codes."))
    value = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0)
    currency = serializers.CharField(max_length=3, required=False)
    expected_close_date = serializers.DateField(required=False, allow_null=True)
    stage = serializers.ChoiceField(choices=Deal.Stage.choices, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    private_notes = serializers.CharField(required=False, allow_blank=True)
    mdf_activity = ScopedActivityField(
        required=False, allow_null=True,
        help_text=_("Id of your pre-approved MDF activity that sourced this opportunity (ROPI)."),
    )


class DealCreateSerializer(DealWriteSerializer):
    submit = serializers.BooleanField(default=False, help_text=_("Submit for approval at once (all or nothing)."))


class DealUpdateSerializer(DealWriteSerializer):
    customer_name = serializers.CharField(max_length=200, required=False)


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500)


class ExtensionRequestSerializer(serializers.ModelSerializer):
    class Meta:
        model = ExtensionRequest
        fields = ["id", "status", "reason", "requested_at", "protected_until_before", "protected_until_after",
                  "decided_at", "decision_note"]
        read_only_fields = fields


class ExtensionCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class DealFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Deal.Status.choices, required=False)
    stage = serializers.ChoiceField(choices=Deal.Stage.choices, required=False)
    q = serializers.CharField(required=False, max_length=100, help_text=_("Searches customer, domain and reference."))


IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description=_("Any unique string (e.g. a UUID). Repeating a create with the same key returns the first "
                  "registration (200) instead of creating another."),
)


def _values(validated: dict) -> tuple[dict, list | None]:
    data = dict(validated)
    data.pop("submit", None)
    products = data.pop("products", None)
    return data, products


# --- views ---


@extend_schema_view(
    list=extend_schema(parameters=[DealFilterSerializer],
                       responses={200: DealSerializer(many=True), **error_responses(400, 401, 404)}),
    retrieve=extend_schema(responses={200: DealSerializer, **error_responses(401, 404)}),
    create=extend_schema(
        description=_("Register a deal as a draft, or submit it at once with submit=true."),
        parameters=[IDEMPOTENCY_HEADER], request=DealCreateSerializer,
        responses={201: DealSerializer, 200: OpenApiResponse(DealSerializer, description=_("Replayed create.")),
                   **error_responses(400, 401, 403, 404)},
    ),
    partial_update=extend_schema(
        description=_("Change an open registration. A material change to an approved one sends it back for approval."),
        request=DealUpdateSerializer, responses={200: DealSerializer, **error_responses(400, 401, 403, 404)},
    ),
    destroy=extend_schema(
        description=_("Delete a draft. Submitted registrations stay on record: withdraw them instead."),
        responses={204: OpenApiResponse(description=_("Deleted.")), **error_responses(400, 401, 403, 404)},
    ),
)
@extend_schema(tags=["deals"], parameters=[PARTNER_HEADER])
class DealViewSet(PartnerAPIMixin, DealParticipantActions, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                  viewsets.GenericViewSet):
    """Your organisation's deal registrations."""

    serializer_class = DealSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    capabilities = {"create": CAN_REGISTER, "partial_update": CAN_REGISTER, "destroy": CAN_REGISTER,
                    "submit": CAN_REGISTER, "withdraw": CAN_REGISTER, "close": CAN_REGISTER,
                    **PARTICIPANT_CAPABILITIES}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Deal.objects.none()
        qs = selectors.deal_list_for_api(partner=self.request.partner).select_related("rejection_reason")
        if self.action != "list":
            return qs
        filters = DealFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        if wanted:
            ids = selectors.deal_list_for_portal(partner=self.request.partner, status=wanted.get("status"),
                                                 stage=wanted.get("stage"), q=wanted.get("q")).values("pk")
            qs = qs.filter(pk__in=ids)
        return qs

    def _fresh(self, deal: Deal) -> dict:
        return DealSerializer(self.get_queryset().get(pk=deal.pk)).data

    def create(self, request, *args, **kwargs):
        serializer = DealCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values, products = _values(serializer.validated_data)
        deal, created = deal_create(
            partner=request.partner, actor=request.user, values=values, products=products or [],
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            submit=serializer.validated_data.get("submit", False),
        )
        return Response(self._fresh(deal), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs):
        deal = self.get_object()
        serializer = DealUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        values, products = _values(serializer.validated_data)
        deal = deal_update(deal=deal, actor=request.user, values=values, products=products)
        return Response(self._fresh(deal))

    def destroy(self, request, *args, **kwargs):
        deal_delete(deal=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: DealSerializer, **error_responses(400, 401, 403, 404)},
                   description=_("Submit a draft (or a registration your channel manager asked more about)."))
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        deal = deal_submit(deal=self.get_object(), actor=request.user)
        return Response(self._fresh(deal))

    @extend_schema(request=WithdrawSerializer, responses={200: DealSerializer, **error_responses(400, 401, 403, 404)},
                   description=_("Withdraw a submitted or approved registration; an approved one loses its protection."))
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        serializer = WithdrawSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deal = deal_withdraw(deal=self.get_object(), actor=request.user,
                             reason=serializer.validated_data.get("reason", ""))
        return Response(self._fresh(deal))

    @extend_schema(request=OutcomeSerializer, responses={200: DealSerializer, **error_responses(400, 401, 403, 404)},
                   description=_("Close your approved (or expired) registration as won, with the final amount and "
                                 "currency (converted to the program's base currency at the close date's exchange "
                                 "rate), or as lost, with the reason."))
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        deal = self.get_object()
        serializer = OutcomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        closed_on = data.get("closed_on") or timezone.localdate()
        try:
            if data["outcome"] == "won":
                deal = deal_close_won(deal=deal, amount=data["amount"], currency=data["currency"],
                                      closed_on=closed_on, actor=request.user)
            else:
                deal = deal_close_lost(deal=deal, reason=data["lost_reason"], closed_on=closed_on,
                                       actor=request.user)
        except DjangoValidationError as error:
            raise_on_field(error, OUTCOME_ERROR_FIELDS)
        return Response(self._fresh(deal))

    @extend_schema(methods=["GET"], request=None,
                   responses={200: ExtensionRequestSerializer(many=True), **error_responses(401, 404)},
                   description=_("The registration's protection extension requests, newest first."))
    @extend_schema(methods=["POST"], request=ExtensionCreateSerializer,
                   responses={201: ExtensionRequestSerializer, **error_responses(400, 401, 403, 404)},
                   description=_("Ask for a longer protection, with a reason; your channel manager decides."))
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def extensions(self, request, pk=None):
        deal = self.get_object()
        if request.method == "GET":
            return Response(ExtensionRequestSerializer(selectors.extension_requests_for(deal=deal), many=True).data)
        if not request.membership.can(CAN_REGISTER):
            raise exceptions.PermissionDenied(_("Your role does not allow this."))
        serializer = ExtensionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        extension = extension_request(deal=deal, actor=request.user, reason=serializer.validated_data["reason"])
        return Response(ExtensionRequestSerializer(extension).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["deals"], parameters=[PARTNER_HEADER],
               responses={200: ProductSerializer(many=True), **error_responses(401, 404)})
class ProductListView(PartnerAPIMixin, ListAPIView):
    """The products you can register deals for."""

    serializer_class = ProductSerializer

    def get_queryset(self):
        return selectors.active_products()
