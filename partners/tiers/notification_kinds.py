"""Notification kinds of the tier engine (imported from PartnersConfig.ready()).

All three are essential: they announce a change of the partner's commercial terms (deal protection,
discount, MDF) or the last chance to keep them. A partner admin who turned such mail off would
lose benefits without warning, which is what the grace period exists to prevent. They go to the
partner's admins only, in the partner's language, once per reason (dedupe by window).
"""

from django.utils.translation import gettext_lazy as _

from prm.notifications.kinds import NotificationKind, register

TIER_PROMOTED = register(NotificationKind(code="partners.tier_promoted", label=_("Your partner tier went up"),
                                          essential=True))
TIER_DEMOTION_WARNING = register(NotificationKind(
    code="partners.tier_demotion_warning", label=_("Your partner tier is at risk"), essential=True,
))
TIER_DEMOTED = register(NotificationKind(code="partners.tier_demoted", label=_("Your partner tier went down"),
                                         essential=True))
