"""Analytics in the API: the partner's KPIs and health score; staff: KPIs per region and a partner's health.

Partner endpoints (GET /api/v1/kpis/, /api/v1/health/) run in the caller's partner scope (X-Partner-Id picks
among several). Staff endpoints run in the viewer's regions (operators: all): a region or partner outside
them answers 404, exactly like one that does not exist. Every figure comes from the rollups and the stored
health scores, so each endpoint is a fixed number of queries. Amounts are decimal strings in the base
currency (``currency``).
"""

from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.dashboards.filters import viewer_regions
from analytics.health import explain
from partners.api import PARTNER_HEADER, PartnerAPIMixin
from partners.api_tiers import TierRefSerializer
from partners.models import PartnerOrganization, Region
from prm.accounts.api import StaffMFAEnrolled, error_responses
from prm.tenancy.api import IsStaffUser, StaffScopedAPIMixin

from . import selectors
from .data import health_model

MONEY = {"max_digits": 16, "decimal_places": 2}
QUARTERS = 4


# --- serializers ---


class SnapshotSerializer(serializers.Serializer):
    refreshed_at = serializers.DateTimeField(help_text=_("When these figures were computed."))
    tier = TierRefSerializer(allow_null=True)
    in_grace = serializers.BooleanField()
    users = serializers.IntegerField(help_text=_("Active members."))
    active_users_30d = serializers.IntegerField(help_text=_("Members who signed in during the last 30 days."))
    open_deals = serializers.IntegerField(help_text=_("Registrations submitted, waiting for information or approved."))
    protected_deals = serializers.IntegerField()
    expiring_deals_7d = serializers.IntegerField(help_text=_("Protection ending within 7 days."))
    open_pipeline = serializers.DecimalField(source="open_pipeline_base", **MONEY)
    won_revenue_ttm = serializers.DecimalField(source="won_revenue_ttm_base", **MONEY,
                                               help_text=_("Sourced: won deals the partner registered, last 12 months."))
    influenced_revenue_ttm = serializers.DecimalField(
        source="influenced_revenue_ttm_base", **MONEY,
        help_text=_("Won deals the partner took part in without registering them, last 12 months."))
    won_deals_ttm = serializers.IntegerField()
    active_certifications = serializers.IntegerField()
    certifications_expiring_60d = serializers.IntegerField()
    mdf_available = serializers.DecimalField(source="mdf_available_base", **MONEY,
                                             help_text=_("Available in the funds open for requests."))
    mdf_pending_claims = serializers.IntegerField(help_text=_("Claims awaiting a decision."))


class QuarterSerializer(serializers.Serializer):
    quarter = serializers.CharField(source="label", help_text=_("For example 2026-Q4."))
    starts_on = serializers.DateField(source="quarter")
    sourced_won = serializers.DecimalField(**MONEY)
    influenced_won = serializers.DecimalField(**MONEY)
    won_deals = serializers.IntegerField()
    registrations_submitted = serializers.IntegerField()
    registrations_approved = serializers.IntegerField()
    registrations_rejected = serializers.IntegerField()
    approval_rate = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True,
                                             help_text=_("Percent of the quarter's decisions that approved; null "
                                                         "without decisions."))
    mdf_spent = serializers.DecimalField(**MONEY)
    course_completions = serializers.IntegerField()
    certifications_awarded = serializers.IntegerField()


class FactorSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField(help_text=_("In the request's language."))
    points = serializers.FloatField(help_text=_("Points earned."))
    weight = serializers.FloatField(help_text=_("Points possible (weights of the components that apply, scaled to "
                                                "100)."))
    value = serializers.FloatField(allow_null=True, help_text=_("The measured value."))
    previous = serializers.FloatField(allow_null=True, help_text=_("The comparison value, where the component has one (pipeline growth: the 90 days before)."))
    message = serializers.CharField(help_text=_("What was measured (components) or what to do (improvements)."))


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class HealthSerializer(serializers.Serializer):
    partner_id = serializers.IntegerField()
    score = serializers.IntegerField(allow_null=True, help_text=_("0–100; null before the first nightly score."))
    previous_score = serializers.IntegerField(allow_null=True, help_text=_("The score 30 days earlier."))
    change = serializers.IntegerField(allow_null=True)
    day = serializers.DateField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    at_risk = serializers.BooleanField()
    reasons = ReasonSerializer(many=True, help_text=_("Why the partner is at risk."))
    components = FactorSerializer(many=True)
    improvements = FactorSerializer(many=True, help_text=_("What would raise the score most, best first."))


class PartnerKpisSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text=_("The base currency of every amount."))
    as_of = serializers.DateTimeField(allow_null=True)
    snapshot = SnapshotSerializer(allow_null=True, help_text=_("Null until the figures are first computed."))
    quarters = QuarterSerializer(many=True, help_text=_("The last four calendar quarters, oldest first."))
    health = HealthSerializer()


class RegionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name"]


class RegionKpisSerializer(serializers.Serializer):
    region = RegionRefSerializer()
    currency = serializers.SerializerMethodField()
    as_of = serializers.DateTimeField(allow_null=True, help_text=_("The oldest refresh among the region's partners."))
    partners = serializers.IntegerField()
    active_partners = serializers.IntegerField()
    at_risk_partners = serializers.IntegerField()
    average_health = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    open_deals = serializers.IntegerField()
    open_pipeline = serializers.DecimalField(**MONEY)
    won_revenue_ttm = serializers.DecimalField(**MONEY)
    influenced_revenue_ttm = serializers.DecimalField(**MONEY)
    mdf_available = serializers.DecimalField(**MONEY)
    quarters = QuarterSerializer(many=True)

    def get_currency(self, row) -> str:
        return settings.BASE_CURRENCY


def health_payload(*, partner_id: int, score) -> dict:
    """A stored score with its components explained; an empty answer before the first score."""
    if score is None:
        return {"partner_id": partner_id, "score": None, "previous_score": None, "change": None, "day": None,
                "computed_at": None, "at_risk": False, "reasons": [], "components": [], "improvements": []}
    previous = score.previous_score
    return {
        "partner_id": partner_id, "score": score.score, "previous_score": previous,
        "change": score.score - previous if previous is not None else None,
        "day": score.day, "computed_at": score.computed_at, "at_risk": score.at_risk,
        "reasons": [{"code": code, "label": explain.label(code)} for code in score.reasons or []],
        "components": explain.factors(score),
        "improvements": explain.improvements(score, limit=3, model=health_model()),
    }


# --- partner endpoints ---


@extend_schema(tags=["analytics"], parameters=[PARTNER_HEADER],
               responses={200: PartnerKpisSerializer, **error_responses(401, 404)})
class PartnerKpisView(PartnerAPIMixin, APIView):
    """Your organisation's figures: current pipeline, revenue, training and funds, the last four quarters,
    and the health score with its components."""

    def get(self, request, *args, **kwargs):
        partner = request.partner
        snapshot = selectors.snapshot_for(partner=partner)
        data = {
            "currency": settings.BASE_CURRENCY,
            "as_of": snapshot.refreshed_at if snapshot is not None else None,
            "snapshot": snapshot,
            "quarters": selectors.quarter_kpis(partner=partner, today=timezone.localdate(), count=QUARTERS),
            "health": health_payload(partner_id=partner.pk, score=explain.latest_for(partner.pk)),
        }
        return Response(PartnerKpisSerializer(data).data)


@extend_schema(tags=["analytics"], parameters=[PARTNER_HEADER],
               responses={200: HealthSerializer, **error_responses(401, 404)})
class PartnerHealthView(PartnerAPIMixin, APIView):
    """Your organisation's latest health score, each component explained, and what would raise it."""

    def get(self, request, *args, **kwargs):
        partner = request.partner
        return Response(HealthSerializer(health_payload(partner_id=partner.pk,
                                                        score=explain.latest_for(partner.pk))).data)


# --- staff endpoints ---


class StaffAnalyticsMixin(StaffScopedAPIMixin):
    permission_classes = [IsStaffUser, StaffMFAEnrolled]

    def viewer_regions(self) -> list[Region]:
        """Regions the viewer may read (the dashboards' rule: operators all, others their own)."""
        return viewer_regions(self.request.user)


@extend_schema(tags=["staff-analytics"], responses={200: RegionKpisSerializer(many=True), **error_responses(401, 403)})
class StaffRegionKpisView(StaffAnalyticsMixin, APIView):
    """Your regions side by side (operators: every region): partners, pipeline, revenue, funds, health and the
    last four quarters, from the rollups."""

    def get(self, request, *args, **kwargs):
        rows = selectors.region_kpis(regions=self.viewer_regions(), today=timezone.localdate(), count=QUARTERS)
        return Response(RegionKpisSerializer(rows, many=True).data)


@extend_schema(tags=["staff-analytics"], responses={200: RegionKpisSerializer, **error_responses(401, 403, 404)})
class StaffRegionKpisDetailView(StaffAnalyticsMixin, APIView):
    """One of your regions, by its code; another region answers 404."""

    def get(self, request, code: str, *args, **kwargs):
        region = next((r for r in self.viewer_regions() if r.code == code), None)
        if region is None:
            raise Http404  # another region, or none: the same answer
        (row,) = selectors.region_kpis(regions=[region], today=timezone.localdate(), count=QUARTERS)
        return Response(RegionKpisSerializer(row).data)


@extend_schema(tags=["staff-analytics"], responses={200: HealthSerializer, **error_responses(401, 403, 404)})
class StaffPartnerHealthView(StaffAnalyticsMixin, APIView):
    """A partner's latest health score with its components and reasons; partners outside your regions: 404."""

    def get(self, request, partner_id: int, *args, **kwargs):
        allowed = request.staff_partner_ids
        if allowed is not None and partner_id not in allowed:
            raise Http404
        if allowed is None and not PartnerOrganization.objects.filter(pk=partner_id).exists():
            raise Http404
        return Response(HealthSerializer(health_payload(partner_id=partner_id,
                                                        score=explain.latest_for(partner_id))).data)
