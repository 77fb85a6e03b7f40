"""Start-up wiring of this area (signal handlers, registrations), called from AnalyticsConfig.ready():
the health score tier metric, the notification kinds, the nudge rules and the admin pages."""


def ready() -> None:
    from . import admin, metrics, notification_kinds, nudge_rules  # noqa: F401 - they register themselves

    metrics.register()
