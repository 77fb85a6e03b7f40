"""Deal registration e-mails. Decisions on the partner's own registrations are essential (always sent);
reminders and expiry notices are nudges the recipient may turn off or batch."""

from django.utils.translation import gettext_lazy as _

from prm.notifications.kinds import NotificationKind, register

DEAL_APPROVED = register(NotificationKind(code="dealreg.deal_approved", label=_("Deal registration approved"),
                                          essential=True))
DEAL_REJECTED = register(NotificationKind(code="dealreg.deal_rejected", label=_("Deal registration rejected"),
                                          essential=True))
MORE_INFO_REQUESTED = register(NotificationKind(code="dealreg.more_info_requested",
                                                label=_("More information requested for a deal registration"),
                                                essential=True))
EXTENSION_DECIDED = register(NotificationKind(code="dealreg.extension_decided",
                                              label=_("Decision on a protection extension"), essential=True))
PROTECTION_EXPIRING = register(NotificationKind(code="dealreg.protection_expiring",
                                                label=_("Deal protection about to end")))
PROTECTION_EXPIRED = register(NotificationKind(code="dealreg.protection_expired", label=_("Deal protection ended")))
# Staff: an SLA escalation is part of the job, so it cannot be switched off; an extension request can.
APPROVAL_OVERDUE = register(NotificationKind(code="dealreg.approval_overdue",
                                             label=_("Deal registration waiting past its approval time"),
                                             essential=True))
EXTENSION_REQUESTED = register(NotificationKind(code="dealreg.extension_requested",
                                                label=_("A partner asks to extend a deal protection")))
