"""Every periodic job, in one place. Each entry names a task by its explicit name."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # The outbox sweep: dispatch notifications whose on-commit dispatch was lost (Redis down, worker killed).
    "notifications-sweep": {"task": "notifications.sweep_outbox", "schedule": 60.0},
    # One digest a day for those who chose it.
    "notifications-daily-digest": {"task": "notifications.send_digests", "schedule": crontab(hour=7, minute=0)},
    # Onboarding stalled and agreement re-acceptance reminders (each sent once; runs before the digest).
    "partners-onboarding-nudges": {"task": "partners.onboarding_nudges", "schedule": crontab(hour=6, minute=30)},
    # Tier recalculation: fans out one task per ~2,000 partners; warnings and moves reach partners before the digest.
    "partners-tiers-nightly": {"task": "partners.tiers_recalculate_all", "schedule": crontab(hour=2, minute=15)},
    # Deal protection: expire what ended, then remind 14/7/1 days ahead (idempotent; before the digest).
    "dealreg-protection-sweep": {"task": "dealreg.protection_sweep", "schedule": crontab(hour=5, minute=45)},
    # Approval SLA: escalate registrations waiting past DEALREG_SLA_BUSINESS_HOURS, once each.
    "dealreg-sla-escalate": {"task": "dealreg.sla_escalate", "schedule": crontab(minute=20)},
}
