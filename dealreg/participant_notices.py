"""Notification kinds of multi-partner deals. Imported by dealreg.services.participants (and from the app's
ready(), so a worker that only renders knows them too)."""

from django.utils.translation import gettext_lazy as _

from prm.notifications.kinds import NotificationKind, register

PARTICIPANT_INVITED = register(NotificationKind(
    code="dealreg.participant_invited", label=_("Invitation onto another partner's deal"), essential=True,
))
PARTICIPANT_RESPONDED = register(NotificationKind(
    code="dealreg.participant_responded", label=_("A partner answered your invitation onto a deal"), essential=True,
))
