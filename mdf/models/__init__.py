"""Market development funds: the program, funds and their ledger, activities, claims, proof and payments."""

from .activities import Activity, ActivityApprovalQueue, ActivityEvent, ActivityType, MdfReferenceCounter
from .claims import REQUIRED_EVIDENCE, Claim, ClaimApprovalQueue, EvidenceKind, Payment, ProofFile
from .funds import Fund, FundEntry
from .program import MdfProgram

__all__ = [
    "REQUIRED_EVIDENCE",
    "Activity",
    "ActivityApprovalQueue",
    "ActivityEvent",
    "ActivityType",
    "Claim",
    "ClaimApprovalQueue",
    "EvidenceKind",
    "Fund",
    "FundEntry",
    "MdfProgram",
    "MdfReferenceCounter",
    "Payment",
    "ProofFile",
]
