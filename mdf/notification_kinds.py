"""MDF e-mails. Decisions on the partner's own requests and claims, and payments, are essential (always
sent); deadline reminders are nudges the recipient may turn off or batch."""

from django.utils.translation import gettext_lazy as _

from prm.notifications.kinds import NotificationKind, register

ACTIVITY_APPROVED = register(NotificationKind(code="mdf.activity_approved", label=_("MDF request pre-approved"),
                                              essential=True))
ACTIVITY_REJECTED = register(NotificationKind(code="mdf.activity_rejected", label=_("MDF request rejected"),
                                              essential=True))
ACTIVITY_INFO_REQUESTED = register(NotificationKind(code="mdf.activity_info_requested",
                                                    label=_("More information requested for an MDF request"),
                                                    essential=True))
ACTIVITY_LAPSED = register(NotificationKind(code="mdf.activity_lapsed",
                                            label=_("MDF activity closed without a claim"), essential=True))
CLAIM_APPROVED = register(NotificationKind(code="mdf.claim_approved", label=_("MDF claim approved"), essential=True))
CLAIM_REJECTED = register(NotificationKind(code="mdf.claim_rejected", label=_("MDF claim rejected"), essential=True))
CLAIM_INFO_REQUESTED = register(NotificationKind(code="mdf.claim_info_requested",
                                                 label=_("More information requested for an MDF claim"),
                                                 essential=True))
CLAIM_PAID = register(NotificationKind(code="mdf.claim_paid", label=_("MDF claim paid"), essential=True))
# Nudges
CLAIM_WINDOW_CLOSING = register(NotificationKind(code="mdf.claim_window_closing",
                                                 label=_("An MDF claim window is closing")))
FUND_EXPIRING = register(NotificationKind(code="mdf.fund_expiring", label=_("Unspent market development funds expiring")))
INFO_REMINDER = register(NotificationKind(code="mdf.info_reminder",
                                          label=_("Reminder: information requested on an MDF request or claim")))
