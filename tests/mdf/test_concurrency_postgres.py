"""MDF money under concurrency, on PostgreSQL (real row locks; SQLite serialises every write anyway).

Fifty managers approving claims against one fund at once: each claim approved once, the ledger exact, the
available balance never below zero. Fifty pre-approvals asking for more than the fund holds: exactly as many
succeed as fit. A double click starts one claim, submits it once and creates one request; one activity approved
twice at once reserves once. Skipped on SQLite; CI runs it with DATABASE_URL set.
"""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from mdf.models import Activity, ActivityEvent, ActivityType, Claim, Fund, FundEntry
from mdf.selectors import fund_ledger_totals
from mdf.services import (
    InsufficientFunds,
    MdfError,
    activity_approve,
    activity_create,
    claim_approve,
    claim_start,
    claim_submit,
    claim_update,
    proof_add,
)
from mdf.services.ledger import TOTALS
from prm.tenancy.scoping import partner_scope
from tests.concurrency import run_together
from tests.mdf.helpers import (
    PDF_BYTES,
    activity_values,
    approved_activity,
    ended,
    fund_with,
    submitted_activity,
    submitted_claim,
    upload,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]

N = 50
SMALL = {"activity_type": ActivityType.OTHER, "planned_cost": Decimal("2000.00")}  # 1000.00 at a 50 % share


def scoped(scope, func, **kwargs):
    def call():
        with partner_scope(scope):
            return func(**kwargs)
    return call


def fund_state(fund: Fund) -> tuple[dict, dict, Fund]:
    """(recorded totals, totals re-derived from the entries, fund)."""
    with partner_scope(fund.partner_id):
        fund = Fund.objects.get(pk=fund.pk)
        return {name: getattr(fund, name) for name in TOTALS}, fund_ledger_totals(fund=fund), fund


def test_fifty_concurrent_claim_approvals_on_one_fund_spend_each_claim_once(partner_a, admin_a, manager_a):
    fund = fund_with(partner_a, Decimal("50000"))  # exactly the fifty reservations: nothing left available
    claims = []
    for i in range(N):
        activity = ended(approved_activity(partner_a, admin_a, manager_a, title=f"Event {i}", **SMALL))
        claims.append(submitted_claim(activity, admin_a, invoice=f"INV-{i:03d}", actual_cost=Decimal("2000.00")))
    recorded, _derived, fund = fund_state(fund)
    assert (recorded["reserved"], fund.available) == (Decimal("50000.00"), Decimal("0.00"))

    def approve(index):
        """Half the claims in full, half in part (the rest of their reservation goes back to the fund)."""
        claim = claims[index]
        if index % 2:
            return scoped(partner_a, claim_approve, claim=claim, actor=manager_a)()
        return scoped(partner_a, claim_approve, claim=claim, actor=manager_a, amount=Decimal("600.00"),
                      reason="Travel is not covered")()

    # Each thread approves its own claim, then its neighbour's: every claim is approved by two managers at once.
    done, lowest = threading.Event(), []

    def attempt(index):
        try:
            return approve(index)
        except Exception as error:  # noqa: BLE001 - the test counts them
            return error

    def manager(index):
        def call():
            return [attempt(index), attempt((index + 1) % N)]
        return call

    def watch():
        while not done.is_set():  # the balance as other transactions see it, while the approvals run
            _recorded, _derived, seen = fund_state(fund)
            lowest.append(seen.available)
        return None

    watcher = threading.Thread(target=lambda: (watch(), connection.close()))
    watcher.start()
    try:
        results = run_together(*(manager(i) for i in range(N)))
    finally:
        done.set()
        watcher.join(timeout=30)

    outcomes = [outcome for pair in results for outcome in (pair if isinstance(pair, list) else [pair])]
    approved = [o for o in outcomes if isinstance(o, Claim)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(approved) == N and len(refused) == N, refused[:3]
    assert all(isinstance(e, MdfError) and e.code == "state" for e in refused), refused[:3]
    assert sorted(c.pk for c in approved) == sorted(c.pk for c in claims)  # each claim approved exactly once

    recorded, derived, fund = fund_state(fund)
    assert recorded == derived  # the ledger explains every cent
    assert recorded["reserved"] == Decimal("0.00")
    assert recorded["spent"] == Decimal("1000.00") * (N // 2) + Decimal("600.00") * (N // 2)
    assert fund.available == Decimal("400.00") * (N // 2) and lowest and min(lowest) >= 0
    with partner_scope(partner_a):
        assert Claim.objects.filter(status=Claim.Status.APPROVED).count() == N
        spends = list(FundEntry.objects.filter(fund=fund, kind=FundEntry.Kind.SPEND).values_list("claim_id", flat=True))
        assert sorted(spends) == sorted(c.pk for c in claims)
        assert FundEntry.objects.filter(fund=fund, kind=FundEntry.Kind.RELEASE).count() == N // 2
        assert set(Activity.objects.values_list("status", flat=True)) == {Activity.Status.COMPLETED}


def test_fifty_concurrent_pre_approvals_reserve_only_what_the_fund_holds(partner_a, admin_a, manager_a):
    fund = fund_with(partner_a, Decimal("10500"))  # room for ten reservations of 1000, and 500 more
    activities = [submitted_activity(partner_a, admin_a, title=f"Webinar {i}", **SMALL) for i in range(N)]

    results = run_together(*(scoped(partner_a, activity_approve, activity=a, actor=manager_a) for a in activities))

    won = [r for r in results if isinstance(r, Activity)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 10 and len(refused) == N - 10
    assert all(isinstance(e, InsufficientFunds) for e in refused), [e for e in refused if not isinstance(e, InsufficientFunds)][:3]
    recorded, derived, fund = fund_state(fund)
    assert recorded == derived
    assert recorded["reserved"] == Decimal("10000.00") and fund.available == Decimal("500.00")
    with partner_scope(partner_a):
        statuses = dict(Activity.objects.values_list("pk", "status"))
        assert sorted(pk for pk, status in statuses.items() if status == Activity.Status.APPROVED) == sorted(a.pk for a in won)
        assert list(statuses.values()).count(Activity.Status.SUBMITTED) == N - 10
        assert FundEntry.objects.filter(fund=fund, kind=FundEntry.Kind.RESERVATION).count() == 10


def test_a_double_click_starts_one_claim(partner_a, admin_a, manager_a):
    fund_with(partner_a, Decimal("10000"))
    activity = ended(approved_activity(partner_a, admin_a, manager_a))

    first, second = run_together(*(scoped(partner_a, claim_start, activity=activity, actor=admin_a) for _ in range(2)))

    assert not isinstance(first, Exception) and not isinstance(second, Exception), (first, second)
    assert first[0].pk == second[0].pk and sorted([first[1], second[1]]) == [False, True]
    with partner_scope(partner_a):
        assert Claim.objects.filter(activity=activity).count() == 1


def test_a_double_click_submits_a_claim_once_and_creates_one_request(partner_a, admin_a, manager_a):
    fund_with(partner_a, Decimal("10000"))
    activity = ended(approved_activity(partner_a, admin_a, manager_a, **SMALL))
    with partner_scope(partner_a):
        claim, _created = claim_start(activity=activity, actor=admin_a)
        claim = claim_update(claim=claim, actor=admin_a, values={"actual_cost": Decimal("2000"), "invoice_number": "A-1"})
        proof_add(claim=claim, actor=admin_a, upload=upload("invoice.pdf", PDF_BYTES + b"A-1"), kind="invoice")

    submits = run_together(*(scoped(partner_a, claim_submit, claim=claim, actor=admin_a) for _ in range(2)))
    values = activity_values(title="Double-clicked request", **SMALL)
    creates = run_together(*(scoped(partner_a, activity_create, partner=partner_a, actor=admin_a, values=values,
                                    idempotency_key="form-token-1", submit=True) for _ in range(2)))

    assert all(isinstance(s, Claim) and s.status == Claim.Status.SUBMITTED for s in submits), submits
    assert not any(isinstance(c, Exception) for c in creates), creates
    assert creates[0][0].pk == creates[1][0].pk and sorted([creates[0][1], creates[1][1]]) == [False, True]
    with partner_scope(partner_a):
        assert ActivityEvent.objects.filter(activity=activity, kind=ActivityEvent.Kind.CLAIM_SUBMITTED).count() == 1
        assert Activity.objects.filter(idempotency_key="form-token-1").count() == 1


def test_one_activity_approved_twice_at_once_reserves_once(partner_a, admin_a, manager_a):
    fund = fund_with(partner_a, Decimal("10000"))
    activity = submitted_activity(partner_a, admin_a)  # 2000.00 requested

    results = run_together(
        scoped(partner_a, activity_approve, activity=activity, actor=manager_a),
        scoped(partner_a, activity_approve, activity=activity, actor=manager_a, amount=Decimal("1500"),
               reason="Catering is not covered"),
    )

    won = [r for r in results if isinstance(r, Activity)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(refused) == 1 and isinstance(refused[0], MdfError) and refused[0].code == "state"
    recorded, derived, fund = fund_state(fund)
    assert recorded == derived and recorded["reserved"] == won[0].approved_amount
    with partner_scope(partner_a):
        assert FundEntry.objects.filter(fund=fund, kind=FundEntry.Kind.RESERVATION).count() == 1
        assert Activity.objects.get(pk=activity.pk).approved_amount == won[0].approved_amount
