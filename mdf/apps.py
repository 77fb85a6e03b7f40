from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MdfConfig(AppConfig):
    name = "mdf"
    verbose_name = _("Market development funds")

    def ready(self) -> None:
        from . import dataset, notification_kinds, nudge_rules  # noqa: F401  (registers the e-mail kinds and nudge rules)

        dataset.register()  # the MDF step of generate_dataset
