"""Every MDF write: funds and the ledger, activities (requests and pre-approval), claims, proof and payments."""

from .activities import (
    activity_approve,
    activity_cancel,
    activity_create,
    activity_lapse,
    activity_reject,
    activity_request_info,
    activity_submit,
    activity_update,
    cost_share_percent_for,
)
from .claims import (
    claim_approve,
    claim_reject,
    claim_request_info,
    claim_start,
    claim_submit,
    claim_update,
    missing_evidence,
    payment_record,
    proof_add,
    proof_remove,
)
from .errors import InsufficientFunds, MdfError
from .funds import (
    fund_adjust,
    fund_for_period,
    fund_requestable,
    funds_accrue_chunk,
    funds_allocate_chunk,
    funds_expire_chunk,
)

__all__ = [
    "InsufficientFunds",
    "MdfError",
    "activity_approve",
    "activity_cancel",
    "activity_create",
    "activity_lapse",
    "activity_reject",
    "activity_request_info",
    "activity_submit",
    "activity_update",
    "claim_approve",
    "claim_reject",
    "claim_request_info",
    "claim_start",
    "claim_submit",
    "claim_update",
    "cost_share_percent_for",
    "fund_adjust",
    "fund_for_period",
    "fund_requestable",
    "funds_accrue_chunk",
    "funds_allocate_chunk",
    "funds_expire_chunk",
    "missing_evidence",
    "payment_record",
    "proof_add",
    "proof_remove",
]
