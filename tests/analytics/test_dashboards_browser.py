"""The dashboard in a real browser: charts drawn by the vendored Chart.js under the CSP, no console errors.

Playwright drives Debian's Chromium (/usr/bin/chromium); skipped where either is absent. The screenshot goes
to .screenshots/dashboard.png (git-ignored) for a person to look at.
"""

from pathlib import Path

import pytest
from django.conf import settings

from partners.models import Region
from tests.analytics.dashboards_helpers import seed_sample

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(settings.BASE_DIR) / ".screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed at /usr/bin/chromium"),
]


@pytest.fixture
def sync_api(monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's loop runs in this thread
    return pytest.importorskip("playwright.sync_api", reason="Playwright (Python) is not installed")


@pytest.mark.django_db(transaction=True)
def test_dashboard_draws_every_chart(live_server, sync_api, operator, client):
    regions = [Region.objects.create(code=code, name=name, countries=countries) for code, name, countries in (
        ("emea", "EMEA", ["DE", "FR", "GB"]), ("americas", "Americas", ["US", "BR"]), ("apac", "APAC", ["JP", "AU"]))]
    seed_sample(regions)
    client.force_login(operator)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 1000}, locale="en-GB")
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value,
                              "url": live_server.url}])
        page = context.new_page()
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            page.goto(f"{live_server.url}/staff/analytics/")
            page.wait_for_function("document.querySelectorAll('canvas[data-chart]').length > 0")
            drawn = page.evaluate("""() => Array.from(document.querySelectorAll('canvas[data-chart]'))
                .filter(c => window.Chart && window.Chart.getChart(c)).length""")
            total = page.locator("canvas[data-chart]").count()
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "dashboard.png"), full_page=True)
            page.locator("#panel-revenue details summary").click()
            assert page.locator("#panel-revenue table").is_visible()
            page.goto(f"{live_server.url}/staff/analytics/regions/apac/")
            page.wait_for_function("document.querySelectorAll('canvas[data-chart]').length > 0")
            page.screenshot(path=str(SCREENSHOTS / "dashboard-apac.png"), full_page=True)
        finally:
            context.close()
            browser.close()
    assert total >= 11 and drawn == total
    assert errors == []


@pytest.mark.django_db(transaction=True)
def test_an_executive_compares_their_regions_and_drills_into_one(live_server, sync_api, client):
    """The journey of the issue: an executive of two regions sees them side by side (and no other region), clicks
    one in the regions table, lands on its page with its charts, and downloads a panel as CSV."""
    from prm.accounts.models import User
    from prm.accounts.roles import sync_staff_groups
    from tests.factories import StaffFactory

    regions = [Region.objects.create(code=code, name=name, countries=countries) for code, name, countries in (
        ("emea", "EMEA", ["DE", "FR", "GB"]), ("americas", "Americas", ["US", "BR"]), ("apac", "APAC", ["JP", "AU"]))]
    seed_sample(regions)
    executive = StaffFactory(email="exec.two@example.com", staff_role=User.StaffRole.EXECUTIVE)
    executive.regions.add(regions[0], regions[2])
    sync_staff_groups(executive)
    client.force_login(executive)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1360, "height": 1000}, locale="en-GB", accept_downloads=True)
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}])
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        try:
            page.goto(f"{live_server.url}/staff/analytics/")
            regions_table = page.locator("#panel-regions table")
            page.locator("#panel-regions details summary").click()
            row_heads = [text.strip() for text in regions_table.locator("tbody th").all_inner_texts()]
            assert row_heads == ["APAC", "EMEA"]  # side by side, by name; Americas is not theirs
            assert "Americas" not in page.locator("main").inner_text()

            regions_table.get_by_role("link", name="APAC").click()
            page.wait_for_url(f"{live_server.url}/staff/analytics/regions/apac/")
            page.wait_for_function("document.querySelectorAll('canvas[data-chart]').length > 0")
            assert "APAC" in page.locator("h1").inner_text()
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "journey-executive-apac.png"), full_page=True)

            with page.expect_download() as download_info:
                page.locator("#panel-revenue a[download]").click()
            download = download_info.value
            content = Path(download.path()).read_text(encoding="utf-8-sig")
            assert content.splitlines()[0].startswith("Quarter,Region")
            assert "APAC" in content and "EMEA" not in content and "Americas" not in content

            response = page.goto(f"{live_server.url}/staff/analytics/regions/americas/")
            assert response.status == 404  # another region's page answers 404, as any object outside the scope
        finally:
            context.close()
            browser.close()
    assert errors == []
