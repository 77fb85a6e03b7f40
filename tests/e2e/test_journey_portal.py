"""One journey in a real browser: a partner admin signs in, switches to German and signs out.

Playwright drives Debian's Chromium (/usr/bin/chromium; no browser download). Screenshots of each
step go to .screenshots/ (git-ignored). Where Chromium or Playwright is absent the journey is skipped.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

from partners.models import Membership
from tests.factories import DEFAULT_PASSWORD, UserFactory, make_member

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(settings.BASE_DIR) / ".screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Chromium not installed at /usr/bin/chromium (apt-get install chromium)"
    ),
]


@pytest.fixture
def sync_api():
    return pytest.importorskip("playwright.sync_api", reason="Playwright (Python) is not installed")


@pytest.fixture
def allow_sync_db_under_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django would otherwise refuse the
    # test's own database work (fixtures, teardown) as "async unsafe".
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser_page(sync_api, allow_sync_db_under_playwright):
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = context.new_page()
        try:
            yield page
        finally:
            context.close()
            browser.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"journey-{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_partner_admin_signs_in_switches_to_german_and_signs_out(live_server, browser_page, partner_a, partner_b):
    admin = UserFactory(email="anna.admin@alpha.example", full_name="Anna Becker")
    make_member(partner=partner_a, user=admin, role=Membership.Role.ADMIN)
    make_member(partner=partner_b)  # another partner's person, who must not show up
    page = browser_page
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)

    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "1-login")

    page.fill("#id_login", admin.email)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/portal/$"))
    assert page.locator("h1").inner_text() == partner_a.name
    assert partner_b.name not in page.content()
    shot(page, "2-portal-home")

    page.select_option("#language-select", "de")
    page.click("form[action='/i18n/setlang/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/portal/$"))
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("#language-select").input_value() == "de"
    shot(page, "3-portal-home-de")

    page.click("form[action='/accounts/logout/'] button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/login/"))
    assert page.locator("#id_login").is_visible()
    assert page.locator("form[action='/accounts/logout/']").count() == 0
    assert page.locator("html").get_attribute("lang") == "de"  # the language choice outlives the session
    shot(page, "4-signed-out")

    # Strict CSP: nothing the pages load or run may be blocked.
    assert not [error for error in console_errors if "Content Security Policy" in error], console_errors
    assert os.listdir(SCREENSHOTS)
