"""The deal registration nudge rules (registered from DealregConfig.ready()): protection reminders
(services/protection.py) and the approval SLA escalation to staff (services/escalation.py).

Their defaults are what the jobs did before the rules existed: reminders 14, 7 and 1 days before a protection ends,
escalation after DEALREG_SLA_BUSINESS_HOURS. The outbox windows did not change, so nothing is sent twice across it.
The protection's expiry itself (and its notice) is not a nudge and always runs.
"""

from django.utils.translation import gettext_lazy as _

from prm.notifications import nudges

_NO_REMINDER = _("0: no such reminder.")

PROTECTION_EXPIRING = nudges.register(nudges.Rule(
    code="dealreg.protection_expiring", label=_("Registration protection expiring"), owner="dealreg",
    kinds=("dealreg.protection_expiring",),
    params=(
        nudges.Param("first_days", _("First reminder (days before the protection ends)"), 14, minimum=1, maximum=365),
        nudges.Param("second_days", _("Second reminder (days before the protection ends)"), 7, minimum=0, maximum=365,
                     help_text=_NO_REMINDER),
        nudges.Param("third_days", _("Third reminder (days before the protection ends)"), 1, minimum=0, maximum=365,
                     help_text=_NO_REMINDER),
    ),
    description=_("Reminds the person who registered a deal that its protection is about to end, so they can ask "
                  "for an extension. Once per reminder and end date."),
))

APPROVAL_OVERDUE = nudges.register(nudges.Rule(
    code="dealreg.approval_overdue", label=_("Registration approval past its SLA"), owner="dealreg",
    kinds=("dealreg.approval_overdue",), audience="staff",
    params=(
        nudges.Param("hours", _("Escalate after (business hours waiting)"), 24, minimum=1, maximum=2000,
                     setting="DEALREG_SLA_BUSINESS_HOURS",
                     help_text=_("Business hours are Monday to Friday, 9:00–17:00 UTC. The overdue marker in the "
                                 "approval queue follows the program's SLA setting.")),
    ),
    description=_("Tells the other channel managers of the partner's region when a submitted registration has "
                  "waited too long for a decision. Once per time in the queue."),
))
