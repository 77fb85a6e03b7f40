from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self):
        from prm.tenancy.api import register_partner_api_gate

        from . import (
            application_kinds,  # noqa: F401  (registers the recruitment notification kinds)
            nudge_rules,  # noqa: F401  (registers the onboarding nudge rules)
            onboarding_kinds,  # noqa: F401  (registers the onboarding notification kinds)
        )
        from .api_gates import agreement_gate
        from .tiers import notification_kinds  # noqa: F401  (registers the tier notification kinds)

        register_partner_api_gate(agreement_gate)  # the API is locked like the portal until the agreement is accepted
