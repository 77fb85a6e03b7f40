"""What a partner learns from the conflict engine: that a possible conflict exists, nothing else.
The instant hint and the submission flag, against another partner's registration and a vendor account."""

from decimal import Decimal

import pytest
from django.urls import reverse

from dealreg.conflicts import find_conflicts_for_deal, public_hint
from dealreg.models import Deal

from .engine_helpers import make_account, make_deal, make_opportunity

pytestmark = pytest.mark.django_db


def hint(client, **data):
    return client.post(reverse("dealreg:conflict_hint"), data, HTTP_HX_REQUEST="true").content.decode()


def test_hint_on_another_partners_registration_names_nothing(client, admin_a, partner_b):
    theirs = make_deal(partner=partner_b, customer_name="Pied Piper Inc.", customer_domain="piedpiper.com",
                       value=Decimal("4321987.00"), status=Deal.Status.APPROVED,
                       private_notes="Richard owes us one", description="Compression platform deal")
    client.force_login(admin_a)
    html = hint(client, customer_name="PIED PIPER", customer_contact_email="buyer@eu.piedpiper.com",
                customer_country="DE")
    assert "possible conflict" in html
    for secret in (partner_b.name, "Beta", theirs.reference, "4321987", "4,321,987", "4.321.987",
                   theirs.registered_by.email, "Richard", "Compression", "approved", "score", "100"):
        assert secret not in html, secret


def test_hint_on_a_vendor_account_names_neither_account_nor_owner(client, admin_a):
    account = make_account(name="Hooli XYZ Holdings", domain="hooli-xyz.com", owner_name="Gavin Belson")
    make_opportunity(account=account, name="Hooli nucleus renewal")
    client.force_login(admin_a)
    html = hint(client, customer_name="Hooli XYZ", customer_domain="www.hooli-xyz.com")
    assert "possible conflict" in html
    for secret in ("Gavin", "Belson", "vera.direct", "nucleus", "50000", "Holdings"):
        assert secret not in html, secret


def test_no_hint_without_a_match(client, admin_a, partner_b):
    make_deal(partner=partner_b, customer_name="Pied Piper Inc.", customer_domain="piedpiper.com")
    client.force_login(admin_a)
    assert "conflict" not in hint(client, customer_name="Endframe", customer_domain="endframe.io")


def test_hits_for_a_saved_deal_carry_facts_a_partner_never_sees(partner_a, partner_b):
    mine = make_deal(partner=partner_a, customer_name="Pied Piper", customer_domain="piedpiper.com")
    theirs = make_deal(partner=partner_b, customer_name="Pied Piper Inc.", customer_domain="piedpiper.com")
    hits = find_conflicts_for_deal(deal=mine)
    assert [(h.deal_id, h.partner_id) for h in hits] == [(theirs.pk, partner_b.pk)]
    assert vars(public_hint(hits)) == {"possible_conflict": True}
