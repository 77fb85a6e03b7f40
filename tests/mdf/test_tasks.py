"""The MDF batch jobs through Celery (eager in tests): allocation, accrual, expiry and lapse, each with its
effect on the ledger and run twice to show it is idempotent (same ledger, same e-mails)."""

import itertools
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from dealreg.models import Deal
from dealreg.services.outcomes import deal_close_won
from mdf import tasks
from mdf.models import Activity, Claim, Fund, FundEntry
from mdf.periods import previous_quarter, quarter_of
from mdf.selectors import fund_ledger_totals
from mdf.services import activity_cancel, claim_start
from partners.models import PartnerOrganization, PartnerTier, Tier, TierProgram
from prm.common.models import ExchangeRate
from prm.notifications.models import Notification
from prm.tenancy.scoping import partner_scope
from tests.dealreg.engine_helpers import make_deal
from tests.factories import PartnerFactory, make_member
from tests.mdf.helpers import approved_activity, ended, fund_with, seed_rates, submitted_claim

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
_ranks = itertools.count(1)


@pytest.fixture(autouse=True)
def base_eur(settings):
    settings.BASE_CURRENCY = "EUR"


def funded_tier(*, allocation=None, accrual=None) -> Tier:
    program, _ = TierProgram.objects.get_or_create(code="mdf-jobs", defaults={"name": "MDF jobs"})
    rank = next(_ranks)
    return Tier.objects.create(program=program, code=f"tier-{rank}", name=f"Tier {rank}", rank=rank,
                               mdf_allocation_per_quarter=allocation, mdf_accrual_percent=accrual)


def place(partner, tier: Tier) -> None:
    with partner_scope(partner):
        PartnerTier.objects.create(partner=partner, program_id=tier.program_id, tier=tier, since=TODAY)


def ledger(partner) -> list[tuple]:
    with partner_scope(partner):
        return list(FundEntry.objects.order_by("pk").values_list("fund_id", "kind", "amount", "key"))


def fund_state(fund: Fund) -> Fund:
    with partner_scope(fund.partner_id):
        return Fund.objects.get(pk=fund.pk)


# --- allocation ------------------------------------------------------------------------------------------------

def test_allocation_converts_the_tiers_base_amount_into_each_partners_currency_once(partner_a, partner_b):
    seed_rates()
    gold = funded_tier(allocation=Decimal("10000"))
    place(partner_a, gold)
    place(partner_b, gold)
    suspended = PartnerFactory(status=PartnerOrganization.Status.SUSPENDED)
    place(suspended, gold)
    unfunded = PartnerFactory()  # no tier: the defaults give no MDF

    tasks.allocate_quarter.delay()

    start = quarter_of(TODAY)[0]
    with partner_scope(partner_b):
        entry = FundEntry.objects.select_related("fund").get(kind=FundEntry.Kind.ALLOCATION)
    rate_to_jpy = (Decimal(1) / Decimal("0.0062")).quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)
    # Yen have no minor unit: the allocation is whole yen.
    expected_yen = (Decimal("10000") * rate_to_jpy).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    assert (entry.currency, entry.amount, entry.base_amount, entry.base_currency) == (
        "JPY", expected_yen, Decimal("10000.00"), "EUR")
    assert entry.fx_rate == Decimal("0.00620000")
    assert (entry.key, entry.occurred_on) == ("allocation:tier", start)
    assert (entry.fund.currency, entry.fund.period_start, entry.fund.allocated) == ("JPY", start, expected_yen)
    with partner_scope(partner_a):
        entry_a = FundEntry.objects.get(kind=FundEntry.Kind.ALLOCATION)
    assert (entry_a.currency, entry_a.amount, entry_a.fx_rate) == ("EUR", Decimal("10000.00"), Decimal("1"))
    assert ledger(suspended) == [] and ledger(unfunded) == []

    before = (ledger(partner_a), ledger(partner_b))
    tasks.allocate_quarter.delay()
    tasks.allocate_quarter.delay(day=start.isoformat())  # another day of the same quarter
    assert (ledger(partner_a), ledger(partner_b)) == before
    assert fund_state(entry.fund).allocated == expected_yen


def test_allocation_fans_out_in_chunks_of_partners(partner_a, partner_b, monkeypatch):
    seed_rates()
    gold = funded_tier(allocation=Decimal("500"))
    place(partner_a, gold)
    place(partner_b, gold)
    seen = []
    original = tasks.allocate_chunk.run
    monkeypatch.setattr(tasks, "PARTNER_CHUNK", 1)
    monkeypatch.setattr(tasks.allocate_chunk, "run", lambda **kw: seen.append(kw["partner_ids"]) or original(**kw))
    active = PartnerOrganization.objects.filter(status=PartnerOrganization.Status.ACTIVE).count()
    assert tasks.allocate_quarter.delay().get() == active
    assert sorted(pid for chunk in seen for pid in chunk) == sorted(
        PartnerOrganization.objects.filter(status=PartnerOrganization.Status.ACTIVE).values_list("pk", flat=True))
    assert all(len(chunk) == 1 for chunk in seen)
    assert len(ledger(partner_a)) == 1 and len(ledger(partner_b)) == 1


# --- accrual ---------------------------------------------------------------------------------------------------

def won_deal(partner, *, amount: str, currency: str, closed_on) -> Deal:
    member = make_member(partner=partner).user
    deal = make_deal(partner=partner, status=Deal.Status.APPROVED, registered_by=member, currency=currency)
    with partner_scope(partner):
        return deal_close_won(deal=deal, amount=amount, currency=currency, closed_on=closed_on, actor=member)


def test_accrual_posts_the_tiers_share_of_each_won_deal_once_into_its_quarters_fund(partner_a, partner_b):
    seed_rates()
    accruing = funded_tier(accrual=Decimal("5"))
    place(partner_a, accruing)
    place(partner_b, accruing)
    this_quarter = won_deal(partner_a, amount="20000", currency="EUR", closed_on=TODAY)
    last_start = previous_quarter(TODAY)[0]
    last_quarter = won_deal(partner_a, amount="4000", currency="EUR", closed_on=last_start + timedelta(days=3))
    too_old = won_deal(partner_a, amount="9000", currency="EUR", closed_on=last_start - timedelta(days=1))
    yen = won_deal(partner_b, amount="20000", currency="EUR", closed_on=TODAY)

    tasks.accrue.delay()

    with partner_scope(partner_a):
        entries = {e.deal_id: e for e in FundEntry.objects.select_related("fund").filter(kind=FundEntry.Kind.ACCRUAL)}
    assert set(entries) == {this_quarter.pk, last_quarter.pk}, "a deal closed before the previous quarter never accrues"
    assert too_old.pk not in entries
    assert entries[this_quarter.pk].amount == Decimal("1000.00")
    assert entries[this_quarter.pk].key == f"accrual:deal:{this_quarter.pk}"
    assert entries[this_quarter.pk].fund.period_start == quarter_of(TODAY)[0]
    assert entries[last_quarter.pk].amount == Decimal("200.00")
    assert entries[last_quarter.pk].fund.period_start == last_start
    with partner_scope(partner_b):
        yen_entry = FundEntry.objects.get(kind=FundEntry.Kind.ACCRUAL)
    assert yen_entry.deal_id == yen.pk and yen_entry.currency == "JPY"
    assert (yen_entry.base_amount, yen_entry.fx_rate) == (Decimal("1000.00"), Decimal("0.00620000"))

    before = (ledger(partner_a), ledger(partner_b))
    tasks.accrue.delay()
    tasks.accrue.delay()
    assert (ledger(partner_a), ledger(partner_b)) == before
    fund = entries[this_quarter.pk].fund
    with partner_scope(partner_a):
        assert fund_ledger_totals(fund=fund_state(fund))["allocated"] == Decimal("1000.00")


# --- expiry ----------------------------------------------------------------------------------------------------

def past_grace(fund: Fund) -> Fund:
    """Move a fund's period into the past, as if its grace period ended yesterday."""
    with partner_scope(fund.partner_id):
        Fund.objects.filter(pk=fund.pk).update(period_start=TODAY - timedelta(days=150),
                                               period_end=TODAY - timedelta(days=60),
                                               expires_on=TODAY - timedelta(days=1))
    return fund_state(fund)


def test_expiry_posts_the_unused_balance_and_closes_the_fund_and_a_later_release_expires_at_once(
        partner_a, admin_a, manager_a):
    fund = fund_with(partner_a, Decimal("10000"))
    activity = ended(approved_activity(partner_a, admin_a, manager_a))  # 2000 reserved
    current = fund_with(PartnerFactory(), Decimal("100"))  # still in its period: untouched
    fund = past_grace(fund)

    tasks.expire_funds.delay()
    tasks.expire_funds.delay()

    fund = fund_state(fund)
    assert fund.status == Fund.Status.EXPIRED and fund.expired_at is not None
    assert (fund.expired, fund.reserved, fund.available) == (Decimal("8000.00"), Decimal("2000.00"), Decimal("0.00"))
    with partner_scope(partner_a):
        expiry = FundEntry.objects.get(fund=fund, kind=FundEntry.Kind.EXPIRY)
        assert (expiry.amount, expiry.key, expiry.occurred_on) == (Decimal("8000.00"), "expiry", fund.expires_on)
        activity_cancel(activity=Activity.objects.get(pk=activity.pk), actor=admin_a, reason="Event cancelled")
    fund = fund_state(fund)
    assert (fund.reserved, fund.expired, fund.available) == (Decimal("0.00"), Decimal("10000.00"), Decimal("0.00"))
    with partner_scope(partner_a):
        assert fund_ledger_totals(fund=fund)["expired"] == Decimal("10000.00")
    assert fund_state(current).status == Fund.Status.OPEN


def test_a_fund_whose_expiry_has_no_exchange_rate_stays_open_until_a_later_run(partner_b):
    seed_rates()
    fund = past_grace(fund_with(partner_b, Decimal("50000")))
    ExchangeRate.objects.all().delete()

    tasks.expire_funds.delay()
    fund = fund_state(fund)
    assert fund.status == Fund.Status.OPEN and fund.available == Decimal("50000.00")

    seed_rates()
    tasks.expire_funds.delay()
    fund = fund_state(fund)
    assert fund.status == Fund.Status.EXPIRED and fund.expired == Decimal("50000.00") and fund.available == 0


# --- lapse -----------------------------------------------------------------------------------------------------

def close_window(activity: Activity) -> Activity:
    with partner_scope(activity.partner_id):
        Activity.objects.filter(pk=activity.pk).update(claim_deadline=TODAY - timedelta(days=1))
        return Activity.objects.get(pk=activity.pk)


def test_lapse_releases_the_reservation_of_unclaimed_activities_once(partner_a, admin_a, user_a, manager_a):
    fund = fund_with(partner_a, Decimal("20000"))
    unclaimed = ended(approved_activity(partner_a, user_a, manager_a, title="Unclaimed"))
    drafted = ended(approved_activity(partner_a, admin_a, manager_a, title="Draft claim only"))
    with partner_scope(partner_a):
        claim_start(activity=drafted, actor=admin_a)
    claimed = ended(approved_activity(partner_a, admin_a, manager_a, title="Claimed"))
    submitted_claim(claimed, admin_a)
    open_window = ended(approved_activity(partner_a, admin_a, manager_a, title="Window open"))
    for activity in (unclaimed, drafted, claimed):
        close_window(activity)

    tasks.lapse_activities.delay()

    with partner_scope(partner_a):
        status = dict(Activity.objects.values_list("pk", "status"))
        assert not Claim.objects.filter(activity=drafted).exists()
        releases = set(FundEntry.objects.filter(kind=FundEntry.Kind.RELEASE).values_list("key", "amount"))
    assert status[unclaimed.pk] == status[drafted.pk] == Activity.Status.LAPSED
    assert status[claimed.pk] == status[open_window.pk] == Activity.Status.APPROVED
    assert releases == {(f"release:activity:{unclaimed.pk}", Decimal("2000.00")),
                        (f"release:activity:{drafted.pk}", Decimal("2000.00"))}
    assert fund_state(fund).reserved == Decimal("4000.00")  # the claimed one and the open one
    lapsed_mail = Notification.objects.filter(kind="mdf.activity_lapsed")
    # the creator of each and the partner's admin, each once
    assert sorted(lapsed_mail.values_list("subject_key", "recipient_id")) == sorted([
        (f"mdf.activity:{unclaimed.pk}", user_a.pk), (f"mdf.activity:{unclaimed.pk}", admin_a.pk),
        (f"mdf.activity:{drafted.pk}", admin_a.pk)])

    before, mails = ledger(partner_a), Notification.objects.count()
    tasks.lapse_activities.delay()
    assert ledger(partner_a) == before and Notification.objects.count() == mails


def test_lapse_of_one_failing_activity_does_not_stop_the_others(partner_a, admin_a, manager_a, monkeypatch):
    fund_with(partner_a, Decimal("20000"))
    first = close_window(ended(approved_activity(partner_a, admin_a, manager_a, title="First")))
    second = close_window(ended(approved_activity(partner_a, admin_a, manager_a, title="Second")))
    from mdf import services

    real = services.activity_lapse

    def flaky(*, activity_id, today):
        if activity_id == first.pk:
            raise RuntimeError("boom")
        return real(activity_id=activity_id, today=today)

    monkeypatch.setattr(services, "activity_lapse", flaky)
    result = tasks.lapse_activities_chunk.delay(ids=[first.pk, second.pk], partner_ids=[partner_a.pk],
                                                today=TODAY.isoformat()).get()
    assert result == {"lapsed": 1, "skipped": 0, "failed": 1}
    with partner_scope(partner_a):
        assert Activity.objects.get(pk=second.pk).status == Activity.Status.LAPSED
        assert Activity.objects.get(pk=first.pk).status == Activity.Status.APPROVED


def test_every_mdf_job_is_scheduled():
    from prm.schedule import BEAT_SCHEDULE

    scheduled = {job["task"] for job in BEAT_SCHEDULE.values()}
    assert {"mdf.allocate_quarter", "mdf.accrue", "mdf.expire_funds", "mdf.lapse_activities", "mdf.nudges"} <= scheduled
