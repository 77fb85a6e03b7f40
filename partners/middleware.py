"""The agreement lock: until the company has accepted the current partner agreement, portal pages
redirect to the onboarding checklist (the pages needed to get there stay open).

Listed after TenancyMiddleware, so ``process_view`` runs inside the partner's scope with the URL
already resolved. Pages outside /portal/ (account, sign-out, notifications, API) are not affected.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from prm.tenancy.middleware import PORTAL_PREFIX

# What a locked partner can still reach: the way to accepting, the company's details, switching partner.
UNLOCKED_VIEWS = frozenset({
    "partners:onboarding",
    "partners:onboarding_profile",
    "partners:agreement",
    "partners:agreement_pdf",
    "partners:organization",
    "partners:switch",
})


class AgreementLockMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        partner = getattr(request, "partner", None)
        if partner is None or not request.path_info.startswith(PORTAL_PREFIX):
            return None
        match = getattr(request, "resolver_match", None)
        if match is not None and match.view_name in UNLOCKED_VIEWS:
            return None
        from partners.onboarding_selectors import agreement_status_for

        status = agreement_status_for(partner=partner)
        request.agreement_status = status  # views of this request reuse it
        if not status.locks_portal:
            return None
        messages.warning(request, _("Your company has to accept the partner agreement before you can use the rest "
                                    "of the portal."))
        return redirect("partners:onboarding")
