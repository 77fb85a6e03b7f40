"""Analytics: rollup tables the dashboards read, daily health scores, PSAT surveys and the health model.

Dashboards never scan raw facts: they read ``PartnerSnapshot`` (one row per partner, its current state and
dimensions), ``PartnerQuarterFact`` (additive measures per partner and calendar quarter) and
``PartnerPipelineFact`` (open pipeline per partner and stage). ``analytics.rollups`` refreshes them
incrementally (partners marked in ``RollupDirty``) and nightly; ``RollupState`` says how fresh each is.
"""

from .health import HealthModel, HealthScore
from .psat import PsatInvitation, PsatResponse, PsatSurvey
from .rollups import (
    PartnerPipelineFact,
    PartnerQuarterFact,
    PartnerSnapshot,
    RollupDirty,
    RollupState,
    SegmentPipelineFact,
    SegmentQuarterFact,
    SegmentSnapshot,
)

__all__ = [
    "HealthModel",
    "HealthScore",
    "PartnerPipelineFact",
    "PartnerQuarterFact",
    "PartnerSnapshot",
    "PsatInvitation",
    "PsatResponse",
    "PsatSurvey",
    "RollupDirty",
    "RollupState",
    "SegmentPipelineFact",
    "SegmentQuarterFact",
    "SegmentSnapshot",
]
