"""Contacts import in the admin: rows become invitations (no passwords), preview first, row errors listed,
nothing saved unless every row is valid, invitation e-mails only after the confirmed import commits."""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partners.models import Invitation, PartnerOrganization
from prm.accounts.models import User
from prm.notifications.models import Notification
from prm.tenancy.scoping import partner_scope
from tests.factories import PartnerFactory, make_member

pytestmark = pytest.mark.django_db

IMPORT_URL = "admin:partners_invitation_import"
PROCESS_URL = "admin:partners_invitation_process_import"
HEADER = "partner,email,full_name,role,language\n"


def upload(client, text):
    page = client.get(reverse(IMPORT_URL))
    assert page.status_code == 200
    csv_choice = re.search(r'<option value="(\d+)"[^>]*>csv</option>', page.content.decode(), re.I).group(1)
    file = SimpleUploadedFile("contacts.csv", text.encode(), content_type="text/csv")
    return client.post(reverse(IMPORT_URL), {"resource": "0", "format": csv_choice, "import_file": file})


def invitations_of(partner):
    with partner_scope(partner):
        return list(Invitation.objects.order_by("email").values_list("email", "role", "language", "full_name"))


def test_preview_then_confirmed_import_creates_invitations_and_mails_after_commit(
        client, operator, partner_a, partner_b, django_capture_on_commit_callbacks):
    client.force_login(operator)
    rows = (f"{partner_a.pk},Anna.Neu@Alpha.example,Anna Neu,admin,\n"
            f"{partner_b.name},kenji@beta.example,Kenji Sato,user,ja\n"
            f"{partner_a.name.upper()},lena@alpha.example,Lena Lang,,en\n")
    with django_capture_on_commit_callbacks(execute=True) as preview_callbacks:
        response = upload(client, HEADER + rows)
    assert response.status_code == 200
    assert response.context["confirm_form"] is not None
    content = response.content.decode()
    assert "anna.neu@alpha.example" in content and "kenji@beta.example" in content
    assert invitations_of(partner_a) == [] and invitations_of(partner_b) == [], "the preview must not save"
    assert preview_callbacks == [] and Notification.objects.count() == 0 and mail.outbox == []

    confirm = response.context["confirm_form"]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        done = client.post(reverse(PROCESS_URL), {**confirm.initial})
    assert done.status_code == 302
    assert invitations_of(partner_a) == [("anna.neu@alpha.example", "admin", "de", "Anna Neu"),
                                         ("lena@alpha.example", "user", "en", "Lena Lang")]
    assert invitations_of(partner_b) == [("kenji@beta.example", "user", "ja", "Kenji Sato")]
    assert len(callbacks) >= 3  # the e-mails were queued for after the commit
    assert sorted(m.to[0] for m in mail.outbox) == ["anna.neu@alpha.example", "kenji@beta.example",
                                                    "lena@alpha.example"]
    assert not User.objects.filter(email__in=["anna.neu@alpha.example", "kenji@beta.example"]).exists()


def test_row_errors_are_listed_and_nothing_is_saved(client, operator, partner_a, partner_b):
    member = make_member(partner=partner_a).user
    PartnerFactory(name="Twin GmbH", region=partner_a.region)
    PartnerFactory(name="Twin GmbH", region=partner_a.region)
    client.force_login(operator)
    # Data rows numbered from 1, as import-export reports them.
    rows = (f"{partner_a.pk},good@alpha.example,Good Row,user,de\n"      # 1: valid
            f"{partner_a.pk},not-an-email,Bad Mail,user,de\n"            # 2
            f"Nobody Inc,x@nobody.example,No Partner,user,en\n"          # 3
            f"{partner_a.pk},role@alpha.example,Bad Role,owner,en\n"     # 4
            f"{partner_a.pk},lang@alpha.example,Bad Lang,user,pt\n"      # 5
            f"{partner_a.pk},{member.email},Already In,user,en\n"        # 6: already a member
            f"Twin GmbH,twin@twin.example,Ambiguous,user,en\n"           # 7: two partners of that name
            f"{partner_a.pk},good@alpha.example,Good Row Again,user,de\n"  # 8: twice in the file
            f",empty@alpha.example,No Partner Given,user,en\n")          # 9
    response = upload(client, HEADER + rows)
    assert response.status_code == 200
    assert response.context.get("confirm_form") is None
    assert "Enter a valid e-mail address." in response.content.decode()  # shown on the preview page
    result = response.context["result"]
    invalid = {row.number: row for row in result.invalid_rows}
    assert set(invalid) == {2, 3, 4, 5, 6, 7, 8, 9}
    assert "email" in invalid[2].field_specific_errors
    assert "partner" in invalid[3].field_specific_errors
    assert "role" in invalid[4].field_specific_errors
    assert "language" in invalid[5].field_specific_errors
    assert "already a member" in " ".join(invalid[6].non_field_specific_errors)
    assert "Several partners" in " ".join(invalid[7].field_specific_errors["partner"])
    assert "twice" in " ".join(invalid[8].field_specific_errors["email"])
    assert "partner" in invalid[9].field_specific_errors
    assert invitations_of(partner_a) == []
    assert Notification.objects.count() == 0


def test_manager_imports_only_into_partners_of_their_regions(client, manager_a, partner_a, partner_b):
    client.force_login(manager_a)
    response = upload(client, HEADER + f"{partner_b.pk},spy@beta.example,Spy,user,en\n"
                                      f"{partner_b.name},spy2@beta.example,Spy,user,en\n")
    assert response.context.get("confirm_form") is None
    assert {row.number for row in response.context["result"].invalid_rows} == {1, 2}
    assert invitations_of(partner_b) == []
    ok = upload(client, HEADER + f"{partner_a.pk},new@alpha.example,New Person,user,de\n")
    assert ok.context["confirm_form"] is not None


def test_executives_cannot_import_contacts(client, executive_a):
    client.force_login(executive_a)
    assert client.get(reverse(IMPORT_URL)).status_code == 403


def test_confirm_saves_nothing_when_a_row_became_invalid_after_the_preview(client, operator, partner_a):
    """All or nothing even at the confirm step: someone joined between preview and confirm."""
    client.force_login(operator)
    response = upload(client, HEADER + f"{partner_a.pk},first@alpha.example,First,user,de\n"
                                       f"{partner_a.pk},late@alpha.example,Late,user,de\n")
    confirm = response.context["confirm_form"]
    from tests.factories import UserFactory

    make_member(partner=partner_a, user=UserFactory(email="late@alpha.example"))
    done = client.post(reverse(PROCESS_URL), {**confirm.initial}, follow=True)
    assert done.status_code == 200
    assert "Nothing was imported" in " ".join(str(m) for m in done.context["messages"])
    assert invitations_of(partner_a) == []


def test_invitation_export_has_the_import_columns(client, operator, partner_a):
    from tests.factories import make_invitation

    make_invitation(partner=partner_a, email="x@alpha.example")
    client.force_login(operator)
    page = client.get(reverse("admin:partners_invitation_export")).content.decode()
    csv_choice = re.search(r'<option value="(\d+)"[^>]*>csv</option>', page, re.I).group(1)
    fields = {f"contactresource_{name}": "on" for name in ("partner", "email", "full_name", "role", "language")}
    response = client.post(reverse("admin:partners_invitation_export"), {"format": csv_choice, "resource": "0",
                                                                         **fields})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.splitlines()[0] == "partner,email,full_name,role,language"
    assert f"{partner_a.pk},x@alpha.example" in body and "token" not in body
    assert PartnerOrganization.objects.count() == 1
