"""Portal, public and allauth pages render in the shell with their data; lists keep a constant query count."""

import re
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partners.models import Membership
from prm.tenancy.scoping import partner_scope
from tests.factories import DEFAULT_PASSWORD, UserFactory, make_invitation, make_member


def get_team(client):
    response = client.get("/portal/team/")
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_team_list_query_count_is_constant(client, admin_a, partner_a):
    make_member(partner=partner_a)
    make_invitation(partner=partner_a, email="one@example.com", invited_by=admin_a)
    client.force_login(admin_a)
    get_team(client)  # warm caches (content types, sessions) before counting

    with CaptureQueriesContext(connection) as small:
        response = get_team(client)
    assert response.content.decode().count('class="person"') == 2

    for n in range(10):
        make_member(partner=partner_a)
        make_invitation(partner=partner_a, email=f"more{n}@example.com", invited_by=admin_a)
    with CaptureQueriesContext(connection) as large:
        response = get_team(client)
    assert response.content.decode().count('class="person"') == 12
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]


@pytest.mark.django_db
def test_team_list_with_django_assert_max_num_queries(client, admin_a, partner_a, django_assert_max_num_queries):
    make_member(partner=partner_a)
    client.force_login(admin_a)
    get_team(client)
    with CaptureQueriesContext(connection) as two_members:
        get_team(client)
    for _ in range(10):
        make_member(partner=partner_a)
    with django_assert_max_num_queries(len(two_members)):
        response = get_team(client)
    assert response.content.decode().count('class="person"') == 12


@pytest.mark.django_db
def test_team_list_for_a_manager_links_members_and_offers_revoke(client, admin_a, user_a, partner_a):
    invitation, _raw = make_invitation(partner=partner_a, email="new.person@example.com", invited_by=admin_a)
    with partner_scope(partner_a):
        member = Membership.objects.get(user=user_a)
    client.force_login(admin_a)
    html = get_team(client).content.decode()
    assert f'href="/portal/team/{member.pk}/"' in html
    assert "new.person@example.com" in html
    form = re.search(
        rf"<form[^>]*action=\"/portal/team/invitations/{invitation.pk}/revoke/\".*?</form>", html, re.S
    ).group(0)
    assert 'method="post"' in form and 'name="csrfmiddlewaretoken"' in form
    assert 'href="/portal/team/invite/"' in html


@pytest.mark.django_db
def test_team_list_for_a_plain_user_shows_no_management(client, admin_a, user_a, partner_a):
    make_invitation(partner=partner_a, email="new.person@example.com", invited_by=admin_a)
    client.force_login(user_a)
    html = get_team(client).content.decode()
    assert user_a.email in html and admin_a.email in html
    assert "new.person@example.com" not in html
    assert "/revoke/" not in html and "/portal/team/invite/" not in html
    assert not re.search(r'href="/portal/team/\d+/"', html)


@pytest.mark.django_db
def test_revoking_through_the_page_withdraws_and_says_so(client, admin_a, partner_a):
    invitation, _raw = make_invitation(partner=partner_a, email="new.person@example.com", invited_by=admin_a)
    client.force_login(admin_a)
    response = client.post(f"/portal/team/invitations/{invitation.pk}/revoke/", follow=True)
    html = response.content.decode()
    assert "new.person@example.com" not in html
    assert 'class="alert alert--success"' in html


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "expected"), [("en", "03/05/2024"), ("de", "05.03.2024"), ("ja", "2024/03/05")])
def test_dates_follow_the_locale(client, admin_a, user_a, partner_a, language, expected):
    with partner_scope(partner_a):
        Membership.objects.filter(user=user_a).update(joined_at=datetime(2024, 3, 5, 12, tzinfo=UTC))
    client.force_login(admin_a)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    assert expected in get_team(client).content.decode()


@pytest.mark.django_db
def test_numbers_follow_the_locale_on_the_home_page(client, admin_a, partner_a):
    for _ in range(3):
        make_member(partner=partner_a)
    client.force_login(admin_a)
    html = client.get("/portal/").content.decode()
    assert re.search(r"<dt>Members</dt>\s*<dd>4</dd>", html)


@pytest.mark.django_db
def test_invite_form_renders_and_reports_errors_in_place(client, admin_a):
    client.force_login(admin_a)
    response = client.get("/portal/team/invite/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("email", "role", "language", "can_register_deals", "can_claim_mdf", "can_manage_users"):
        assert f'name="{name}"' in html
    assert '<label for="id_email">' in html
    response = client.post("/portal/team/invite/", {"email": "not-an-address", "role": "user", "language": "en"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errorlist"' in html and 'aria-invalid="true"' in html


@pytest.mark.django_db
def test_invite_form_is_forbidden_for_plain_users(client, user_a):
    client.force_login(user_a)
    response = client.get("/portal/team/invite/")
    assert response.status_code == 403
    assert "You are not allowed" in response.content.decode()


@pytest.mark.django_db
def test_member_detail_has_form_and_remove_button(client, admin_a, user_a, partner_a):
    with partner_scope(partner_a):
        member = Membership.objects.get(user=user_a)
    client.force_login(admin_a)
    response = client.get(f"/portal/team/{member.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert user_a.email in html and 'name="role"' in html
    form = re.search(rf"<form[^>]*action=\"/portal/team/{member.pk}/remove/\".*?</form>", html, re.S).group(0)
    assert 'method="post"' in form and 'name="csrfmiddlewaretoken"' in form


@pytest.mark.django_db
def test_another_partners_member_is_404(client, admin_a, admin_b, partner_b):
    with partner_scope(partner_b):
        member_b = Membership.objects.get(user=admin_b)
    client.force_login(admin_a)
    response = client.get(f"/portal/team/{member_b.pk}/")
    assert response.status_code == 404
    assert admin_b.email not in response.content.decode()


@pytest.mark.django_db
def test_organisation_page(client, admin_a, partner_a, manager_a):
    partner_a.channel_manager = manager_a
    partner_a.save(update_fields=["channel_manager"])
    client.force_login(admin_a)
    html = client.get("/portal/organisation/").content.decode()
    assert partner_a.name in html and "EMEA" in html and manager_a.email in html


@pytest.mark.django_db
def test_invitation_pages_render(client, partner_a, admin_a):
    _invitation, raw = make_invitation(partner=partner_a, email="fresh@example.com", invited_by=admin_a)
    html = client.get(f"/invitations/{raw}/").content.decode()
    assert partner_a.name in html and 'name="full_name"' in html and "fresh@example.com" in html

    existing = UserFactory(email="known@example.com")
    _invitation, raw_known = make_invitation(partner=partner_a, email=existing.email, invited_by=admin_a)
    html = client.get(f"/invitations/{raw_known}/").content.decode()
    assert f"/accounts/login/?next=/invitations/{raw_known}/" in html

    client.force_login(existing)
    html = client.get(f"/invitations/{raw_known}/").content.decode()
    assert re.search(rf"<form method=\"post\" action=\"/invitations/{raw_known}/\"", html)

    response = client.get("/invitations/not-a-token/")
    assert response.status_code == 404
    assert "This invitation cannot be used" in response.content.decode()


MANAGE_PAGES = [
    "/accounts/2fa/",
    "/accounts/2fa/totp/activate/",
    "/accounts/sessions/",
    "/accounts/email/",
    "/accounts/password/change/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/password/reset/", "/accounts/reauthenticate/", *MANAGE_PAGES])
def test_allauth_pages_render_inside_the_shell(client, admin_a, path):
    if path != "/accounts/password/reset/":
        response = client.post("/accounts/login/", {"login": admin_a.email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302
    if path == "/accounts/2fa/totp/activate/":
        # Activating a second factor asks for the password again first.
        response = client.post("/accounts/reauthenticate/", {"password": DEFAULT_PASSWORD})
        assert response.status_code == 302
    response = client.get(path)
    assert response.status_code == 200, path
    html = response.content.decode()
    assert 'class="skip-link"' in html and "css/portal.css" in html
    assert "Menu:" not in html  # allauth's bare default layout is not used
    assert not re.search(r"\sstyle=\"", html)
    if path in MANAGE_PAGES:
        assert 'class="subnav"' in html  # the account settings sub-navigation
    else:
        assert 'class="card entrance__card"' in html
    if path == "/accounts/2fa/totp/activate/":
        assert 'class="qr"' in html and 'src="data:image/svg+xml' in html


@pytest.mark.django_db
def test_sign_in_page_leads_prospective_partners_to_the_application(client):
    html = client.get("/accounts/login/").content.decode()
    assert 'href="/apply/"' in html
    assert client.get("/apply/").status_code == 200
