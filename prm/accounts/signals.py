"""Keep staff groups in step with their permissions; note logins."""

from django.apps import apps
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from .middleware import touch_last_seen
from .roles import ensure_staff_groups


@receiver(post_migrate)
def _staff_groups(sender, app_config=None, **kwargs):
    # post_migrate is sent once per app, in INSTALLED_APPS order, and each app's permissions are created on
    # its own signal: only after the last app do all the permissions the groups name exist.
    if app_config is not None and app_config is list(apps.get_app_configs())[-1]:
        ensure_staff_groups()


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    touch_last_seen(user)
