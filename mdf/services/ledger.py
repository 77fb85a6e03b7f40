"""The one writer of the fund ledger: an entry and the fund's running totals move together.

Guarantees (callers rely on them):
- ``ledger_post`` runs in the caller's transaction on a fund row it locked with ``fund_lock``, so
  concurrent writers of one fund queue up; the available balance is checked under that lock and the
  database constraint ``mdf_fund_available_not_negative`` backs it up.
- An entry's ``key`` is unique per fund: posting the same key again returns the first entry and
  changes nothing (a retried task, a double click).
- Every entry stores its amount in the base currency and the rate used on ``occurred_on``; a
  missing rate refuses the whole write (FxRateMissingError, nothing saved).
"""

import logging
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from mdf.models import Fund, FundEntry
from prm.common.fx import FxRateMissingError, to_base
from prm.common.money import format_money, round_money

from .errors import InsufficientFunds, MdfError

logger = logging.getLogger(__name__)
RATE_PLACES = Decimal("0.00000001")
Kind = FundEntry.Kind

# How each kind moves the totals: (field, sign) pairs.
EFFECTS: dict[str, tuple[tuple[str, int], ...]] = {
    Kind.ALLOCATION: (("allocated", +1),),
    Kind.ACCRUAL: (("allocated", +1),),
    Kind.DEDUCTION: (("allocated", -1),),
    Kind.RESERVATION: (("reserved", +1),),
    Kind.RELEASE: (("reserved", -1),),
    Kind.SPEND: (("reserved", -1), ("spent", +1)),
    Kind.PAYMENT: (("paid", +1),),
    Kind.EXPIRY: (("expired", +1),),
}
TOTALS = ("allocated", "reserved", "spent", "paid", "expired")


def money(value, currency: str | None = None) -> Decimal:
    """An amount rounded to the currency's minor unit (1 JPY, 0.01 EUR); cents without a currency."""
    return round_money(value, currency)


def fund_lock(*, fund_id: int) -> Fund:
    """The fund row, locked until the caller's transaction ends (SELECT ... FOR UPDATE)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("fund_lock() must run inside transaction.atomic()")
    return Fund.objects.select_for_update().get(pk=fund_id)


@dataclass(frozen=True)
class Posted:
    entry: FundEntry
    created: bool


def _check(fund: Fund, kind: str, amount: Decimal) -> None:
    """Refuse, with the partner's words, what would break a balance rule (the constraints are the backstop)."""
    if kind in (Kind.RESERVATION, Kind.DEDUCTION, Kind.EXPIRY) and amount > fund.available:
        raise InsufficientFunds(
            _("The fund has %(available)s available; %(amount)s is more than that.")
            % {"available": format_money(fund.available, fund.currency), "amount": format_money(amount, fund.currency)},
            code="insufficient_funds",
        )
    if kind in (Kind.RELEASE, Kind.SPEND) and amount > fund.reserved:
        raise MdfError(_("More than the reserved amount cannot be released or spent."), code="over_reservation")
    if kind == Kind.PAYMENT and amount > fund.approved_unpaid:
        raise MdfError(_("A payment cannot be more than the approved claims not yet paid."), code="over_payment")


def ledger_post(*, fund: Fund, kind: str, amount, key: str, occurred_on: date, actor=None, reason: str = "",
                activity=None, claim=None, deal=None) -> Posted:
    """Write one entry on a fund locked by ``fund_lock`` and move its totals. Idempotent per (fund, key)."""
    amount = money(amount, fund.currency)
    if amount <= 0:
        raise MdfError(_("The amount must be more than zero."), code="amount_invalid")
    existing = FundEntry.objects.filter(fund=fund, key=key).first()
    if existing is not None:
        return Posted(existing, False)
    _check(fund, kind, amount)
    base_amount, rate = to_base(amount=amount, currency=fund.currency, on=occurred_on)
    entry = FundEntry.objects.create(
        partner_id=fund.partner_id, fund=fund, kind=kind, amount=amount, currency=fund.currency,
        base_amount=base_amount, base_currency=settings.BASE_CURRENCY, fx_rate=rate, occurred_on=occurred_on,
        key=key[:80], actor=actor if getattr(actor, "pk", None) else None, reason=reason, activity=activity,
        claim=claim, deal=deal,
    )
    changed = []
    for field, sign in EFFECTS[kind]:
        setattr(fund, field, getattr(fund, field) + sign * amount)
        changed.append(field)
    fund.save(update_fields=changed)
    return Posted(entry, True)


@dataclass(frozen=True)
class Posting:
    """One entry for ``ledger_post_many`` (batch jobs)."""

    fund: Fund
    kind: str
    amount: Decimal
    key: str
    occurred_on: date
    reason: str = ""
    deal_id: int | None = None
    base_amount: Decimal | None = None  # when the amount came from the base currency, keep it exact
    fx_rate: Decimal | None = None      # ... with the rate that converted it (fund currency -> base)


def ledger_post_many(*, postings: list[Posting], book) -> list[FundEntry]:
    """Post many entries on funds the caller locked, in three queries whatever their number.

    Same rules as ``ledger_post``: keys already on a fund are skipped, a posting that would break a
    balance rule is skipped (and not counted), rates come from ``book`` (a prm.common.fx.RateBook).
    Returns the entries written.
    """
    if not postings:
        return []
    fund_ids = {p.fund.pk for p in postings}
    taken = set(FundEntry.objects.filter(fund_id__in=fund_ids, key__in={p.key for p in postings})
                .values_list("fund_id", "key"))
    entries, touched, changed = [], {}, set()
    for posting in postings:
        fund = posting.fund
        amount = money(posting.amount, fund.currency)
        if amount <= 0 or (fund.pk, posting.key) in taken:
            continue
        try:
            _check(fund, posting.kind, amount)
        except MdfError:
            continue
        if posting.base_amount is not None:
            base_amount = money(posting.base_amount)
            rate = posting.fx_rate or (base_amount / amount).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)
        else:
            try:
                base_amount, rate = book.convert(amount=amount, from_currency=fund.currency,
                                                 to_currency=settings.BASE_CURRENCY, on=posting.occurred_on)
            except FxRateMissingError:
                logger.warning("mdf: no %s rate on %s; %s skipped", fund.currency, posting.occurred_on, posting.key)
                continue
        taken.add((fund.pk, posting.key))
        entries.append(FundEntry(
            partner_id=fund.partner_id, fund=fund, kind=posting.kind, amount=amount, currency=fund.currency,
            base_amount=base_amount, base_currency=settings.BASE_CURRENCY, fx_rate=rate,
            occurred_on=posting.occurred_on, key=posting.key[:80], reason=posting.reason, deal_id=posting.deal_id,
        ))
        for field, sign in EFFECTS[posting.kind]:
            setattr(fund, field, getattr(fund, field) + sign * amount)
        touched[fund.pk] = fund
        changed.update(field for field, _sign in EFFECTS[posting.kind])
    if entries:
        FundEntry.objects.bulk_create(entries)
        # Only the totals these kinds move: bulk_update builds one CASE per field and row.
        Fund.objects.bulk_update(list(touched.values()), [field for field in TOTALS if field in changed])
    return entries
