"""Partners in the API: the caller's organisation, its members and invitations; staff: partners of their regions.

Partner endpoints run in the caller's partner scope (another partner's id: 404); staff endpoints in
their regions. Views only check, call one selector or service, and serialise.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.generics import RetrieveAPIView
from rest_framework.response import Response

from prm.accounts.api import StaffMFAEnrolled, error_responses
from prm.tenancy.api import IsStaffUser, PartnerScopedAPIMixin, StaffScopedAPIMixin

from . import selectors
from .models import Invitation, Membership, PartnerOrganization, Region
from .services.invitations import invitation_create, invitation_revoke
from .services.memberships import membership_remove, membership_update

# --- serializers ---


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(read_only=True)
    full_name = serializers.CharField(read_only=True)


class PartnerSerializer(serializers.ModelSerializer):
    region = RegionSerializer(read_only=True)
    channel_manager = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = PartnerOrganization
        fields = [
            "id",
            "name",
            "legal_name",
            "partner_type",
            "status",
            "country",
            "region",
            "default_language",
            "currency",
            "website",
            "channel_manager",
            "created_at",
        ]
        read_only_fields = fields


class StaffPartnerSerializer(PartnerSerializer):
    class Meta(PartnerSerializer.Meta):
        fields = [*PartnerSerializer.Meta.fields, "status_changed_at"]
        read_only_fields = fields


class MemberSerializer(serializers.ModelSerializer):
    user_id = serializers.IntegerField(read_only=True)
    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = [
            "id",
            "user_id",
            "email",
            "full_name",
            "role",
            "can_register_deals",
            "can_claim_mdf",
            "can_manage_users",
            "joined_at",
        ]
        read_only_fields = fields


class MemberUpdateSerializer(serializers.Serializer):
    """Send only what changes; the stored values fill in the rest."""

    role = serializers.ChoiceField(choices=Membership.Role.choices, required=False)
    can_register_deals = serializers.BooleanField(required=False)
    can_claim_mdf = serializers.BooleanField(required=False)
    can_manage_users = serializers.BooleanField(required=False)


class InvitationSerializer(serializers.ModelSerializer):
    invited_by = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "role",
            "language",
            "can_register_deals",
            "can_claim_mdf",
            "can_manage_users",
            "invited_by",
            "created_at",
            "expires_at",
        ]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.USER)
    language = serializers.ChoiceField(
        choices=Invitation._meta.get_field("language").choices,
        required=False,
        help_text=_("Language of the invitation e-mail; the partner's default when left out."),
    )
    can_register_deals = serializers.BooleanField(default=True)
    can_claim_mdf = serializers.BooleanField(default=False)
    can_manage_users = serializers.BooleanField(default=False)


class StaffPartnerFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=PartnerOrganization.Status.choices, required=False)
    partner_type = serializers.ChoiceField(choices=PartnerOrganization.PartnerType.choices, required=False)
    region = serializers.CharField(required=False, max_length=20, help_text=_("Region code (e.g. emea) or id."))


# --- partner endpoints ---

PARTNER_HEADER = OpenApiParameter(
    "X-Partner-Id",
    OpenApiTypes.INT,
    OpenApiParameter.HEADER,
    required=False,
    description=_("The partner to act for, when you belong to several (see /api/v1/me/). Default: the first."),
)


class PartnerAPIMixin(PartnerScopedAPIMixin):
    """Runs in the caller's partner scope; ``capabilities`` maps actions to the membership flag they need.

    Checked after the scope opens, because the membership is only known then.
    """

    capabilities: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        capability = self.capabilities.get(getattr(self, "action", None) or request.method.lower())
        if capability and not request.membership.can(capability):
            raise exceptions.PermissionDenied(_("Your role does not allow this."))


@extend_schema(
    tags=["partner"], parameters=[PARTNER_HEADER], responses={200: PartnerSerializer, **error_responses(401, 404)}
)
class OwnPartnerView(PartnerAPIMixin, RetrieveAPIView):
    """Your organisation (the one chosen with X-Partner-Id when you belong to several)."""
    partner_gates_exempt = True  # how a locked partner sees where it stands

    serializer_class = PartnerSerializer

    def get_object(self) -> PartnerOrganization:
        return self.request.partner


def _raise_as_api_error(error: DjangoValidationError, *, field: str | None = None):
    """A service's ValidationError becomes a 400 with the error body (on ``field`` when it has no field of its own)."""
    if hasattr(error, "error_dict") or field is None:
        raise error
    raise exceptions.ValidationError({field: error.messages})


@extend_schema_view(
    list=extend_schema(responses={200: MemberSerializer(many=True), **error_responses(401, 404)}),
    retrieve=extend_schema(responses={200: MemberSerializer, **error_responses(401, 404)}),
    partial_update=extend_schema(
        request=MemberUpdateSerializer, responses={200: MemberSerializer, **error_responses(400, 401, 403, 404)}
    ),
    destroy=extend_schema(
        description=_("Remove the member: their sessions and API tokens end at once."),
        responses={204: OpenApiResponse(description=_("Removed.")), **error_responses(400, 401, 403, 404)},
    ),
)
@extend_schema(tags=["members"], parameters=[PARTNER_HEADER])
class MemberViewSet(PartnerAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The active members of your organisation. Changing and removing needs the right to manage users."""

    serializer_class = MemberSerializer
    http_method_names = ["get", "patch", "delete", "head", "options"]
    capabilities = {"partial_update": "can_manage_users", "destroy": "can_manage_users"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return selectors.member_list_for_portal(partner=self.request.partner)

    def partial_update(self, request, *args, **kwargs):
        membership = self.get_object()
        serializer = MemberUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = {
            "role": membership.role,
            "can_register_deals": membership.can_register_deals,
            "can_claim_mdf": membership.can_claim_mdf,
            "can_manage_users": membership.can_manage_users,
            **serializer.validated_data,
        }
        try:
            membership = membership_update(membership=membership, actor=request.user, **values)
        except DjangoValidationError as error:
            _raise_as_api_error(error, field="role")
        return Response(MemberSerializer(membership).data)

    def destroy(self, request, *args, **kwargs):
        membership = self.get_object()
        membership_remove(membership=membership, actor=request.user)  # ValidationError: 400 via the handler
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        description=_("Pending invitations."),
        responses={200: InvitationSerializer(many=True), **error_responses(401, 403, 404)},
    ),
    create=extend_schema(
        description=_("Invite a colleague; the invitation link goes only to their e-mail address."),
        request=InvitationCreateSerializer,
        responses={201: InvitationSerializer, **error_responses(400, 401, 403, 404)},
    ),
    destroy=extend_schema(
        description=_("Withdraw a pending invitation."),
        responses={204: OpenApiResponse(description=_("Withdrawn.")), **error_responses(400, 401, 403, 404)},
    ),
)
@extend_schema(tags=["invitations"], parameters=[PARTNER_HEADER])
class InvitationViewSet(PartnerAPIMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = InvitationSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    capabilities = {"list": "can_manage_users", "create": "can_manage_users", "destroy": "can_manage_users"}

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Invitation.objects.none()
        return selectors.invitation_list_pending(partner=self.request.partner)

    def create(self, request, *args, **kwargs):
        serializer = InvitationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            issued = invitation_create(partner=request.partner, invited_by=request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            _raise_as_api_error(error, field="email")
        return Response(InvitationSerializer(issued.invitation).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        invitation_revoke(invitation=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- staff endpoints ---


@extend_schema_view(
    list=extend_schema(
        parameters=[StaffPartnerFilterSerializer],
        responses={200: StaffPartnerSerializer(many=True), **error_responses(400, 401, 403)},
    ),
    retrieve=extend_schema(responses={200: StaffPartnerSerializer, **error_responses(401, 403, 404)}),
)
@extend_schema(tags=["staff"])
class StaffPartnerViewSet(StaffScopedAPIMixin, viewsets.ReadOnlyModelViewSet):
    """Partners of your regions (operators: all)."""

    serializer_class = StaffPartnerSerializer
    permission_classes = [IsStaffUser, StaffMFAEnrolled]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return PartnerOrganization.objects.none()
        qs = selectors.partner_list_for_staff(partner_ids=self.request.staff_partner_ids).order_by("name", "id")
        if self.action != "list":
            return qs
        filters = StaffPartnerFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        if "status" in wanted:
            qs = qs.filter(status=wanted["status"])
        if "partner_type" in wanted:
            qs = qs.filter(partner_type=wanted["partner_type"])
        if "region" in wanted:
            region = wanted["region"]
            # An id (bounded: a 20-digit number would overflow the column) or a region code.
            is_id = region.isascii() and region.isdigit() and len(region) <= 18
            qs = qs.filter(region_id=int(region)) if is_id else qs.filter(region__code=region)
        return qs
