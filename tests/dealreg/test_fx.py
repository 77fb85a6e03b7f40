"""Dated exchange rates: the latest on or before the day, inverse and cross rates, a clear error when none."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError

from prm.common.fx import FxRateMissingError, convert, rate_for, to_base

from .engine_helpers import make_rate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def base_eur(settings):
    settings.BASE_CURRENCY = "EUR"


def test_same_currency_is_one():
    assert convert(amount=Decimal("12.34"), from_currency="EUR", to_currency="eur", on=date(2026, 1, 1)) == (
        Decimal("12.34"), Decimal("1"))


def test_the_latest_rate_on_or_before_the_day_is_used():
    make_rate(date(2026, 3, 1), "USD", "EUR", "0.90")
    make_rate(date(2026, 3, 10), "USD", "EUR", "0.80")
    make_rate(date(2026, 3, 20), "USD", "EUR", "0.70")  # after the day: not used
    amount, rate = convert(amount=Decimal("1000"), from_currency="USD", to_currency="EUR", on=date(2026, 3, 15))
    assert (amount, rate) == (Decimal("800.00"), Decimal("0.80000000"))
    assert rate_for(from_currency="USD", to_currency="EUR", on=date(2026, 3, 10)) == Decimal("0.8")
    assert rate_for(from_currency="USD", to_currency="EUR", on=date(2026, 3, 9)) == Decimal("0.9")


def test_inverse_rate():
    make_rate(date(2026, 3, 1), "EUR", "USD", "1.25")
    amount, rate = convert(amount=Decimal("100"), from_currency="USD", to_currency="EUR", on=date(2026, 3, 2))
    assert rate == Decimal("0.80000000") and amount == Decimal("80.00")


def test_cross_rate_through_the_base_currency():
    make_rate(date(2026, 3, 1), "GBP", "EUR", "1.20")   # 1 GBP = 1.20 EUR
    make_rate(date(2026, 3, 1), "EUR", "JPY", "160")    # 1 EUR = 160 JPY
    amount, rate = convert(amount=Decimal("10"), from_currency="GBP", to_currency="JPY", on=date(2026, 3, 1))
    assert rate == Decimal("192.00000000") and amount == Decimal("1920.00")
    # and backwards, both legs inverted
    amount, rate = convert(amount=Decimal("1920"), from_currency="JPY", to_currency="GBP", on=date(2026, 3, 1))
    assert rate == Decimal("0.00520833") and amount == Decimal("10.00")


def test_rounding_to_cents_half_up():
    make_rate(date(2026, 3, 1), "USD", "EUR", "0.33333333")
    assert to_base(amount=Decimal("1.00"), currency="USD", on=date(2026, 3, 1))[0] == Decimal("0.33")
    assert to_base(amount=Decimal("1.50"), currency="USD", on=date(2026, 3, 1))[0] == Decimal("0.50")


def test_no_rate_within_31_days_is_a_clear_error():
    make_rate(date(2026, 1, 1), "USD", "EUR", "0.9")
    assert rate_for(from_currency="USD", to_currency="EUR", on=date(2026, 2, 1)) == Decimal("0.9")  # 31 days old
    with pytest.raises(FxRateMissingError) as error:
        convert(amount=Decimal("1"), from_currency="USD", to_currency="EUR", on=date(2026, 2, 2))
    assert "USD" in error.value.messages[0] and "EUR" in error.value.messages[0] and "2026-02-02" in error.value.messages[0]
    with pytest.raises(FxRateMissingError):
        convert(amount=Decimal("1"), from_currency="CHF", to_currency="EUR", on=date(2026, 1, 1))


def test_one_rate_per_day_and_pair():
    make_rate(date(2026, 3, 1), "USD", "EUR", "0.9")
    with pytest.raises(IntegrityError):
        make_rate(date(2026, 3, 1), "usd", "eur", "0.8")


def test_one_query_per_conversion(django_assert_num_queries):
    make_rate(date(2026, 3, 1), "GBP", "EUR", "1.20")
    make_rate(date(2026, 3, 1), "EUR", "JPY", "160")
    with django_assert_num_queries(1):
        convert(amount=Decimal("10"), from_currency="GBP", to_currency="JPY", on=date(2026, 3, 1))


def test_rate_book_converts_many_amounts_with_the_same_rules(django_assert_num_queries):
    from prm.common.fx import RateBook

    make_rate(date(2026, 3, 1), "USD", "EUR", "0.90")
    make_rate(date(2026, 3, 10), "USD", "EUR", "0.80")
    make_rate(date(2026, 3, 1), "EUR", "JPY", "160")
    make_rate(date(2026, 3, 1), "GBP", "EUR", "1.20")
    with django_assert_num_queries(1):
        book = RateBook(currencies={"USD", "JPY", "GBP"}, start=date(2026, 3, 1), end=date(2026, 4, 30))
    cases = [("USD", "EUR", date(2026, 3, 9)), ("USD", "EUR", date(2026, 3, 15)), ("EUR", "USD", date(2026, 3, 15)),
             ("GBP", "JPY", date(2026, 3, 2)), ("JPY", "EUR", date(2026, 3, 31))]
    with django_assert_num_queries(0):
        converted = [book.convert(amount=Decimal("1000"), from_currency=a, to_currency=b, on=d) for a, b, d in cases]
    assert converted == [convert(amount=Decimal("1000"), from_currency=a, to_currency=b, on=d) for a, b, d in cases]
    with pytest.raises(FxRateMissingError):  # 41 days after the last USD rate
        book.convert(amount=Decimal("1"), from_currency="USD", to_currency="EUR", on=date(2026, 4, 20))
