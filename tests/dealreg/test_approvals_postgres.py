"""Concurrency on PostgreSQL (real row locks and advisory locks; SQLite serialises every write anyway).

Two managers approving conflicting registrations at once: exactly one wins. Two partners registering the same
customer at once: both stored, both see the conflict. Two expiry sweeps at once: nothing expired twice.
Skipped on SQLite; the lead's CI runs it with DATABASE_URL set.
"""

import time

import pytest
from django.db import connection

from dealreg import sql
from dealreg.models import Deal, DealEvent
from dealreg.services import approvals
from dealreg.services.approvals import deal_approve
from dealreg.services.errors import DealConflictError
from dealreg.services.protection import protection_expire_due
from dealreg.services.registration import deal_submit
from prm.notifications.models import Notification
from prm.tenancy.scoping import partner_scope, unscoped
from tests.concurrency import run_together

from .registration_helpers import approved, days_from_today, draft, submitted

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def trigram_sql(transactional_db):
    """Tests run with --nomigrations: apply the extension and indexes the migration will carry, if missing."""
    with connection.cursor() as cursor:
        for statement in sql.FORWARD["postgresql"]:
            cursor.execute(statement)


def test_two_managers_approving_conflicting_registrations_at_once_exactly_one_wins(
        partner_a, partner_b, manager_a, operator, monkeypatch):
    mine = submitted(partner_a, customer_name="Acme Rockets", customer_domain="acme-rockets.com")
    theirs = submitted(partner_b, customer_name="Acme Rockets Ltd", customer_domain="acme-rockets.com")
    real_check = approvals.check_conflicts

    def slow_check(*, deal):
        summary = real_check(deal=deal)
        time.sleep(0.3)  # without the decision lock, both approvals would pass their checks in this window
        return summary

    monkeypatch.setattr(approvals, "check_conflicts", slow_check)

    def approve(deal, partner, actor):
        def call():
            with partner_scope(partner):
                return deal_approve(deal=deal, actor=actor)
        return call

    results = run_together(approve(mine, partner_a, manager_a), approve(theirs, partner_b, operator))
    outcomes = sorted(type(result).__name__ for result in results)
    assert outcomes == ["Deal", "DealConflictError"], results
    with unscoped():
        statuses = sorted(Deal.objects.filter(pk__in=[mine.pk, theirs.pk]).values_list("status", flat=True))
    assert statuses == [Deal.Status.APPROVED, Deal.Status.SUBMITTED]
    assert isinstance(next(r for r in results if isinstance(r, Exception)), DealConflictError)


def test_two_partners_registering_the_same_customer_at_once_are_both_stored_and_see_the_conflict(
        partner_a, partner_b):
    mine = draft(partner_a, customer_name="Blue Sun Corporation", customer_domain="bluesun.com")
    theirs = draft(partner_b, customer_name="Blue Sun Corp", customer_domain="bluesun.com")

    def submit(deal, partner):
        def call():
            with partner_scope(partner):
                return deal_submit(deal=deal, actor=deal.registered_by)
        return call

    results = run_together(submit(mine, partner_a), submit(theirs, partner_b))
    assert all(isinstance(r, Deal) for r in results), results
    with unscoped():
        rows = list(Deal.objects.filter(pk__in=[mine.pk, theirs.pk]).values_list("status", "has_conflict"))
    # the submissions are serialised: the second sees the first and marks both
    assert sorted(rows) == [(Deal.Status.SUBMITTED, True), (Deal.Status.SUBMITTED, True)]


def test_two_expiry_sweeps_at_once_expire_each_registration_once(partner_a, partner_b):
    deals = [approved(partner_a), approved(partner_b), approved(partner_a)]
    with unscoped():
        Deal.objects.filter(pk__in=[d.pk for d in deals]).update(protected_until=days_from_today(-1))
    today = days_from_today(0)

    def sweep():
        with unscoped():
            return protection_expire_due(today=today, chunk_size=1)

    results = run_together(sweep, sweep)
    assert sum(results) == 3, results
    with unscoped():
        assert DealEvent.objects.filter(kind=DealEvent.Kind.EXPIRED).count() == 3
        assert set(Deal.objects.filter(pk__in=[d.pk for d in deals]).values_list("status", flat=True)) == {"expired"}
    assert Notification.objects.filter(kind="dealreg.protection_expired").count() == 3
