"""Building blocks for health score tests: facts of each source written directly (dates chosen by the test), in
the partner's scope, so expected figures can be computed by hand."""

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from analytics.models import HealthModel, HealthScore, PsatResponse, PsatSurvey
from dealreg.models import Deal
from enablement.models import Asset, AssetDownload, Certification, CertificationAward, Course, Enrollment
from mdf.models import Fund
from partners.models import Membership
from prm.accounts.models import User
from prm.common.models import ExchangeRate
from prm.tenancy.scoping import partner_scope
from tests.factories import UserFactory, make_member

DAY = date(2026, 3, 31)
_numbers = itertools.count(1)


def at(day: date, hour: int = 12) -> datetime:
    """Noon (local time) of ``day``: inside every window that covers the day."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


def days_ago(n: int, *, day: date = DAY) -> datetime:
    return at(day - timedelta(days=n))


def model(**fields) -> HealthModel:
    obj = HealthModel.current()
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save()
    return obj


def only_weights(**weights) -> HealthModel:
    """A model where only the given components weigh (to test one component in isolation)."""
    from analytics.models.health import COMPONENTS

    return model(**{f"weight_{code}": weights.get(code, 0) for code in COMPONENTS})


def member(partner, *, last_login: datetime | None = None, active: bool = True, user_active: bool = True,
           joined_at: datetime | None = None) -> Membership:
    user = UserFactory(is_active=user_active)
    user.last_login = last_login
    user.save(update_fields=["last_login"])
    membership = make_member(partner=partner, user=user, is_active=active)
    if joined_at is not None:
        with partner_scope(partner):
            Membership.objects.filter(pk=membership.pk).update(joined_at=joined_at)
        membership.joined_at = joined_at
    return membership


def _course() -> Course:
    n = next(_numbers)
    return Course.objects.create(code=f"health-course-{n}", title=f"Course {n}", summary="-", is_published=True)


def completion(partner, *, when: datetime, user=None) -> Enrollment:
    user = user or member(partner).user
    with partner_scope(partner):
        return Enrollment.objects.create(partner=partner, user=user, course=_course(), status=Enrollment.Status.COMPLETED,
                                         enrolled_at=when - timedelta(days=1), last_activity_at=when, completed_at=when)


def award(partner, *, user=None, awarded_on: date = DAY - timedelta(days=30), expires_on: date = DAY + timedelta(days=300),
          revoked: bool = False) -> CertificationAward:
    user = user or member(partner).user
    n = next(_numbers)
    cert = Certification.objects.create(code=f"health-cert-{n}", name=f"Cert {n}", validity_months=24)
    with partner_scope(partner):
        return CertificationAward.objects.create(partner=partner, user=user, certification=cert, awarded_on=awarded_on,
                                                 expires_on=expires_on, revoked_at=timezone.now() if revoked else None)


def deal(partner, *, value, currency: str = "EUR", registered_at: datetime | None = None, status: str = "submitted",
         closed_at: date | None = None) -> Deal:
    n = next(_numbers)
    registrar = User.objects.filter(email="registrar@example.com").first() or UserFactory(email="registrar@example.com")
    with partner_scope(partner):
        return Deal.objects.create(
            partner=partner, registered_by=registrar, reference=f"DR-H-{n:06d}", customer_name=f"Customer {n}", customer_country="DE",
            value=Decimal(value), currency=currency, expected_close_date=DAY + timedelta(days=60), status=status,
            registered_at=registered_at, closed_at=closed_at)


def fund(partner, *, allocated, reserved=0, spent=0, currency: str = "EUR", start: date = date(2026, 1, 1),
         status: str = "open") -> Fund:
    with partner_scope(partner):
        return Fund.objects.create(partner=partner, label=f"{start:%Y-%m}", period_start=start,
                                   period_end=start + timedelta(days=89), expires_on=start + timedelta(days=150),
                                   currency=currency, status=status, allocated=Decimal(allocated),
                                   reserved=Decimal(reserved), spent=Decimal(spent))


def psat(partner, *, score: int, when: datetime) -> PsatResponse:
    survey, _ = PsatSurvey.objects.get_or_create(kind=PsatSurvey.Kind.DEAL_APPROVED)
    with partner_scope(partner):
        return PsatResponse.objects.create(partner=partner, survey=survey, score=score, language="en", submitted_at=when)


def download(partner, *, when: datetime) -> AssetDownload:
    asset = Asset.objects.create(title=f"Asset {next(_numbers)}", kind=Asset.Kind.LINK, url="https://example.com/a",
                                 is_published=True)
    with partner_scope(partner):
        item = AssetDownload.objects.create(partner=partner, asset=asset)
        AssetDownload.objects.filter(pk=item.pk).update(downloaded_at=when)
        return item


def rate(currency: str, value: str, on: date = DAY) -> None:
    ExchangeRate.objects.update_or_create(date=on, from_currency=currency, to_currency="EUR",
                                          defaults={"rate": Decimal(value)})


def score_of(partner, day: date = DAY) -> HealthScore:
    with partner_scope(partner):
        return HealthScore.objects.get(partner=partner, day=day)


def stored(partner, *, day: date, score: int, at_risk: bool = False, components: dict | None = None,
           reasons: list | None = None) -> HealthScore:
    """A score row written by hand (an earlier night)."""
    with partner_scope(partner):
        return HealthScore.objects.create(partner=partner, day=day, score=score, at_risk=at_risk,
                                          components=components or {}, reasons=reasons or [],
                                          computed_at=timezone.now())


def full_fixture(partner):
    """Every source, with rows just inside and just outside each window (see the expected figures below)."""
    m1 = member(partner, last_login=days_ago(3))
    member(partner, last_login=days_ago(40))
    member(partner)  # never signed in
    member(partner, last_login=at(DAY + timedelta(days=2)))  # after the day: a member, not a sign-in of the day
    gone = member(partner, last_login=days_ago(0), active=False)  # left the partner
    member(partner, last_login=days_ago(1), user_active=False)  # account disabled
    user = m1.user
    completion(partner, when=days_ago(10), user=user)
    completion(partner, when=days_ago(89), user=user)
    completion(partner, when=days_ago(91), user=user)  # outside the 90 days
    award(partner, user=user)
    award(partner, user=user, expires_on=DAY - timedelta(days=1))  # expired
    award(partner, user=user, revoked=True)
    award(partner, user=gone.user)  # holder left
    rate("USD", "0.9")
    deal(partner, value="1000", registered_at=days_ago(10))
    deal(partner, value="1000", currency="USD", registered_at=days_ago(20))  # 900 EUR at the day's rate
    deal(partner, value="5000", registered_at=days_ago(5), status="rejected")
    deal(partner, value="700", registered_at=None, status="draft")
    deal(partner, value="2000", registered_at=days_ago(100), status="approved")
    deal(partner, value="9000", registered_at=days_ago(181))  # before both windows
    deal(partner, value="1", registered_at=days_ago(200), status="won", closed_at=DAY - timedelta(days=10))
    deal(partner, value="1", registered_at=days_ago(300), status="won", closed_at=DAY - timedelta(days=200))
    deal(partner, value="1", registered_at=days_ago(300), status="lost", closed_at=DAY - timedelta(days=5))
    deal(partner, value="1", registered_at=days_ago(500), status="lost", closed_at=DAY - timedelta(days=400))
    fund(partner, allocated="1000", reserved="200", spent="300")
    fund(partner, allocated="5000", start=DAY - timedelta(days=200), status="expired")
    fund(partner, allocated="5000", start=DAY + timedelta(days=1))  # not started
    psat(partner, score=8, when=days_ago(10))
    psat(partner, score=6, when=days_ago(100))
    psat(partner, score=2, when=days_ago(200))  # older than 180 days
    for n in (1, 30, 89):
        download(partner, when=days_ago(n))
    download(partner, when=days_ago(95))
