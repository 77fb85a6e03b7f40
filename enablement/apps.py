from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnablementConfig(AppConfig):
    name = "enablement"
    verbose_name = _("Enablement")

    def ready(self) -> None:
        from . import metrics

        metrics.register()  # active certifications feed the tier engine
