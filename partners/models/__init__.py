"""Partner models, one module per lifecycle area; import them from here."""

from .applications import IdealProfileCriterion, Industry, PartnerApplication, SizeBand
from .core import Invitation, Membership, PartnerOrganization, Region, invitation_expiry
from .onboarding import (
    AgreementAcceptance,
    AgreementPdf,
    AgreementTemplate,
    AgreementVersion,
    AppendOnlyError,
    ComplianceQuestion,
    ComplianceResponse,
    OnboardingProfile,
    OnboardingStep,
    PayoutDetails,
)
from .tiers import PartnerTier, Tier, TierChange, TierProgram, TierThresholdOverride

__all__ = ["Invitation", "Membership", "PartnerOrganization", "Region", "invitation_expiry"]
__all__ += ["IdealProfileCriterion", "Industry", "PartnerApplication", "SizeBand"]
__all__ += ["AgreementAcceptance", "AgreementPdf", "AgreementTemplate", "AgreementVersion", "AppendOnlyError",
            "ComplianceQuestion", "ComplianceResponse", "OnboardingProfile", "OnboardingStep", "PayoutDetails"]
__all__ += ["PartnerTier", "Tier", "TierChange", "TierProgram", "TierThresholdOverride"]
