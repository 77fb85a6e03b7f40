"""The tier engine's won-revenue provider reads raw SQL on PostgreSQL (dealreg.revenue.won_ttm): it fails closed
like the scoped managers, and counts only partners the active scope covers."""

from datetime import date
from decimal import Decimal

import pytest

from dealreg import revenue
from dealreg.models import Deal
from prm.tenancy.scoping import ScopeError, partner_scope, partners_scope

from .engine_helpers import make_deal

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)


def won(partner, amount: str, closed_at: date = AS_OF) -> Deal:
    return make_deal(partner=partner, status=Deal.Status.WON, closed_at=closed_at, won_amount=Decimal(amount),
                     won_currency="EUR", won_amount_base=Decimal(amount), fx_rate=Decimal("1"))


def test_won_ttm_fails_closed_outside_a_scope(partner_a):
    won(partner_a, "10.00")
    with pytest.raises(ScopeError):
        revenue.won_ttm([partner_a.pk], AS_OF)


def test_won_ttm_counts_only_partners_of_the_scope(partner_a, partner_b):
    won(partner_a, "10.00")
    won(partner_a, "5.50", date(2025, 7, 1))
    won(partner_b, "99.00")
    with partner_scope(partner_a):
        assert revenue.won_ttm([partner_a.pk, partner_b.pk], AS_OF) == {
            "won_revenue_ttm": {partner_a.pk: Decimal("15.50")}, "won_deals_ttm": {partner_a.pk: 2}}
    with partners_scope([partner_a.pk, partner_b.pk]):
        both = revenue.won_ttm([partner_a.pk, partner_b.pk], AS_OF)
    assert both["won_revenue_ttm"] == {partner_a.pk: Decimal("15.50"), partner_b.pk: Decimal("99.00")}
    assert all(type(v) is Decimal for v in both["won_revenue_ttm"].values())
