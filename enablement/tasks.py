"""Celery adapters for enablement's batch jobs (schedule: prm/schedule.py): the daily nudges. The certificate and
one-pager renderers are in tasks_pdf.py."""

from celery import shared_task

from prm.tenancy.tasks import UnscopedGlobalTask


@shared_task(base=UnscopedGlobalTask, name="enablement.nudges")
def nudges() -> dict:
    """Daily: courses left idle for 14 days, certifications expiring in 60, 30 and 7 days (and, to the partner's
    admins, those its tier depends on). Set-based over chunks; the outbox window makes each reminder a one-off."""
    from enablement.services.nudges import enablement_nudges_send

    return enablement_nudges_send().as_dict()
