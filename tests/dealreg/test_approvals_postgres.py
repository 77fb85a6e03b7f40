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


# --- per-customer decision locks --------------------------------------------------------------------------

NAMES = [
    "acme rockets", "acme rocket", "acme rocket systems", "acme", "akme rockets", "initech", "initech software",
    "inittech", "globex", "globex international", "globex intl", "umbrella", "umbrella pharma", "umbrela pharma",
    "stark industries", "stark industry", "wayne enterprises", "wayne enterprise", "wonka", "wonka chocolate",
    "cyberdyne systems", "cyberdyne", "soylent", "soylent green", "tyrell", "tyrell genetics", "hooli", "hooli xyz",
    "pied piper", "pied pipers", "vandelay industries", "vandelay import export", "muller", "mueller", "nakatomi",
    "nakatomi trading", "oceanic airlines", "oceanic air", "los pollos hermanos", "pollos hermanos",
]


def _similarities(names: list[str]) -> dict[tuple[str, str], float]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT a, b, similarity(a, b) FROM unnest(%s::text[]) a, unnest(%s::text[]) b WHERE a < b",
                       [names, names])
        return {(a, b): sim for a, b, sim in cursor.fetchall()}


def test_customers_the_engine_could_call_conflicting_always_share_a_lock_key():
    from dealreg.conflicts import name_threshold
    from dealreg.services.locks import Customer, lock_keys

    keys = {name: lock_keys([Customer(name=name, domain="")]) for name in NAMES}
    similar = [(a, b) for (a, b), sim in _similarities(NAMES).items() if sim >= name_threshold()]
    assert len(similar) >= 15  # the corpus has plenty of near-duplicates
    assert [(a, b) for a, b in similar if not keys[a] & keys[b]] == []
    # the same domain always shares its key, whatever the names
    assert lock_keys([Customer(name="initech", domain="acme.com")]) & lock_keys([Customer(name="globex",
                                                                                          domain="acme.com")])
    # unrelated customers do not
    assert not keys["initech"] & keys["globex"] and not keys["acme rockets"] & keys["umbrella pharma"]


def _hold_customer_locks(deal, partner, holding, release):
    """In its own connection: take ``deal``'s decision locks as an approval in progress would, until released."""
    from django.db import connections, transaction

    from dealreg.services.locks import decision_lock_for

    def run():
        try:
            with partner_scope(partner), transaction.atomic():
                decision_lock_for(deal)
                holding.set()
                release.wait(15)
        finally:
            connections.close_all()

    return run


def _approve_with_lock_timeout(deal, partner, actor):
    from django.db import transaction

    with partner_scope(partner), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '1500ms'")
        return deal_approve(deal=deal, actor=actor)


def test_unrelated_approvals_do_not_wait_for_each_other(partner_a, partner_b, manager_a, operator):
    import threading

    from django.db.utils import OperationalError

    from .registration_helpers import set_policy

    set_policy(conflict_block_score=30)  # so that a similar name alone blocks an approval
    held = submitted(partner_b, customer_name="Acme Rockets", customer_domain="acme-rockets.com")
    unrelated = submitted(partner_a, customer_name="Initech Software", customer_domain="initech.io")
    similar = submitted(partner_a, customer_name="Acme Rocket", customer_domain="acme-rocket.io")
    holding, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_customer_locks(held, partner_b, holding, release))
    holder.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        assert _approve_with_lock_timeout(unrelated, partner_a, manager_a).status == Deal.Status.APPROVED
        assert time.monotonic() - started < 1.0
        # a customer the engine could call conflicting (similar name, another domain) waits for the holder
        with pytest.raises(OperationalError, match="lock timeout"):
            _approve_with_lock_timeout(similar, partner_a, manager_a)
    finally:
        release.set()
        holder.join(15)
    with unscoped():
        assert Deal.objects.get(pk=similar.pk).status == Deal.Status.SUBMITTED
    assert deal_approve_in_scope(similar, partner_a, manager_a).status == Deal.Status.APPROVED


def deal_approve_in_scope(deal, partner, actor):
    with partner_scope(partner):
        return deal_approve(deal=deal, actor=actor)


def test_conflicting_by_name_only_approved_at_once_exactly_one_wins(partner_a, partner_b, manager_a, operator,
                                                                     monkeypatch):
    """Different domains, similar names: the case a lock on the exact domain and name alone would miss."""
    from .registration_helpers import set_policy

    set_policy(conflict_block_score=30)
    mine = submitted(partner_a, customer_name="Vandelay Industries", customer_domain="vandelay-industries.com")
    theirs = submitted(partner_b, customer_name="Vandelay Industry", customer_domain="vandelay.io")
    real_check = approvals.check_conflicts

    def slow_check(*, deal):
        summary = real_check(deal=deal)
        time.sleep(0.3)
        return summary

    monkeypatch.setattr(approvals, "check_conflicts", slow_check)
    results = run_together(lambda: deal_approve_in_scope(mine, partner_a, manager_a),
                           lambda: deal_approve_in_scope(theirs, partner_b, operator))
    assert sorted(type(result).__name__ for result in results) == ["Deal", "DealConflictError"], results


def test_two_similar_customers_submitted_at_once_both_see_the_conflict(partner_a, partner_b):
    mine = draft(partner_a, customer_name="Blue Sunshine Systems", customer_domain="bluesunshine.com")
    theirs = draft(partner_b, customer_name="Blue Sunshine System", customer_domain="blue-sunshine.io")

    def submit(deal, partner):
        def call():
            with partner_scope(partner):
                return deal_submit(deal=deal, actor=deal.registered_by)
        return call

    results = run_together(submit(mine, partner_a), submit(theirs, partner_b))
    assert all(isinstance(r, Deal) for r in results), results
    with unscoped():
        flags = list(Deal.objects.filter(pk__in=[mine.pk, theirs.pk]).values_list("has_conflict", flat=True))
    assert flags == [True, True]
