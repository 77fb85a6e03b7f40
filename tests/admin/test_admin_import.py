"""Admin imports: a preview first, every row error listed, nothing saved unless every row is valid."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners.models import PartnerOrganization

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:partners_partnerorganization_import"
PROCESS_URL = "admin:partners_partnerorganization_process_import"


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("partners.csv", text.encode(), content_type="text/csv")


def upload(client, text):
    page = client.get(reverse(IMPORT_URL)).content.decode()
    csv_choice = re.search(r'<option value="(\d+)"[^>]*>csv</option>', page, re.I).group(1)
    return client.post(reverse(IMPORT_URL), {"resource": "0", "format": csv_choice, "import_file": csv_file(text)})


HEADER = "id,name,legal_name,partner_type,country,region,default_language,currency,status,website\n"


def test_valid_file_is_previewed_then_imported(client, operator, region_a):
    client.force_login(operator)
    response = upload(client, HEADER + ",Gamma IT,Gamma IT GmbH,reseller,de,emea,de,eur,prospect,https://gamma.example\n")
    assert response.status_code == 200
    assert "Gamma IT" in response.content.decode()
    assert not PartnerOrganization.objects.filter(name="Gamma IT").exists(), "the preview must not save"
    confirm = response.context["confirm_form"]
    response = client.post(reverse(PROCESS_URL), {**confirm.initial})
    assert response.status_code == 302
    partner = PartnerOrganization.objects.get(name="Gamma IT")
    assert partner.country == "DE" and partner.currency == "EUR" and partner.region == region_a


def test_row_errors_are_listed_and_nothing_is_saved(client, operator, region_a):
    client.force_login(operator)
    rows = (
        ",Good One,Good One SA,reseller,FR,emea,fr,EUR,prospect,\n"
        ",Bad Country,Bad Country Ltd,reseller,Germany,emea,en,EUR,prospect,\n"
        ",Bad Type,Bad Type Ltd,wholesaler,DE,emea,en,EUR,prospect,\n"
        ",No Region,No Region Ltd,reseller,DE,nowhere,en,EUR,prospect,\n"
    )
    response = upload(client, HEADER + rows)
    assert response.status_code == 200
    content = response.content.decode()
    assert "confirm_form" not in response.context or response.context.get("confirm_form") is None
    for line in (3, 4, 5):  # spreadsheet rows: header is row 1
        assert re.search(rf"\b{line}\b", content), f"row {line} not reported"
    assert PartnerOrganization.objects.filter(name__in=["Good One", "Bad Country", "Bad Type", "No Region"]).count() == 0


def test_channel_managers_export_their_region_but_do_not_import(client, manager_a, partner_a, partner_b):
    client.force_login(manager_a)
    assert client.get(reverse(IMPORT_URL)).status_code == 403
    page = client.get(reverse("admin:partners_partnerorganization_export")).content.decode()
    csv_choice = re.search(r'<option value="(\d+)"[^>]*>csv</option>', page, re.I).group(1)
    response = client.post(
        reverse("admin:partners_partnerorganization_export"),
        {"format": csv_choice, "resource": "0", "partnerresource_id": "on", "partnerresource_name": "on"},
    )
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert partner_a.name in body and partner_b.name not in body


def test_user_import_never_sets_passwords_or_roles(client, operator):
    from prm.accounts.models import User

    client.force_login(operator)
    page = client.get(reverse("admin:accounts_user_import")).content.decode()
    csv_choice = re.search(r'<option value="(\d+)"[^>]*>csv</option>', page, re.I).group(1)
    text = "email,full_name,preferred_language,timezone,is_active,staff_role,is_superuser\nNew.Person@Example.com,New Person,fr,Europe/Paris,1,operator,1\n"
    response = client.post(reverse("admin:accounts_user_import"), {"resource": "0", "format": csv_choice,
                                                                   "import_file": csv_file(text)})
    confirm = response.context["confirm_form"]
    client.post(reverse("admin:accounts_user_process_import"), {**confirm.initial})
    user = User.objects.get(email="new.person@example.com")
    assert user.preferred_language == "fr" and user.timezone == "Europe/Paris"
    assert not user.is_superuser and user.staff_role == "" and not user.has_usable_password()
