"""Panels: the dashboard's figures as plain rows with typed columns, built from the rows of ``queries``.

One ``Panel`` feeds three views of the same numbers: the HTML table (cells pre-formatted for the active
locale), the CSV export (raw values; amounts as plain decimals with a currency column) and the chart (a small
JSON spec read by static/analytics/dashboards.js in the browser and by ``svg`` in the scorecard PDF).
Derived figures are computed here, from additive sums, never averaged averages:
approval rate = approved / (approved + rejected); ROPI = won revenue of MDF-attributed deals / MDF spent;
PSAT average = score total / responses; active partners % = partners with a sign-in in the last 30 days /
partners in the program (onboarding or active); median decision time from the summed histograms.

``columns`` holds the building blocks (Column, Panel, formatting, charts), ``notes`` the freshness notes,
``aggregates`` the result sets summed once, ``sales``, ``lifecycle``, ``programs`` and ``kpis`` the builders,
and ``dashboard`` puts them together.
"""

from .columns import (
    PALETTE,
    STAGE_ORDER,
    Column,
    Panel,
    as_float,
    color,
    display,
    format_moment,
    lighter,
    median_from_counts,
    plain,
    stage_label,
    whole_currency,
)
from .dashboard import Dashboard, build_dashboard
from .notes import FRESHNESS_NOTES, PANEL_NOTES, STATE_LABELS, reason_texts

__all__ = [
    "FRESHNESS_NOTES", "PALETTE", "PANEL_NOTES", "STAGE_ORDER", "STATE_LABELS", "Column", "Dashboard", "Panel",
    "as_float", "build_dashboard", "color", "display", "format_moment", "lighter", "median_from_counts", "plain",
    "reason_texts", "stage_label", "whole_currency",
]
