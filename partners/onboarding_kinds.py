"""Notification kinds of onboarding and agreements (registered from PartnersConfig.ready())."""

from django.utils.translation import gettext_lazy as _

from prm.notifications.kinds import NotificationKind, register

ONBOARDING_STALLED = register(
    NotificationKind(code="partners.onboarding_stalled", label=_("Reminder: onboarding checklist not finished"))
)
ONBOARDING_STALLED_MANAGER = register(
    NotificationKind(code="partners.onboarding_stalled_manager", label=_("A partner's onboarding has stalled"))
)
ONBOARDING_COMPLIANCE_REVIEW = register(
    NotificationKind(code="partners.onboarding_compliance_review",
                     label=_("A partner's compliance answers need review"), essential=True)
)
# Essential: missing the deadline locks the company out of the portal.
AGREEMENT_REACCEPTANCE_DUE = register(
    NotificationKind(code="partners.agreement_reacceptance_due",
                     label=_("A new partner agreement version must be accepted"), essential=True)
)
# Essential: the partner's activation (or its compliance standing) waits for the new answers.
COMPLIANCE_CHANGES_REQUESTED = register(
    NotificationKind(code="partners.compliance_changes_requested",
                     label=_("Your channel manager asks for changes to your compliance answers"), essential=True)
)
