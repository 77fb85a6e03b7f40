from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnablementConfig(AppConfig):
    name = "enablement"
    verbose_name = _("Enablement")

    def ready(self) -> None:
        from . import dataset, metrics, notification_kinds, nudge_rules, onboarding  # noqa: F401 - kinds and rules register

        metrics.register()  # active certifications feed the tier engine
        onboarding.register()  # the real "first course" step replaces the partners placeholder
        dataset.register()  # the enablement step of generate_dataset
