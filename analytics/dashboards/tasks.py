"""Celery adapter for the regional scorecard PDF: parse the arguments, call the service."""

from celery import shared_task

from analytics.periods import quarter_start
from prm.tenancy.tasks import GlobalTask


@shared_task(base=GlobalTask, name="analytics.scorecard_pdf")
def scorecard_pdf(*, region_id: int, quarter: str, language: str, stamp: str) -> str | None:
    """Render and store a region's scorecard for a quarter (ISO date of any day in it) unless it exists
    (idempotent). Global: it reads rollups of a whole region by region id in raw SQL, no partner scope needed."""
    from datetime import date

    from .scorecard import scorecard_render

    return scorecard_render(region_id=int(region_id), quarter=quarter_start(date.fromisoformat(quarter)),
                            language=language, stamp=stamp)
