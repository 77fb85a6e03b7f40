"""Dashboard pages: who may open them, region scoping (404 outside the viewer's regions), the filter form, CSV
exports, the chart data and a constant query count."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics.periods import quarter_label
from prm.accounts.models import User
from tests.analytics.dashboards_helpers import Q1, Q2, build_world, fact, segments, snapshot
from tests.factories import PartnerFactory, StaffFactory, UserFactory

DASHBOARD = reverse("analytics:dashboard")
CSV_URL = reverse("analytics:dashboard_csv")


def region_url(code):
    return reverse("analytics:dashboard_region", args=[code])


@pytest.fixture
def world(partner_a, partner_b, region_a, region_b):
    return build_world(partner_a, partner_b, region_a)


def parse_csv(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.mark.django_db
def test_operator_sees_every_region_with_charts_and_tables(client, operator, world):
    client.force_login(operator)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "EMEA" in html and "APAC" in html
    assert "€3,650<" in html and "€1,650.00" in html  # the sourced KPI in whole euros, the tables with cents
    assert 'data-chart="revenue"' in html and "<details" in html
    assert "vendor/chartjs/chart.umd.js" in html and "analytics/dashboards.js" in html
    assert "<script>" not in html                   # CSP: no inline script, data in json_script blocks only
    charts = json.loads(html.split('id="dashboard-charts" type="application/json">')[1].split("</script>")[0])
    assert set(charts) >= {"revenue", "pipeline", "registrations", "ttv", "tiers", "mdf", "health", "psat"}
    assert charts["regions"]["labels"] == ["APAC", "EMEA"]
    assert region_url("emea") in html               # drill-down link from the side-by-side table
    assert "As of" in html and "rebuilt every night" in html


@pytest.mark.django_db
def test_numbers_follow_the_viewer_language(client, operator, world):
    operator.preferred_language = "de"
    operator.save(update_fields=["preferred_language"])
    client.force_login(operator)
    html = client.get(DASHBOARD).content.decode()
    assert "3.650\xa0€" in html and "1.650,00\xa0€" in html
    text = json.loads(html.split('id="dashboard-text" type="application/json">')[1].split("</script>")[0])
    assert text["language"] == "de" and text["currency"] == "EUR"


@pytest.mark.django_db
def test_manager_sees_only_own_region(client, manager_a, world):
    client.force_login(manager_a)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    regions = response.context["dashboard"].panels["regions"].rows
    assert [r["region"] for r in regions] == ["EMEA"]
    assert "Beta Solutions KK" not in response.content.decode()
    assert client.get(region_url("emea")).status_code == 200
    assert client.get(region_url("apac")).status_code == 404
    assert client.get(region_url("nowhere")).status_code == 404
    assert client.get(DASHBOARD, {"region": "apac"}).status_code == 404
    assert client.get(CSV_URL, {"panel": "revenue", "region": "apac"}).status_code == 404


@pytest.mark.django_db
def test_executive_is_scoped_like_a_manager(client, executive_a, world):
    client.force_login(executive_a)
    assert client.get(region_url("apac")).status_code == 404
    rows = parse_csv(client.get(CSV_URL, {"panel": "regions"}))
    assert [r[0] for r in rows[1:]] == ["EMEA"]


@pytest.mark.django_db
def test_only_staff_with_a_dashboard_role(client, world, admin_a):
    client.force_login(admin_a)   # a partner admin: not staff
    assert client.get(DASHBOARD).status_code == 302
    plain_staff = UserFactory(email="helpdesk@example.com", is_staff=True)
    client.force_login(plain_staff)
    assert client.get(DASHBOARD).status_code == 403
    client.logout()
    assert client.get(DASHBOARD).status_code == 302


@pytest.mark.django_db
def test_manager_without_regions_sees_nothing(client, world):
    lonely = StaffFactory(email="new.manager@example.com")
    client.force_login(lonely)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["dashboard"].panels["regions"].rows == []
    assert "Alpha Systems GmbH" not in response.content.decode()


@pytest.mark.django_db
def test_region_drill_down_and_its_csv_links(client, operator, world):
    client.force_login(operator)
    response = client.get(region_url("apac"))
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert [r.code for r in dashboard.regions] == ["apac"]
    assert [r["partner"] for r in dashboard.panels["at_risk"].rows] == ["Beta Solutions KK"]
    html = response.content.decode()
    assert "region=apac" in html and reverse("analytics:scorecard", args=["apac"]) in html


@pytest.mark.django_db
def test_filter_form(client, operator, world):
    client.force_login(operator)
    response = client.get(DASHBOARD, {"country": "FR", "start": quarter_label(Q1), "end": quarter_label(Q2)})
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.quarters == [Q1, Q2]
    assert dashboard.kpis[0]["value"] == 400  # Gamma's sourced revenue only
    tier = client.get(DASHBOARD, {"tier": str(world["tiers"]["silver"].pk)}).context["dashboard"]
    assert tier.kpis[0]["value"] == 400
    # The last quarter before the first: a translated error on the form, the default period shown.
    bad = client.get(DASHBOARD, {"start": quarter_label(Q2), "end": quarter_label(Q1)})
    assert bad.status_code == 200 and bad.context["form"].errors["end"]
    assert len(bad.context["dashboard"].quarters) == 4
    assert client.get(DASHBOARD, {"tier": "abc", "start": "1999-Q9"}).status_code == 200


@pytest.mark.django_db
def test_csv_export(client, manager_a, world):
    client.force_login(manager_a)
    response = client.get(CSV_URL, {"panel": "revenue"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="revenue-emea-')
    rows = parse_csv(response)
    assert rows[0] == ["Quarter", "Region", "Sourced", "Influenced", "Total", "Currency"]
    assert [quarter_label(Q1), "EMEA", "1000.00", "500.00", "1500.00", "EUR"] in rows
    assert [quarter_label(Q2), "EMEA", "650.00", "100.00", "750.00", "EUR"] in rows
    assert all(row[1] == "EMEA" for row in rows[1:])
    at_risk = parse_csv(client.get(CSV_URL, {"panel": "at_risk"}))
    assert [r[0] for r in at_risk[1:]] == ["Alpha Systems GmbH"] and "Currency" not in at_risk[0]
    assert client.get(CSV_URL, {"panel": "nope"}).status_code == 400


@pytest.mark.django_db
def test_csv_keeps_text_cells_from_becoming_formulas(client, operator, world, region_a):
    evil = PartnerFactory(name="=HYPERLINK(\"http://x\")", region=region_a)
    snapshot(evil, health_score=5, at_risk=True)
    client.force_login(operator)
    rows = parse_csv(client.get(CSV_URL, {"panel": "at_risk"}))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")"


def _count_queries(client, url) -> int:
    client.get(url)  # first request of a session writes its user-session row
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len([q for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["operator", "manager"])
def test_query_count_does_not_grow_with_partners(client, operator, manager_a, region_a, region_b, role):
    viewer = operator if role == "operator" else manager_a
    client.force_login(viewer)
    first = PartnerFactory(region=region_a)
    snapshot(first, health_score=30, at_risk=True)
    fact(first, Q2, sourced_won_base=10)
    segments()
    few = _count_queries(client, DASHBOARD)
    for i in range(40):
        partner = PartnerFactory(region=region_a if i % 2 else region_b)
        snapshot(partner, health_score=i, at_risk=i < 30, cohort=Q1, days_to_first_registration=i)
        fact(partner, Q1, sourced_won_base=i)
        fact(partner, Q2, influenced_won_base=i)
    segments()
    many = _count_queries(client, DASHBOARD)
    assert few == many
    shown = client.get(DASHBOARD).context["dashboard"]
    assert sum(r["partners"] for r in shown.panels["regions"].rows) == (41 if role == "operator" else 21)
    # Session, user, user session (read, user, update), the nav's memberships; regions, tiers; four rollup statements
    # (+ the viewer's region and partner ids for a manager, looked up by the tenancy middleware).
    assert many == (12 if viewer.staff_role == User.StaffRole.OPERATOR else 14)
