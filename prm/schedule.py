"""Every periodic job, in one place. Each entry names a task by its explicit name."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # The outbox sweep: dispatch notifications whose on-commit dispatch was lost (Redis down, worker killed).
    "notifications-sweep": {"task": "notifications.sweep_outbox", "schedule": 60.0},
    # One digest a day for those who chose it.
    "notifications-daily-digest": {"task": "notifications.send_digests", "schedule": crontab(hour=7, minute=0)},
    # The nudge rules' run log: older than NOTIFICATIONS_NUDGE_RUNS_KEPT_DAYS goes, each rule's last run stays.
    # A quiet hour (after the nightly rollups, before the morning nudges); idempotent.
    "notifications-prune-nudge-runs": {"task": "notifications.prune_nudge_runs",
                                       "schedule": crontab(hour=4, minute=40)},
    # Onboarding stalled and agreement re-acceptance reminders (each sent once; runs before the digest).
    "partners-onboarding-nudges": {"task": "partners.onboarding_nudges", "schedule": crontab(hour=6, minute=30)},
    # Tier recalculation: fans out one task per ~2,000 partners; warnings and moves reach partners before the digest.
    "partners-tiers-nightly": {"task": "partners.tiers_recalculate_all", "schedule": crontab(hour=2, minute=15)},
    # Deal protection: expire what ended, then remind 14/7/1 days ahead (idempotent; before the digest).
    "dealreg-protection-sweep": {"task": "dealreg.protection_sweep", "schedule": crontab(hour=5, minute=45)},
    # Approval SLA: escalate registrations waiting past DEALREG_SLA_BUSINESS_HOURS, once each.
    "dealreg-sla-escalate": {"task": "dealreg.sla_escalate", "schedule": crontab(minute=20)},
    # CRM imports: queue again import steps whose dispatch was lost (broker down) or whose worker died; idempotent.
    "dealreg-imports-sweep": {"task": "dealreg.imports_sweep", "schedule": 120.0},
    # MDF allocation: daily, not only on the 1st of a quarter. It is idempotent (one "allocation:tier" entry per
    # fund), so a missed quarter start, a partner activated mid-quarter or a new funded tier is caught next morning.
    # After the nightly tier recalculation, so a quarter's allocation follows the tier held on its first day.
    "mdf-allocate-quarter": {"task": "mdf.allocate_quarter", "schedule": crontab(hour=3, minute=10)},
    # MDF accrual on won deals since the previous quarter's start; once per deal (ledger key), so hourly is safe.
    "mdf-accrue": {"task": "mdf.accrue", "schedule": crontab(minute=35)},
    # MDF expiry: post the unused balance of funds past their grace period and close them (idempotent).
    "mdf-expire-funds": {"task": "mdf.expire_funds", "schedule": crontab(hour=1, minute=40)},
    # MDF lapse: release the reservation of pre-approved activities whose claim window closed unclaimed.
    "mdf-lapse-activities": {"task": "mdf.lapse_activities", "schedule": crontab(hour=1, minute=50)},
    # MDF nudges: claim window closing (14/3 days), unspent funds expiring, information not answered; each once.
    "mdf-nudges": {"task": "mdf.nudges", "schedule": crontab(hour=6, minute=0)},
    # Enablement nudges: courses idle 14 days, certifications expiring in 60/30/7 days (and to the partner's admins
    # when its tier depends on them); each once. After the nightly tier recalculation, before the digest.
    "enablement-nudges": {"task": "enablement.nudges", "schedule": crontab(hour=6, minute=10)},
    # Analytics rollups: partners whose facts changed (marked on commit) every five minutes; everything nightly,
    # after health scoring (01:30), tier recalculation (02:15) and MDF allocation (03:10).
    "analytics-rollups-dirty": {"task": "analytics.rollups_refresh_dirty", "schedule": 300.0},
    "analytics-rollups-nightly": {"task": "analytics.rollups_refresh_all", "schedule": crontab(hour=3, minute=30)},
    # PSAT: the quarter's pulse on/after ANALYTICS_PSAT_WAVE_DAY of its first month, once (idempotent; catches up).
    "analytics-psat-quarterly": {"task": "analytics.psat_quarterly", "schedule": crontab(hour=8, minute=30)},
    # Health scores: every accessible partner, in chunks, before the tier recalculation (02:15) that reads them.
    "analytics-health-nightly": {"task": "analytics.health_score_all", "schedule": crontab(hour=1, minute=30)},
    # The channel managers' digest of partners newly at risk (one e-mail per manager per day, each partner once
    # per at-risk episode), and re-engagement of people who stopped signing in (once per inactivity episode).
    "analytics-at-risk-digest": {"task": "analytics.at_risk_digest", "schedule": crontab(hour=6, minute=20)},
    "analytics-no-login-nudges": {"task": "analytics.no_login_nudges", "schedule": crontab(hour=6, minute=25)},
}
