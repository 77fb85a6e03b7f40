"""Notification kinds of recruitment: the applicant has no account yet, so both are essential (to_email)."""

from django.utils.translation import gettext_lazy as _

from prm.notifications.kinds import NotificationKind, register

APPLICATION_RECEIVED = register(
    NotificationKind(code="partners.application_received", label=_("Partner application received"), essential=True)
)
APPLICATION_REJECTED = register(
    NotificationKind(code="partners.application_rejected", label=_("Partner application rejected"), essential=True)
)
