"""Every request runs in the right scope.

- portal (/portal/...): exactly one partner, from the user's membership (switchable when several);
  a user without one gets 404, the same answer as "does not exist";
- staff pages (/admin/, /staff/): operators unscoped, channel managers and executives scoped to
  the partners of their regions;
- everything else (sign-in, public pages): no scope, so any partner-owned query raises.
Responses are rendered inside the scope.
"""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

from .lookups import has_blocked_membership, membership_for_user, memberships_for_user, staff_partner_ids
from .scoping import partner_scope, partners_scope, unscoped

ACTIVE_PARTNER_SESSION_KEY = "prm_active_partner_id"
PORTAL_PREFIX = "/portal/"
STAFF_PREFIXES = ("/admin/", "/staff/")


def _render_in_scope(response):
    if hasattr(response, "render") and callable(response.render) and not getattr(response, "is_rendered", True):
        response = response.render()
    return response


class TenancyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if path.startswith(PORTAL_PREFIX):
            return self._portal(request)
        if path.startswith(STAFF_PREFIXES) and request.user.is_authenticated and request.user.is_staff:
            return self._staff(request)
        return self.get_response(request)

    def _portal(self, request):
        user = request.user
        if not user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        memberships = memberships_for_user(user=user)
        if not memberships:
            if has_blocked_membership(user=user):
                return render(request, "partners/portal/access_closed.html", status=403)
            raise Http404
        chosen = request.session.get(ACTIVE_PARTNER_SESSION_KEY)
        membership = membership_for_user(user=user, partner_id=chosen) if chosen else memberships[0]
        request.membership = membership
        request.partner = membership.partner
        request.partner_memberships = memberships
        with partner_scope(request.partner):
            return _render_in_scope(self.get_response(request))

    def _staff(self, request):
        partner_ids = staff_partner_ids(user=request.user)
        request.staff_partner_ids = partner_ids
        if partner_ids is None:
            with unscoped():
                return _render_in_scope(self.get_response(request))
        with partners_scope(partner_ids):
            return _render_in_scope(self.get_response(request))
