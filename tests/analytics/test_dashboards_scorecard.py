"""Server-side SVG charts and the regional scorecard PDF: rendered by the task, stored privately, downloaded by
staff of the region only."""

import os
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from analytics.dashboards import scorecard as scorecards
from analytics.dashboards.svg import bar_chart, line_chart, nice_ceiling
from analytics.dashboards.tasks import scorecard_pdf
from analytics.models import RollupState
from analytics.periods import quarter_label
from tests.analytics.dashboards_helpers import Q1, build_world, refreshed

SPEC = [{"label": "EMEA <sourced>", "data": [1000, 650], "color": "#1d4ed8", "stack": "emea"},
        {"label": "EMEA influenced", "data": [500, 100], "color": "#93a9ec", "stack": "emea"},
        {"label": "APAC & co", "data": [3000, None], "color": "javascript:alert(1)", "stack": "apac"}]


def test_nice_ceiling():
    assert [nice_ceiling(v) for v in (0, 0.7, 3, 7.2, 12, 1500, 3650)] == [1, 1, 5, 10, 20, 2000, 5000]


def test_bar_chart_is_valid_escaped_svg():
    svg = bar_chart(["2026-Q3", "2026-Q4 <b>"], SPEC, stacked=True, title="Revenue & more")
    root = ET.fromstring(svg)  # well-formed XML
    assert root.tag.endswith("svg") and root.get("aria-label") == "Revenue & more"
    assert "<b>" not in svg and "&lt;b&gt;" in svg and "EMEA &lt;sourced&gt;" in svg
    assert "javascript" not in svg  # a bad colour falls back to grey
    rects = [r for r in root.iter() if r.tag.endswith("rect") and r.get("height") and float(r.get("height")) > 1]
    # Stacked: in the first quarter EMEA's two series sit on one bar (same x), APAC beside them.
    xs = {float(r.get("x")) for r in rects if r.get("width") != "10"}
    assert len(xs) == 3  # EMEA and APAC in the first quarter, EMEA alone in the second (APAC has no value)
    grouped = bar_chart(["a"], SPEC, stacked=False)
    assert len({r.get("x") for r in ET.fromstring(grouped).iter() if r.tag.endswith("rect") and r.get("width") != "10"}) == 3


def test_line_chart_breaks_on_missing_values():
    svg = line_chart(["Q1", "Q2", "Q3", "Q4"], [{"label": "PSAT", "data": [7, None, 8, 9], "color": "#047857"}], top=10)
    root = ET.fromstring(svg)
    lines = [e for e in root.iter() if e.tag.endswith("polyline")]
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2  # Q3-Q4; Q1 stands alone
    assert len([e for e in root.iter() if e.tag.endswith("circle")]) == 3


@pytest.fixture
def world(partner_a, partner_b, region_a, region_b):
    data = build_world(partner_a, partner_b, region_a)
    return data


@pytest.mark.django_db
def test_scorecard_task_renders_a_pdf(world, region_a):
    stamp = scorecards.scorecard_stamp()
    assert stamp == refreshed().strftime("%Y%m%dT%H%M%S")
    name = scorecard_pdf(region_id=region_a.pk, quarter=Q1.isoformat(), language="en", stamp=stamp)
    assert name.startswith(f"analytics/scorecards/{region_a.pk}/{quarter_label(Q1)}-en-{stamp}-")
    with default_storage.open(name, "rb") as handle:
        content = handle.read()
    assert content.startswith(b"%PDF")
    if os.environ.get("PRM_KEEP_SCORECARD"):
        with open(os.environ["PRM_KEEP_SCORECARD"], "wb") as out:
            out.write(content)
    # Idempotent: the same key renders nothing new.
    assert scorecard_pdf(region_id=region_a.pk, quarter=Q1.isoformat(), language="en", stamp=stamp) == name


@pytest.mark.django_db
def test_scorecard_html_has_the_figures_and_charts(world, region_a):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("ja"):
        context = scorecards.scorecard_context(region=region_a, quarter=Q1, language="ja")
        html = render_to_string("analytics/dashboards/pdf/scorecard.html", context)
    assert '<html lang="ja">' in html
    assert html.count("<svg") >= 5
    assert "Alpha Systems GmbH" in html and "Beta Solutions KK" not in html  # EMEA only
    assert "€1,000" in html or "€1,000.00" in html  # Q1 sourced revenue of EMEA, in Japanese formatting
    assert not re.search(r"<script", html)


@pytest.mark.django_db
def test_scorecard_view_queues_then_downloads(client, manager_a, world, region_a, django_capture_on_commit_callbacks):
    client.force_login(manager_a)
    url = reverse("analytics:scorecard", args=[region_a.code]) + f"?quarter={quarter_label(Q1)}"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pending = client.get(url)
    assert pending.status_code == 202
    assert b'http-equiv="refresh"' in pending.content and len(callbacks) == 1  # the task ran eagerly on commit
    ready = client.get(url)
    assert ready.status_code == 200
    assert ready["Content-Type"] == "application/pdf" and ready["Cache-Control"] == "private, no-store"
    assert f"scorecard-emea-{quarter_label(Q1)}-en.pdf" in ready["Content-Disposition"]
    assert b"".join(ready.streaming_content).startswith(b"%PDF")
    # A newer rollup refresh makes the stored scorecard stale: it is rendered again.
    RollupState.objects.filter(name="partner_facts").update(refreshed_at=refreshed().replace(hour=7))
    with django_capture_on_commit_callbacks(execute=False):
        assert client.get(url).status_code == 202


@pytest.mark.django_db
def test_scorecard_is_region_scoped_and_validates_the_quarter(client, manager_a, operator, world, region_b):
    client.force_login(manager_a)
    other = reverse("analytics:scorecard", args=[region_b.code]) + f"?quarter={quarter_label(Q1)}"
    assert client.get(other).status_code == 404
    # Even once the other region's scorecard exists.
    client.force_login(operator)
    scorecard_pdf(region_id=region_b.pk, quarter=Q1.isoformat(), language="en", stamp=scorecards.scorecard_stamp())
    assert client.get(other).status_code == 200
    client.force_login(manager_a)
    assert client.get(other).status_code == 404
    own = reverse("analytics:scorecard", args=["emea"])
    assert client.get(own + "?quarter=2026-Q7").status_code == 400
    assert client.get(own + "?quarter=2999-Q1").status_code == 400
    assert client.get(own).status_code == 400


@pytest.mark.django_db
def test_new_rendering_deletes_older_files_of_the_same_key(world, region_a):
    first = scorecard_pdf(region_id=region_a.pk, quarter=Q1.isoformat(), language="en", stamp="20260101T000000")
    second = scorecard_pdf(region_id=region_a.pk, quarter=Q1.isoformat(), language="en", stamp="20260102T000000")
    other_language = scorecard_pdf(region_id=region_a.pk, quarter=Q1.isoformat(), language="de",
                                   stamp="20260101T000000")
    assert not default_storage.exists(first)
    assert default_storage.exists(second) and default_storage.exists(other_language)
