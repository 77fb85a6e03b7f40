from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealregConfig(AppConfig):
    name = "dealreg"
    verbose_name = _("Deal registration")

    def ready(self) -> None:
        # Registration side effects: the e-mail kinds, the nudge rules, and the tier metrics this app provides.
        from . import dataset, metrics, notification_kinds, nudge_rules, participant_notices  # noqa: F401

        dataset.register()  # the registrations step of generate_dataset
