"""The portal shell: local assets only, <html lang> follows the language, navigation per role, CSP-safe markup."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from tests.factories import PartnerFactory, make_member

SCRIPT_SRC = re.compile(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", re.I)
LINK_HREF = re.compile(r"<link\b[^>]*\bhref=\"([^\"]+)\"", re.I)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)


def html_lang(response) -> str:
    match = re.search(r"<html lang=\"([^\"]+)\"", response.content.decode())
    assert match, "no <html lang> on the page"
    return match.group(1)


def assert_csp_safe(html: str) -> None:
    """Strict CSP: no style attributes, and every script is external, nonced or data (JSON)."""
    assert not re.search(r"\sstyle=\"", html), "inline style attribute found"
    for attrs in SCRIPT_TAG.findall(html):
        assert "src=" in attrs or "nonce=" in attrs or "application/json" in attrs, f"inline script: <script{attrs}>"


@pytest.mark.django_db
def test_login_page_is_ours_and_loads_nothing_from_elsewhere(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = SCRIPT_SRC.findall(html) + LINK_HREF.findall(html)
    assert any(src.endswith("vendor/htmx/htmx.min.js") for src in sources)
    assert any(src.endswith("css/portal.css") for src in sources)
    for src in sources:
        assert not src.startswith(("http://", "https://", "//")), src
    assert 'name="login"' in html and 'name="password"' in html
    assert 'class="skip-link"' in html and '<main id="main"' in html
    assert "/accounts/password/reset/" in html
    assert "/accounts/signup/" not in html  # invitation-only: no sign-up link
    assert_csp_safe(html)


@pytest.mark.django_db
def test_htmx_and_stylesheet_are_vendored():
    assert finders.find("vendor/htmx/htmx.min.js")
    assert finders.find("vendor/htmx/LICENSE")
    assert finders.find("css/portal.css")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["de", "ja", "fr", "es"])
def test_html_lang_follows_the_language_switch(client, admin_a, language):
    client.force_login(admin_a)
    assert html_lang(client.get("/portal/")) == "en"
    response = client.post("/i18n/setlang/", {"language": language, "next": "/portal/"})
    assert response.status_code == 302 and response["Location"] == "/portal/"
    page = client.get("/portal/")
    assert html_lang(page) == language
    html = page.content.decode()
    team, sign_out = TRANSLATED[language]
    assert team in html and sign_out in html, f"the portal is not rendered in {language}"
    admin_a.refresh_from_db()
    assert admin_a.preferred_language == language


# Words of the shell in each language, from the committed catalogues (locale/*/LC_MESSAGES/django.po).
TRANSLATED = {
    "de": ("Kollegen einladen", "Abmelden"),
    "ja": ("同僚を招待", "ログアウト"),
    "fr": ("Inviter un collègue", "Se déconnecter"),
    "es": ("Invitar a un colega", "Cerrar sesión"),
}


@pytest.mark.django_db
def test_signed_out_visitor_can_switch_language_on_the_login_page(client):
    client.post("/i18n/setlang/", {"language": "ja", "next": "/accounts/login/"})
    response = client.get("/accounts/login/")
    assert html_lang(response) == "ja"
    assert 'value="ja" lang="ja" selected' in response.content.decode()


@pytest.mark.django_db
def test_language_switcher_is_a_plain_post_form_with_every_language(client, admin_a):
    client.force_login(admin_a)
    html = client.get("/portal/").content.decode()
    form = re.search(r"<form[^>]*action=\"/i18n/setlang/\".*?</form>", html, re.S).group(0)
    assert 'method="post"' in form and 'name="csrfmiddlewaretoken"' in form
    assert 'name="next" value="/portal/"' in form
    for code in ("en", "de", "fr", "es", "ja"):
        assert f'value="{code}"' in form
    assert "日本語" in form and "Deutsch" in form
    assert 'type="submit"' in form


@pytest.mark.django_db
def test_portal_home_shows_own_partner_only(client, admin_a, partner_a, partner_b, admin_b):
    client.force_login(admin_a)
    response = client.get("/portal/")
    assert response.status_code == 200
    html = response.content.decode()
    assert partner_a.name in html
    assert partner_b.name not in html
    assert partner_a.region.name in html
    assert_csp_safe(html)


@pytest.mark.django_db
def test_partner_home_shows_no_placeholder_numbers_for_later_areas(client, admin_a):
    # The analytics panels read the rollups: before the first refresh they say so instead of showing numbers.
    client.force_login(admin_a)
    html = client.get("/portal/").content.decode()
    assert "Your figures are being prepared." in html
    assert "Open pipeline" not in html
    for word in ("mdf balance", "tier progress"):
        assert word not in html.lower()


@pytest.mark.django_db
def test_navigation_per_role(client, admin_a, operator):
    client.force_login(admin_a)
    html = client.get("/portal/").content.decode()
    assert 'href="/portal/team/"' in html and 'href="/portal/organisation/"' in html
    assert 'href="/account/"' in html and 'href="/account/tokens/"' in html
    assert 'href="/notifications/preferences/"' in html
    assert 'href="/admin/"' not in html and 'href="/staff/"' not in html
    assert 'aria-current="page"' in html

    client.force_login(operator)
    html = client.get("/staff/").content.decode()
    assert 'href="/staff/"' in html and 'href="/admin/"' in html
    assert 'href="/portal/team/"' not in html


@pytest.mark.django_db
def test_sign_out_is_a_post_form(client, admin_a):
    client.force_login(admin_a)
    html = client.get("/portal/").content.decode()
    assert re.search(r"<form[^>]*method=\"post\"[^>]*action=\"/accounts/logout/\"", html)


@pytest.mark.django_db
def test_partner_switcher_only_with_several_memberships(client, admin_a, partner_a):
    client.force_login(admin_a)
    assert 'action="/portal/switch/"' not in client.get("/portal/").content.decode()

    other = PartnerFactory(name="Gamma Partners SARL", country="FR")
    make_member(partner=other, user=admin_a)
    html = client.get("/portal/").content.decode()
    form = re.search(r"<form[^>]*action=\"/portal/switch/\".*?</form>", html, re.S).group(0)
    assert partner_a.name in form and "Gamma Partners SARL" in form
    assert 'name="partner"' in form and 'name="csrfmiddlewaretoken"' in form

    response = client.post("/portal/switch/", {"partner": other.pk})
    assert response.status_code == 302
    html = client.get("/portal/").content.decode()
    assert re.search(rf"<option value=\"{other.pk}\" selected>", html)


@pytest.mark.django_db
def test_500_page_renders_without_a_request():
    html = render_to_string("500.html")
    assert '<html lang="en">' in html
    assert "css/portal.css" in html
    assert_csp_safe(html)


@pytest.mark.django_db
def test_404_page_renders_in_the_shell(client, admin_a):
    client.force_login(admin_a)
    response = client.get("/portal/team/999999/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="skip-link"' in html and "css/portal.css" in html
    assert 'href="/portal/team/"' in html  # navigation still there


@pytest.mark.django_db
def test_closed_partner_explains_and_points_to_the_channel_manager(client, admin_a, partner_a):
    partner_a.status = partner_a.Status.SUSPENDED
    partner_a.save(update_fields=["status"])
    client.force_login(admin_a)
    response = client.get("/portal/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "channel manager" in html
    assert "suspended or closed" in html


@pytest.mark.django_db
def test_admin_carries_the_portal_branding(client, operator):
    client.force_login(operator)
    html = client.get("/admin/").content.decode()
    assert "Partner Portal — staff" in html


@pytest.mark.django_db
def test_staff_home_lists_counts_of_the_managers_regions(client, manager_a, partner_a, partner_b):
    client.force_login(manager_a)
    response = client.get("/staff/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "EMEA" in html and "APAC" not in html
    assert 'href="/admin/"' in html
    assert_csp_safe(html)
