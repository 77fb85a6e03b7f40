"""The money path end to end through the services: request → pre-approval → claim → payment, with the
ledger explaining every cent, and the balance rules that refuse overspending."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mdf.models import Activity, Claim, Fund, FundEntry
from mdf.selectors import balances_for, fund_ledger_totals
from mdf.services import (
    InsufficientFunds,
    MdfError,
    activity_approve,
    activity_cancel,
    claim_approve,
    claim_reject,
    payment_record,
)
from prm.tenancy.scoping import partner_scope
from tests.mdf.helpers import (
    activity_values,
    approved_activity,
    ended,
    fund_with,
    submitted_activity,
    submitted_claim,
)

pytestmark = pytest.mark.django_db


def totals(fund):
    fund.refresh_from_db()
    return {f: getattr(fund, f) for f in ("allocated", "reserved", "spent", "paid", "expired")}


def test_request_claim_payment_moves_the_ledger_and_it_explains_every_cent(partner_a, admin_a, manager_a):
    fund = fund_with(partner_a, Decimal("10000"))
    activity = approved_activity(partner_a, admin_a, manager_a)  # 4000 planned at 50% → 2000 reserved
    assert activity.status == Activity.Status.APPROVED and activity.approved_amount == Decimal("2000.00")
    assert totals(fund)["reserved"] == Decimal("2000.00")
    activity = ended(activity)
    claim = submitted_claim(activity, admin_a, claimed=Decimal("1500.00"))
    with partner_scope(partner_a):
        claim = claim_approve(claim=claim, actor=manager_a)
        payment_record(claim=claim, actor=manager_a, paid_on=timezone.localdate(), reference="PAY-77")
        fund.refresh_from_db()
        assert totals(fund) == {"allocated": Decimal("10000.00"), "reserved": Decimal("0.00"),
                                "spent": Decimal("1500.00"), "paid": Decimal("1500.00"), "expired": Decimal("0.00")}
        assert fund.available == Decimal("8500.00")
        assert fund_ledger_totals(fund=fund) == totals(fund)
        kinds = list(FundEntry.objects.filter(fund=fund).values_list("kind", "amount"))
        assert kinds == [("allocation", Decimal("10000.00")), ("reservation", Decimal("2000.00")),
                         ("spend", Decimal("1500.00")), ("release", Decimal("500.00")), ("payment", Decimal("1500.00"))]
        assert Claim.objects.get(pk=claim.pk).status == Claim.Status.PAID
        assert balances_for(partner=partner_a, today=timezone.localdate()).available == Decimal("8500.00")


def test_submission_is_refused_beyond_the_available_balance_and_nothing_is_saved(partner_a, admin_a):
    fund_with(partner_a, Decimal("1000"))
    with pytest.raises(InsufficientFunds):
        submitted_activity(partner_a, admin_a, planned_cost=Decimal("5000"))
    with partner_scope(partner_a):
        assert not Activity.objects.exists()


def test_two_approvals_cannot_reserve_past_the_balance(partner_a, admin_a, manager_a):
    fund = fund_with(partner_a, Decimal("3000"))
    first = submitted_activity(partner_a, admin_a)
    second = submitted_activity(partner_a, admin_a, title="Second")
    with partner_scope(partner_a):
        activity_approve(activity=first, actor=manager_a)
        with pytest.raises(InsufficientFunds):
            activity_approve(activity=second, actor=manager_a)
        assert Activity.objects.get(pk=second.pk).status == Activity.Status.SUBMITTED
    assert totals(fund)["reserved"] == Decimal("2000.00")


def test_the_database_refuses_a_negative_available_balance(partner_a):
    fund = fund_with(partner_a, Decimal("100"))
    with partner_scope(partner_a), pytest.raises(IntegrityError), transaction.atomic():
        Fund.objects.filter(pk=fund.pk).update(reserved=Decimal("100.01"))


def test_ledger_entries_are_append_only_in_the_database(partner_a):
    fund = fund_with(partner_a, Decimal("100"))
    with partner_scope(partner_a):
        entry = FundEntry.objects.get(fund=fund)
        with pytest.raises(Exception) as update_error, transaction.atomic():
            FundEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1"))
        assert "append-only" in str(update_error.value)
        with pytest.raises(Exception) as delete_error, transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM mdf_fundentry WHERE id = %s", [entry.pk])
        assert "append-only" in str(delete_error.value)


def test_partial_pre_approval_needs_a_reason(partner_a, admin_a, manager_a):
    fund_with(partner_a, Decimal("10000"))
    activity = submitted_activity(partner_a, admin_a)
    with partner_scope(partner_a):
        with pytest.raises(MdfError) as error:
            activity_approve(activity=activity, actor=manager_a, amount=Decimal("1000"))
        assert "reason" in error.value.message_dict
        activity = activity_approve(activity=activity, actor=manager_a, amount=Decimal("1000"), reason="Half the venue")
        assert activity.approved_amount == Decimal("1000.00")


def test_rejected_claim_and_cancelled_activity_release_their_reservation(partner_a, admin_a, manager_a):
    fund = fund_with(partner_a, Decimal("10000"))
    rejected = ended(approved_activity(partner_a, admin_a, manager_a))
    claim = submitted_claim(rejected, admin_a)
    cancelled = approved_activity(partner_a, admin_a, manager_a, title="Cancelled one")
    with partner_scope(partner_a):
        claim_reject(claim=claim, actor=manager_a, reason="No attendee list")
        activity_cancel(activity=cancelled, actor=admin_a)
    assert totals(fund)["reserved"] == Decimal("0.00")
    with partner_scope(partner_a):
        assert fund_ledger_totals(fund=fund) == totals(fund)


def test_a_second_submit_of_the_same_claim_changes_nothing(partner_a, admin_a, manager_a):
    from mdf.services import claim_start, claim_submit

    fund_with(partner_a, Decimal("10000"))
    activity = ended(approved_activity(partner_a, admin_a, manager_a))
    claim = submitted_claim(activity, admin_a)
    with partner_scope(partner_a):
        again, created = claim_start(activity=activity, actor=admin_a)
        assert (again.pk, created) == (claim.pk, False)
        assert claim_submit(claim=claim, actor=admin_a).status == Claim.Status.SUBMITTED
        assert Claim.objects.count() == 1


def test_cancelling_an_activity_discards_its_draft_claim_and_the_stored_proof(
        partner_a, admin_a, manager_a, django_capture_on_commit_callbacks):
    from mdf.models import ProofFile
    from mdf.services import claim_start, proof_add
    from tests.mdf.helpers import PDF_BYTES, upload

    fund_with(partner_a, Decimal("10000"))
    activity = ended(approved_activity(partner_a, admin_a, manager_a))
    with partner_scope(partner_a):
        claim, _ = claim_start(activity=activity, actor=admin_a)
        proof = proof_add(claim=claim, actor=admin_a, upload=upload("invoice.pdf", PDF_BYTES), kind="invoice")
        storage, name = proof.file.storage, proof.file.name
        assert storage.exists(name)
        with django_capture_on_commit_callbacks(execute=True):
            activity_cancel(activity=activity, actor=admin_a)
        assert not ProofFile.objects.exists() and not Claim.objects.exists()
    assert not storage.exists(name)


def test_a_fund_can_be_spent_to_exactly_zero_with_cents(partner_a, admin_a):
    """SQLite sums decimals in floating point (495000 + 1877591.82 = 2372591.8200000003): an exact zero
    balance must still pass the database's non-negative check."""
    from mdf.services.ledger import fund_lock, ledger_post

    fund = fund_with(partner_a, Decimal("2372591.82"))
    with partner_scope(partner_a), transaction.atomic():
        locked = fund_lock(fund_id=fund.pk)
        ledger_post(fund=locked, kind=FundEntry.Kind.RESERVATION, amount=Decimal("495000"), key="r",
                    occurred_on=timezone.localdate())
        ledger_post(fund=locked, kind=FundEntry.Kind.EXPIRY, amount=Decimal("1877591.82"), key="e",
                    occurred_on=timezone.localdate())
    fund.refresh_from_db()
    assert fund.available == Decimal("0.00")


def test_amounts_are_rounded_to_the_currency_minor_unit(partner_b, admin_b):
    """A yen fund has no cents: a vendor share of 33.3 % of 1,000 JPY is 333 JPY, not 333.33."""
    from mdf.services import activity_create

    fund_with(partner_b, Decimal("100000.40"))
    with partner_scope(partner_b):
        activity, _ = activity_create(partner=partner_b, actor=admin_b,
                                      values=activity_values(planned_cost=Decimal("1000.40")))
        Activity.objects.filter(pk=activity.pk).update(cost_share_percent=Decimal("33.30"))
        from mdf.services import activity_update

        activity = activity_update(activity=Activity.objects.get(pk=activity.pk), actor=admin_b, values={})
        assert activity.planned_cost == Decimal("1000") and activity.requested_amount == Decimal("333")
        assert Fund.objects.get(partner=partner_b).allocated == Decimal("100000")
