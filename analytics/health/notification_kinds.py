"""The health score's e-mails: the channel managers' at-risk digest and the partner users' re-engagement nudge.
Both are nudges (non-essential): the recipient may turn them off or batch them."""

from django.utils.translation import gettext_lazy as _

from prm.notifications.kinds import NotificationKind, register

AT_RISK_DIGEST = register(NotificationKind(code="analytics.at_risk_digest",
                                           label=_("Partners newly at risk (daily digest for channel managers)")))
NO_LOGIN = register(NotificationKind(code="analytics.no_login", label=_("Reminder after a long time without signing in")))
