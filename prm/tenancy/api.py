"""API views run in the same scopes as the portal and admin.

DRF authenticates inside the view, so the scope opens in ``initial()`` (after authentication and
permissions) and closes in ``finalize_response()``, which DRF always calls.
"""

from django.http import Http404
from rest_framework.permissions import BasePermission

from .lookups import membership_for_user, staff_partner_ids
from .scoping import partner_scope, partners_scope, unscoped

PARTNER_HEADER = "HTTP_X_PARTNER_ID"


class IsStaffUser(BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (user.is_operator or user.is_channel_manager or user.is_executive))


class _ScopedAPIMixin:
    _scope_cm = None

    def open_scope(self, request):  # pragma: no cover - overridden
        raise NotImplementedError

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._scope_cm = self.open_scope(request)
        self._scope_cm.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        # Render inside the scope: the browsable API queries (its forms) while rendering.
        scope_cm, self._scope_cm = self._scope_cm, None
        try:
            response = super().finalize_response(request, response, *args, **kwargs)
            if scope_cm is not None and not getattr(response, "is_rendered", True):
                response.render()
            return response
        finally:
            if scope_cm is not None:
                scope_cm.__exit__(None, None, None)


# Checks that lifecycle apps add to every partner API request, run inside the partner's scope after
# authentication (e.g. the agreement lock). Each is called as gate(request, view) and raises an
# APIException to refuse. A view sets ``partner_gates_exempt = True`` when it is how a partner gets
# through the gate (its own organisation, the onboarding status).
PARTNER_API_GATES: list = []


def register_partner_api_gate(gate) -> None:
    if gate not in PARTNER_API_GATES:
        PARTNER_API_GATES.append(gate)


class PartnerScopedAPIMixin(_ScopedAPIMixin):
    """The caller's partner: their membership (``X-Partner-Id`` picks one when they have several)."""

    partner_gates_exempt = False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not self.partner_gates_exempt:
            for gate in PARTNER_API_GATES:
                gate(request, self)

    def open_scope(self, request):
        chosen = request.META.get(PARTNER_HEADER)
        try:
            chosen_id = int(chosen) if chosen else None
        except ValueError:
            raise Http404 from None  # a partner the caller cannot name is one they do not belong to
        membership = membership_for_user(user=request.user, partner_id=chosen_id)
        if membership is None or (chosen_id is not None and membership.partner_id != chosen_id):
            raise Http404
        request.membership = membership
        request.partner = membership.partner
        return partner_scope(membership.partner)


class StaffScopedAPIMixin(_ScopedAPIMixin):
    """Staff endpoints: operators see everything, managers and executives their regions."""

    permission_classes = [IsStaffUser]

    def open_scope(self, request):
        partner_ids = staff_partner_ids(user=request.user)
        request.staff_partner_ids = partner_ids
        return unscoped() if partner_ids is None else partners_scope(partner_ids)
