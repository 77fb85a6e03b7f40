"""Registering a deal: drafts, idempotent create, references, submission checks, material edits, withdraw, delete."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from dealreg.models import Deal, DealEvent, DealReferenceCounter
from dealreg.services.approvals import deal_approve
from dealreg.services.errors import DealStateError
from dealreg.services.registration import (
    conflict_hint,
    deal_create,
    deal_delete,
    deal_submit,
    deal_update,
    deal_withdraw,
    next_reference,
)
from partners.models import PartnerOrganization
from prm.common.models import AuditEvent
from prm.tenancy.scoping import partner_scope, unscoped

from .registration_helpers import approved, draft, product, registrant, submitted, values

pytestmark = pytest.mark.django_db


def test_a_draft_needs_only_a_customer_name(partner_a):
    user = registrant(partner_a)
    with partner_scope(partner_a):
        deal, created = deal_create(partner=partner_a, actor=user, values={"customer_name": "  Acme Corp  "})
        assert created
        assert deal.status == Deal.Status.DRAFT
        assert deal.customer_name == "Acme Corp"
        assert deal.currency == partner_a.currency  # the partner's currency by default
        assert deal.value is None and deal.expected_close_date is None and deal.registered_at is None
        assert deal.reference.startswith(f"DR-{timezone.now().year}-")
        assert [e.kind for e in deal.events.all()] == [DealEvent.Kind.CREATED]
        with pytest.raises(ValidationError) as error:
            deal_create(partner=partner_a, actor=user, values={"customer_name": " "})
        assert "customer_name" in error.value.message_dict


def test_derived_customer_fields(partner_a):
    deal = draft(partner_a, customer_name="Société Générale S.A.", customer_domain="",
                 customer_contact_email="Jean.Dupont@Sales.SocGen.fr")
    assert deal.customer_domain == "socgen.fr"  # registrable domain of the contact's address
    assert deal.customer_name_normalized and "s.a" not in deal.customer_name_normalized.lower()
    free_mail = draft(partner_a, customer_domain="", customer_contact_email="someone@gmail.com")
    assert free_mail.customer_domain == ""  # a free mail address does not identify a company
    url = draft(partner_a, customer_domain="https://www.shop.acme.co.uk/about")
    assert url.customer_domain == "acme.co.uk"


def test_references_are_per_partner_and_unique(partner_a, partner_b):
    first, second = draft(partner_a), draft(partner_a)
    other = draft(partner_b)
    year = timezone.now().year
    assert first.reference == f"DR-{year}-000001"
    assert second.reference == f"DR-{year}-000002"
    assert other.reference == f"DR-{year}-000001"  # each partner counts on its own
    with partner_scope(partner_a):
        assert DealReferenceCounter.objects.get(partner=partner_a, year=year).last_number == 2
        # a counter that another transaction created first is incremented, never duplicated
        assert next_reference(partner=partner_a, year=year) == f"DR-{year}-000003"
        assert next_reference(partner=partner_a, year=year + 1) == f"DR-{year + 1}-000001"


def test_create_is_idempotent_per_key(partner_a, partner_b):
    user = registrant(partner_a)
    with partner_scope(partner_a):
        first, created = deal_create(partner=partner_a, actor=user, values=values(), idempotency_key="click-1",
                                     products=[product("core")])
        again, created_again = deal_create(partner=partner_a, actor=user, values=values(customer_name="Other"),
                                           idempotency_key="click-1")
        assert created and not created_again
        assert again.pk == first.pk and again.customer_name == first.customer_name
        assert Deal.objects.filter(partner=partner_a).count() == 1
    # the same key at another partner is another registration
    with partner_scope(partner_b):
        theirs, created_b = deal_create(partner=partner_b, actor=registrant(partner_b), values=values(),
                                        idempotency_key="click-1")
        assert created_b and theirs.pk != first.pk


def test_submission_checks_everything_with_translated_messages(partner_a):
    user = registrant(partner_a)
    with partner_scope(partner_a):
        deal, _ = deal_create(partner=partner_a, actor=user, values={
            "customer_name": "Acme", "customer_contact_email": "buyer@gmail.com", "value": Decimal("0"),
            "expected_close_date": timezone.localdate() - timedelta(days=1),
        })
        with translation.override("de"), pytest.raises(ValidationError) as error:
            deal_submit(deal=deal, actor=user)
        problems = error.value.message_dict
        assert set(problems) >= {"customer_country", "customer_domain", "value", "expected_close_date", "products"}
        deal.refresh_from_db()
        assert deal.status == Deal.Status.DRAFT and deal.registered_at is None  # nothing half-saved


def test_create_and_submit_is_all_or_nothing(partner_a):
    user = registrant(partner_a)
    with partner_scope(partner_a):
        with pytest.raises(ValidationError):
            deal_create(partner=partner_a, actor=user, values={"customer_name": "Acme"}, submit=True)
        assert not Deal.objects.filter(partner=partner_a).exists()
        deal, created = deal_create(partner=partner_a, actor=user, values=values(), products=[product("core")],
                                    submit=True)
        assert created and deal.status == Deal.Status.SUBMITTED
        assert [e.kind for e in deal.events.order_by("at", "id")] == [DealEvent.Kind.CREATED, DealEvent.Kind.SUBMITTED]


def test_first_submission_sets_registered_at_for_good_and_records_time_to_first_value(partner_a):
    deal = submitted(partner_a)
    first_time = deal.registered_at
    assert first_time is not None and deal.submitted_at == first_time
    with unscoped():
        assert PartnerOrganization.objects.get(pk=partner_a.pk).first_deal_registered_at == first_time
    with partner_scope(partner_a):
        approved_deal = deal_approve(deal=deal, actor=None)
        later = timezone.now() + timedelta(hours=2)
        changed = deal_update(deal=approved_deal, actor=deal.registered_by, now=later,
                              values={"customer_name": "A different customer AG"})
    assert changed.status == Deal.Status.SUBMITTED  # sent back for approval
    assert changed.registered_at == first_time  # the original registration time is kept
    assert changed.submitted_at == later  # the SLA clock restarts


def test_material_changes_send_an_approved_registration_back(partner_a, settings):
    settings.DEALREG_MATERIAL_CHANGE_PERCENT = 20
    deal = approved(partner_a, value=Decimal("10000"))
    user = deal.registered_by
    with partner_scope(partner_a):
        # within 20% of the approved value, stage and description: no new approval
        deal = deal_update(deal=deal, actor=user, values={"value": Decimal("11900"), "stage": Deal.Stage.PROPOSAL,
                                                          "description": "Bigger scope"})
        assert deal.status == Deal.Status.APPROVED
        # cumulative drift is measured against the approved value, not the last edit
        deal = deal_update(deal=deal, actor=user, values={"value": Decimal("12500")})
        assert deal.status == Deal.Status.SUBMITTED
        event = deal.events.get(kind=DealEvent.Kind.REAPPROVAL)
        assert event.data == {"fields": ["value"]}

    for change in ({"customer_domain": "another-domain.com"}, {"currency": "USD"},
                   {"customer_name": "Totally Different Holdings"}):
        deal = approved(partner_a)
        with partner_scope(partner_a):
            assert deal_update(deal=deal, actor=deal.registered_by, values=change).status == Deal.Status.SUBMITTED, change


def test_cosmetic_name_edit_is_not_material(partner_a):
    deal = approved(partner_a, customer_name="Acme Widgets GmbH")
    with partner_scope(partner_a):
        deal = deal_update(deal=deal, actor=deal.registered_by, values={"customer_name": "ACME Widgets GmbH."})
    assert deal.status == Deal.Status.APPROVED
    assert deal.customer_name == "ACME Widgets GmbH."


def test_open_registration_must_stay_complete(partner_a):
    deal = submitted(partner_a)
    with partner_scope(partner_a), pytest.raises(ValidationError) as error:
        deal_update(deal=deal, actor=deal.registered_by, values={"value": None})
    assert "value" in error.value.message_dict


def test_closed_registrations_cannot_change(partner_a):
    deal = submitted(partner_a)
    with partner_scope(partner_a):
        deal_withdraw(deal=deal, actor=deal.registered_by, reason="Customer chose to wait")
        with pytest.raises(DealStateError):
            deal_update(deal=deal, actor=deal.registered_by, values={"description": "x"})
        with pytest.raises(DealStateError):
            deal_withdraw(deal=deal, actor=deal.registered_by)
        deal.refresh_from_db()
        assert deal.status == Deal.Status.WITHDRAWN
        assert deal.events.filter(kind=DealEvent.Kind.WITHDRAWN, data__reason="Customer chose to wait").exists()


def test_only_drafts_are_deleted(partner_a):
    to_delete = draft(partner_a)
    kept = submitted(partner_a)
    with partner_scope(partner_a):
        deal_delete(deal=to_delete, actor=to_delete.registered_by)
        assert not Deal.objects.filter(pk=to_delete.pk).exists()
        with pytest.raises(DealStateError):
            deal_delete(deal=kept, actor=kept.registered_by)
    assert AuditEvent.objects.filter(action="dealreg.deal.deleted", target_id=str(to_delete.pk)).exists()


def test_every_change_is_audited(partner_a):
    deal = approved(partner_a)
    actions = set(AuditEvent.objects.filter(target_id=str(deal.pk), target_type="dealreg.deal")
                  .values_list("action", flat=True))
    assert {"dealreg.deal.created", "dealreg.deal.submitted", "dealreg.deal.approved"} <= actions


def test_inactive_products_cannot_be_added_but_may_stay(partner_a):
    retired = product("retired-one")
    deal = draft(partner_a, products=[retired])
    retired.is_active = False
    retired.save()
    with partner_scope(partner_a):
        # keeping it is fine
        deal_update(deal=deal, actor=deal.registered_by, values={"description": "still here"}, products=[retired])
        other = draft(partner_a)
        with pytest.raises(ValidationError) as error:
            deal_update(deal=other, actor=other.registered_by, values={}, products=[retired])
    assert "products" in error.value.message_dict


def test_two_partners_registering_the_same_customer_are_both_stored_and_the_conflict_is_seen(partner_a, partner_b):
    first = submitted(partner_a, customer_name="Globex Corporation", customer_domain="globex.com")
    second = submitted(partner_b, customer_name="Globex Corp.", customer_domain="www.globex.com")
    with unscoped():
        first.refresh_from_db()
        second.refresh_from_db()
    assert second.has_conflict and second.conflict_score > 0
    assert first.has_conflict  # the earlier registration is marked too: its manager sees it in the queue
    assert first.status == second.status == Deal.Status.SUBMITTED


def test_conflict_hint_says_only_yes_or_no(partner_a, partner_b):
    submitted(partner_a, customer_name="Initech", customer_domain="initech.com")
    with partner_scope(partner_b):
        assert conflict_hint(partner=partner_b, values={"customer_domain": "initech.com", "customer_name": "Initech"})
        assert not conflict_hint(partner=partner_b, values={"customer_name": "Nothing Alike Ltd",
                                                            "customer_domain": "unrelated.example"})
        assert not conflict_hint(partner=partner_b, values={})


def test_timeline_counters_and_extensions_stay_with_their_partner(partner_a, partner_b):
    from dealreg.models import ExtensionRequest
    from dealreg.services.extensions import extension_request

    deal = approved(partner_a)
    with partner_scope(partner_a):
        Deal.objects.filter(pk=deal.pk).update(protected_until=timezone.localdate() + timedelta(days=5))
        deal.refresh_from_db()
        extension_request(deal=deal, actor=deal.registered_by, reason="The customer needs more time.")
        assert DealEvent.objects.filter(deal=deal).exists()
    with partner_scope(partner_b):
        assert not DealEvent.objects.filter(deal_id=deal.pk).exists()
        assert not ExtensionRequest.objects.filter(deal_id=deal.pk).exists()
        assert not DealReferenceCounter.objects.filter(partner=partner_a).exists()
        assert not Deal.objects.filter(pk=deal.pk).exists()
