"""GET /api/v1/onboarding/: the caller's partner's checklist (with step times) and agreement status."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from prm.accounts.api import error_responses

from .api import PARTNER_HEADER, PartnerAPIMixin
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


def _payload(*, partner, checklist) -> dict:
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
    }


@extend_schema(tags=["partner"], parameters=[PARTNER_HEADER],
               responses={200: OnboardingStatusSerializer, **error_responses(401, 404)})
class OnboardingStatusView(PartnerAPIMixin, APIView):
    """Your organisation's onboarding checklist, when each step was done, and its agreement status."""
    partner_gates_exempt = True  # how a locked partner sees where it stands

    def get(self, request, *args, **kwargs):
        checklist = onboarding_sync(partner=request.partner, actor=request.user)
        return Response(OnboardingStatusSerializer(_payload(partner=request.partner, checklist=checklist)).data)
