"""What the conflict engine's hits mean for the rules of engagement, read in one place.

The engine (dealreg.conflicts, the sanctioned cross-partner read) returns ConflictHit facts: a score
(0–100), reason codes, and either another partner's registration (its id, status, whether it is
protected) or a vendor account / opportunity. Callers here turn them into the facts the rules of
engagement need. Partners only ever see ``has_conflict``.
"""

from dataclasses import dataclass, field

VENDOR_ACCOUNT_REASON = "vendor_account"


@dataclass(frozen=True)
class ConflictSummary:
    hits: list = field(default_factory=list)

    @property
    def score(self) -> int:
        return max((int(hit.score) for hit in self.hits), default=0)

    @property
    def has_conflict(self) -> bool:
        return bool(self.hits)

    def deal_scores(self) -> dict[int, int]:
        """Other registrations involved -> the highest score against each."""
        scores: dict[int, int] = {}
        for hit in self.hits:
            deal_id = hit.deal_id
            if deal_id:
                scores[deal_id] = max(scores.get(deal_id, 0), int(hit.score))
        return scores

    def vendor_hits(self, *, min_score: int = 0) -> list:
        """Hits on the vendor's own accounts (or their open opportunities)."""
        return [hit for hit in self.hits if _is_vendor(hit) and int(hit.score) >= min_score]

    def protected_hits(self, *, min_score: int = 0) -> list:
        """Hits on other registrations that are approved and within their protection."""
        return [hit for hit in self.hits
                if hit.deal_id and getattr(hit, "protected", False) and int(hit.score) >= min_score]


def _is_vendor(hit) -> bool:
    return bool(getattr(hit, "is_vendor", False)) or VENDOR_ACCOUNT_REASON in tuple(hit.reasons or ())


def check_conflicts(*, deal) -> ConflictSummary:
    """Run the conflict engine for ``deal`` (saved, or unsaved for the form's instant hint)."""
    from dealreg.conflicts import find_conflicts_for_deal

    return ConflictSummary(hits=list(find_conflicts_for_deal(deal=deal)))
