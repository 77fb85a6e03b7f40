"""Deal registration models, one module per area; import them from here."""

from .deals import Deal, DealApprovalQueue, DealEvent, DealReferenceCounter, Product
from .imports import ImportJob
from .participants import DealParticipant
from .rules import AutoApprovalRule, DealRegistrationPolicy, ExtensionRequest, RejectionReason
from .vendor import VendorAccount, VendorOpportunity

__all__ = [
    "AutoApprovalRule",
    "Deal",
    "DealApprovalQueue",
    "DealEvent",
    "DealParticipant",
    "DealReferenceCounter",
    "DealRegistrationPolicy",
    "ExtensionRequest",
    "ImportJob",
    "Product",
    "RejectionReason",
    "VendorAccount",
    "VendorOpportunity",
]
