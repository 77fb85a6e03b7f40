"""The health score's nudge rules (registered from analytics.health.wiring.ready()): the channel managers' at-risk
digest (analytics.health.digest) and the re-engagement of partner users who stopped signing in
(analytics.health.reengagement). Operators enable, disable and tune them on the admin's nudge-rule page."""

from django.utils.translation import gettext_lazy as _

from prm.notifications import nudges

AT_RISK_DIGEST = nudges.register(nudges.Rule(
    code="analytics.at_risk_digest", label=_("Partners at risk (digest to channel managers)"), owner="analytics",
    kinds=("analytics.at_risk_digest",), audience="staff",
    description=_("After the nightly health scoring, each channel manager gets one e-mail listing the partners of "
                  "their book that have just become at risk, with the reasons. A partner is listed once per at-risk "
                  "episode; partners without a channel manager go to their region's channel managers. What \"at "
                  "risk\" means is set in the health model."),
))

NO_LOGIN = nudges.register(nudges.Rule(
    code="analytics.no_login", label=_("No sign-in for a while (re-engagement)"), owner="analytics",
    kinds=("analytics.no_login",),
    params=(nudges.Param("days", _("Days without signing in"), 30, minimum=7, maximum=365),),
    description=_("Invites partner users who have not signed in for the given number of days back to the portal. "
                  "Once per period of inactivity: signing in again starts a new one."),
))
