"""Analytics: rollups, dashboards, health scores and nudges; reads every app, nothing depends on it (issue #7)."""
