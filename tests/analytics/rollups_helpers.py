"""A hand-computed world for the rollup tests: three partners with registrations in three currencies, a
multi-partner deal, MDF ledger entries across a quarter boundary, enablement, tier moves, PSAT, sign-ins and
health scores, all at fixed dates. The expected figures are written out in the tests.

Rows are written with the ORM at explicit dates (not through the services, which stamp "now"), each in its
partner's scope; TODAY is the refresh day.
"""

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from analytics.models import HealthScore, PsatResponse, PsatSurvey
from dealreg.models import Deal, DealParticipant
from enablement.models import Certification, CertificationAward, Course, Enrollment
from mdf.models import Activity, ActivityType, Claim, Fund, FundEntry
from partners.models import Membership, PartnerTier, Tier, TierChange, TierProgram
from prm.accounts.models import User
from prm.common.models import ExchangeRate
from prm.tenancy.scoping import partner_scope
from tests.factories import PartnerFactory, make_member

TODAY = date(2026, 6, 15)
S = Deal.Status
_refs = itertools.count(1)


def at(year, month, day, hour=0, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def rates() -> None:
    rows = [("USD", date(2026, 3, 31), "0.90"), ("USD", date(2026, 4, 1), "0.95"), ("USD", date(2026, 6, 1), "0.92"),
            ("JPY", date(2026, 1, 10), "0.0060"), ("JPY", date(2026, 5, 1), "0.0065"),
            ("JPY", date(2026, 6, 1), "0.0064")]
    ExchangeRate.objects.bulk_create([ExchangeRate(date=day, from_currency=c, to_currency="EUR", rate=Decimal(r))
                                      for c, day, r in rows], ignore_conflicts=True)


def deal(partner, user, *, value, currency="EUR", status=S.SUBMITTED, registered_at=None, decided_at=None,
         approved=False, closed_at=None, won_base=None, stage=Deal.Stage.DISCOVERY, protected_until=None,
         mdf_activity=None, submitted_at=None) -> Deal:
    with partner_scope(partner):
        return Deal.objects.create(
            partner=partner, reference=f"T-{next(_refs)}", customer_name="Customer", customer_country="DE",
            value=Decimal(value), currency=currency, expected_close_date=date(2026, 12, 31), stage=stage,
            status=status, registered_by=user, registered_at=registered_at,
            submitted_at=submitted_at or registered_at, decided_at=decided_at,
            approved_value=Decimal(value) if approved else None, closed_at=closed_at,
            won_amount=Decimal(value) if won_base is not None else None, won_currency=currency if won_base else "",
            won_amount_base=Decimal(won_base) if won_base is not None else None, protected_until=protected_until,
            mdf_activity=mdf_activity)


@dataclass
class World:
    a: object
    b: object
    c: object
    silver: Tier
    gold: Tier
    activity: Activity


def _entry(partner, fund, kind, amount, day, *, base=None):
    return FundEntry.objects.create(partner=partner, fund=fund, kind=kind, amount=Decimal(amount),
                                    currency=fund.currency, base_amount=Decimal(base or amount),
                                    fx_rate=Decimal(1) if base is None else Decimal(base) / Decimal(amount),
                                    occurred_on=day, key=f"t:{kind}:{day}:{amount}")


def build_world(partner_a, partner_b) -> World:
    """partner_a (EUR, DE) is the subject; partner_b (JPY) and a third partner C take part in C's won deal."""
    rates()
    a, b = partner_a, partner_b
    c = PartnerFactory(name="Gamma Consulting", region=a.region, country="FR")
    a.activated_at, a.first_deal_registered_at = at(2025, 3, 1, 10), at(2025, 3, 20, 9)
    a.save(update_fields=["activated_at", "first_deal_registered_at"])

    admin = make_member(partner=a, role=Membership.Role.ADMIN).user
    user = make_member(partner=a).user
    quiet = make_member(partner=a).user
    gone = make_member(partner=a, is_active=False).user
    User.objects.filter(pk=admin.pk).update(last_login=at(2026, 6, 10, 8))
    User.objects.filter(pk=user.pk).update(last_login=at(2026, 4, 1, 8))
    User.objects.filter(pk=gone.pk).update(last_login=at(2026, 6, 14, 8))
    make_member(partner=b)
    user_c = make_member(partner=c).user

    with partner_scope(a):
        fund = Fund.objects.create(partner=a, label="2026-Q2", period_start=date(2026, 4, 1),
                                   period_end=date(2026, 6, 30), expires_on=date(2026, 7, 31), currency="EUR",
                                   allocated=Decimal("10300"), reserved=Decimal("500"), spent=Decimal("2500"),
                                   paid=Decimal("2000"))
        activity = Activity.objects.create(
            partner=a, reference="MDF-1", activity_type=ActivityType.WEBINAR, title="Webinar",
            starts_on=date(2026, 1, 5), ends_on=date(2026, 1, 5), currency="EUR", planned_cost=Decimal("4000"),
            cost_share_percent=Decimal("50"), requested_amount=Decimal("2000"), fund=fund)
        Claim.objects.create(partner=a, activity=activity, status=Claim.Status.SUBMITTED, currency="EUR",
                             claimed_amount=Decimal("1500"))
        for kind, amount, day in [("allocation", "10000", date(2026, 4, 1)), ("accrual", "500", date(2026, 5, 1)),
                                  ("deduction", "200", date(2026, 5, 2)), ("reservation", "100", date(2026, 3, 31)),
                                  ("release", "100", date(2026, 4, 1)), ("reservation", "4000", date(2026, 4, 10)),
                                  ("release", "1000", date(2026, 5, 15)), ("spend", "2500", date(2026, 6, 1)),
                                  ("payment", "2000", date(2026, 6, 10)), ("allocation", "999", date(2026, 7, 1))]:
            _entry(a, fund, kind, amount, day)
    with partner_scope(b):
        fund_b = Fund.objects.create(partner=b, label="2026-Q2", period_start=date(2026, 4, 1),
                                     period_end=date(2026, 6, 30), expires_on=date(2026, 7, 31), currency="JPY",
                                     allocated=Decimal("1000000"))
        _entry(b, fund_b, "allocation", "1000000", date(2026, 4, 1), base="6500.00")

    # Registrations of A (see the tests for what each one adds up to).
    deal(a, user, value="10000", status=S.APPROVED, registered_at=at(2026, 3, 31, 23, 30),
         decided_at=at(2026, 4, 1, 1, 30), approved=True, stage=Deal.Stage.PROPOSAL, protected_until=date(2026, 6, 20))
    deal(a, user, value="1000", currency="USD", registered_at=at(2026, 4, 1, 0, 30))
    deal(a, user, value="1000000", currency="JPY", status=S.WON, registered_at=at(2026, 1, 15, 10),
         decided_at=at(2026, 1, 16, 10), approved=True, closed_at=date(2026, 5, 10), won_base="6500.00",
         mdf_activity=activity)
    deal(a, user, value="5000", status=S.REJECTED, registered_at=at(2026, 2, 1, 9), decided_at=at(2026, 2, 1, 9, 30))
    deal(a, user, value="2000", status=S.LOST, registered_at=at(2025, 5, 1, 9), decided_at=at(2025, 5, 1, 12),
         approved=True, closed_at=date(2025, 8, 1))
    deal(a, user, value="9999", status=S.DRAFT)
    deal(a, user, value="1000", status=S.WON, registered_at=at(2025, 4, 1, 10), closed_at=date(2025, 6, 10),
         won_base="1000.00")
    deal(a, user, value="3000", status=S.WITHDRAWN, registered_at=at(2026, 4, 10, 12))
    # A registration waiting for more information was "decided" on, but not approved or rejected.
    deal(a, user, value="4000", status=S.MORE_INFO, registered_at=at(2026, 5, 1, 9), decided_at=at(2026, 5, 2, 9),
         stage=Deal.Stage.QUALIFICATION)

    # C's won deal: A accepted 30 %, B accepted 20 %; A's other invitation (not accepted) credits nothing.
    won_c = deal(c, user_c, value="10000", status=S.WON, registered_at=at(2026, 2, 1, 9), closed_at=date(2026, 4, 20),
                 won_base="10000.00")
    other_c = deal(c, user_c, value="7000", status=S.WON, registered_at=at(2026, 2, 2, 9), closed_at=date(2026, 4, 21),
                   won_base="7000.00")
    with partner_scope(a):
        DealParticipant.objects.create(partner=a, deal=won_c, role="influencer", share=Decimal("30"), status="accepted")
        DealParticipant.objects.create(partner=a, deal=other_c, role="influencer", share=Decimal("50"), status="invited")
    with partner_scope(b):
        DealParticipant.objects.create(partner=b, deal=won_c, role="implementer", share=Decimal("20"),
                                       status="accepted")

    # Enablement.
    course = Course.objects.create(code="rollup-course", title="Platform")
    certification = Certification.objects.create(code="rollup-cert", name="Certified")
    with partner_scope(a):
        for person, status, completed in [(admin, "completed", at(2026, 3, 31, 23, 59)),
                                          (user, "completed", at(2026, 4, 1, 0, 1)), (quiet, "in_progress", None)]:
            Enrollment.objects.create(partner=a, user=person, course=course, status=status, enrolled_at=at(2026, 1, 1),
                                      last_activity_at=at(2026, 4, 1), completed_at=completed)
        for person, awarded, expires, revoked in [(admin, date(2026, 2, 10), date(2026, 8, 1), None),
                                                  (user, date(2025, 1, 5), date(2027, 1, 1), None),
                                                  (quiet, date(2026, 4, 5), date(2027, 4, 5), at(2026, 5, 1)),
                                                  (gone, date(2026, 4, 6), date(2027, 4, 6), None)]:
            CertificationAward.objects.create(partner=a, user=person, certification=certification, awarded_on=awarded,
                                              expires_on=expires, revoked_at=revoked)

    # Tiers: a promotion, a demotion by a manager's pin; the rest are not moves.
    program = TierProgram.objects.create(code="rollup-program", name="Program")
    silver = Tier.objects.create(program=program, code="silver", rank=1, name="Silver")
    gold = Tier.objects.create(program=program, code="gold", rank=2, name="Gold")
    with partner_scope(a):
        PartnerTier.objects.create(partner=a, program=program, tier=silver, grace_until=date(2026, 7, 1))
        for reason, old, new, when in [("assigned", None, silver, at(2025, 9, 1)),
                                       ("promoted", silver, gold, at(2026, 4, 5)),
                                       ("grace_started", gold, gold, at(2026, 4, 20)),
                                       ("pinned", gold, silver, at(2026, 5, 1)),
                                       ("promotion_pending", silver, gold, at(2026, 5, 10))]:
            TierChange.objects.create(partner=a, reason=reason, from_tier=old, to_tier=new, as_of=when.date(), at=when)

    # PSAT.
    survey = PsatSurvey.objects.create(kind=PsatSurvey.Kind.QUARTERLY, quarter=date(2026, 4, 1))
    with partner_scope(a):
        for score, when in [(10, at(2026, 4, 2)), (9, at(2026, 4, 2)), (7, at(2026, 4, 3)), (3, at(2026, 4, 3)),
                            (6, at(2026, 3, 31, 23))]:
            PsatResponse.objects.create(partner=a, survey=survey, score=score, language="en", submitted_at=when)
        HealthScore.objects.create(partner=a, day=date(2026, 6, 13), score=70, previous_score=80, at_risk=False,
                                   computed_at=at(2026, 6, 13, 3))
        HealthScore.objects.create(partner=a, day=date(2026, 6, 14), score=55, previous_score=75, at_risk=True,
                                   computed_at=at(2026, 6, 14, 3))
    return World(a=a, b=b, c=c, silver=silver, gold=gold, activity=activity)


def extra_partner(region, n: int):
    """A partner with one submitted registration and one member (for the constant-query-count test)."""
    partner = PartnerFactory(name=f"Extra {n}", region=region)
    member = make_member(partner=partner).user
    deal(partner, member, value="100", registered_at=at(2026, 5, 1, 9))
    return partner

