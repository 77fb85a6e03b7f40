"""Template context for the portal shell: the active partner, membership and role navigation."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject


def portal(request):
    memberships = getattr(request, "partner_memberships", None)
    if memberships is None:
        # Outside /portal/ the middleware has not looked them up; do it only if a template asks.
        def lookup():
            from prm.tenancy.lookups import memberships_for_user

            return memberships_for_user(user=request.user) if request.user.is_authenticated else []

        memberships = SimpleLazyObject(lookup)
    return {
        "active_partner": getattr(request, "partner", None),
        "active_membership": getattr(request, "membership", None),
        "partner_memberships": memberships,
        "LANGUAGES": settings.LANGUAGES,
        "require_staff_mfa": settings.REQUIRE_STAFF_MFA,
    }
