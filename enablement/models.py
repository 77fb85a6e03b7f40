"""Enablement models arrive with their issue."""
