"""Staff dashboards (outside the admin): regions side by side, drill-down, CSV per chart, scorecard PDF."""
