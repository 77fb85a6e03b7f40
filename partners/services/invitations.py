"""Invitations: staff invite a partner's first admin; partner admins invite colleagues.

Single-use and expiring; the raw token exists only in the e-mail. Accepting lands the user in the
invitation's partner with the invitation's role and flags, never anywhere else.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import Invitation, Membership, PartnerOrganization
from prm.common.audit import audit
from prm.notifications.services import notify

from .errors import InvitationError


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    raw_token: str

    @property
    def url(self) -> str:
        return settings.SITE_URL.rstrip("/") + reverse("invitation_accept", kwargs={"token": self.raw_token})


def _capabilities_for(role: str, *, can_register_deals: bool, can_claim_mdf: bool, can_manage_users: bool) -> dict:
    if role == Membership.Role.ADMIN:
        return {"can_register_deals": True, "can_claim_mdf": True, "can_manage_users": True}
    return {"can_register_deals": can_register_deals, "can_claim_mdf": can_claim_mdf, "can_manage_users": can_manage_users}


@transaction.atomic
def invitation_create(
    *,
    partner: PartnerOrganization,
    email: str,
    role: str,
    invited_by,
    language: str | None = None,
    full_name: str = "",
    can_register_deals: bool = True,
    can_claim_mdf: bool = False,
    can_manage_users: bool = False,
) -> IssuedInvitation:
    """Create an invitation and queue its e-mail (sent after commit, once).

    Must run inside ``partner``'s scope (portal) or a staff scope that includes it (admin).
    An open invitation for the same address is replaced: the old link stops working.
    """
    email = email.strip().lower()
    if Membership.objects.filter(partner=partner, user__email__iexact=email, is_active=True).exists():
        raise InvitationError(_("%(email)s is already a member of this partner.") % {"email": email})
    now = timezone.now()
    Invitation.objects.filter(partner=partner, email=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    raw_token = Invitation.new_token()
    invitation = Invitation(
        partner=partner,
        email=email,
        role=role,
        language=language or partner.default_language,
        full_name=(full_name or "").strip()[:200],
        token_hash=Invitation.hash_token(raw_token),
        invited_by=invited_by,
        **_capabilities_for(
            role, can_register_deals=can_register_deals, can_claim_mdf=can_claim_mdf, can_manage_users=can_manage_users
        ),
    )
    invitation.save()
    issued = IssuedInvitation(invitation=invitation, raw_token=raw_token)
    audit(actor=invited_by, action="partners.invitation.created", target=invitation, data={"email": email, "role": role})
    notify(
        kind="partners.invitation",
        to_email=email,
        language=invitation.language,
        subject=invitation,
        partner=partner,
        context={
            "partner_name": partner.name,
            "inviter_name": str(invited_by) if invited_by else "",
            "role": invitation.role,  # the template labels it in the invitee's language
            "accept_url": issued.url,
            "expires_at": invitation.expires_at.isoformat(),
        },
    )
    return issued


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status != "pending":
        raise InvitationError(_("Only pending invitations can be revoked."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit(actor=actor, action="partners.invitation.revoked", target=invitation)
    return invitation


def invitation_check(*, invitation: Invitation | None) -> None:
    """Raise InvitationError with a translated reason unless the invitation can be accepted now."""
    if invitation is None:
        raise InvitationError(_("This invitation link is not valid."), code="invalid")
    if invitation.accepted_at:
        raise InvitationError(_("This invitation has already been used."), code="used")
    if invitation.revoked_at:
        raise InvitationError(_("This invitation has been withdrawn. Ask for a new one."), code="revoked")
    if invitation.expires_at <= timezone.now():
        raise InvitationError(_("This invitation has expired. Ask for a new one."), code="expired")
    if not invitation.partner.is_accessible and invitation.partner.status != PartnerOrganization.Status.PROSPECT:
        raise InvitationError(_("This partner's access is closed."), code="closed")


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user) -> Membership:
    """Turn an invitation into a membership for ``user``; single-use under a row lock.

    The signed-in user must own the invited address. A prospect partner moves to onboarding
    when its first admin accepts.
    """
    from prm.tenancy.scoping import partner_scope

    with partner_scope(invitation.partner_id):
        invitation = Invitation.objects.select_for_update().select_related("partner").get(pk=invitation.pk)
        invitation_check(invitation=invitation)
        if user.email.lower() != invitation.email.lower():
            raise InvitationError(
                _("This invitation was sent to another e-mail address. Sign out and open the link again."),
                code="wrong_user",
            )
        membership = Membership.objects.filter(partner=invitation.partner, user=user).first()
        fields = {
            "role": invitation.role,
            **_capabilities_for(
                invitation.role,
                can_register_deals=invitation.can_register_deals,
                can_claim_mdf=invitation.can_claim_mdf,
                can_manage_users=invitation.can_manage_users,
            ),
            "is_active": True,
            "removed_at": None,
        }
        if membership is None:
            try:
                with transaction.atomic():
                    membership = Membership.objects.create(partner=invitation.partner, user=user, **fields)
            except IntegrityError:
                membership = Membership.objects.get(partner=invitation.partner, user=user)
        for name, value in fields.items():
            setattr(membership, name, value)
        membership.save()
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        partner = invitation.partner
        if partner.status == PartnerOrganization.Status.PROSPECT:
            PartnerOrganization.objects.filter(pk=partner.pk).update(
                status=PartnerOrganization.Status.ONBOARDING, status_changed_at=timezone.now()
            )
        _mark_email_verified(user)
        audit(actor=user, action="partners.invitation.accepted", target=invitation)
        return membership


def _mark_email_verified(user) -> None:
    """The invitation link proved the address: record it as allauth's verified primary address."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
