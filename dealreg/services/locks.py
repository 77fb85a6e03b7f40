"""Locking and the one cross-partner write of deal registration.

- ``decision_lock()``: serialises submissions and approvals, so a conflict check and the decision
  it leads to see every other decision that committed before.
- ``flag_conflicting_deals()``: when a new registration conflicts with other partners' open ones,
  those are marked as possibly conflicting too (their managers see it in the queue; their partner
  learns only that a conflict exists). Ids in, a count out: no other partner's row reaches a caller.
"""

import hashlib

from django.db import connection
from django.db.models import Case, F, Value, When

from dealreg.models import Deal
from prm.tenancy.scoping import unscoped

# One advisory lock key for every registration decision. Per-customer keys (a hash of the domain or
# the normalized name) would miss conflicts the engine finds by name similarity ("Acme Corp" vs
# "ACME Corporation", different domains): two such approvals would not wait for each other. The
# lock is held only for one re-check and one update, so serialising all of them costs little.
_DECISION_LOCK_KEY = int.from_bytes(hashlib.sha256(b"dealreg.decision").digest()[:8], "big", signed=True)


def decision_lock() -> None:
    """Take the decision lock for the rest of the current transaction (call it before any row lock).

    PostgreSQL: pg_advisory_xact_lock, released at commit or rollback. SQLite: every write
    transaction already holds the database's single write lock (transaction_mode IMMEDIATE).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_DECISION_LOCK_KEY])


def flag_conflicting_deals(scores: dict[int, int]) -> int:
    """Mark open registrations (any partner) as possibly conflicting, raising their score to at least
    the given one. The partner who owns them learns only that a conflict exists."""
    by_score: dict[int, list[int]] = {}
    for pk, score in scores.items():
        if pk:
            by_score.setdefault(int(score), []).append(int(pk))
    updated = 0
    with unscoped():
        # One statement per distinct score: set-based, and scores take few values.
        for score, ids in by_score.items():
            updated += (
                Deal.objects.filter(pk__in=ids, status__in=Deal.OPEN_STATUSES)
                .exclude(has_conflict=True, conflict_score__gte=score)
                .update(
                    has_conflict=True,
                    conflict_score=Case(When(conflict_score__gte=score, then=F("conflict_score")), default=Value(score)),
                )
            )
    return updated
