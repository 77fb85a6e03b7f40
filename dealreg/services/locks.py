"""Locking and the one cross-partner write of deal registration.

- ``decision_lock_for(deal)`` / ``decision_lock(*customers)``: serialise the submissions, edits and
  approvals of registrations whose customers could conflict, so a conflict check and the decision it leads to see every such decision
  that committed before. Unrelated customers do not wait for each other.
- ``flag_conflicting_deals()``: when a new registration conflicts with other partners' open ones,
  those are marked as possibly conflicting too (their managers see it in the queue; their partner
  learns only that a conflict exists). Ids in, a count out: no other partner's row reaches a caller.

Why per-customer keys are enough. The conflict engine (dealreg.conflicts) counts a hit only for the
same registrable domain or a normalised name with pg_trgm similarity() >= t (DEALREG_NAME_SIMILARITY),
and similarity() is the Jaccard index of the two names' trigram sets. So a customer's keys are:

- one key for its registrable domain: equal domains share it;
- for its name, the first n - ceil(t * n) + 1 of its n trigrams in one global order (by the key's hash).
  This is the prefix filter of similarity joins: two sets with Jaccard >= t share at least ceil(t * n)
  elements, so under any fixed global order their prefixes of that length meet (Chaudhuri et al. 2006).

Two registrations the engine could call conflicting therefore always share a key, even when neither
exists yet for the other (two drafts submitted at once), and take their locks in one ascending pass,
so they never deadlock; "Acme Rockets" and "ACME Rocket Co" wait for each other, "Initech" and
"Globex" do not. Trigram sets come from pg_trgm itself (show_trgm), so they are exactly the ones
similarity() compares. A threshold of 0 or less makes every name similar: then one global key is used.
"""

import hashlib
import math
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext as _

from dealreg.conflicts import name_threshold
from dealreg.models import Deal
from dealreg.normalize import normalize_company_name
from prm.common.domains import company_domain
from prm.tenancy.scoping import unscoped

from .errors import DealStateError


def _key(kind: str, text: str) -> int:
    """A signed 64-bit advisory lock key in the "dealreg.<kind>" space."""
    return int.from_bytes(hashlib.sha256(f"dealreg.{kind}:{text}".encode()).digest()[:8], "big", signed=True)


_EVERY_CUSTOMER_KEY = _key("decision", "")


@dataclass(frozen=True)
class Customer:
    """What the conflict engine compares: the normalised name and the registrable domain."""

    name: str
    domain: str

    @classmethod
    def of(cls, deal: Deal) -> "Customer":
        # As find_conflicts_for_deal reads a registration: the domain, or the contact e-mail's.
        return cls(name=normalize_company_name(deal.customer_name or ""),
                   domain=company_domain(deal.customer_domain or deal.customer_contact_email or ""))


def prefix_length(n: int, threshold: float) -> int:
    """How many of a name's ``n`` trigrams (in the global order) any name ``threshold``-similar shares one of."""
    if n <= 0:
        return 0
    overlap = max(1, math.ceil(threshold * n - 1e-9))  # rounding down the float product only makes it longer
    return n - overlap + 1


def name_keys(trigrams, threshold: float) -> list[int]:
    keys = sorted({_key("name", trigram) for trigram in trigrams})
    return keys[:prefix_length(len(keys), threshold)]


def _trigrams(names: list[str]) -> list[list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm(n) FROM unnest(%s::text[]) WITH ORDINALITY AS u(n, i) ORDER BY i", [names])
        return [row[0] or [] for row in cursor.fetchall()]


def lock_keys(customers) -> set[int]:
    """The advisory lock keys of ``customers`` (PostgreSQL: reads their names' trigrams)."""
    customers = [c for c in customers if c.name or c.domain]
    threshold = name_threshold()
    if not customers:
        return set()
    if threshold <= 0:
        return {_EVERY_CUSTOMER_KEY}
    keys = {_key("domain", c.domain) for c in customers if c.domain}
    names = sorted({c.name for c in customers if c.name})
    for trigrams in _trigrams(names) if names else []:
        keys.update(name_keys(trigrams, threshold))
    return keys


@dataclass
class DecisionLocks:
    """The customer locks this transaction holds (None: the database needs none, SQLite)."""

    keys: set[int] | None

    def cover(self, *customers: Customer) -> None:
        """Make sure the locks cover ``customers`` too (call it under the registration's row lock).

        The customer is read before its row is locked; if someone changed it in between, its keys are
        taken now, without waiting (taking them out of order could deadlock). If another decision holds
        one, the caller is told to try again: the registration changed a moment ago anyway.
        """
        if self.keys is None:
            return
        missing = sorted(lock_keys(customers) - self.keys)
        if not missing:
            return
        with connection.cursor() as cursor:
            cursor.execute("SELECT bool_and(pg_try_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k", [missing])
            taken = cursor.fetchone()[0]
        if not taken:
            raise DealStateError(_("This registration was changed a moment ago; reload it and try again."),
                                 code="busy")
        self.keys.update(missing)


def decision_lock(*customers: Customer) -> DecisionLocks:
    """Take the decision locks of ``customers`` for the rest of the current transaction.

    Call it before any row lock. PostgreSQL: pg_advisory_xact_lock per key, in ascending order, released
    at commit or rollback. SQLite: nothing to do, every write transaction already holds the database's
    single write lock (transaction_mode IMMEDIATE).
    """
    if connection.vendor != "postgresql":
        return DecisionLocks(keys=None)
    keys = sorted(lock_keys(customers))
    if keys:
        with connection.cursor() as cursor:
            # One statement per key, in this order: the order is what rules out deadlocks.
            cursor.executemany("SELECT pg_advisory_xact_lock(%s)", [(key,) for key in keys])
    return DecisionLocks(keys=set(keys))


def decision_lock_for(deal: Deal, *also: Customer) -> DecisionLocks:
    """``decision_lock`` for the registration's customer as stored now (plus ``also``): read without a lock."""
    current = Deal.objects.filter(pk=deal.pk).only("customer_name", "customer_domain", "customer_contact_email").first()
    return decision_lock(Customer.of(current or deal), *also)


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
