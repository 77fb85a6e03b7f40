"""The MDF nudge rules (registered from MdfConfig.ready()); the job is services/nudges.py.

The claim window reminders' defaults are what the job did before the rules existed (14 and 3 days before the
deadline). The fund expiry warning and the information reminder keep their delays on the MDF program, where
operators already set them: the rules switch them on or off and point there. The outbox windows did not change,
so nothing is sent twice across it. The fund's expiry itself is not a nudge and always runs.
"""

from django.utils.translation import gettext_lazy as _

from prm.notifications import nudges

PROGRAM_ADMIN = "admin:mdf_mdfprogram_changelist"
PROGRAM_LABEL = _("MDF program")

CLAIM_WINDOW_CLOSING = nudges.register(nudges.Rule(
    code="mdf.claim_window_closing", label=_("MDF claim window closing"), owner="mdf",
    kinds=("mdf.claim_window_closing",),
    params=(
        nudges.Param("first_days", _("First reminder (days before the claim deadline)"), 14, minimum=1, maximum=365),
        nudges.Param("second_days", _("Second reminder (days before the claim deadline)"), 3, minimum=0, maximum=365,
                     help_text=_("0: no second reminder.")),
    ),
    description=_("Reminds the activity's creator and the partner's admins to claim a pre-approved activity that "
                  "has run before its claim window closes. Once per reminder and deadline."),
))

FUND_EXPIRING = nudges.register(nudges.Rule(
    code="mdf.fund_expiring", label=_("Unspent funds expiring"), owner="mdf",
    kinds=("mdf.fund_expiring",), configured_at=PROGRAM_ADMIN, configured_at_label=PROGRAM_LABEL,
    description=_("Warns the partner's admins that a fund with money left expires soon. How long before is set on "
                  "the MDF program (“warn before a fund expires”). Once per fund and expiry date."),
))

INFO_REMINDER = nudges.register(nudges.Rule(
    code="mdf.info_reminder", label=_("MDF information requested and not answered"), owner="mdf",
    kinds=("mdf.info_reminder",), configured_at=PROGRAM_ADMIN, configured_at_label=PROGRAM_LABEL,
    description=_("Reminds the creator and the partner's admins when a manager asked for information on a request "
                  "or claim and it has not been answered. The delay is set on the MDF program (“remind about "
                  "requested information after”). Once per request for information."),
))
