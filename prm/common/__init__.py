"""Shared building blocks: the audit log, request context, money and locale helpers, API conventions."""
