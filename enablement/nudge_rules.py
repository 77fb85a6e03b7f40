"""The enablement nudge rules (registered from EnablementConfig.ready()); the job is services/nudges.py.

Their defaults are what the job did before the rules existed: a course idle for 14 days, certification reminders
60, 30 and 7 days before expiry. The outbox windows did not change, so nothing is sent twice across it.
"""

from django.utils.translation import gettext_lazy as _

from prm.notifications import nudges

_NO_REMINDER = _("0: no such reminder.")

COURSE_INACTIVE = nudges.register(nudges.Rule(
    code="enablement.course_inactive", label=_("Course left idle"), owner="enablement",
    kinds=("enablement.course_inactive",),
    params=(nudges.Param("days", _("Days without activity on a started or assigned course"), 14, minimum=1,
                         maximum=365),),
    description=_("Reminds a learner of a course they enrolled in and have not touched for a while. Once per idle "
                  "period."),
))

CERTIFICATION_EXPIRING = nudges.register(nudges.Rule(
    code="enablement.certification_expiring", label=_("Certification expiring"), owner="enablement",
    kinds=("enablement.certification_expiring",),
    params=(
        nudges.Param("first_days", _("First reminder (days before expiry)"), 60, minimum=1, maximum=365),
        nudges.Param("second_days", _("Second reminder (days before expiry)"), 30, minimum=0, maximum=365,
                     help_text=_NO_REMINDER),
        nudges.Param("third_days", _("Third reminder (days before expiry)"), 7, minimum=0, maximum=365,
                     help_text=_NO_REMINDER),
    ),
    description=_("Reminds the holder that a certification expires soon, so they renew it. Once per reminder and "
                  "expiry date."),
))

CERTIFICATION_TIER_RISK = nudges.register(nudges.Rule(
    code="enablement.certification_tier_risk", label=_("Expiring certification puts the tier at risk"),
    owner="enablement", kinds=("enablement.certification_tier_risk",),
    description=_("Tells the partner's admins when a team member's expiring certification would take the partner "
                  "below its tier's minimum. Sent on the days of the “Certification expiring” rule."),
))
