"""Multi-partner deals and outcomes in the partner API, as actions of the deals viewset (dealreg/api.py), so they
live under the existing ``deals`` route:

- the registering partner: ``deals/{id}/participants/`` (list, invite), ``deals/{id}/participants/{pid}/``
  (remove), ``deals/invitable-partners/?q=`` (the directory: names and ids only); closing a registration as
  won or lost (``deals/{id}/close/``, in dealreg/api.py) takes OutcomeSerializer from here;
- the invited partner: ``deals/shared/`` and ``deals/shared/{pid}/`` (what the portal shows a participant),
  ``deals/shared/{pid}/accept/`` and ``.../decline/``.

The rules are the portal's: dealreg.services.participants and dealreg.services.outcomes decide, and
dealreg.shared_deals is the only way across the tenant line. Another partner's deal or participation
answers 404; a participant reaches the deal only through ``deals/shared/`` (read-only), so it can neither
edit nor close it. Service errors become 400 with the field they are about.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from prm.accounts.api import error_responses

from . import shared_deals
from .api_schema import NamedChoiceField
from .models import Deal, DealParticipant
from .services.participants import participant_invite, participant_respond, participant_withdraw

CAN_REGISTER = "can_register_deals"

ROLE_ENUM = "DealParticipantRoleEnum"
STATUS_ENUM = "DealParticipantStatusEnum"

PARTICIPANT_PATH = OpenApiParameter("participant_pk", OpenApiTypes.INT, OpenApiParameter.PATH,
                                    description=_("The participation's id."))

# Service error codes -> the request field they are about (anything else: non_field_errors).
INVITE_ERROR_FIELDS = {
    "share_invalid": "share", "share_exceeded": "share", "role_invalid": "role",
    "partner_invalid": "partner_id", "partner_self": "partner_id", "partner_duplicate": "partner_id",
}
OUTCOME_ERROR_FIELDS = {
    "amount_invalid": "amount", "currency_invalid": "currency", "date_invalid": "closed_on",
    "date_future": "closed_on", "reason_required": "lost_reason",
}


def raise_on_field(error: DjangoValidationError, fields: dict[str, str]):
    """Re-raise a service's ValidationError as a DRF one, on the field its code names."""
    if hasattr(error, "error_dict"):
        raise error
    codes = {getattr(e, "code", None) for e in error.error_list}
    field = next((fields[code] for code in codes if code in fields), None)
    if field is None:
        raise error
    raise exceptions.ValidationError({field: error.messages})


# --- serializers ---


class ParticipantSerializer(serializers.Serializer):
    """A partner on your deal: what the portal shows the registering partner."""

    id = serializers.IntegerField(source="participant_id", read_only=True)
    partner_id = serializers.IntegerField(read_only=True)
    partner_name = serializers.CharField(read_only=True)
    role = NamedChoiceField(choices=DealParticipant.Role.choices, enum_name=ROLE_ENUM, read_only=True)
    share = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True,
                                     help_text=_("Share of the attribution, in percent."))
    status = NamedChoiceField(choices=DealParticipant.Status.choices, enum_name=STATUS_ENUM, read_only=True)
    invited_at = serializers.DateTimeField(read_only=True)
    responded_at = serializers.DateTimeField(read_only=True, allow_null=True)


class ParticipantInviteSerializer(serializers.Serializer):
    partner_id = serializers.IntegerField(
        min_value=1, help_text=_("An active partner organisation (see deals/invitable-partners/).")
    )
    role = NamedChoiceField(choices=DealParticipant.Role.choices, enum_name=ROLE_ENUM)
    share = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100"),
        help_text=_("Share of the attribution in percent; all partners on a deal together hold at most 100."),
    )


class PartnerChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class PartnerDirectoryFilterSerializer(serializers.Serializer):
    q = serializers.CharField(min_length=shared_deals.DIRECTORY_MIN_QUERY, max_length=100,
                              help_text=_("Part of the partner's name."))


class SharedDealFieldsSerializer(serializers.Serializer):
    """The deal's shareable fields, once the invitation is accepted."""

    reference = serializers.CharField(read_only=True)
    customer_name = serializers.CharField(read_only=True)
    customer_domain = serializers.CharField(read_only=True)
    customer_country = serializers.CharField(read_only=True)
    stage = NamedChoiceField(choices=Deal.Stage.choices, enum_name="SharedDealStageEnum", read_only=True)
    status = NamedChoiceField(source="deal_status", choices=Deal.Status.choices, enum_name="SharedDealStatusEnum",
                              read_only=True)
    expected_close_date = serializers.DateField(read_only=True, allow_null=True)


class SharedDealSerializer(serializers.Serializer):
    """A deal another partner invited you onto: your role and share; the deal itself once you accepted.

    Never the value, description, private notes or other participants' terms.
    """

    id = serializers.IntegerField(source="participant_id", read_only=True, help_text=_("The participation's id."))
    status = NamedChoiceField(source="participant_status", choices=DealParticipant.Status.choices,
                              enum_name=STATUS_ENUM, read_only=True, help_text=_("Your answer to the invitation."))
    role = NamedChoiceField(choices=DealParticipant.Role.choices, enum_name=ROLE_ENUM, read_only=True)
    share = serializers.DecimalField(max_digits=5, decimal_places=2, read_only=True)
    invited_at = serializers.DateTimeField(read_only=True)
    responded_at = serializers.DateTimeField(read_only=True, allow_null=True)
    registering_partner_name = serializers.CharField(read_only=True)
    customer_name = serializers.CharField(
        read_only=True, help_text=_("While invited or accepted; empty once declined or removed.")
    )
    deal = serializers.SerializerMethodField(help_text=_("Null until you accept."))

    @extend_schema_field(SharedDealFieldsSerializer(allow_null=True))
    def get_deal(self, shared: shared_deals.SharedDeal):
        return SharedDealFieldsSerializer(shared).data if shared.is_accepted else None


class OutcomeSerializer(serializers.Serializer):
    """Won: the final amount and currency. Lost: the reason."""

    outcome = NamedChoiceField(choices=[("won", _("Won")), ("lost", _("Lost"))], enum_name="DealOutcomeEnum")
    closed_on = serializers.DateField(required=False, help_text=_("The day the deal closed; default: today."))
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"), required=False,
                                      allow_null=True, help_text=_("Won: the final amount."))
    currency = serializers.ChoiceField(choices=[(c, c) for c in settings.CURRENCIES], required=False,
                                       help_text=_("Won: the currency of the final amount."))
    lost_reason = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                        help_text=_("Lost: why."))

    def validate(self, data):
        errors = {}
        if data["outcome"] == "won":
            if data.get("amount") is None:
                errors["amount"] = [_("Enter the final amount.")]
            if not data.get("currency"):
                errors["currency"] = [_("Choose the currency.")]
        elif not (data.get("lost_reason") or "").strip():
            errors["lost_reason"] = [_("Say why the deal was lost.")]
        if errors:
            raise serializers.ValidationError(errors)
        return data


# --- the actions (mixed into dealreg.api.DealViewSet) ---


def _participant_view(deal: Deal, participant_id: int) -> shared_deals.ParticipantView:
    return next(p for p in shared_deals.participants_for_deal(deal=deal) if p.participant_id == participant_id)


class DealParticipantActions:
    """Participants and outcomes of your registrations; deals other partners shared with you.

    Relies on the viewset's ``get_object()``: the caller's own registrations, anyone else's answers 404.
    """

    # --- the registering partner ---

    @extend_schema(methods=["GET"], request=None, tags=["deal participants"],
                   responses={200: ParticipantSerializer(many=True), **error_responses(401, 404)},
                   description=_("The partners on your registration (invited, accepted, declined, removed)."))
    @extend_schema(methods=["POST"], request=ParticipantInviteSerializer, tags=["deal participants"],
                   responses={201: ParticipantSerializer, **error_responses(400, 401, 403, 404)},
                   description=_("Invite another partner organisation onto your open registration with a role and a "
                                 "share of the attribution (all shares together at most 100%). Its admins are told."))
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def participants(self, request, pk=None):
        deal = self.get_object()
        if request.method == "GET":
            return Response(ParticipantSerializer(shared_deals.participants_for_deal(deal=deal), many=True).data)
        if not request.membership.can(CAN_REGISTER):
            raise exceptions.PermissionDenied(_("Your role does not allow this."))
        serializer = ParticipantInviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            participant = participant_invite(deal=deal, partner_id=data["partner_id"], role=data["role"],
                                             share=data["share"], actor=request.user)
        except DjangoValidationError as error:
            raise_on_field(error, INVITE_ERROR_FIELDS)
        return Response(ParticipantSerializer(_participant_view(deal, participant.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[PARTICIPANT_PATH], request=None, tags=["deal participants"],
                   responses={204: OpenApiResponse(description=_("Removed; the share is free again.")),
                              **error_responses(400, 401, 403, 404)},
                   description=_("Take a partner off your registration. The participation stays on record as "
                                 "removed."))
    @action(detail=True, methods=["delete"], url_path=r"participants/(?P<participant_pk>[0-9]+)",
            url_name="participant-detail")
    def participant_remove(self, request, pk=None, participant_pk=None):
        deal = self.get_object()
        try:
            participant_withdraw(deal=deal, participant_id=int(participant_pk), actor=request.user)
        except DealParticipant.DoesNotExist:
            raise exceptions.NotFound() from None
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=[PartnerDirectoryFilterSerializer], request=None, tags=["deal participants"],
                   responses={200: PartnerChoiceSerializer(many=True), **error_responses(400, 401, 404)},
                   description=_("Active partner organisations whose name contains q (at most ten; names and ids "
                                 "only): whom you can invite onto a registration."))
    @action(detail=False, methods=["get"], url_path="invitable-partners", pagination_class=None)
    def invitable_partners(self, request):
        filters = PartnerDirectoryFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        choices = shared_deals.partner_directory_search(query=filters.validated_data["q"],
                                                        exclude_partner_id=request.partner.pk)
        return Response(PartnerChoiceSerializer(choices, many=True).data)

    # --- the invited partner ---

    def _shared(self, participant_pk) -> shared_deals.SharedDeal:
        try:
            return shared_deals.shared_deal_get(partner=self.request.partner, participant_id=int(participant_pk))
        except DealParticipant.DoesNotExist:
            raise exceptions.NotFound() from None

    @extend_schema(request=None, tags=["deal participants"],
                   responses={200: SharedDealSerializer(many=True), **error_responses(401, 404)},
                   description=_("Deals other partners invited your organisation onto, newest first."))
    @action(detail=False, methods=["get"], url_path="shared", url_name="shared-list")
    def shared(self, request):
        rows = shared_deals.shared_deal_list_for_partner(partner=request.partner)
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(SharedDealSerializer(page, many=True).data)
        return Response(SharedDealSerializer(rows, many=True).data)

    @extend_schema(parameters=[PARTICIPANT_PATH], request=None, tags=["deal participants"],
                   responses={200: SharedDealSerializer, **error_responses(401, 404)},
                   description=_("One deal shared with your organisation."))
    @action(detail=False, methods=["get"], url_path=r"shared/(?P<participant_pk>[0-9]+)", url_name="shared-detail")
    def shared_detail(self, request, participant_pk=None):
        return Response(SharedDealSerializer(self._shared(participant_pk)).data)

    def _respond(self, request, participant_pk, *, accept: bool):
        self._shared(participant_pk)  # 404 first for anyone else's participation
        participant_respond(partner=request.partner, participant_id=int(participant_pk), accept=accept,
                            actor=request.user)
        return Response(SharedDealSerializer(self._shared(participant_pk)).data)

    @extend_schema(parameters=[PARTICIPANT_PATH], request=None, tags=["deal participants"],
                   responses={200: SharedDealSerializer, **error_responses(400, 401, 403, 404)},
                   description=_("Accept an invitation onto another partner's deal: you then see its customer, stage "
                                 "and status, and your share counts as influenced revenue when it is won."))
    @action(detail=False, methods=["post"], url_path=r"shared/(?P<participant_pk>[0-9]+)/accept",
            url_name="shared-accept")
    def shared_accept(self, request, participant_pk=None):
        return self._respond(request, participant_pk, accept=True)

    @extend_schema(parameters=[PARTICIPANT_PATH], request=None, tags=["deal participants"],
                   responses={200: SharedDealSerializer, **error_responses(400, 401, 403, 404)},
                   description=_("Decline an invitation onto another partner's deal."))
    @action(detail=False, methods=["post"], url_path=r"shared/(?P<participant_pk>[0-9]+)/decline",
            url_name="shared-decline")
    def shared_decline(self, request, participant_pk=None):
        return self._respond(request, participant_pk, accept=False)


PARTICIPANT_CAPABILITIES = {"participant_remove": CAN_REGISTER, "shared_accept": CAN_REGISTER,
                            "shared_decline": CAN_REGISTER}
