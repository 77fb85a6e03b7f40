"""Partner models, one module per lifecycle area; import them from here."""

from .core import Invitation, Membership, PartnerOrganization, Region, invitation_expiry

__all__ = ["Invitation", "Membership", "PartnerOrganization", "Region", "invitation_expiry"]
