"""GET /api/v1/onboarding/: the caller's partner's checklist (with step times), agreement and questionnaire
status and, for its admins, the payout details on record (masked: the account number never leaves the server)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from prm.accounts.api import error_responses

from .api import PARTNER_HEADER, PartnerAPIMixin
from .onboarding_selectors import payout_details_for
from .services.onboarding import onboarding_sync


class OnboardingStepSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    required = serializers.BooleanField()
    available = serializers.BooleanField()
    done = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)
    completed_by = serializers.EmailField(allow_null=True)


class AgreementStatusSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["not_required", "required", "due", "accepted"])
    locks_portal = serializers.BooleanField()
    current_version = serializers.IntegerField(allow_null=True)
    current_title = serializers.CharField(allow_null=True)
    accepted_version = serializers.IntegerField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    deadline = serializers.DateField(allow_null=True)


class ComplianceStatusSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="The current submission (earlier ones are kept as history).")
    review_status = serializers.ChoiceField(choices=["not_needed", "pending", "changes_requested", "cleared"])
    submitted_at = serializers.DateTimeField()
    changes_requested = serializers.CharField(allow_null=True, help_text="The manager's note, when changes are asked.")


class PayoutDetailsSerializer(serializers.Serializer):
    account_holder = serializers.CharField()
    method = serializers.ChoiceField(choices=["iban", "account"])
    masked_account = serializers.CharField(help_text="The last four characters only, e.g. “DE•••• 3000”.")
    bank_country = serializers.CharField()
    currency = serializers.CharField()
    updated_at = serializers.DateTimeField()


class OnboardingStatusSerializer(serializers.Serializer):
    partner_status = serializers.CharField()
    activated_at = serializers.DateTimeField(allow_null=True)
    progress_percent = serializers.IntegerField()
    required_done = serializers.IntegerField()
    required_total = serializers.IntegerField()
    complete = serializers.BooleanField()
    blockers = serializers.ListField(child=serializers.CharField())
    steps = OnboardingStepSerializer(many=True)
    agreement = AgreementStatusSerializer()
    compliance = ComplianceStatusSerializer(allow_null=True)
    payout = PayoutDetailsSerializer(allow_null=True, help_text="Partner admins only (null for other members, "
                                                                "and before the details are given).")


def _payout(*, partner, membership) -> dict | None:
    details = payout_details_for(partner=partner) if membership is not None and membership.is_admin else None
    if details is None:
        return None
    return {"account_holder": details.account_holder, "method": details.method,
            "masked_account": details.masked_account, "bank_country": details.bank_country,
            "currency": details.currency, "updated_at": details.updated_at}


def _compliance(response) -> dict | None:
    if response is None:
        return None
    changes = response.review_status == response.Review.CHANGES_REQUESTED
    return {"number": response.number, "review_status": response.review_status,
            "submitted_at": response.submitted_at, "changes_requested": response.review_note if changes else None}


def _payload(*, partner, checklist, membership=None) -> dict:
    agreement = checklist.facts.agreement
    return {
        "partner_status": partner.status,
        "activated_at": partner.activated_at,
        "progress_percent": checklist.percent,
        "required_done": checklist.done_count,
        "required_total": checklist.required_count,
        "complete": checklist.complete,
        "blockers": checklist.blockers,
        "steps": [
            {"code": s.code, "label": str(s.definition.label), "required": s.required, "available": s.available,
             "done": s.done, "completed_at": s.completed_at,
             "completed_by": s.completed_by.email if s.completed_by else None}
            for s in checklist.steps
        ],
        "agreement": {
            "state": agreement.state,
            "locks_portal": agreement.locks_portal,
            "current_version": agreement.current.version if agreement.current else None,
            "current_title": agreement.current.title if agreement.current else None,
            "accepted_version": agreement.accepted.version_number if agreement.accepted else None,
            "accepted_at": agreement.accepted.accepted_at if agreement.accepted else None,
            "deadline": agreement.deadline,
        },
        "compliance": _compliance(checklist.facts.compliance),
        "payout": _payout(partner=partner, membership=membership),
    }


@extend_schema(tags=["partner"], parameters=[PARTNER_HEADER],
               responses={200: OnboardingStatusSerializer, **error_responses(401, 404)})
class OnboardingStatusView(PartnerAPIMixin, APIView):
    """Your organisation's onboarding checklist, when each step was done, and its agreement status."""
    partner_gates_exempt = True  # how a locked partner sees where it stands

    def get(self, request, *args, **kwargs):
        checklist = onboarding_sync(partner=request.partner, actor=request.user)
        payload = _payload(partner=request.partner, checklist=checklist, membership=getattr(request, "membership", None))
        return Response(OnboardingStatusSerializer(payload).data)
