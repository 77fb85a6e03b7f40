"""Template context for the portal shell: the active partner, membership and role navigation."""

from django.conf import settings


def portal(request):
    return {
        "active_partner": getattr(request, "partner", None),
        "active_membership": getattr(request, "membership", None),
        "partner_memberships": getattr(request, "partner_memberships", ()),
        "LANGUAGES": settings.LANGUAGES,
        "require_staff_mfa": settings.REQUIRE_STAFF_MFA,
    }
