"""Rollups: the tables dashboards read, refreshed incrementally (dirty partners) and nightly, set-based per chunk."""
