from django.urls import path

from .views import onboarding, portal, tiers

app_name = "partners"

urlpatterns = [
    path("", portal.home, name="home"),
    path("organisation/", portal.organization_detail, name="organization"),
    path("team/", portal.team, name="team"),
    path("team/invite/", portal.invite, name="invite"),
    path("team/<int:pk>/", portal.member_detail, name="member_detail"),
    path("team/<int:pk>/remove/", portal.member_remove, name="member_remove"),
    path("team/invitations/<int:pk>/revoke/", portal.invitation_revoke_view, name="invitation_revoke"),
    path("switch/", portal.switch_partner, name="switch"),
    # onboarding (partners/views/onboarding.py)
    path("onboarding/", onboarding.checklist, name="onboarding"),
    path("onboarding/profile/", onboarding.profile, name="onboarding_profile"),
    path("onboarding/compliance/", onboarding.compliance, name="onboarding_compliance"),
    path("onboarding/payout/", onboarding.payout, name="onboarding_payout"),
    path("onboarding/just-me/", onboarding.just_me, name="onboarding_just_me"),
    path("agreement/", onboarding.agreement, name="agreement"),
    path("agreement/acceptances/<int:pk>/pdf/", onboarding.agreement_pdf, name="agreement_pdf"),
    # tier and benefits (partners/views/tiers.py)
    path("tier/", tiers.tier_overview, name="tier"),
]
