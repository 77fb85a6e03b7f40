"""The partner's tier in the API: GET /api/v1/tier/ (tier, benefits, progress, recent history) and
GET /api/v1/tier/history/ (every change, paginated). In the caller's partner scope (X-Partner-Id picks
among several; another partner's id answers 404)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from prm.accounts.api import error_responses

from .api import PARTNER_HEADER, PartnerAPIMixin
from .models import TierChange
from .tiers import benefits as tier_benefits
from .tiers.progress import tier_progress_for
from .tiers.selectors import tier_history_for_partner


class TierRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.SerializerMethodField(help_text=_("In the request's language."))
    rank = serializers.IntegerField()

    def get_name(self, tier) -> str:
        return tier.display_name()


class BenefitsSerializer(serializers.Serializer):
    deal_protection_days = serializers.IntegerField()
    mdf_allocation_per_quarter = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    mdf_accrual_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    mdf_cost_share_percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    priority_review = serializers.BooleanField()
    currency = serializers.CharField()
    is_default = serializers.BooleanField(help_text=_("True when the partner has no tier and gets the defaults."))


class CriterionSerializer(serializers.Serializer):
    metric = serializers.CharField(source="metric.code")
    label = serializers.CharField(source="metric.label")
    value = serializers.CharField(help_text=_("Amounts in the base currency, counts as whole numbers."))
    available = serializers.BooleanField(help_text=_("False: not measured yet, counted as zero."))
    required_now = serializers.CharField(allow_null=True)
    required_next = serializers.CharField(allow_null=True)
    met_now = serializers.BooleanField(allow_null=True)
    met_next = serializers.BooleanField(allow_null=True)


class ExpiryRiskSerializer(serializers.Serializer):
    tier = TierRefSerializer()
    expiring = serializers.IntegerField()
    within_days = serializers.IntegerField()
    remaining = serializers.IntegerField()
    required = serializers.IntegerField()


class TierChangeSerializer(serializers.ModelSerializer):
    from_tier = TierRefSerializer(allow_null=True)
    to_tier = TierRefSerializer(allow_null=True)
    reason_label = serializers.CharField(source="get_reason_display")

    class Meta:
        model = TierChange
        fields = ["id", "as_of", "at", "reason", "reason_label", "from_tier", "to_tier", "measured", "criteria"]
        read_only_fields = fields


class TierSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    tier = TierRefSerializer(allow_null=True)
    since = serializers.DateField(allow_null=True)
    next_tier = TierRefSerializer(allow_null=True)
    qualified_tier = TierRefSerializer(allow_null=True, help_text=_("The highest tier met today."))
    pending_tier = TierRefSerializer(allow_null=True, help_text=_("A promotion awaiting a manager's approval."))
    grace_until = serializers.DateField(allow_null=True, help_text=_("The tier is kept until this date."))
    pinned_until = serializers.DateField(allow_null=True)
    benefits = BenefitsSerializer()
    criteria = CriterionSerializer(many=True)
    missing_metrics = serializers.ListField(child=serializers.CharField())
    expiry_risk = ExpiryRiskSerializer(allow_null=True)
    history = TierChangeSerializer(many=True, help_text=_("The 20 most recent changes; all of them at history/."))


@extend_schema(tags=["tier"], parameters=[PARTNER_HEADER], responses={200: TierSerializer, **error_responses(401, 404)})
class TierView(PartnerAPIMixin, APIView):
    """Your organisation's tier, its benefits, where it stands per criterion and its recent history."""

    def get(self, request, *args, **kwargs):
        progress = tier_progress_for(partner=request.partner)
        state = progress.state
        benefits = (tier_benefits.benefits_of_tier(progress.tier) if progress.tier is not None
                    else tier_benefits.default_benefits())
        data = {
            "as_of": progress.as_of,
            "tier": progress.tier,
            "since": state.since if state is not None and progress.tier is not None else None,
            "next_tier": progress.next_tier,
            "qualified_tier": progress.qualified_tier,
            "pending_tier": progress.pending_tier,
            "grace_until": state.grace_until if state is not None else None,
            "pinned_until": state.pinned_until if progress.pinned else None,
            "benefits": benefits,
            "criteria": progress.criteria,
            "missing_metrics": [m.code for m in progress.missing_metrics],
            "expiry_risk": progress.expiry_risk,
            "history": list(tier_history_for_partner(partner=request.partner)),
        }
        return Response(TierSerializer(data).data)


@extend_schema(tags=["tier"], parameters=[PARTNER_HEADER],
               responses={200: TierChangeSerializer(many=True), **error_responses(401, 404)})
class TierHistoryView(PartnerAPIMixin, ListAPIView):
    """Every change of your organisation's tier, newest first."""

    serializer_class = TierChangeSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TierChange.objects.none()
        return tier_history_for_partner(partner=self.request.partner, limit=None)
