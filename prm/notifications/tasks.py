"""Celery adapters over delivery.py. Global tasks: the outbox is addressed to people, across partners,
and none of these read partner-owned rows (so they run in no scope, failing closed if one ever did)."""

from celery import shared_task

from prm.tenancy.tasks import GlobalTask

from . import delivery, nudges


@shared_task(base=GlobalTask, name="notifications.send")
def send_notification(*, notification_id: int) -> bool:
    return delivery.notification_send(notification_id=notification_id)


@shared_task(base=GlobalTask, name="notifications.sweep_outbox")
def sweep_outbox() -> dict:
    result = delivery.outbox_sweep()
    return {"redispatched": result.redispatched, "failed_stuck": result.failed_stuck}


@shared_task(base=GlobalTask, name="notifications.send_digests")
def send_digests() -> int:
    return delivery.digests_send()


@shared_task(base=GlobalTask, name="notifications.prune_nudge_runs")
def prune_nudge_runs() -> int:
    """Daily: the nudge run log keeps NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS days and each rule's last run."""
    return nudges.runs_prune()
