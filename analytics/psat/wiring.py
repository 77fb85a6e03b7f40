"""Start-up wiring of this area (signal handlers, registrations), called from AnalyticsConfig.ready()."""


def ready() -> None:
    pass
