"""Celery adapters for the deal registration batch jobs (schedule: prm/schedule.py).

Both read across partners, so they run unscoped; the services they call are set-based over chunks
and idempotent (a killed run is simply run again).
"""

from celery import shared_task

from prm.tenancy.tasks import UnscopedGlobalTask


@shared_task(name="dealreg.protection_sweep", base=UnscopedGlobalTask)
def protection_sweep() -> dict:
    """Daily: expire protections that ended, then remind those ending in 14, 7 and 1 days."""
    from dealreg.services.protection import protection_expire_due, protection_send_reminders

    return {"expired": protection_expire_due(), "reminders": protection_send_reminders()}


@shared_task(name="dealreg.sla_escalate", base=UnscopedGlobalTask)
def sla_escalate() -> int:
    """Hourly: escalate registrations waiting past the approval SLA to the region's other managers."""
    from dealreg.services.escalation import deals_escalate_overdue

    return deals_escalate_overdue()
