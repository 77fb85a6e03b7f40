"""Recompute the rollups of a set of partners: ``refresh_partners(ids)``. Set-based: one aggregate query per fact
source for the whole chunk (analytics.rollups.facts), combined here per (partner, quarter), written in bulk.

What every figure means (the dashboards, the partner home and the API rely on these definitions):

Quarters are calendar quarters in settings.TIME_ZONE (UTC) of the event's date; ``PartnerQuarterFact.quarter``
is the quarter's first day. The last ``ANALYTICS_QUARTERS_KEPT`` quarters (default 12, today's included) are
kept; a refresh replaces all of a partner's quarter rows, so older quarters drop out. Rows are sparse: a
(partner, quarter) without any event has no row, which reads as zeros.

Deal registration (dealreg.Deal)
- registrations_submitted: registrations by the quarter of ``registered_at``, the first submission (drafts never
  count; a registration later withdrawn, rejected or expired still counts where it was submitted).
- pipeline_submitted_base: their estimated ``value`` in the base currency at the rate of the registration day
  (see Conversion).
- registrations_approved / registrations_rejected: by the quarter of ``decided_at``. The row keeps only its last
  decision, so each registration counts once, where its latest decision fell: approved when its status shows an
  approval happened (approved or expired; won or lost with ``approved_value``, which every approval sets — staff
  may close a registration that was never approved); rejected when its status is rejected. Withdrawn ones and
  those waiting for more information are not decisions. A registration approved again after a material change
  counts in the quarter of the re-approval.
- time to decision: ``decided_at − submitted_at`` (``registered_at`` when missing), not ``− registered_at``:
  ``submitted_at`` is when the registration last entered the approval queue (dealreg.services.registration
  resets it on a resubmission after "more information" and on a re-approval), so the measure is the vendor's
  own wait, the approval SLA's clock, without the partner's time answering questions and without the months a
  re-approved registration was protected. Summed in seconds (``decision_seconds_sum``) and counted in
  ``decision_hours``: DECISION_BUCKETS counts, bucket i holding waits in [bound i−1, bound i) hours of
  DECISION_BUCKET_BOUNDS_HOURS, the last one the rest. Medians: analytics.stats.median_from_histogram over the
  summed histograms.
- won_deals / lost_deals: by the quarter of ``closed_at``. sourced_won_base: ``won_amount_base`` of the
  partner's own won registrations (converted once, at the close date's rate, when the win was recorded).
  mdf_attributed_won_base: the part of it from registrations linked to an MDF activity (``mdf_activity``).
- influenced_won_base: for each won registration of another partner on which this partner is an ACCEPTED
  participant, ``share`` % of its ``won_amount_base``, in the deal's close quarter (the rule of dealreg.revenue);
  rounded to cents per (partner, quarter) after summing.

MDF (mdf.FundEntry, each entry's ``base_amount`` at the rate of its own date, by the quarter of ``occurred_on``;
entries dated after the refresh day are left out until their day)
- mdf_allocated_base = allocation + accrual − deduction (the money made available; expiry is not subtracted).
- mdf_reserved_base = reservation − release: money committed to pre-approved activities, net of what was
  released unused (a release may fall in a later quarter than its reservation, so a quarter can be negative).
  Spending does not reduce it, so allocated ≥ reserved ≥ spent ≥ paid reads as a funnel over time.
- mdf_spent_base = spend (approved claims); mdf_paid_base = payment.

Enablement, tiers, PSAT
- course_completions: completed enrollments by the quarter of ``completed_at``.
- certifications_awarded: awards by the quarter of ``awarded_on`` (the first award; renewals do not count
  again), revoked awards left out.
- promotions / demotions: TierChange rows that move the tier held (promoted, demoted, promotion approved,
  pinned by a manager), by the quarter of ``at``, up or down by the tiers' rank. First assignments and
  pending, declined or lapsed promotions are not moves.
- psat_*: PSAT responses by the quarter of ``submitted_at``: count, score total, promoters (9–10), detractors
  (0–6). Anonymous answers count for their partner.

Snapshot (one row per partner, as of ``refreshed_at``; "today" is the refresh day)
- region, country, partner_type, status from the partner; tier and in_grace from its PartnerTier (the tier held,
  which counts during a grace period or a pin; in_grace: a grace period is running).
- activated_on = ``activated_at``'s date; cohort = its quarter. days_to_first_registration / _win: days from
  activation to the first registration (``first_deal_registered_at``, or the earliest ``registered_at`` when the
  partner row has none, e.g. imported history) and to the first win (``first_deal_won_at`` or the earliest
  won ``closed_at``), the earlier of the two when both exist; 0 when it came before activation; empty until
  both dates exist.
- users: active memberships; active_users_30d: those whose person signed in (User.last_login) within the 30
  days before the refresh; last_login_at: the latest sign-in of an active member.
- open_deals: registrations submitted, waiting for more information or approved; protected_deals: approved with
  ``protected_until`` today or later; expiring_deals_7d: those whose protection ends within 7 days.
  open_pipeline_base: their value in the base currency at the latest rate on or before today (Conversion).
  PartnerPipelineFact holds the same by stage.
- won_revenue_ttm_base / won_deals_ttm / influenced_revenue_ttm_base: as above, over the trailing twelve months
  ending today (dealreg.revenue.ttm_start; the same rules as the tier engine's metrics).
- active_certifications / certifications_expiring_60d: certifications of active members, not revoked, valid
  today (enablement.metrics), and those of them expiring within 60 days.
- mdf_available_base: allocated − reserved − spent − expired of the funds a request may draw from today (open,
  period started, grace period not over: mdf's "requestable"), converted at today's rate; mdf_pending_claims:
  claims submitted or waiting for more information.
- health_score, health_change (score − previous_score, the score 30 days earlier), at_risk: from the partner's
  latest analytics.HealthScore; empty when it has none.

Conversion: analytics.rollups.rates: the rule of prm.common.fx (latest rate on or before the day, at most 31 days
old, direct before inverse), then the latest older rate, then the earliest later one; an amount with no rate
at all is left out of the sum (and logged), never an error. Amounts are converted per group of one currency and
one day and rounded to cents per group.

Concurrency: each chunk is written in one transaction that first upserts the snapshot rows (in partner order),
which locks them: two refreshes of the same partner (the nightly run and a dirty drain) take turns, and the
second replaces the first's quarter and pipeline rows instead of colliding with them.
"""

import logging
import time as clock
from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from analytics.models.rollups import DECISION_BUCKETS
from analytics.periods import quarter_start
from prm.tenancy.scoping import partners_scope

from . import facts, writes
from .rates import BaseRates
from .sql import as_date

logger = logging.getLogger(__name__)

ZERO = Decimal("0")
QUARTER_MEASURES = (
    "registrations_submitted", "registrations_approved", "registrations_rejected", "pipeline_submitted_base",
    "decision_seconds_sum", "won_deals", "lost_deals", "sourced_won_base", "influenced_won_base",
    "mdf_allocated_base", "mdf_reserved_base", "mdf_spent_base", "mdf_paid_base", "mdf_attributed_won_base",
    "course_completions", "certifications_awarded", "promotions", "demotions", "psat_responses", "psat_score_sum",
    "psat_promoters", "psat_detractors",
)
# How each MDF ledger kind adds to the quarter's measures (see the module docstring).
MDF_MEASURES = {
    "allocation": (("mdf_allocated_base", 1),),
    "accrual": (("mdf_allocated_base", 1),),
    "deduction": (("mdf_allocated_base", -1),),
    "reservation": (("mdf_reserved_base", 1),),
    "release": (("mdf_reserved_base", -1),),
    "spend": (("mdf_spent_base", 1),),
    "payment": (("mdf_paid_base", 1),),
}


def quarters_kept() -> int:
    return max(4, int(getattr(settings, "ANALYTICS_QUARTERS_KEPT", 12)))


def refresh_partners(partner_ids: list[int], *, today: date | None = None) -> int:
    """Recompute the snapshot, quarter facts and pipeline facts of exactly ``partner_ids``; returns how many
    partners have a snapshot afterwards (ids of partners that no longer exist are skipped).

    A fixed number of queries whatever the number of ids (callers pass chunks of ~2,000). Idempotent: the
    same facts give the same rows. Runs its reads in the chunk's partner scope and its writes in one
    transaction; callable from any context (a task, a shell, a test), scoped or not.
    """
    ids = sorted({int(pid) for pid in partner_ids})
    if not ids:
        return 0
    started = clock.perf_counter()
    window = facts.window_for(today=today, kept=quarters_kept())
    with partners_scope(ids):
        snapshots, quarter_rows, pipeline_rows = _compute(ids, window)
        _write(ids, snapshots, quarter_rows, pipeline_rows, now=window.now)
    logger.debug("analytics rollups: %d partners in %.2f s", len(snapshots), clock.perf_counter() - started)
    return len(snapshots)


# --- combine ---------------------------------------------------------------------------------------------------


def _compute(ids: list[int], window: facts.Window):
    rates = BaseRates(start=window.start, end=window.today)
    read = facts.Reader(ids, window)
    partners = read.partners()
    quarters: dict[tuple[int, date], dict] = defaultdict(_empty_quarter)
    kept = set(window.quarters)

    def at(pid: int, quarter: date | None) -> dict | None:
        return quarters[(pid, quarter)] if quarter in kept and pid in partners else None

    submitted, unconverted = read.submitted(rates.day_table(window.start, window.today))
    if unconverted:
        logger.warning("analytics rollups: %d registration(s) had no exchange rate; their value is left out",
                       unconverted)
    for (pid, quarter), (n, value) in submitted.items():
        if (row := at(pid, quarter)) is not None:
            row["registrations_submitted"] += n
            row["pipeline_submitted_base"] += value
    for (pid, quarter), item in read.decisions().items():
        if (row := at(pid, quarter)) is not None:
            row["registrations_approved"] += item["approved"]
            row["registrations_rejected"] += item["rejected"]
            row["decision_seconds_sum"] += item["seconds"]
            row["decision_hours"] = [a + b for a, b in zip(row["decision_hours"], item["histogram"], strict=True)]
    won, won_ttm = read.outcomes()
    for (pid, quarter), item in won.items():
        if (row := at(pid, quarter)) is not None:
            row["won_deals"] += item["won"]
            row["lost_deals"] += item["lost"]
            row["sourced_won_base"] += item["sourced"]
            row["mdf_attributed_won_base"] += item["mdf"]
    influenced, influenced_ttm = read.influenced()
    for (pid, quarter), amount in influenced.items():
        if (row := at(pid, quarter)) is not None:
            row["influenced_won_base"] += amount
    for (pid, quarter), kinds in read.mdf_entries().items():
        if (row := at(pid, quarter)) is not None:
            for kind, total in kinds.items():
                for measure, sign in MDF_MEASURES.get(kind, ()):
                    row[measure] += sign * total
    for (pid, quarter), n in read.completions().items():
        if (row := at(pid, quarter)) is not None:
            row["course_completions"] += n
    awarded, certifications = read.certifications()
    for (pid, quarter), n in awarded.items():
        if (row := at(pid, quarter)) is not None:
            row["certifications_awarded"] += n
    for (pid, quarter), (up, down) in read.tier_moves().items():
        if (row := at(pid, quarter)) is not None:
            row["promotions"] += up
            row["demotions"] += down
    for (pid, quarter), (n, total, promoters, detractors) in read.psat().items():
        if (row := at(pid, quarter)) is not None:
            row["psat_responses"] += n
            row["psat_score_sum"] += total
            row["psat_promoters"] += promoters
            row["psat_detractors"] += detractors

    pipeline: dict[tuple[int, str], list] = defaultdict(lambda: [0, ZERO])
    current: dict[int, dict] = defaultdict(lambda: {"open_deals": 0, "protected_deals": 0, "expiring_deals_7d": 0,
                                                    "open_pipeline_base": ZERO, "mdf_available_base": ZERO})
    for pid, stage, currency, n, value, protected, expiring in read.open_pipeline():
        amount = rates.to_base(value, currency, window.today)
        pipeline[(pid, stage)][0] += n
        pipeline[(pid, stage)][1] += amount
        now = current[pid]
        now["open_deals"] += n
        now["protected_deals"] += protected
        now["expiring_deals_7d"] += expiring
        now["open_pipeline_base"] += amount
    for pid, currency, available in read.mdf_available():
        current[pid]["mdf_available_base"] += rates.to_base(available, currency, window.today)
    rates.log_missing("open pipeline or MDF balance")

    members, first_value, claims = read.members(), read.first_value(), read.mdf_claims_awaiting()
    snapshots = {
        pid: _snapshot(partner, window=window, member=members.get(pid), first=first_value.get(pid),
                       now=current.get(pid), won=won_ttm.get(pid), influenced=influenced_ttm.get(pid),
                       certifications=certifications.get(pid), claims=claims.get(pid, 0))
        for pid, partner in partners.items()
    }
    quarter_rows = [(pid, quarter, values) for (pid, quarter), values in sorted(quarters.items())
                    if _has_activity(values)]
    pipeline_rows = [(pid, stage, n, amount) for (pid, stage), (n, amount) in sorted(pipeline.items())
                     if pid in partners]
    return snapshots, quarter_rows, pipeline_rows


def _empty_quarter() -> dict:
    row = {name: 0 for name in QUARTER_MEASURES}
    row["decision_hours"] = [0] * DECISION_BUCKETS
    return row


def _has_activity(values: dict) -> bool:
    return any(values[name] for name in QUARTER_MEASURES) or any(values["decision_hours"])


def _days_between(start: date | None, end: date | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, (end - start).days)


def _earliest(*days: date | None) -> date | None:
    present = [d for d in days if d is not None]
    return min(present) if present else None


def _snapshot(partner: dict, *, window, member, first, now, won, influenced, certifications, claims) -> dict:
    users, active_users, last_login = member or (0, 0, None)
    first_registered, first_won = first or (None, None)
    activated_on = as_date(partner["activated_at"])
    registered_on = _earliest(as_date(partner["first_deal_registered_at"]), as_date(first_registered))
    won_on = _earliest(as_date(partner["first_deal_won_at"]), first_won)
    now = now or {}
    won_base, won_deals = won or (ZERO, 0)
    score, previous = partner["health_score"], partner["health_previous"]
    active, expiring = certifications or (0, 0)
    return {
        "region_id": partner["region_id"], "country": partner["country"], "partner_type": partner["partner_type"],
        "status": partner["status"], "tier_id": partner["tier_id"], "in_grace": partner["grace_until"] is not None,
        "activated_on": activated_on, "cohort": quarter_start(activated_on) if activated_on else None,
        "days_to_first_registration": _days_between(activated_on, registered_on),
        "days_to_first_win": _days_between(activated_on, won_on),
        "users": users, "active_users_30d": active_users, "last_login_at": last_login,
        "open_deals": now.get("open_deals", 0), "protected_deals": now.get("protected_deals", 0),
        "expiring_deals_7d": now.get("expiring_deals_7d", 0), "open_pipeline_base": now.get("open_pipeline_base", ZERO),
        "won_revenue_ttm_base": won_base, "influenced_revenue_ttm_base": influenced or ZERO, "won_deals_ttm": won_deals,
        "active_certifications": active, "certifications_expiring_60d": expiring,
        "mdf_available_base": now.get("mdf_available_base", ZERO), "mdf_pending_claims": claims,
        "health_score": score, "health_change": score - previous if score is not None and previous is not None else None,
        "at_risk": partner["health_at_risk"], "refreshed_at": window.now,
    }


# --- write -----------------------------------------------------------------------------------------------------


def _write(ids: list[int], snapshots: dict[int, dict], quarter_rows, pipeline_rows, *, now) -> None:
    """Upsert the snapshots first (their row locks serialise concurrent refreshes of a partner), then replace the
    partners' quarter and pipeline rows. One transaction."""
    with transaction.atomic():
        writes.upsert_snapshots(snapshots)
        writes.replace_quarter_facts(ids, quarter_rows, now=now)
        writes.replace_pipeline_facts(ids, pipeline_rows, now=now)
