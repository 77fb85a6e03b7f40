"""The public application form: localized, validated field by field, spam-resistant, one application per submit."""

import uuid

import pytest
from django.core import mail
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from partners.models import PartnerApplication
from prm.common.models import AuditEvent
from prm.notifications.models import Notification

from .application_factories import form_data

pytestmark = pytest.mark.django_db

APPLY = "/apply/"


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def test_apply_url_is_public_and_outside_the_portal(client):
    assert reverse("apply") == APPLY
    response = client.get(APPLY)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="idempotency_key"' in html and 'name="homepage"' in html
    assert 'name="industries"' in html and 'value="manufacturing"' in html


@pytest.mark.parametrize(("language", "germany", "japan"), [("en", "Germany", "Japan"), ("de", "Deutschland", "Japan"),
                                                             ("fr", "Allemagne", "Japon"), ("ja", "ドイツ", "日本")])
def test_country_names_are_localized(client, language, germany, japan):
    html = client.get(APPLY, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'<option value="DE">{germany}</option>' in html
    assert f'<option value="JP">{japan}</option>' in html
    assert 'value="EU"' not in html and 'value="001"' not in html  # regions of the world are not countries


def test_language_defaults_to_the_page_language(client):
    form = client.get(APPLY, HTTP_ACCEPT_LANGUAGE="fr").context["form"]
    assert form["language"].value() == "fr"


def test_valid_application_is_stored_thanked_and_receipted_in_the_applicants_language(
        client, region_a, django_capture_on_commit_callbacks):
    data = form_data(language="ja", company_name="  Gamma   Systems GmbH ", website="HTTPS://Sales.Gamma-Systems.co.uk/x")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(APPLY, data, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302 and response["Location"] == reverse("apply_thanks")
    application = PartnerApplication.objects.get()
    assert application.company_name == "Gamma Systems GmbH"
    assert application.domain == "gamma-systems.co.uk" and application.website == "sales.gamma-systems.co.uk"
    assert application.region == region_a and application.status == PartnerApplication.Status.PENDING
    assert application.industries == ["manufacturing", "healthcare"] and application.certified_staff == 4
    assert str(application.idempotency_key) == data["idempotency_key"]
    assert application.submitted_ip == "203.0.113.7"
    receipt = Notification.objects.get(kind="partners.application_received")
    assert receipt.email == data["contact_email"] and receipt.language == "ja"
    assert receipt.status == Notification.Status.SENT
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [data["contact_email"]]
    assert "Gamma Systems GmbH" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(action="partners.application.submitted", target_id=str(application.pk)).exists()
    thanks = client.get(reverse("apply_thanks"))
    assert thanks.status_code == 200
    assert "Gamma Systems GmbH" in thanks.content.decode() and data["contact_email"] in thanks.content.decode()


def test_thank_you_page_without_an_application_is_generic(client):
    response = client.get(reverse("apply_thanks"))
    assert response.status_code == 200 and response.context["application"] is None


def test_double_click_creates_one_application_and_one_receipt(client, region_a, django_capture_on_commit_callbacks):
    data = form_data()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(APPLY, data)
        second = client.post(APPLY, data)
    assert first.status_code == second.status_code == 302
    assert PartnerApplication.objects.count() == 1
    assert Notification.objects.filter(kind="partners.application_received").count() == 1
    assert len(mail.outbox) == 1


def test_idempotency_key_is_unique_in_the_database(region_a):
    key = uuid.uuid4()
    common = {"company_name": "A", "website": "a-corp.com", "domain": "a-corp.com", "country": "DE",
              "partner_type": "reseller", "size_band": "1-10", "certified_staff": 0, "target_customers": "x",
              "contact_name": "A", "contact_email": "a@a-corp.com", "contact_phone": "+1 555 1234567"}
    PartnerApplication.objects.create(idempotency_key=key, **common)
    with pytest.raises(IntegrityError), transaction.atomic():
        PartnerApplication.objects.create(idempotency_key=key, **common)


def test_a_concurrent_duplicate_key_returns_the_first_application(region_a, monkeypatch):
    """Two requests with one key race past the look-up: the unique constraint decides, nothing is sent twice."""
    from partners.services import applications as service

    from .application_factories import submit

    first = submit()
    real, calls = service.application_by_key, []

    def racing(*, idempotency_key):
        calls.append(idempotency_key)
        return None if len(calls) == 1 else real(idempotency_key=idempotency_key)  # the other request won

    monkeypatch.setattr(service, "application_by_key", racing)
    data = {name: getattr(first, name) for name in service.SUBMITTED_FIELDS}
    again, created = service.application_submit(data=data, idempotency_key=first.idempotency_key)
    assert created is False and again.pk == first.pk
    assert PartnerApplication.objects.count() == 1
    assert Notification.objects.filter(kind="partners.application_received").count() == 1


def test_honeypot_gets_thanks_and_stores_nothing(client, region_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(APPLY, form_data(homepage="http://spam.example"))
    assert response.status_code == 302 and response["Location"] == reverse("apply_thanks")
    assert PartnerApplication.objects.count() == 0
    assert Notification.objects.count() == 0 and mail.outbox == []


def test_rate_limit_per_ip(client, region_a):
    for _ in range(5):
        assert client.post(APPLY, form_data(), REMOTE_ADDR="198.51.100.1").status_code == 302
    blocked = client.post(APPLY, form_data(), REMOTE_ADDR="198.51.100.1")
    assert blocked.status_code == 429
    assert "Too many applications" in blocked.content.decode()
    assert PartnerApplication.objects.count() == 5
    # Another address is not affected; a resubmit of an accepted form is not counted either.
    assert client.post(APPLY, form_data(), REMOTE_ADDR="198.51.100.2").status_code == 302
    accepted = PartnerApplication.objects.filter(submitted_ip="198.51.100.1").first()
    replay = form_data(idempotency_key=str(accepted.idempotency_key))
    assert client.post(APPLY, replay, REMOTE_ADDR="198.51.100.1").status_code == 302
    assert PartnerApplication.objects.count() == 6


@override_settings(PRM_APPLY_RATE_LIMIT=(1, 3600))
def test_rate_limit_is_configurable(client, region_a):
    assert client.post(APPLY, form_data(), REMOTE_ADDR="192.0.2.9").status_code == 302
    assert client.post(APPLY, form_data(), REMOTE_ADDR="192.0.2.9").status_code == 429


@pytest.mark.parametrize(("field", "value"), [
    ("company_name", ""),
    ("company_name", "x"),
    ("website", ""),
    ("website", "not a domain"),
    ("website", "localhost"),
    ("website", "https://exa mple.com"),
    ("website", "gmail.com"),
    ("website", "foo.invalidtld"),
    ("country", "XX"),
    ("country", "EU"),
    ("country", "Germany"),
    ("partner_type", "wholesaler"),
    ("size_band", "5000"),
    ("certified_staff", "-1"),
    ("certified_staff", "many"),
    ("industries", []),
    ("industries", ["mining"]),
    ("target_customers", ""),
    ("contact_name", ""),
    ("contact_email", "not-an-email"),
    ("contact_phone", "call me"),
    ("contact_phone", "12"),
    ("language", "pt"),
    ("privacy", ""),
    ("idempotency_key", "not-a-uuid"),
])
def test_each_field_is_validated_and_nothing_is_saved(client, region_a, field, value):
    response = client.post(APPLY, form_data(**{field: value}))
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert all(str(message) for message in form.errors[field])
    assert PartnerApplication.objects.count() == 0


def test_error_messages_are_translated(client, region_a):
    """Django's own messages come translated already; ours are marked (the catalogues follow)."""
    response = client.post(APPLY, form_data(contact_email="nope", certified_staff="many"), HTTP_ACCEPT_LANGUAGE="de")
    errors = response.context["form"].errors
    with translation.override("de"):
        expected_email, expected_number = gettext("Enter a valid email address."), gettext("Enter a whole number.")
    assert expected_email != "Enter a valid email address."
    assert expected_email in errors["contact_email"] and expected_number in errors["certified_staff"]


def test_form_rerenders_with_the_same_key_after_an_error(client, region_a):
    data = form_data(contact_phone="nope")
    response = client.post(APPLY, data)
    assert f'value="{data["idempotency_key"]}"' in response.content.decode()


def test_page_keeps_the_csp(client):
    html = client.get(APPLY).content.decode()
    assert "style=" not in html.split("<body", 1)[1]
    assert "<script>" not in html
