"""Funds: opening a period's fund, manual allocations and deductions, tier allocations, accruals on won
revenue and expiry of what was not used. Batch jobs are set-based per chunk of partners."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mdf.models import Fund, FundEntry, MdfProgram
from mdf.periods import quarter_of
from partners.models import PartnerOrganization
from partners.tiers.benefits import benefits_for_partners
from prm.common.audit import audit
from prm.common.fx import RateBook

from .errors import MdfError
from .ledger import Posting, fund_lock, ledger_post, ledger_post_many, money

Kind = FundEntry.Kind


def _new_fund(*, partner: PartnerOrganization, day: date, program: MdfProgram) -> Fund:
    start, end, label = quarter_of(day)
    return Fund(partner=partner, label=label, period_start=start, period_end=end,
                expires_on=end + timedelta(days=program.fund_grace_days), currency=partner.currency)


def fund_for_period(*, partner: PartnerOrganization, day: date) -> Fund:
    """The partner's fund for the quarter holding ``day``, created (empty) when missing. Safe when two callers race."""
    start, _end, _label = quarter_of(day)
    fund = Fund.objects.filter(partner=partner, period_start=start).first()
    if fund is not None:
        return fund
    try:
        with transaction.atomic():
            return Fund.objects.create(**{
                f.attname: getattr(_new_fund(partner=partner, day=day, program=MdfProgram.current()), f.attname)
                for f in Fund._meta.concrete_fields if f.attname not in ("id", "created_at")
            })
    except IntegrityError:
        return Fund.objects.get(partner=partner, period_start=start)


def fund_requestable(*, partner: PartnerOrganization, today: date) -> Fund | None:
    """The fund a new request draws from: the oldest open fund still in its period or grace with money
    available, else the current quarter's fund (so the partner sees why the balance is short)."""
    funds = list(Fund.objects.requestable(today=today).filter(partner=partner).order_by("period_start"))
    for fund in funds:
        if fund.available > 0:
            return fund
    return funds[-1] if funds else None


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise MdfError({"reason": [_("Give a reason; the partner and the audit log see it.")]}, code="reason_required")
    return reason


@transaction.atomic
def fund_adjust(*, fund: Fund, amount, actor, reason: str, deduct: bool = False) -> FundEntry:
    """A manager adds to (allocation) or takes from (deduction) a fund, with a reason. Locks the fund;
    a deduction never takes the available balance below zero."""
    reason = _reason(reason)
    fund = fund_lock(fund_id=fund.pk)
    if fund.status != Fund.Status.OPEN:
        raise MdfError(_("This fund has expired; adjust the current period's fund instead."), code="fund_expired")
    amount = money(amount, fund.currency)
    kind = Kind.DEDUCTION if deduct else Kind.ALLOCATION
    now = timezone.now()
    posted = ledger_post(fund=fund, kind=kind, amount=amount, key=f"manual:{kind}:{now.timestamp():.6f}:{actor.pk}",
                         occurred_on=timezone.localdate(), actor=actor, reason=reason)
    audit(actor=actor, action=f"mdf.fund.{'deducted' if deduct else 'allocated'}", target=fund,
          data={"amount": str(amount), "currency": fund.currency, "reason": reason})
    return posted.entry


def _lock_funds_for(*, partner_ids: list[int], day: date, program: MdfProgram) -> dict[int, Fund]:
    """The quarter's fund of each partner, created where missing, locked (ordered by id: no deadlocks)."""
    start, _end, _label = quarter_of(day)
    partners = PartnerOrganization.objects.filter(pk__in=partner_ids).only("pk", "currency")
    Fund.objects.bulk_create([_new_fund(partner=p, day=day, program=program) for p in partners], ignore_conflicts=True)
    funds = Fund.objects.select_for_update().filter(partner_id__in=partner_ids, period_start=start).order_by("pk")
    return {fund.partner_id: fund for fund in funds}


@transaction.atomic
def funds_allocate_chunk(*, partner_ids: list[int], day: date) -> int:
    """Open the quarter's fund of each partner and post its tier's allocation once (key ``allocation:tier``).

    Set-based: a fixed number of queries per chunk. The tier's amount is in the base currency and is
    converted to the partner's currency at the period's first day. Returns the entries written.
    Call inside a scope covering ``partner_ids``.
    """
    program = MdfProgram.current()
    benefits = benefits_for_partners(partner_ids=partner_ids)
    funded = [pid for pid, b in benefits.items() if b.mdf_allocation_per_quarter]
    if not funded:
        return 0
    funds = _lock_funds_for(partner_ids=funded, day=day, program=program)
    start, _end, _label = quarter_of(day)
    book = RateBook(currencies={f.currency for f in funds.values()}, start=start, end=start)
    postings = []
    for pid, fund in funds.items():
        base_amount = money(benefits[pid].mdf_allocation_per_quarter)
        amount, rate = book_convert_from_base(book, amount=base_amount, currency=fund.currency, on=start)
        if amount is None:
            continue
        tier = benefits[pid].tier_code or "default"
        postings.append(Posting(fund=fund, kind=Kind.ALLOCATION, amount=amount, key="allocation:tier", occurred_on=start,
                                reason=_("Quarterly allocation of the %(tier)s tier") % {"tier": tier},
                                base_amount=base_amount, fx_rate=rate))
    return len(ledger_post_many(postings=postings, book=book))


def book_convert_from_base(book: RateBook, *, amount: Decimal, currency: str, on: date):
    """``amount`` in the base currency turned into ``currency`` (rounded to its minor unit), and the rate from
    ``currency`` to the base that the ledger records; (None, None) when no rate is known."""
    from prm.common.fx import RATE_PLACES, FxRateMissingError

    try:
        converted, rate = book.convert(amount=amount, from_currency=settings.BASE_CURRENCY, to_currency=currency, on=on)
    except FxRateMissingError:
        return None, None
    return money(converted, currency), (Decimal(1) / rate).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


@transaction.atomic
def funds_accrue_chunk(*, partner_ids: list[int], since: date, today: date) -> int:
    """Accrue the tier's percentage of each won deal closed since ``since`` into the fund of its close
    date's quarter, once per deal (key ``accrual:deal:<id>``). Set-based per quarter touched."""
    from dealreg.selectors import won_deals_between

    program = MdfProgram.current()
    benefits = benefits_for_partners(partner_ids=partner_ids)
    accruing = {pid: b.mdf_accrual_percent for pid, b in benefits.items() if b.mdf_accrual_percent}
    if not accruing:
        return 0
    deals = won_deals_between(partner_ids=list(accruing), start=since, end=today)
    if not deals:
        return 0
    written = 0
    by_quarter: dict[date, list] = {}
    for deal in deals:
        by_quarter.setdefault(quarter_of(deal.closed_at)[0], []).append(deal)
    for quarter_start, quarter_deals in sorted(by_quarter.items()):
        funds = _lock_funds_for(partner_ids=sorted({d.partner_id for d in quarter_deals}), day=quarter_start,
                                program=program)
        book = RateBook(currencies={f.currency for f in funds.values()}, start=since, end=today)
        postings = []
        for deal in quarter_deals:
            fund = funds.get(deal.partner_id)
            if fund is None or fund.status != Fund.Status.OPEN:
                continue
            base_amount = money(deal.won_amount_base * accruing[deal.partner_id] / Decimal(100))
            amount, rate = book_convert_from_base(book, amount=base_amount, currency=fund.currency, on=deal.closed_at)
            if not amount:
                continue
            postings.append(Posting(
                fund=fund, kind=Kind.ACCRUAL, amount=amount, key=f"accrual:deal:{deal.pk}", occurred_on=deal.closed_at,
                reason=_("%(percent)s%% of won deal %(reference)s") % {"percent": accruing[deal.partner_id],
                                                                      "reference": deal.reference},
                deal_id=deal.pk, base_amount=base_amount, fx_rate=rate,
            ))
        written += len(ledger_post_many(postings=postings, book=book))
    return written


@transaction.atomic
def funds_expire_chunk(*, fund_ids: list[int], today: date) -> int:
    """Expire funds past their grace period: post their unused balance as expiry (once, key ``expiry``)
    and close them. Reservations stay: their activities can still be claimed. Returns funds expired."""
    funds = list(Fund.objects.select_for_update().filter(pk__in=fund_ids, status=Fund.Status.OPEN,
                                                         expires_on__lt=today).order_by("pk"))
    if not funds:
        return 0
    book = RateBook(currencies={f.currency for f in funds}, start=min(f.expires_on for f in funds), end=today)
    ledger_post_many(postings=[
        Posting(fund=f, kind=Kind.EXPIRY, amount=f.available, key="expiry", occurred_on=f.expires_on,
                reason=_("Unused balance expired at the end of the grace period"))
        for f in funds if f.available > 0
    ], book=book)
    # ledger_post_many moved the totals of the funds it posted on; a fund whose expiry was skipped (no
    # exchange rate yet) stays open with its balance and the next run retries it.
    closing = [f for f in funds if f.available <= 0]
    now = timezone.now()
    for fund in closing:
        fund.status, fund.expired_at = Fund.Status.EXPIRED, now
    Fund.objects.bulk_update(closing, ["status", "expired_at"])
    return len(closing)
