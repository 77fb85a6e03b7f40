"""Reads of the partner home, the performance page and the KPI API.

Each read is one small aggregate over one source, whatever the amount of data: counts, the earliest due
date and, when there is exactly one row, its id (so an inbox item can link straight to it). Partner-owned
reads go through the scoped managers, so they run in the caller's scope (portal and partner API: the
partner; staff API: the viewer's regions) and never see another partner's rows.

Figures the dashboards also show (pipeline, won revenue, quarters) come from the rollups, never from
scanning raw facts; the live reads here are the partner's own to-do items, which must not be a night old.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, F, IntegerField, Min, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from analytics.dashboards import queries
from analytics.dashboards.filters import Filters
from analytics.models import PartnerQuarterFact, PartnerSnapshot
from analytics.periods import last_quarters
from dealreg.models import Deal
from enablement.models import CertificationAward, Enrollment, PathAssignment, PathCourse
from enablement.selectors import EXPIRY_WARNING_DAYS
from mdf.models import Activity, Claim, Fund, MdfProgram

DEAL_EXPIRY_DAYS = 7           # registrations whose protection ends within a week
CLAIM_WINDOW_DAYS = 14         # claim windows closing within two weeks
CERTIFICATION_EXPIRY_DAYS = EXPIRY_WARNING_DAYS  # 60: what "expiring" means in enablement's own pages
ZERO = Decimal("0.00")
HALF_CENT = Decimal("0.005")  # "money left": SQLite sums decimals in floating point (see mdf.models.funds)


def _single(count: int, pk: int | None) -> int | None:
    """The row's id when the count is exactly one (a link to it beats a link to a list)."""
    return pk if count == 1 else None


# --- deal registration ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DealActions:
    expiring: int = 0
    expiring_first: date | None = None
    expiring_pk: int | None = None
    more_info: int = 0
    more_info_pk: int | None = None


def deal_actions(*, partner, today: date) -> DealActions:
    """Protected registrations whose protection ends within 7 days, and registrations sent back for more
    information. One query. The expiry predicate is ``DealQuerySet.expiring_within`` (approved = protected)."""
    expiring = Q(status=Deal.Status.APPROVED, protected_until__gte=today,
                 protected_until__lte=today + timedelta(days=DEAL_EXPIRY_DAYS))
    more_info = Q(status=Deal.Status.MORE_INFO)
    row = Deal.objects.filter(partner=partner).filter(expiring | more_info).aggregate(
        expiring=Count("pk", filter=expiring), expiring_first=Min("protected_until", filter=expiring),
        expiring_pk=Min("pk", filter=expiring),
        more_info=Count("pk", filter=more_info), more_info_pk=Min("pk", filter=more_info),
    )
    return DealActions(
        expiring=row["expiring"], expiring_first=row["expiring_first"],
        expiring_pk=_single(row["expiring"], row["expiring_pk"]),
        more_info=row["more_info"], more_info_pk=_single(row["more_info"], row["more_info_pk"]),
    )


# --- MDF ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MdfActions:
    claim_due: int = 0           # pre-approved, no submitted claim, claim deadline within 14 days
    claim_due_first: date | None = None
    claim_due_pk: int | None = None
    activity_info: int = 0       # requests sent back for more information
    activity_info_pk: int | None = None
    claim_info: int = 0          # claims sent back for more information
    claim_info_pk: int | None = None  # the activity's id (claims live on their activity's page)
    pending_claims: int = 0      # submitted claims awaiting the vendor's decision


def mdf_actions(*, partner, today: date) -> MdfActions:
    """The partner's MDF to-dos and its claims awaiting a decision, in one query over its activities (each
    activity has at most one claim, so the join does not multiply rows)."""
    claim_due = (Q(status=Activity.Status.APPROVED, claim_deadline__gte=today,
                   claim_deadline__lte=today + timedelta(days=CLAIM_WINDOW_DAYS))
                 & (Q(claim__isnull=True) | Q(claim__status=Claim.Status.DRAFT)))
    activity_info = Q(status=Activity.Status.MORE_INFO)
    claim_info = Q(claim__status=Claim.Status.MORE_INFO)
    pending = Q(claim__status=Claim.Status.SUBMITTED)
    row = (Activity.objects.filter(partner=partner).filter(claim_due | activity_info | claim_info | pending)
           .aggregate(claim_due=Count("pk", filter=claim_due), claim_due_first=Min("claim_deadline", filter=claim_due),
                      claim_due_pk=Min("pk", filter=claim_due),
                      activity_info=Count("pk", filter=activity_info), activity_info_pk=Min("pk", filter=activity_info),
                      claim_info=Count("pk", filter=claim_info), claim_info_pk=Min("pk", filter=claim_info),
                      pending_claims=Count("pk", filter=pending)))
    return MdfActions(
        claim_due=row["claim_due"], claim_due_first=row["claim_due_first"],
        claim_due_pk=_single(row["claim_due"], row["claim_due_pk"]),
        activity_info=row["activity_info"], activity_info_pk=_single(row["activity_info"], row["activity_info_pk"]),
        claim_info=row["claim_info"], claim_info_pk=_single(row["claim_info"], row["claim_info_pk"]),
        pending_claims=row["pending_claims"],
    )


def funds_expiring(*, partner, today: date, limit: int = 8) -> list[Fund]:
    """Open funds with money available whose unused balance expires within the program's warning period
    (the same rule as the fund-expiry nudge), soonest first. One query: the warning period is read in a
    subquery, so funds and program come back together."""
    default_days = MdfProgram._meta.get_field("expiry_warning_days").default
    warn_days = Coalesce(Subquery(MdfProgram.objects.filter(pk=1).values("expiry_warning_days")[:1],
                                  output_field=IntegerField()), Value(default_days))
    funds = list(
        Fund.objects.filter(partner=partner, status=Fund.Status.OPEN, expires_on__gte=today)
        .alias(unspent=F("allocated") - F("reserved") - F("spent") - F("expired"))
        .filter(unspent__gte=HALF_CENT).annotate(warn_days=warn_days).order_by("expires_on", "id")[:limit]
    )
    return [fund for fund in funds if (fund.expires_on - today).days <= fund.warn_days]


# --- enablement -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Certifications:
    mine_active: int = 0
    mine_expiring: int = 0
    mine_expiring_first: date | None = None
    team_active: int = 0          # every member's, the person's own included
    others_expiring: int = 0      # the rest of the team's, expiring within 60 days
    others_expiring_first: date | None = None


def certifications(*, partner, user, today: date) -> Certifications:
    """Active certifications of the person and of the whole team, and which expire within 60 days. One query."""
    expiring = Q(expires_on__lte=today + timedelta(days=CERTIFICATION_EXPIRY_DAYS))
    mine, others = Q(user=user), ~Q(user=user)
    row = CertificationAward.objects.filter(partner=partner).active_on(today).aggregate(
        mine_active=Count("pk", filter=mine), mine_expiring=Count("pk", filter=mine & expiring),
        mine_expiring_first=Min("expires_on", filter=mine & expiring),
        team_active=Count("pk"), others_expiring=Count("pk", filter=others & expiring),
        others_expiring_first=Min("expires_on", filter=others & expiring),
    )
    return Certifications(**row)


@dataclass(frozen=True)
class Learning:
    not_started: int = 0
    in_progress: int = 0
    completed: int = 0
    paths: int = 0
    paths_not_started: int = 0
    paths_first_due: date | None = None  # the earliest due date among the paths not started

    @property
    def courses(self) -> int:
        return self.not_started + self.in_progress + self.completed

    @property
    def percent_complete(self) -> int:
        return self.completed * 100 // self.courses if self.courses else 0


def learning(*, partner, user) -> Learning:
    """The person's courses by status (one query) and assigned learning paths, with those not started: no
    course of the path begun or finished (one query)."""
    status = Enrollment.Status
    courses = Enrollment.objects.filter(partner=partner, user=user).aggregate(
        not_started=Count("pk", filter=Q(status=status.ENROLLED)),
        in_progress=Count("pk", filter=Q(status=status.IN_PROGRESS)),
        completed=Count("pk", filter=Q(status=status.COMPLETED)),
    )
    # The join through the course reaches enrollments of every partner: the partner is matched explicitly.
    begun = PathCourse.objects.filter(
        path_id=OuterRef("path_id"), course__enrollments__partner_id=OuterRef("partner_id"),
        course__enrollments__user_id=OuterRef("user_id"),
        course__enrollments__status__in=(status.IN_PROGRESS, status.COMPLETED),
    )
    not_started = Q(begun=False)
    paths = (PathAssignment.objects.filter(partner=partner, user=user).annotate(begun=Exists(begun))
             .aggregate(paths=Count("pk"), paths_not_started=Count("pk", filter=not_started),
                        paths_first_due=Min("due_on", filter=not_started)))
    return Learning(**courses, **paths)


# --- rollups --------------------------------------------------------------------------------------------------


def snapshot_for(*, partner) -> PartnerSnapshot | None:
    """The partner's snapshot row (its current state as of the last refresh), or None before the first one."""
    return PartnerSnapshot.objects.filter(partner=partner).select_related("tier").first()


@dataclass(frozen=True)
class QuarterKpis:
    quarter: date
    sourced_won: Decimal = ZERO
    influenced_won: Decimal = ZERO
    won_deals: int = 0
    registrations_submitted: int = 0
    registrations_approved: int = 0
    registrations_rejected: int = 0
    mdf_spent: Decimal = ZERO
    course_completions: int = 0
    certifications_awarded: int = 0
    refreshed_at: object = None

    @property
    def label(self) -> str:
        from analytics.periods import quarter_label

        return quarter_label(self.quarter)

    @property
    def decisions(self) -> int:
        return self.registrations_approved + self.registrations_rejected

    @property
    def approval_rate(self) -> Decimal | None:
        """Approved share of the registrations decided in the quarter, in percent (None without decisions)."""
        if not self.decisions:
            return None
        return (Decimal(self.registrations_approved) * 100 / self.decisions).quantize(Decimal("0.1"))


QUARTER_SUMS = {
    "sourced_won": "sourced_won_base", "influenced_won": "influenced_won_base", "won_deals": "won_deals",
    "registrations_submitted": "registrations_submitted", "registrations_approved": "registrations_approved",
    "registrations_rejected": "registrations_rejected", "mdf_spent": "mdf_spent_base",
    "course_completions": "course_completions", "certifications_awarded": "certifications_awarded",
}


def quarter_kpis(*, partner, today: date, count: int = 4) -> list[QuarterKpis]:
    """The partner's last ``count`` quarters, oldest first; a quarter without a fact row counts as zeros. One query."""
    quarters = last_quarters(today, count)
    rows = {row.quarter: row for row in PartnerQuarterFact.objects.filter(partner=partner, quarter__in=quarters)}
    out = []
    for quarter in quarters:
        row = rows.get(quarter)
        if row is None:
            out.append(QuarterKpis(quarter=quarter))
            continue
        out.append(QuarterKpis(quarter=quarter, refreshed_at=row.refreshed_at,
                               **{name: getattr(row, column) for name, column in QUARTER_SUMS.items()}))
    return out


# --- staff: regions side by side ------------------------------------------------------------------------------


@dataclass
class RegionKpis:
    region: object
    partners: int = 0            # in the program: onboarding or active
    active_partners: int = 0     # with a sign-in in the last 30 days
    at_risk_partners: int = 0
    average_health: Decimal | None = None
    open_deals: int = 0
    open_pipeline: Decimal = ZERO
    won_revenue_ttm: Decimal = ZERO
    influenced_revenue_ttm: Decimal = ZERO
    mdf_available: Decimal = ZERO
    as_of: object = None         # the oldest refresh among the region's partners
    quarters: list[QuarterKpis] = field(default_factory=list)


SNAPSHOT_TOTALS = {"partners": "partners", "active_partners": "active_partners", "at_risk_partners": "at_risk",
                   "open_deals": "open_deals", "open_pipeline": "open_pipeline_base",
                   "won_revenue_ttm": "won_revenue_ttm_base", "influenced_revenue_ttm": "influenced_revenue_ttm_base",
                   "mdf_available": "mdf_available_base"}
MONEY_TOTALS = frozenset({"open_pipeline", "won_revenue_ttm", "influenced_revenue_ttm", "mdf_available"})


def region_kpis(*, regions, today: date, count: int = 4) -> list[RegionKpis]:
    """One row per region, with its last ``count`` quarters, from the dashboards' own rollup statements
    (analytics.dashboards.queries: raw SQL filtered by region id, so the figures match the dashboards and no
    partner-id list is sent). ``regions`` must already be the viewer's (``dashboards.filters.viewer_regions``).
    Two statements whatever the number of partners."""
    regions = list(regions)
    quarters = tuple(last_quarters(today, count))
    filters = Filters(region_ids=tuple(r.pk for r in regions), quarters=quarters)
    totals: dict[int, dict] = defaultdict(lambda: defaultdict(int))
    oldest: dict[int, object] = {}
    for row in queries.snapshot_rows(filters):  # by (region, tier): add the tiers up
        region_total = totals[row["region_id"]]
        for name, column in SNAPSHOT_TOTALS.items():
            region_total[name] += row[column]
        region_total["scored"] += row["scored"]
        region_total["health_sum"] += row["health_sum"]
        if row["oldest_refresh"] is not None:
            current = oldest.get(row["region_id"])
            oldest[row["region_id"]] = min(row["oldest_refresh"], current) if current else row["oldest_refresh"]
    facts: dict[int, dict[date, dict]] = defaultdict(dict)
    for row in queries.quarter_rows(filters):
        facts[row["region_id"]][row["quarter"]] = {name: row[column] for name, column in QUARTER_SUMS.items()}
    out = []
    for region in regions:
        total = totals.get(region.pk, {})
        scored = total.get("scored", 0)
        average = (Decimal(total["health_sum"]) / scored).quantize(Decimal("0.1")) if scored else None
        figures = {name: total.get(name, ZERO if name in MONEY_TOTALS else 0) for name in SNAPSHOT_TOTALS}
        out.append(RegionKpis(region=region, average_health=average, as_of=oldest.get(region.pk), **figures,
                              quarters=[QuarterKpis(quarter=q, **facts[region.pk].get(q, {})) for q in quarters]))
    return out

