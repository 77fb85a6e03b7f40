"""The PSAT e-mail. A survey invitation is a request for feedback, not a service message: people may turn it off
or have it batched into their daily digest. Its single-use link is a secret, blanked in the outbox once sent."""

from django.utils.translation import gettext_lazy as _

from prm.notifications.kinds import NotificationKind, register

PSAT_INVITATION = register(NotificationKind(
    code="analytics.psat_invitation", label=_("Partner satisfaction survey (a one-question pulse)"),
    secret_context_keys=("survey_url",),
))
