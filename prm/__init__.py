"""The partner portal project package: settings, URLs, Celery, and shared infrastructure."""

from .celery import app as celery_app

__all__ = ["celery_app"]
