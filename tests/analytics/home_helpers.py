"""Hand-built facts for the partner home and KPI API tests: rows written directly (not through the services),
so each test states exactly the facts it expects to see, in any state and on any date."""

import itertools
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from analytics.models import HealthScore, PartnerQuarterFact, PartnerSnapshot
from dealreg.models import Deal
from enablement.models import (
    Certification,
    CertificationAward,
    Course,
    Enrollment,
    LearningPath,
    PathAssignment,
    PathCourse,
)
from mdf.models import Activity, ActivityType, Claim, Fund
from partners.models import Membership
from prm.tenancy.scoping import partner_scope
from tests.factories import make_member

_numbers = itertools.count(1)


def today() -> date:
    return timezone.localdate()


def member(partner, *, role=Membership.Role.USER, **flags):
    """A person of ``partner`` with the given capability flags; returns the user."""
    return make_member(partner=partner, role=role, **flags).user


# --- deal registration --------------------------------------------------------------------------------------


def deal(partner, *, status=Deal.Status.SUBMITTED, protected_until=None, by=None, value="10000", **fields) -> Deal:
    n = next(_numbers)
    by = by or member(partner)
    with partner_scope(partner):
        return Deal.objects.create(
            partner=partner, reference=f"T-{n:05d}", customer_name=f"Customer {n}", customer_country="DE",
            value=Decimal(value), currency="EUR", expected_close_date=today() + timedelta(days=60), status=status,
            registered_by=by, protected_until=protected_until, **fields)


def deals(partner, n: int, *, by, **fields) -> list[Deal]:
    """``n`` registrations in one insert (the "many" side of the query count tests)."""
    rows = []
    for _ in range(n):
        k = next(_numbers)
        rows.append(Deal(partner=partner, reference=f"B-{k:05d}", customer_name=f"Bulk {k}", customer_country="DE",
                         value=Decimal("5000"), currency="EUR", expected_close_date=today() + timedelta(days=30),
                         registered_by=by, **fields))
    with partner_scope(partner):
        return Deal.objects.bulk_create(rows)


# --- MDF ----------------------------------------------------------------------------------------------------


def activity(partner, *, status=Activity.Status.APPROVED, claim_deadline=None, claim_status=None, ends_on=None,
             fund=None) -> Activity:
    n = next(_numbers)
    ends_on = ends_on or today() - timedelta(days=10)
    approved = status in (Activity.Status.APPROVED, Activity.Status.COMPLETED)
    with partner_scope(partner):
        item = Activity.objects.create(
            partner=partner, reference=f"MDF-T-{n:05d}", activity_type=ActivityType.WEBINAR, title=f"Webinar {n}",
            starts_on=ends_on, ends_on=ends_on, currency="EUR", planned_cost=Decimal("2000"),
            cost_share_percent=Decimal("50"), requested_amount=Decimal("1000"),
            approved_amount=Decimal("1000") if approved else None, claim_deadline=claim_deadline, status=status,
            fund=fund)
        if claim_status is not None:
            Claim.objects.create(partner=partner, activity=item, status=claim_status, currency="EUR",
                                 claimed_amount=Decimal("1000"))
    return item


def fund(partner, *, allocated="5000", reserved="0", spent="0", expires_on=None, label="", period_start=None,
         status=Fund.Status.OPEN) -> Fund:
    start = period_start or today() - timedelta(days=80)
    with partner_scope(partner):
        return Fund.objects.create(
            partner=partner, label=label or f"F{next(_numbers)}", period_start=start,
            period_end=start + timedelta(days=89), expires_on=expires_on or start + timedelta(days=119),
            currency=partner.currency, status=status, allocated=Decimal(allocated), reserved=Decimal(reserved),
            spent=Decimal(spent))


# --- enablement ---------------------------------------------------------------------------------------------


def course(**fields) -> Course:
    n = next(_numbers)
    return Course.objects.create(code=f"home-course-{n}", title=f"Course {n}", is_published=True, **fields)


def certification() -> Certification:
    return Certification.objects.create(code=f"home-cert-{next(_numbers)}", name="Certified Seller")


def award(partner, user, *, expires_on, cert=None, revoked=False) -> CertificationAward:
    with partner_scope(partner):
        return CertificationAward.objects.create(
            partner=partner, user=user, certification=cert or certification(),
            awarded_on=expires_on - timedelta(days=700), expires_on=expires_on,
            revoked_at=timezone.now() if revoked else None)


def enroll(partner, user, item: Course, *, status=Enrollment.Status.ENROLLED) -> Enrollment:
    now = timezone.now()
    with partner_scope(partner):
        return Enrollment.objects.create(
            partner=partner, user=user, course=item, status=status, enrolled_at=now, last_activity_at=now,
            completed_at=now if status == Enrollment.Status.COMPLETED else None)


def learning_path(*courses: Course) -> LearningPath:
    item = LearningPath.objects.create(code=f"home-path-{next(_numbers)}", title="Sales path", is_published=True)
    for order, c in enumerate(courses):
        PathCourse.objects.create(path=item, course=c, order=order)
    return item


def assign(partner, user, item: LearningPath, *, due_on=None) -> PathAssignment:
    with partner_scope(partner):
        return PathAssignment.objects.create(partner=partner, user=user, path=item, due_on=due_on)


# --- rollups and health ---------------------------------------------------------------------------------------


def snapshot(partner, *, refreshed_at: datetime | None = None, **figures) -> PartnerSnapshot:
    values = {"region_id": partner.region_id, "country": partner.country, "partner_type": partner.partner_type,
              "status": partner.status, "refreshed_at": refreshed_at or timezone.now()}
    values.update(figures)
    with partner_scope(partner):
        return PartnerSnapshot.objects.create(partner=partner, **values)


def quarter_fact(partner, quarter: date, **figures) -> PartnerQuarterFact:
    with partner_scope(partner):
        return PartnerQuarterFact.objects.create(partner=partner, quarter=quarter,
                                                 refreshed_at=figures.pop("refreshed_at", timezone.now()), **figures)


# A score explained by three components: sign-ins full, pipeline fell 40 %, one certification of two.
COMPONENTS = {
    "login_recency": {"value": 2, "previous": 5, "points": 20.0, "weight": 20.0},
    "pipeline_growth": {"value": -40.0, "previous": 10.0, "points": 0.0, "weight": 40.0},
    "certifications": {"value": 1, "previous": 1, "points": 20.0, "weight": 40.0},
}


def health(partner, *, score=40, previous=55, day=None, components=None, at_risk=True,
           reasons=("pipeline_growth",)) -> HealthScore:
    with partner_scope(partner):
        return HealthScore.objects.create(
            partner=partner, day=day or today(), score=score, previous_score=previous,
            components=components if components is not None else COMPONENTS, at_risk=at_risk,
            reasons=list(reasons), computed_at=timezone.now())
