"""The agreement lock for the API: the same rule as the portal's AgreementLockMiddleware."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions


class AgreementRequired(exceptions.PermissionDenied):
    default_code = "agreement_required"
    default_detail = _("Your company has to accept the partner agreement before it can use the API. "
                       "A partner admin can accept it in the portal's onboarding checklist.")


def agreement_gate(request, view) -> None:
    from partners.onboarding_selectors import agreement_status_for

    if agreement_status_for(partner=request.partner).locks_portal:
        raise AgreementRequired()
