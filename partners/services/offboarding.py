"""Offboarding: a partner's access closes at once (every session and API token of its people), every
record stays, and a manager can undo it with a reason.

Later areas settle what an offboarded partner leaves open (e.g. open MDF) by registering a hook:

    from partners.services.offboarding import register_offboarding_hook

    @register_offboarding_hook
    def settle_open_funds(*, partner, actor, reason): ...

Hooks run in the offboarding transaction, in registration order, outside any partner scope (open
``partner_scope(partner)`` for partner-owned rows); an exception in a hook undoes the offboarding.
"""

from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext as _

from partners.models import PartnerOrganization
from prm.common.audit import audit
from prm.common.models import AuditEvent

from .errors import MembershipError
from .organizations import partner_set_status

OffboardingHook = Callable[..., None]
OFFBOARDING_HOOKS: list[OffboardingHook] = []

_S = PartnerOrganization.Status


def register_offboarding_hook(hook: OffboardingHook) -> OffboardingHook:
    """Call ``hook(partner=, actor=, reason=)`` whenever a partner is offboarded. Usable as a decorator."""
    if hook not in OFFBOARDING_HOOKS:
        OFFBOARDING_HOOKS.append(hook)
    return hook


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise MembershipError({"reason": _("A reason is required.")}, code="required")
    return reason


@transaction.atomic
def partner_offboard(*, partner: PartnerOrganization, actor, reason: str) -> PartnerOrganization:
    """Offboard: status ``offboarded``; after commit every session and token of its people ends.

    Memberships, invitations, deals and every other record are kept; the portal answers "access
    closed" (403) and the API 404 to its people until a manager reactivates the partner.
    """
    reason = _require_reason(reason)
    partner = PartnerOrganization.objects.select_for_update().get(pk=partner.pk)
    if partner.status == _S.OFFBOARDED:
        raise MembershipError(_("This partner is already offboarded."), code="offboarded")
    partner = partner_set_status(partner=partner, status=_S.OFFBOARDED, actor=actor, reason=reason)
    for hook in list(OFFBOARDING_HOOKS):
        hook(partner=partner, actor=actor, reason=reason)
    return partner


def status_before_offboarding(*, partner: PartnerOrganization) -> str:
    """The portal status the partner had when it was offboarded (active when unknown)."""
    data = (
        AuditEvent.objects.filter(action=f"partners.partner.{_S.OFFBOARDED}", target_type="partners.partnerorganization",
                                  target_id=str(partner.pk))
        .order_by("-created_at", "-id").values_list("data", flat=True).first()
    ) or {}
    previous = data.get("from")
    return previous if previous in PartnerOrganization.PORTAL_STATUSES else _S.ACTIVE


@transaction.atomic
def partner_reactivate(*, partner: PartnerOrganization, actor, reason: str, status: str | None = None
                       ) -> PartnerOrganization:
    """Undo an offboarding: the partner returns to the status it had (or ``status``), its people can
    sign in again. Ended sessions and revoked tokens stay ended."""
    reason = _require_reason(reason)
    partner = PartnerOrganization.objects.select_for_update().get(pk=partner.pk)
    if partner.status != _S.OFFBOARDED:
        raise MembershipError(_("Only an offboarded partner can be reactivated."), code="not_offboarded")
    status = status or status_before_offboarding(partner=partner)
    if status not in PartnerOrganization.PORTAL_STATUSES:
        raise MembershipError(_("A reactivated partner must be onboarding or active."))
    partner = partner_set_status(partner=partner, status=status, actor=actor, reason=reason)
    audit(actor=actor, action="partners.partner.reactivated", target=partner, partner=partner,
          data={"reason": reason, "status": status})
    return partner


def partner_change_status(*, partner: PartnerOrganization, status: str, actor, reason: str = "") -> PartnerOrganization:
    """The admin's "change status": offboarding and its undo go through their own services (hooks, reason)."""
    if status == _S.OFFBOARDED:
        return partner_offboard(partner=partner, actor=actor, reason=reason)
    if partner.status == _S.OFFBOARDED and status in PartnerOrganization.PORTAL_STATUSES:
        return partner_reactivate(partner=partner, actor=actor, reason=reason, status=status)
    return partner_set_status(partner=partner, status=status, actor=actor, reason=reason)
