"""Manager decisions: approve (rules of engagement, vendor accounts, protection by tier), reject with a reason,
ask for more, bulk; each audited and e-mailed to the partner in each person's language."""

import sys
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dealreg.models import Deal, DealEvent, DealRegistrationPolicy
from dealreg.services import protection
from dealreg.services.approvals import deal_approve, deal_reject, deal_request_more_info, deals_bulk_approve
from dealreg.services.errors import DealConflictError, DealStateError
from dealreg.services.protection import protection_days_for
from dealreg.services.registration import deal_submit, deal_update, deal_withdraw
from partners.models import Membership
from prm.common.models import AuditEvent
from prm.notifications.models import Notification
from prm.tenancy.scoping import partner_scope
from tests.factories import make_member

from .engine_helpers import make_account
from .registration_helpers import approved, rejection_reason, set_policy, submitted

pytestmark = pytest.mark.django_db


def notifications(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind).select_related("recipient").order_by("email"))


# --- protection period ---------------------------------------------------------------------------------------


def test_protection_days_default_without_a_tier(partner_a):
    with partner_scope(partner_a):
        assert protection_days_for(partner_a) == 90


def test_protection_days_fall_back_when_tier_benefits_cannot_be_imported(partner_a, settings, monkeypatch):
    settings.DEALREG_DEFAULT_PROTECTION_DAYS = 45
    monkeypatch.setitem(sys.modules, "partners.tiers.benefits", None)  # any import of it raises ImportError
    assert protection.tier_benefits_for(partner_a) is None
    assert protection_days_for(partner_a) == 45


def test_approval_protects_for_the_tiers_days(partner_a, manager_a, monkeypatch):
    monkeypatch.setattr(protection, "tier_benefits_for",
                        lambda partner: SimpleNamespace(deal_protection_days=120, tier_rank=3))
    deal = submitted(partner_a)
    with partner_scope(partner_a):
        deal = deal_approve(deal=deal, actor=manager_a, note="Go for it")
    assert deal.status == Deal.Status.APPROVED
    assert deal.protected_until == timezone.localdate() + timedelta(days=120)
    assert deal.decided_by == manager_a and deal.decision_reason == "Go for it"
    assert deal.approved_value == deal.value
    with partner_scope(partner_a):
        event = deal.events.get(kind=DealEvent.Kind.APPROVED)
    assert event.actor == manager_a and event.data["note"] == "Go for it"
    assert AuditEvent.objects.filter(action="dealreg.deal.approved", target_id=str(deal.pk), actor=manager_a).exists()


def test_decision_is_emailed_to_the_registrant_and_the_partner_admins_in_their_language(partner_a, admin_a, manager_a):
    admin_a.preferred_language = "ja"
    admin_a.save()
    second_admin = make_member(partner=partner_a, role=Membership.Role.ADMIN).user
    removed_admin = make_member(partner=partner_a, role=Membership.Role.ADMIN, is_active=False).user
    deal = submitted(partner_a)
    deal.registered_by.preferred_language = "de"
    deal.registered_by.save()
    with partner_scope(partner_a):
        deal_approve(deal=deal, actor=manager_a)
    sent = notifications("dealreg.deal_approved")
    assert {n.email for n in sent} == {deal.registered_by.email, admin_a.email, second_admin.email}
    assert removed_admin.email not in {n.email for n in sent}
    languages = {n.email: n.language for n in sent}
    assert languages[admin_a.email] == "ja" and languages[deal.registered_by.email] == "de"
    assert all(n.status == Notification.Status.SENT or n.status == Notification.Status.PENDING for n in sent)
    assert all(n.context["reference"] == deal.reference and n.context["protected_until"] for n in sent)


def test_reapproval_keeps_the_running_protection(partner_a, manager_a):
    deal = approved(partner_a, manager=manager_a)
    first_end = deal.protected_until
    with partner_scope(partner_a):
        deal = deal_update(deal=deal, actor=deal.registered_by, values={"customer_domain": "moved-domain.com"})
        assert deal.status == Deal.Status.SUBMITTED
        deal = deal_approve(deal=deal, actor=manager_a)
    assert deal.protected_until == first_end


# --- rules of engagement ---------------------------------------------------------------------------------


def test_first_approved_registration_wins(partner_a, partner_b, manager_a, operator):
    mine = submitted(partner_a, customer_name="Umbrella Corp", customer_domain="umbrella.com")
    theirs = submitted(partner_b, customer_name="Umbrella Corporation", customer_domain="umbrella.com")
    with partner_scope(partner_b):
        deal_approve(deal=theirs, actor=operator)
    with partner_scope(partner_a), pytest.raises(DealConflictError) as error:
        deal_approve(deal=mine, actor=manager_a)
    assert error.value.code == "protected"
    with partner_scope(partner_a):
        mine.refresh_from_db()
    assert mine.status == Deal.Status.SUBMITTED and mine.protected_until is None
    assert not notifications("dealreg.deal_approved") or all(n.partner_id == partner_b.pk
                                                              for n in notifications("dealreg.deal_approved"))


def test_a_withdrawn_protection_no_longer_blocks(partner_a, partner_b, manager_a, operator):
    theirs = approved(partner_b, customer_name="Hooli", customer_domain="hooli.com")
    mine = submitted(partner_a, customer_name="Hooli", customer_domain="hooli.com")
    with partner_scope(partner_b):
        deal_withdraw(deal=theirs, actor=theirs.registered_by)
    with partner_scope(partner_a):
        assert deal_approve(deal=mine, actor=manager_a).status == Deal.Status.APPROVED


def test_matches_below_the_blocking_score_do_not_block(partner_a, partner_b, manager_a):
    approved(partner_b, customer_name="Vandelay Industries", customer_domain="vandelay.com", customer_country="FR")
    mine = submitted(partner_a, customer_name="Kramerica", customer_domain="vandelay.com")
    assert mine.has_conflict and 0 < mine.conflict_score < 100
    set_policy(conflict_block_score=mine.conflict_score + 1)
    with partner_scope(partner_a):
        deal = deal_approve(deal=mine, actor=manager_a)
    assert deal.status == Deal.Status.APPROVED and deal.has_conflict


@pytest.mark.parametrize("rule, outcome", [
    (DealRegistrationPolicy.VendorAccountRule.ALLOWED, "approved"),
    (DealRegistrationPolicy.VendorAccountRule.CO_SELL, "co_sell"),
    (DealRegistrationPolicy.VendorAccountRule.REFUSED, "refused"),
])
def test_vendor_direct_accounts_follow_the_policy(partner_a, manager_a, rule, outcome):
    set_policy(vendor_account_rule=rule)
    make_account(name="Wayne Enterprises", domain="wayne.com", country="DE")
    deal = submitted(partner_a, customer_name="Wayne Enterprises", customer_domain="wayne.com")
    assert deal.has_conflict
    with partner_scope(partner_a):
        if outcome == "refused":
            with pytest.raises(DealConflictError) as error:
                deal_approve(deal=deal, actor=manager_a)
            assert error.value.code == "vendor_account"
            return
        deal = deal_approve(deal=deal, actor=manager_a)
    assert deal.status == Deal.Status.APPROVED
    assert deal.is_co_sell is (outcome == "co_sell")
    sent = notifications("dealreg.deal_approved")
    assert sent and all(n.context["co_sell"] is (outcome == "co_sell") for n in sent)


def test_only_waiting_registrations_are_decided(partner_a, manager_a):
    deal = approved(partner_a)
    reason = rejection_reason()
    with partner_scope(partner_a):
        with pytest.raises(DealStateError):
            deal_approve(deal=deal, actor=manager_a)
        with pytest.raises(DealStateError):
            deal_reject(deal=deal, actor=manager_a, reason=reason)
        with pytest.raises(DealStateError):
            deal_request_more_info(deal=deal, actor=manager_a, message="?")


# --- reject, ask for more ----------------------------------------------------------------------------------


def test_reject_needs_a_reason_and_tells_the_partner_in_their_language(partner_a, manager_a):
    deal = submitted(partner_a)
    deal.registered_by.preferred_language = "ja"
    deal.registered_by.save()
    duplicate = rejection_reason("duplicate")
    other = rejection_reason("other", requires_note=True)
    with partner_scope(partner_a):
        with pytest.raises(ValidationError) as error:
            deal_reject(deal=deal, actor=manager_a, reason=None)
        assert "reason" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            deal_reject(deal=deal, actor=manager_a, reason=other, note="  ")
        assert "note" in error.value.message_dict
        deal = deal_reject(deal=deal, actor=manager_a, reason=duplicate, note="Partner B was first.")
    assert deal.status == Deal.Status.REJECTED and deal.rejection_reason == duplicate
    assert AuditEvent.objects.filter(action="dealreg.deal.rejected", target_id=str(deal.pk)).exists()
    (sent,) = notifications("dealreg.deal_rejected")
    assert sent.language == "ja"
    assert sent.context["reason_label"] == "他のパートナーが登録済み"
    assert sent.context["note"] == "Partner B was first."


def test_more_information_then_resubmission(partner_a, manager_a):
    deal = submitted(partner_a)
    registered = deal.registered_at
    with partner_scope(partner_a):
        with pytest.raises(ValidationError):
            deal_request_more_info(deal=deal, actor=manager_a, message="")
        deal = deal_request_more_info(deal=deal, actor=manager_a, message="Who is the economic buyer?")
        assert deal.status == Deal.Status.MORE_INFO
        (sent,) = notifications("dealreg.more_info_requested")
        assert sent.context["message"] == "Who is the economic buyer?"
        later = timezone.now() + timedelta(hours=1)
        deal = deal_update(deal=deal, actor=deal.registered_by, values={"description": "The CFO signs."})
        deal = deal_submit(deal=deal, actor=deal.registered_by, now=later)
        assert deal.status == Deal.Status.SUBMITTED
        assert deal.registered_at == registered and deal.submitted_at == later
        kinds = list(deal.events.order_by("at", "id").values_list("kind", flat=True))
    assert kinds == ["created", "submitted", "more_info", "updated", "submitted"]


def test_bulk_approval_reports_each_failure_and_approves_the_rest(partner_a, partner_b, manager_a, operator):
    approved(partner_b, customer_name="Cyberdyne Systems", customer_domain="cyberdyne.com")
    blocked = submitted(partner_a, customer_name="Cyberdyne Systems", customer_domain="cyberdyne.com")
    fine = submitted(partner_a)
    with partner_scope(partner_a):
        result = deals_bulk_approve(deals=[blocked, fine], actor=manager_a)
        assert [d.pk for d in result.done] == [fine.pk]
        assert [(d.pk, bool(message)) for d, message in result.failed] == [(blocked.pk, True)]
        blocked.refresh_from_db()
        fine.refresh_from_db()
    assert blocked.status == Deal.Status.SUBMITTED and fine.status == Deal.Status.APPROVED
