"""Kinds owned by the platform itself. Lifecycle apps register theirs in their own AppConfig.ready()."""

from django.utils.translation import gettext_lazy as _

from .kinds import NotificationKind, register

PARTNER_INVITATION = register(
    NotificationKind(
        code="partners.invitation", label=_("Invitation to join a partner"), essential=True,
        secret_context_keys=("accept_url",),
    )
)
