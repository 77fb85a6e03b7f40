"""Payout details: IBAN checks (length, mod 97), account + routing for non-IBAN countries, stored
partner-owned and shown masked; bad input saves nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from partners.banking import validate_iban, validate_routing_number
from partners.models import OnboardingStep, PayoutDetails
from prm.common.models import AuditEvent
from prm.tenancy.scoping import partner_scope

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw, expected", [
    ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ("gb29 nwbk 6016 1331 9268 19", "GB29NWBK60161331926819"),
    ("FR14-2004-1010-0505-0001-3M02-606", "FR1420041010050500013M02606"),
])
def test_valid_ibans_are_normalised(raw, expected):
    assert validate_iban(raw) == expected


@pytest.mark.parametrize("raw, code", [
    ("DE89 3704 0044 0532 0130 01", "iban_checksum"),
    ("DE89 3704 0044 0532 0130", "iban_length"),
    ("US12 3456 7890", "iban_country"),
    ("not an iban", "iban_format"),
])
def test_invalid_ibans_say_why(raw, code):
    with pytest.raises(ValidationError) as error:
        validate_iban(raw)
    assert error.value.code == code


def test_us_routing_numbers_use_the_aba_checksum():
    assert validate_routing_number("021000021", country="US") == "021000021"
    with pytest.raises(ValidationError):
        validate_routing_number("021000022", country="US")
    assert validate_routing_number("0001", country="JP") == "0001"


def test_iban_payout_is_saved_and_shown_masked(client, partner_a, admin_a):
    client.force_login(admin_a)
    response = client.post(reverse("partners:onboarding_payout"), {
        "account_holder": "Alpha Systems GmbH", "bank_country": "DE", "currency": "EUR",
        "iban": "DE89 3704 0044 0532 0130 00", "bic": "cobadeffxxx",
    })
    assert response.status_code == 302
    with partner_scope(partner_a):
        details = PayoutDetails.objects.get()
        assert OnboardingStep.objects.filter(code="payout").exists()
    assert details.iban == "DE89370400440532013000" and details.bic == "COBADEFFXXX"
    assert details.method == PayoutDetails.Method.IBAN and details.masked_account == "DE•••• 3000"
    page = client.get(reverse("partners:onboarding_payout")).content.decode()
    assert "DE•••• 3000" in page and "DE89370400440532013000" not in page and "0532" not in page
    # The edit form never puts the number back into the page.
    edit = client.get(reverse("partners:onboarding_payout") + "?edit=1").content.decode()
    assert "DE8937" not in edit and "3704" not in edit
    event = AuditEvent.objects.get(action="partners.payout_details.updated")
    assert "DE89370400440532013000" not in str(event.data)


def test_non_iban_countries_need_account_and_routing(client, partner_a, admin_a):
    client.force_login(admin_a)
    url = reverse("partners:onboarding_payout")
    missing = client.post(url, {"account_holder": "Alpha Inc.", "bank_country": "US", "currency": "USD",
                                "iban": "DE89 3704 0044 0532 0130 00"})
    assert set(missing.context["form"].errors) == {"account_number", "routing_number"}
    bad_routing = client.post(url, {"account_holder": "Alpha Inc.", "bank_country": "US", "currency": "USD",
                                    "account_number": "12345678", "routing_number": "123456789"})
    assert "routing" in str(bad_routing.context["form"].errors["routing_number"]).lower()
    with partner_scope(partner_a):
        assert not PayoutDetails.objects.exists()
    ok = client.post(url, {"account_holder": "Alpha Inc.", "bank_country": "US", "currency": "USD",
                           "account_number": "1234 5678 90", "routing_number": "021000021"})
    assert ok.status_code == 302
    with partner_scope(partner_a):
        details = PayoutDetails.objects.get()
    assert details.method == PayoutDetails.Method.ACCOUNT and details.iban == ""
    assert details.account_number == "1234567890" and details.masked_account == "•••• 7890"


def test_wrong_iban_keeps_the_old_details(client, partner_a, admin_a):
    with partner_scope(partner_a):
        PayoutDetails.objects.create(partner=partner_a, account_holder="Old", bank_country="DE",
                                     method=PayoutDetails.Method.IBAN, iban="DE89370400440532013000", currency="EUR")
    client.force_login(admin_a)
    response = client.post(reverse("partners:onboarding_payout"), {
        "account_holder": "New", "bank_country": "FR", "currency": "EUR", "iban": "DE89 3704 0044 0532 0130 00",
    })
    assert response.status_code == 200
    assert "another country" in str(response.context["form"].errors["iban"])
    with partner_scope(partner_a):
        assert PayoutDetails.objects.get().account_holder == "Old"
