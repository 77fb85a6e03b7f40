"""notify(): write a notification row in the caller's transaction; a worker sends it after commit."""

from django.db import models


def notify(*, kind: str, subject: models.Model | str, context: dict, recipient=None, to_email: str | None = None,
           language: str | None = None, partner=None, window: str = "once"):
    """Placeholder until the notification engine lands (same session)."""
    return None
