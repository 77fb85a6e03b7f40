"""API pieces about the caller themselves: GET/PATCH /api/v1/me/, the token scheme and error body in the schema,
and the staff MFA rule for token-authenticated staff calls."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from partners.models import Membership
from prm.tenancy.lookups import memberships_for_user

from .models import User
from .services import user_profile_update

# --- The error body of prm.common.api.exception_handler, described once for the schema ---


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=_("Machine-readable: invalid, not_found, permission_denied, not_authenticated, …")
    )
    message = serializers.CharField(help_text=_("Human-readable, in the request's language."))
    fields = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text=_("Only for invalid data: the messages per field; non_field_errors for the request as a whole."),
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


_ERROR_DESCRIPTIONS = {
    400: _("Invalid data; see error.fields."),
    401: _("Not signed in, or the token is unknown, expired or revoked."),
    403: _("Signed in, but not allowed to do this."),
    404: _("Not found, or not visible to you."),
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error answers an operation can give."""
    return {status: OpenApiResponse(ErrorSerializer, description=_ERROR_DESCRIPTIONS[status]) for status in statuses}


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    target_class = "prm.accounts.api_auth.PersonalTokenAuthentication"
    name = "personalToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": str(_("A personal API token, created under Account › API tokens.")),
        }


class StaffMFAEnrolled(BasePermission):
    """With REQUIRE_STAFF_MFA, staff need a TOTP authenticator for the staff API too.

    The middleware only sees session users; without this a token would route around the rule.
    """

    message = _("Set up two-factor authentication before using the staff API.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not settings.REQUIRE_STAFF_MFA or not (user and user.is_authenticated and user.is_staff):
            return True
        from allauth.mfa.models import Authenticator

        return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


# --- /api/v1/me/ ---


class MyMembershipSerializer(serializers.Serializer):
    partner_id = serializers.IntegerField(read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True)
    role = serializers.ChoiceField(choices=Membership.Role.choices, read_only=True)
    can_register_deals = serializers.SerializerMethodField(help_text=_("Effective: partner admins can do everything."))
    can_claim_mdf = serializers.SerializerMethodField(help_text=_("Effective: partner admins can do everything."))
    can_manage_users = serializers.SerializerMethodField(help_text=_("Effective: partner admins can do everything."))

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_can_register_deals(self, membership) -> bool:
        return membership.can("can_register_deals")

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_can_claim_mdf(self, membership) -> bool:
        return membership.can("can_claim_mdf")

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_can_manage_users(self, membership) -> bool:
        return membership.can("can_manage_users")


class MeSerializer(serializers.ModelSerializer):
    memberships = serializers.SerializerMethodField(
        help_text=_("The partners you act for. Send X-Partner-Id to choose one in partner endpoints.")
    )

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "preferred_language", "timezone", "memberships"]
        read_only_fields = ["id", "email"]
        extra_kwargs = {"timezone": {"help_text": _("An IANA time zone name, e.g. Europe/Berlin.")}}

    @extend_schema_field(MyMembershipSerializer(many=True))
    def get_memberships(self, user) -> list:
        # The caller's own memberships, looked up before any partner scope exists (one query).
        return MyMembershipSerializer(memberships_for_user(user=user), many=True).data


class MeView(generics.GenericAPIView):
    """The signed-in user and the partners they belong to."""

    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> User:
        return self.request.user

    @extend_schema(tags=["me"], responses={200: MeSerializer, **error_responses(401)})
    def get(self, request):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(tags=["me"], responses={200: MeSerializer, **error_responses(400, 401)})
    def patch(self, request):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = user_profile_update(user=request.user, actor=request.user, **serializer.validated_data)
        return Response(self.get_serializer(user).data)
