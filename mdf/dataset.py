"""Synthetic MDF data for load tests and ``manage.py bench`` (a generate_dataset step).

Every new active synthetic partner gets this quarter's fund and last quarter's (expired once its grace
period is over), each with its tier-like allocation, and DATASET_MDF_ACTIVITIES_PER_PARTNER activities
(default 3; the portal partner, number 1, gets PORTAL_PARTNER_ACTIVITIES) in every status, with the claims,
payments and ledger entries their status implies. The fund totals are the sums of the entries, so
``fund_ledger_totals`` agrees and every balance rule holds. Rows go in with COPY on PostgreSQL (write_rows):
funds, activities, claims, payments, entries — five statements whatever the number of partners.

``register()`` adds the step to generate_dataset (mdf/apps.py calls it once at start-up); ``reset_mdf()``
deletes the MDF rows of every synthetic partner, the append-only ledger included, in set-based SQL.
"""

import os
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from partners.management.commands.generate_dataset import PARTNER_PREFIX, DatasetContext, Step, user_email, write_rows
from partners.models import PartnerOrganization

from .duplicates import normalize_invoice_number
from .models import Activity, ActivityType, Claim, Fund, FundEntry, MdfProgram, Payment
from .periods import previous_quarter, quarter_of

STEP_NAME = "mdf"
REFERENCE_PREFIX = "SYN-MDF-"  # never what next_reference() writes (MDF-2026-00001), so no counter is needed
PORTAL_PARTNER_ACTIVITIES = 150
ALLOCATIONS = [Decimal(n) for n in (4000, 5000, 12000, 15000, 30000, 40000)]  # per quarter, base currency
# Rough rates to the base currency (synthetic data only; the same table as the synthetic registrations).
RATES = {"EUR": "1", "USD": "0.92", "GBP": "1.17", "JPY": "0.0062", "CHF": "1.04", "BRL": "0.18", "MXN": "0.054",
         "AUD": "0.61", "CAD": "0.68", "SGD": "0.69", "INR": "0.011", "SEK": "0.088"}
CENT = Decimal("0.01")

_S, _C, _K = Activity.Status, Claim.Status, FundEntry.Kind
STATUS_WEIGHTS = {_S.DRAFT.value: 8, _S.SUBMITTED.value: 12, _S.MORE_INFO.value: 4, _S.APPROVED.value: 20,
                  _S.REJECTED.value: 8, _S.CANCELLED.value: 6, _S.LAPSED.value: 6, _S.COMPLETED.value: 36}
CLAIM_WEIGHTS = {_C.PAID.value: 60, _C.APPROVED.value: 25, _C.REJECTED.value: 15}
TYPES = [t.value for t in ActivityType]
TITLES = ["Customer roundtable", "Webinar series", "Search campaign", "Trade show booth", "Case study video",
          "Partner breakfast", "Security workshop", "Newsletter sponsorship"]


def activities_per_partner() -> int:
    return max(0, int(os.environ.get("DATASET_MDF_ACTIVITIES_PER_PARTNER", "3")))


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def whole(value) -> Decimal:
    """Budgets in whole units: SQLite checks the balance constraint in floating point, where sums of cents
    can land a hair off an exactly spent fund; whole numbers add up exactly."""
    return Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP).quantize(CENT)


@dataclass(slots=True)
class FundPlan:
    partner_id: int
    label: str
    start: date
    end: date
    expires_on: date
    currency: str
    rate: Decimal
    totals: dict = field(default_factory=lambda: dict.fromkeys(("allocated", "reserved", "spent", "paid", "expired"),
                                                                Decimal("0.00")))
    entries: list = field(default_factory=list)  # (kind, amount, day, key suffix or None, activity number, claim?)

    @property
    def available(self) -> Decimal:
        t = self.totals
        return t["allocated"] - t["reserved"] - t["spent"] - t["expired"]

    def post(self, kind: str, amount: Decimal, day: date, activity: int | None = None, with_claim: bool = False):
        effects = {_K.ALLOCATION: (("allocated", 1),), _K.RESERVATION: (("reserved", 1),),
                   _K.RELEASE: (("reserved", -1),), _K.SPEND: (("reserved", -1), ("spent", 1)),
                   _K.PAYMENT: (("paid", 1),), _K.EXPIRY: (("expired", 1),)}[kind]
        for name, sign in effects:
            self.totals[name] += sign * amount
        self.entries.append((kind.value, amount, day, activity, with_claim))  # plain strings for COPY


@dataclass(slots=True)
class ActivityPlan:
    partner_id: int
    number: int
    fund_label: str | None
    status: str
    activity_type: str
    starts_on: date
    ends_on: date
    planned: Decimal
    requested: Decimal
    approved: Decimal | None
    submitted_at: object
    claim: tuple | None  # (status, claimed, approved) for completed activities


def _at(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _active_partners(ctx: DatasetContext) -> list[tuple[int, int, str]]:
    """(partner number, id, currency) of this run's active partners. One query (ids of one run are a range)."""
    numbers = {pk: number for number, pk in ctx.partner_ids.items()}
    if not numbers:
        return []
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {q('id')}, {q('currency')} FROM {q(PartnerOrganization._meta.db_table)} "
                       f"WHERE {q('id')} BETWEEN %s AND %s AND {q('status')} = %s ORDER BY {q('id')}",
                       [min(numbers), max(numbers), PartnerOrganization.Status.ACTIVE.value])
        return [(numbers[pk], pk, currency) for pk, currency in cursor.fetchall() if pk in numbers]


def plan_partner(*, partner_id: int, currency: str, count: int, rng: random.Random, today: date,
                 program: MdfProgram) -> tuple[list[FundPlan], list[ActivityPlan]]:
    """One partner's funds (last quarter's and this one's) and activities, with the entries they imply."""
    rate = Decimal(RATES.get(currency, "1"))
    grace = timedelta(days=program.fund_grace_days)
    funds = []
    for start, end, label in (previous_quarter(today), quarter_of(today)):
        fund = FundPlan(partner_id=partner_id, label=label, start=start, end=end, expires_on=end + grace,
                        currency=currency, rate=rate)
        fund.post(_K.ALLOCATION, whole(rng.choice(ALLOCATIONS) / rate), start)
        funds.append(fund)
    previous, current = funds
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    claim_statuses, claim_weights = list(CLAIM_WEIGHTS), list(CLAIM_WEIGHTS.values())
    activities = []
    for number in range(1, count + 1):
        status = rng.choices(statuses, weights)[0]
        past = status in (_S.COMPLETED, _S.LAPSED)
        fund = previous if past else current
        # Each request asks for at most 1/(count + 2) of the fund: together they never overdraw it.
        requested = whole(fund.totals["allocated"] / (count + 2) * Decimal(rng.randint(40, 100)) / 100)
        if past:
            starts = fund.start + timedelta(days=rng.randint(0, 60))
        else:
            starts = today + timedelta(days=rng.randint(-20 if status == _S.APPROVED else 5, 70))
        ends = starts + timedelta(days=rng.randint(0, 10))
        submitted = _at(min(starts - timedelta(days=30), today)) + timedelta(hours=rng.randint(8, 18))
        day = submitted.date() + timedelta(days=2)
        approved, claim = None, None
        if status in (_S.APPROVED, _S.CANCELLED, _S.LAPSED, _S.COMPLETED):
            approved = requested if rng.random() < 0.8 else whole(requested * Decimal("0.8"))
            fund.post(_K.RESERVATION, approved, min(day, today), number)
            if status in (_S.CANCELLED, _S.LAPSED):
                fund.post(_K.RELEASE, approved, min(ends + timedelta(days=program.claim_window_days + 1), today), number)
            elif status == _S.COMPLETED:
                claim_status = rng.choices(claim_statuses, claim_weights)[0]
                decided = min(ends + timedelta(days=20), today)
                claimed = approved if rng.random() < 0.7 else whole(approved * Decimal("0.9"))
                if claim_status == _C.REJECTED:
                    fund.post(_K.RELEASE, approved, decided, number, True)
                    claim = (claim_status, claimed, None)
                else:
                    granted = claimed if rng.random() < 0.8 else whole(claimed * Decimal("0.85"))
                    fund.post(_K.SPEND, granted, decided, number, True)
                    if approved > granted:
                        fund.post(_K.RELEASE, approved - granted, decided, number, True)
                    if claim_status == _C.PAID:
                        fund.post(_K.PAYMENT, granted, min(decided + timedelta(days=10), today), number, True)
                    claim = (claim_status, claimed, granted)
        activities.append(ActivityPlan(
            partner_id=partner_id, number=number, fund_label=None if status == _S.DRAFT else fund.label, status=status,
            activity_type=rng.choice(TYPES), starts_on=starts, ends_on=ends, planned=requested * 2,
            requested=requested, approved=approved, submitted_at=None if status == _S.DRAFT else submitted, claim=claim))
    if previous.expires_on < today and previous.available > 0:
        previous.post(_K.EXPIRY, previous.available, previous.expires_on + timedelta(days=1))
    return funds, activities


def _fund_rows(funds: list[FundPlan], *, today: date, now) -> Iterator[dict]:
    for f in funds:
        expired = f.expires_on < today
        yield {"partner_id": f.partner_id, "label": f.label, "period_start": f.start, "period_end": f.end,
               "expires_on": f.expires_on, "currency": f.currency,
               "status": (Fund.Status.EXPIRED if expired else Fund.Status.OPEN).value,
               "expired_at": now if expired else None, "created_at": now, **f.totals}


def _activity_rows(activities: list[ActivityPlan], *, fund_ids, creators, program, now) -> Iterator[dict]:
    window = timedelta(days=program.claim_window_days)
    for a in activities:
        decided = a.status not in (_S.DRAFT, _S.SUBMITTED, _S.MORE_INFO)
        yield {
            "partner_id": a.partner_id, "reference": f"{REFERENCE_PREFIX}{a.number:05d}",
            "fund_id": fund_ids.get((a.partner_id, a.fund_label)), "status": a.status, "activity_type": a.activity_type,
            "title": f"Synthetic: {TITLES[a.number % len(TITLES)]} {a.number}", "starts_on": a.starts_on,
            "ends_on": a.ends_on, "currency": "", "planned_cost": a.planned, "cost_share_percent": Decimal("50.00"),
            "requested_amount": a.requested, "approved_amount": a.approved, "expected_leads": 10 + a.number % 50,
            "expected_pipeline": a.requested * 10, "claim_deadline": a.ends_on + window if a.approved else None,
            "decision_reason": "Synthetic: outside the program's focus" if a.status == _S.REJECTED else "",
            "info_request": "Synthetic: which segments?" if a.status == _S.MORE_INFO else "",
            "decided_at": a.submitted_at + timedelta(days=2) if decided else None,
            "info_requested_at": a.submitted_at + timedelta(days=1) if a.status == _S.MORE_INFO else None,
            "first_submitted_at": a.submitted_at, "submitted_at": a.submitted_at,
            "created_by_id": creators.get(a.partner_id), "created_at": a.submitted_at or now,
            "updated_at": a.submitted_at or now,
        }


def _claim_rows(activities, *, activity_ids, creators, now) -> Iterator[dict]:
    for a in activities:
        if a.claim is None:
            continue
        status, claimed, granted = a.claim
        submitted = _at(a.ends_on + timedelta(days=5)) + timedelta(hours=10)
        invoice = f"SYN-{a.partner_id}-{a.number:05d}"
        yield {"partner_id": a.partner_id, "activity_id": activity_ids[(a.partner_id, a.number)], "status": status,
               "currency": "", "actual_cost": a.planned, "claimed_amount": claimed, "approved_amount": granted,
               "leads": a.number % 40, "attendees": 20 + a.number % 90, "invoice_number": invoice,
               "invoice_number_normalized": normalize_invoice_number(invoice),
               "decision_reason": "Synthetic: no proof of attendance" if status == _C.REJECTED else "",
               "submitted_at": min(submitted, now), "decided_at": min(submitted + timedelta(days=10), now),
               "paid_at": min(submitted + timedelta(days=20), now) if status == _C.PAID else None,
               "duplicate_flags": [], "created_by_id": creators.get(a.partner_id), "created_at": min(submitted, now),
               "updated_at": now}


def build_mdf(ctx: DatasetContext) -> None:
    partners = _active_partners(ctx)
    if not partners:
        return
    today = timezone.localdate(ctx.now)
    program = MdfProgram.objects.filter(pk=1).first() or MdfProgram()  # the defaults, without writing the row
    per_partner = activities_per_partner()
    currency = {pk: cur for _n, pk, cur in partners}
    creators = {pk: ctx.user_ids.get(user_email(number, 0)) for number, pk, _cur in partners}
    funds, activities = [], []
    for number, pk, cur in partners:
        count = PORTAL_PARTNER_ACTIVITIES if number == 1 and per_partner else per_partner
        partner_funds, partner_activities = plan_partner(partner_id=pk, currency=cur, count=count, rng=ctx.rng,
                                                         today=today, program=program)
        funds += partner_funds
        activities += partner_activities
    low, high = partners[0][1], partners[-1][1]
    ctx.rows["mdf funds"] = write_rows(Fund, _fund_rows(funds, today=today, now=ctx.now), now=ctx.now)
    fund_ids = {(pid, label): pk for pk, pid, label in _read(Fund, ("id", "partner_id", "label"), low, high)}
    ctx.rows["mdf activities"] = write_rows(Activity, (
        {**row, "currency": currency[row["partner_id"]]}
        for row in _activity_rows(activities, fund_ids=fund_ids, creators=creators, program=program, now=ctx.now)
    ), now=ctx.now)
    activity_ids = {(pid, int(ref.removeprefix(REFERENCE_PREFIX))): pk
                    for pk, pid, ref in _read(Activity, ("id", "partner_id", "reference"), low, high)
                    if ref.startswith(REFERENCE_PREFIX)}
    ctx.rows["mdf claims"] = write_rows(Claim, (
        {**row, "currency": currency[row["partner_id"]]}
        for row in _claim_rows(activities, activity_ids=activity_ids, creators=creators, now=ctx.now)
    ), now=ctx.now)
    claims = {activity_id: pk for pk, activity_id in _read(Claim, ("id", "activity_id"), low, high)}
    ctx.rows["mdf payments"] = write_rows(Payment, _payment_rows(activities, activity_ids, claims, currency,
                                                                 now=ctx.now), now=ctx.now)
    ctx.rows["mdf fund entries"] = write_rows(FundEntry, _entry_rows(funds, fund_ids, activity_ids, claims, now=ctx.now),
                                              now=ctx.now)


def _read(model, columns, low: int, high: int) -> list[tuple]:
    """Rows of this run's partners (their ids are the range [low, high]), raw: no scope over thousands of ids."""
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(q(c) for c in columns)} FROM {q(model._meta.db_table)} "
                       f"WHERE {q('partner_id')} BETWEEN %s AND %s", [low, high])
        return cursor.fetchall()


def _payment_rows(activities, activity_ids, claims, currency, *, now) -> Iterator[dict]:
    for a in activities:
        if a.claim is None or a.claim[0] != _C.PAID:
            continue
        claim_id, amount = claims[activity_ids[(a.partner_id, a.number)]], a.claim[2]
        rate = Decimal(RATES.get(currency[a.partner_id], "1"))
        yield {"partner_id": a.partner_id, "claim_id": claim_id,
               "paid_on": min(a.ends_on + timedelta(days=25), timezone.localdate(now)),
               "reference": f"SYN-PAY-{claim_id}", "amount": amount, "currency": currency[a.partner_id],
               "base_amount": money(amount * rate), "fx_rate": rate, "recorded_at": now}


def _entry_rows(funds: list[FundPlan], fund_ids, activity_ids, claims, *, now) -> Iterator[dict]:
    keys = {_K.ALLOCATION: "allocation:tier", _K.EXPIRY: "expiry"}
    for f in funds:
        fund_id = fund_ids[(f.partner_id, f.label)]
        for kind, amount, day, number, with_claim in f.entries:
            activity_id = activity_ids.get((f.partner_id, number)) if number else None
            claim_id = claims[activity_id] if with_claim else None
            if kind in keys:
                key = keys[kind]
            elif kind == _K.RESERVATION:
                key = f"reservation:activity:{activity_id}"
            elif claim_id is None:
                key = f"release:activity:{activity_id}"
            else:
                key = f"{'payment' if kind == _K.PAYMENT else kind}:claim:{claim_id}"
            yield {"partner_id": f.partner_id, "fund_id": fund_id, "kind": kind, "amount": amount, "currency": f.currency,
                   "base_amount": money(amount * f.rate), "base_currency": settings.BASE_CURRENCY, "fx_rate": f.rate,
                   "occurred_on": day, "key": key, "activity_id": activity_id, "claim_id": claim_id,
                   "created_at": now}


def reset_mdf() -> int:
    """Delete every MDF row of the synthetic partners, set-based. The ledger's append-only triggers are lifted
    inside this transaction and restored before it commits (as mdf.sql.ledger_purge_for_demo does)."""
    from prm.common.sql import execute_script

    from .models import ActivityEvent, MdfReferenceCounter, ProofFile
    from .sql import APPEND_ONLY_SQL

    q = connection.ops.quote_name
    synthetic = (f"SELECT {q('id')} FROM {q(PartnerOrganization._meta.db_table)} WHERE {q('name')} LIKE %s")
    params = [PARTNER_PREFIX + "%"]
    forward, reverse = APPEND_ONLY_SQL.get(connection.vendor, ("", ""))
    deleted = 0
    with transaction.atomic(), connection.cursor() as cursor:
        if reverse:
            execute_script(connection, reverse)
        cursor.execute(f"DELETE FROM {q(FundEntry._meta.db_table)} WHERE {q('partner_id')} IN ({synthetic})", params)
        deleted += cursor.rowcount
        if forward:
            execute_script(connection, forward)
        from dealreg.models import Deal

        activities = f"SELECT {q('id')} FROM {q(Activity._meta.db_table)} WHERE {q('partner_id')} IN ({synthetic})"
        cursor.execute(f"UPDATE {q(Deal._meta.db_table)} SET {q('mdf_activity_id')} = NULL "
                       f"WHERE {q('mdf_activity_id')} IN ({activities})", params)
        for model in (ProofFile, Payment, Claim, ActivityEvent, Activity, Fund, MdfReferenceCounter):
            cursor.execute(f"DELETE FROM {q(model._meta.db_table)} WHERE {q('partner_id')} IN ({synthetic})", params)
            deleted += cursor.rowcount
    return deleted


STEP = Step(name=STEP_NAME, build=build_mdf, reset=reset_mdf)


def register() -> None:
    """Add the step to generate_dataset (once; call from start-up code)."""
    from partners.management.commands.generate_dataset import STEPS

    if all(s.name != STEP_NAME for s in STEPS):
        STEPS.append(STEP)
