"""Start-up wiring of the partner home: its panels, in the order the home shows them (inbox first)."""

from prm.common.home import register_panel

TEMPLATES = "analytics/home/"


def ready() -> None:
    from . import panels

    register_panel("analytics.inbox", 100, panels.inbox_panel, TEMPLATES + "_inbox.html")
    register_panel("analytics.pipeline", 110, panels.pipeline_panel, TEMPLATES + "_pipeline.html")
    register_panel("analytics.funds", 120, panels.funds_panel, TEMPLATES + "_funds.html")
    register_panel("analytics.training", 130, panels.training_panel, TEMPLATES + "_training.html")
    register_panel("analytics.tier", 140, panels.tier_panel, TEMPLATES + "_tier.html")
    register_panel("analytics.health", 150, panels.health_panel, TEMPLATES + "_health.html")
