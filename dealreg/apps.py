from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealregConfig(AppConfig):
    name = "dealreg"
    verbose_name = _("Deal registration")
