"""Every periodic job, in one place. Each entry names a task by its explicit name."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # The outbox sweep: dispatch notifications whose on-commit dispatch was lost (Redis down, worker killed).
    "notifications-sweep": {"task": "notifications.sweep_outbox", "schedule": 60.0},
    # One digest a day for those who chose it.
    "notifications-daily-digest": {"task": "notifications.send_digests", "schedule": crontab(hour=7, minute=0)},
}
