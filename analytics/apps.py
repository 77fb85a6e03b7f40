from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from .dashboards import wiring as dashboards_wiring
        from .health import wiring as health_wiring
        from .home import wiring as home_wiring
        from .psat import wiring as psat_wiring
        from .rollups import wiring as rollups_wiring

        rollups_wiring.ready()    # mark partners dirty when their facts change
        health_wiring.ready()     # the health score tier metric, notification kinds, nudge rules
        psat_wiring.ready()       # PSAT notification kinds, event triggers
        home_wiring.ready()       # the partner home panels
        dashboards_wiring.ready()  # scorecard notification kinds
