"""The approval SLA: business hours (Mon–Fri 9–17 UTC), the overdue cut-off, and the one-time escalation to the
region's other channel managers."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from dealreg.models import Deal
from dealreg.services.approvals import deal_request_more_info
from dealreg.services.escalation import deals_escalate_overdue
from dealreg.services.registration import deal_submit
from dealreg.sla import business_cutoff, business_hours_between, is_overdue
from prm.accounts.models import User
from prm.common.models import AuditEvent
from prm.notifications.models import Notification
from prm.tenancy.scoping import partner_scope, unscoped
from tests.factories import PartnerFactory, StaffFactory

from .registration_helpers import WEDNESDAY, submitted


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in the week of 2 March 2026 (Monday = 2)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize("start, end, hours", [
    (at(4, 10), at(4, 12, 30), 2.5),            # within a day
    (at(4, 7), at(4, 20), 8),                   # before opening to after closing: one working day
    (at(6, 16), at(9, 10), 2),                  # Friday 16:00 to Monday 10:00: the weekend does not count
    (at(7, 10), at(8, 18), 0),                  # Saturday to Sunday
    (at(4, 10), at(4, 9), 0),                   # end before start
    (at(2, 9), at(2, 9) + timedelta(weeks=3), 120),  # three full weeks
    (at(4, 10), at(4, 10) + timedelta(days=15, hours=1), 89),  # long waits skip whole weeks correctly
])
def test_business_hours_between(start, end, hours):
    assert business_hours_between(start, end) == pytest.approx(hours)


def test_business_hours_read_any_time_zone_as_utc():
    from zoneinfo import ZoneInfo

    tokyo = ZoneInfo("Asia/Tokyo")
    start = datetime(2026, 3, 4, 19, 0, tzinfo=tokyo)  # 10:00 UTC
    assert business_hours_between(start, at(4, 12)) == pytest.approx(2)


def test_cutoff_matches_the_measure():
    assert business_cutoff(at(9, 10), 24) == at(4, 10)  # Monday 10:00 minus 24 business hours: Wednesday 10:00
    assert business_cutoff(at(9, 9), 8) == at(5, 17)  # used up exactly at an opening: the previous close
    rng = random.Random(4)
    for _ in range(2000):
        now = at(2, 0) + timedelta(minutes=rng.randrange(60 * 24 * 30))
        hours = rng.choice([0.5, 1, 8, 24, 40])
        cutoff = business_cutoff(now, hours)
        for moment in (now - timedelta(minutes=rng.randrange(60 * 24 * 20)), cutoff, cutoff - timedelta(seconds=1)):
            assert (business_hours_between(moment, now) > hours) == (moment < cutoff), (now, hours, moment)


def test_is_overdue(settings):
    settings.DEALREG_SLA_BUSINESS_HOURS = 8
    assert not is_overdue(at(4, 10), now=at(5, 10))  # exactly 8 business hours
    assert is_overdue(at(4, 10), now=at(5, 10, 1))
    assert not is_overdue(None, now=at(5, 10))


@pytest.mark.django_db
def test_overdue_registrations_escalate_once_to_the_regions_other_managers(partner_a, manager_a, region_a, region_b,
                                                                           settings):
    settings.DEALREG_SLA_BUSINESS_HOURS = 24
    partner_a.channel_manager = manager_a
    partner_a.save()
    colleague = StaffFactory(email="colleague.emea@example.com")
    colleague.regions.add(region_a)
    elsewhere = StaffFactory(email="manager.apac@example.com")
    elsewhere.regions.add(region_b)
    StaffFactory(email="gone.emea@example.com", is_active=False).regions.add(region_a)
    executive = StaffFactory(email="boss@example.com", staff_role=User.StaffRole.EXECUTIVE)
    executive.regions.add(region_a)

    late = submitted(partner_a, now=WEDNESDAY)
    fresh = submitted(partner_a, now=WEDNESDAY + timedelta(days=1))
    now = WEDNESDAY + timedelta(days=5, hours=1)  # Monday 11:00: late waited 7 + 8 + 8 + 2 = 25 business hours
    with unscoped():
        assert deals_escalate_overdue(now=now) == 1
        assert deals_escalate_overdue(now=now) == 0  # a second run escalates nothing
        late.refresh_from_db()
        fresh.refresh_from_db()
    assert late.sla_escalated_at == now and fresh.sla_escalated_at is None
    (sent,) = Notification.objects.filter(kind="dealreg.approval_overdue")
    assert sent.recipient == colleague  # not the assigned manager, not other regions, executives or inactive staff
    assert sent.context["reference"] == late.reference and sent.context["waited_hours"] == 25.0
    assert f"/admin/dealreg/deal/{late.pk}/decide/" in sent.context["admin_url"]
    assert AuditEvent.objects.filter(action="dealreg.deal.escalated").count() == 1


@pytest.mark.django_db
def test_the_assigned_manager_hears_it_when_alone_in_the_region(region_a, manager_a):
    partner = PartnerFactory(region=region_a, channel_manager=manager_a)
    deal = submitted(partner, now=WEDNESDAY)
    with unscoped():
        deals_escalate_overdue(now=WEDNESDAY + timedelta(days=7))
    assert list(Notification.objects.filter(kind="dealreg.approval_overdue").values_list("recipient", flat=True)) == [
        manager_a.pk]
    assert deal.reference


@pytest.mark.django_db
def test_a_new_wait_after_more_information_can_escalate_again(partner_a, manager_a, region_a):
    colleague = StaffFactory(email="colleague.emea@example.com")
    colleague.regions.add(region_a)
    deal = submitted(partner_a, now=WEDNESDAY)
    with unscoped():
        deals_escalate_overdue(now=WEDNESDAY + timedelta(days=7))
    with partner_scope(partner_a):
        deal = deal_request_more_info(deal=deal, actor=manager_a, message="Which products exactly?")
        deal = deal_submit(deal=deal, actor=deal.registered_by, now=WEDNESDAY + timedelta(days=8))
    assert deal.sla_escalated_at is None
    with unscoped():
        # waiting for the partner (more information) never escalates; the new wait does, once
        assert deals_escalate_overdue(now=WEDNESDAY + timedelta(days=14)) == 1
        assert deals_escalate_overdue(now=WEDNESDAY + timedelta(days=15)) == 0
    assert Notification.objects.filter(kind="dealreg.approval_overdue", recipient=colleague).count() == 2
    assert deal.status == Deal.Status.SUBMITTED
