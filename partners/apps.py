from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self):
        from . import (
            application_kinds,  # noqa: F401  (registers the recruitment notification kinds)
            onboarding_kinds,  # noqa: F401  (registers the onboarding notification kinds)
        )
        from .tiers import notification_kinds  # noqa: F401  (registers the tier notification kinds)
