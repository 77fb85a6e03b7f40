"""PSAT reads: a person's open invitation (the portal card and its signed-in answer page) and the results of a
survey by region, tier and partner type (NPS-style: promoters 9-10, passives 7-8, detractors 0-6).

Everything here runs in the caller's scope: a partner's in the portal, the staff user's regions in the admin.
Results never name anyone; anonymous responses carry no person to name in the first place.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext

from analytics.models import PsatInvitation, PsatResponse, PsatSurvey
from analytics.periods import next_quarter
from partners.models import PartnerOrganization, PartnerTier, Tier
from prm.tenancy.lookups import memberships_for_user
from prm.tenancy.scoping import partners_scope

from .public import LinkedInvitation

PROMOTER_MIN = 9
PASSIVE_MIN = 7


def open_invitation_for(*, user, partner, now: datetime | None = None) -> PsatInvitation | None:
    """The person's newest unanswered, unexpired invitation in this partner, for the "Tell us how we are doing"
    card (link: ``reverse("psat:member_answer", args=[invitation.pk])``). One query; call in the partner's
    scope (the portal's)."""
    if not getattr(user, "is_authenticated", False):
        return None
    now = now or timezone.now()
    return (PsatInvitation.objects.filter(partner_id=getattr(partner, "pk", partner), user_id=user.pk,
                                          used_at__isnull=True, expires_at__gt=now)
            .select_related("survey").order_by("-sent_at", "-id").first())


def member_invitation(*, user, invitation_id: int) -> LinkedInvitation | None:
    """The signed-in person's own invitation with this id (any state), looked up in the scope of the partners
    they belong to; None for anyone else's. Two queries."""
    partner_ids = [m.partner_id for m in memberships_for_user(user=user)]
    if not partner_ids:
        return None
    with partners_scope(partner_ids):
        row = (PsatInvitation.objects.filter(pk=invitation_id, user_id=user.pk)
               .values("id", "partner_id", "partner__name", "survey__kind", "survey__allow_anonymous",
                       "expires_at", "used_at")
               .first())
    if row is None:
        return None
    return LinkedInvitation(id=row["id"], partner_id=row["partner_id"], partner_name=row["partner__name"],
                            survey_kind=row["survey__kind"], allow_anonymous=row["survey__allow_anonymous"],
                            language=user.preferred_language or "", expires_at=row["expires_at"],
                            used_at=row["used_at"])


# --- results -------------------------------------------------------------------------------------------------

MEASURES = {
    "responses": Count("id"),
    "score_sum": Sum("score"),
    "promoters": Count("id", filter=Q(score__gte=PROMOTER_MIN)),
    "passives": Count("id", filter=Q(score__gte=PASSIVE_MIN, score__lt=PROMOTER_MIN)),
    "detractors": Count("id", filter=Q(score__lt=PASSIVE_MIN)),
}


def _percent(part: int, whole: int) -> int:
    return int((Decimal(100 * part) / whole).quantize(Decimal("1"), ROUND_HALF_UP)) if whole else 0


@dataclass(frozen=True)
class ScoreSummary:
    label: str
    responses: int = 0
    score_sum: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def average(self) -> Decimal | None:
        """Mean score, one decimal (half up); None without responses."""
        if not self.responses:
            return None
        return (Decimal(self.score_sum) / self.responses).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def nps(self) -> int | None:
        """Promoters minus detractors, in percentage points of all responses (-100..100)."""
        if not self.responses:
            return None
        return int((Decimal(100 * (self.promoters - self.detractors)) / self.responses)
                   .quantize(Decimal("1"), ROUND_HALF_UP))

    @property
    def promoters_percent(self) -> int:
        return _percent(self.promoters, self.responses)

    @property
    def passives_percent(self) -> int:
        return _percent(self.passives, self.responses)

    @property
    def detractors_percent(self) -> int:
        return _percent(self.detractors, self.responses)


def _summary(label: str, row: dict) -> ScoreSummary:
    return ScoreSummary(label=str(label), responses=row["responses"] or 0, score_sum=row["score_sum"] or 0,
                        promoters=row["promoters"] or 0, passives=row["passives"] or 0,
                        detractors=row["detractors"] or 0)


@dataclass(frozen=True)
class PsatResults:
    survey: PsatSurvey
    quarter: date | None
    overall: ScoreSummary
    invited: int
    answered: int
    by_region: list[ScoreSummary] = field(default_factory=list)
    by_tier: list[ScoreSummary] = field(default_factory=list)
    by_partner_type: list[ScoreSummary] = field(default_factory=list)

    @property
    def response_rate(self) -> int:
        return _percent(self.answered, self.invited)


def _period(queryset, column: str, quarter: date | None):
    if quarter is None:
        return queryset
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(quarter, time.min), zone)
    end = timezone.make_aware(datetime.combine(next_quarter(quarter), time.min), zone)
    return queryset.filter(**{f"{column}__gte": start, f"{column}__lt": end})


def _tier_labels(tier_ids: list[int]) -> dict[int, str]:
    tiers = list(Tier.objects.filter(pk__in=tier_ids).select_related("program"))
    several_programs = len({tier.program_id for tier in tiers}) > 1
    return {tier.pk: (f"{tier.display_name()} ({tier.program.name})" if several_programs else tier.display_name())
            for tier in tiers}


def psat_results(*, survey: PsatSurvey, quarter: date | None = None) -> PsatResults:
    """A survey's results in the caller's scope, optionally only answers given in one quarter (for the standing
    event surveys): overall, by region, by tier (the partner's current tier) and by partner type, and how many
    of the invitations sent in that period were answered. One aggregate query per dimension, plus one for the
    tier names and one for the invitations: six queries whatever the number of responses."""
    responses = _period(PsatResponse.objects.filter(survey=survey), "submitted_at", quarter).order_by()
    overall = _summary("", responses.aggregate(**MEASURES))
    by_region = [_summary(row["partner__region__name"], row) for row in
                 responses.values("partner__region_id", "partner__region__name").annotate(**MEASURES)
                 .order_by("partner__region__name", "partner__region_id")]
    types = dict(PartnerOrganization.PartnerType.choices)
    by_type = [_summary(types.get(row["partner__partner_type"], row["partner__partner_type"]), row) for row in
               responses.values("partner__partner_type").annotate(**MEASURES).order_by("partner__partner_type")]
    tier_rows = list(
        responses.annotate(tier=Subquery(PartnerTier.objects.filter(partner_id=OuterRef("partner_id"))
                                         .values("tier_id")[:1]))
        .values("tier").annotate(**MEASURES).order_by("tier")
    )
    labels = _tier_labels([row["tier"] for row in tier_rows if row["tier"] is not None])
    no_tier = gettext("No tier")
    by_tier = sorted((_summary(labels.get(row["tier"], no_tier), row) for row in tier_rows),
                     key=lambda summary: (summary.label == no_tier, summary.label))
    invitations = _period(PsatInvitation.objects.filter(survey=survey), "sent_at", quarter).order_by().aggregate(
        invited=Count("id"), answered=Count("id", filter=Q(used_at__isnull=False)))
    return PsatResults(survey=survey, quarter=quarter, overall=overall, invited=invitations["invited"] or 0,
                       answered=invitations["answered"] or 0, by_region=by_region, by_tier=by_tier,
                       by_partner_type=by_type)
