"""Revenue selectors, hand-computed: sourced (own won registrations) and influenced (participants' shares),
over the trailing twelve months, set-based over partner ids, and registered as tier metrics."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from dealreg import revenue
from dealreg.models import Deal, DealParticipant
from prm.tenancy.scoping import partners_scope
from tests.factories import PartnerFactory

from .engine_helpers import make_deal, make_participant

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)


def won(partner, amount_base: str, closed_at: date, **fields) -> Deal:
    return make_deal(partner=partner, status=Deal.Status.WON, closed_at=closed_at, won_amount=Decimal(amount_base),
                     won_currency="EUR", won_amount_base=Decimal(amount_base), fx_rate=Decimal("1"), **fields)


@pytest.fixture
def book(partner_a, partner_b):
    """Partner A's registrations, with B and C invited on some of them."""
    partner_c = PartnerFactory(name="Gamma IT")
    big = won(partner_a, "1000.00", AS_OF)                                  # in the window (last day)
    small = won(partner_a, "400.00", date(2025, 7, 1))                      # in the window (first day)
    old = won(partner_a, "9999.00", date(2025, 6, 30))                      # one day too old
    future = won(partner_a, "7777.00", AS_OF + timedelta(days=1))           # after as_of
    make_deal(partner=partner_a, status=Deal.Status.LOST, closed_at=AS_OF)
    make_deal(partner=partner_a, status=Deal.Status.APPROVED)
    b_own = won(partner_b, "50.00", date(2026, 1, 15))
    make_participant(deal=big, partner=partner_b, share="25")              # 250.00
    make_participant(deal=small, partner=partner_b, share="12.5")          # 50.00
    make_participant(deal=old, partner=partner_b, share="50")              # outside the window
    make_participant(deal=future, partner=partner_b, share="50")           # outside the window
    make_participant(deal=big, partner=partner_c, share="10", status=DealParticipant.Status.INVITED)  # not accepted
    make_participant(deal=small, partner=partner_c, share="30", status=DealParticipant.Status.DECLINED)
    return {"c": partner_c, "b_own": b_own}


def ids(*partners):
    return [p.pk for p in partners]


def test_ttm_window():
    assert revenue.ttm_start(date(2026, 6, 30)) == date(2025, 7, 1)
    assert revenue.ttm_start(date(2028, 2, 29)) == date(2027, 3, 1)


def test_sourced_revenue_and_won_deals(book, partner_a, partner_b):
    partner_ids = ids(partner_a, partner_b, book["c"])
    with partners_scope(partner_ids):
        assert revenue.won_revenue_ttm(partner_ids, AS_OF) == {partner_a.pk: Decimal("1400.00"),
                                                               partner_b.pk: Decimal("50.00")}
        assert revenue.won_deals_ttm(partner_ids, AS_OF) == {partner_a.pk: 2, partner_b.pk: 1}
        assert revenue.won_ttm(partner_ids, AS_OF) == {
            "won_revenue_ttm": {partner_a.pk: Decimal("1400.00"), partner_b.pk: Decimal("50.00")},
            "won_deals_ttm": {partner_a.pk: 2, partner_b.pk: 1},
        }


def test_influenced_revenue_credits_accepted_participants_by_share(book, partner_a, partner_b):
    partner_ids = ids(partner_a, partner_b, book["c"])
    with partners_scope(partner_ids):
        assert revenue.influenced_revenue_ttm(partner_ids, AS_OF) == {partner_b.pk: Decimal("300.00")}


def test_first_registered_and_first_won(book, partner_a, partner_b):
    partner_ids = ids(partner_a, partner_b, book["c"])
    with partners_scope(partner_ids):
        first_won = revenue.first_won_on(partner_ids)
        first_registered = revenue.first_registered_at(partner_ids)
    assert first_won == {partner_a.pk: date(2025, 6, 30), partner_b.pk: date(2026, 1, 15)}
    assert set(first_registered) == {partner_a.pk, partner_b.pk}


def test_one_query_per_selector_whatever_the_number_of_partners(book, partner_a, partner_b, django_assert_num_queries):
    many = ids(partner_a, partner_b, book["c"]) + [PartnerFactory().pk for _ in range(5)]
    with partners_scope(many):
        for selector in (revenue.won_revenue_ttm, revenue.won_deals_ttm, revenue.influenced_revenue_ttm, revenue.won_ttm):
            with django_assert_num_queries(1):
                selector(many, AS_OF)


def test_registered_as_tier_metrics(book, partner_a, partner_b):
    import dealreg.metrics  # noqa: F401 - registers the providers (DealregConfig.ready() imports it)
    from partners.tiers import metrics

    dealreg.metrics.register()
    partner_ids = ids(partner_a, partner_b)
    with partners_scope(partner_ids):
        measured = metrics.measure(partner_ids, AS_OF)
    assert measured.value("won_revenue_ttm", partner_a.pk) == Decimal("1400.00")
    assert measured.value("won_deals_ttm", partner_b.pk) == 1
