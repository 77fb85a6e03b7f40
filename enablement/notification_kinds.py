"""Enablement e-mails (imported from EnablementConfig.ready()). All are nudges the recipient may turn off or batch:
a course left idle, a certification expiring (to its holder), and a certification whose expiry would cost the
partner its tier (to the partner's admins)."""

from django.utils.translation import gettext_lazy as _

from prm.notifications.kinds import NotificationKind, register

COURSE_INACTIVE = register(NotificationKind(code="enablement.course_inactive",
                                            label=_("Reminder: a course you started is waiting")))
CERTIFICATION_EXPIRING = register(NotificationKind(code="enablement.certification_expiring",
                                                   label=_("Your certification expires soon")))
CERTIFICATION_TIER_RISK = register(NotificationKind(
    code="enablement.certification_tier_risk",
    label=_("A team member's expiring certification puts your partner tier at risk")))
