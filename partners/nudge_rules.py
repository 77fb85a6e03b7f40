"""The onboarding nudge rules (registered from PartnersConfig.ready()); the job is services/onboarding_nudges.py.

Their defaults are what the job did before the rules existed: PRM_ONBOARDING_STALL_DAYS (7) and reminders 14 and
3 days before a re-acceptance deadline. The outbox windows did not change, so nothing is sent twice across it.
"""

from django.utils.translation import gettext_lazy as _

from prm.notifications import nudges

ONBOARDING_STALLED = nudges.register(nudges.Rule(
    code="partners.onboarding_stalled", label=_("Onboarding stalled"), owner="partners",
    kinds=("partners.onboarding_stalled", "partners.onboarding_stalled_manager"),
    params=(
        nudges.Param("days", _("Days without onboarding progress"), 7, minimum=1, maximum=365,
                     setting="PRM_ONBOARDING_STALL_DAYS",
                     help_text=_("The partner's channel manager is told after twice as many days.")),
    ),
    description=_("Reminds a partner's admins when the onboarding checklist has not moved for a while, and later "
                  "its channel manager. Once per period without progress."),
))

AGREEMENT_REACCEPTANCE_DUE = nudges.register(nudges.Rule(
    code="partners.agreement_reacceptance_due", label=_("Agreement re-acceptance due"), owner="partners",
    kinds=("partners.agreement_reacceptance_due",),
    params=(
        nudges.Param("first_days", _("First reminder (days before the deadline)"), 14, minimum=1, maximum=365),
        nudges.Param("second_days", _("Second reminder (days before the deadline)"), 3, minimum=0, maximum=365,
                     help_text=_("0: no second reminder.")),
    ),
    description=_("Reminds a partner's admins to accept a new version of the partner agreement before its "
                  "deadline (a service message: missing the deadline locks the portal)."),
))
