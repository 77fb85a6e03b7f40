"""The aggregate reads of one refresh chunk: one query per fact source, grouped by partner (and quarter).

Plain SQL (PostgreSQL and SQLite; the differing fragments come from analytics.rollups.sql): with chunks of
~2,000 partners, the ORM's id lists (the scope's and ours, each 2,000 parameters) cost several times the
queries themselves. So, like the tier engine's chunk reads, every function takes the chunk's ids, filters by
them itself (one typed array on PostgreSQL) and fails closed like the scoped managers: it raises ScopeError
outside a partner scope, or for a partner the active scope does not cover. analytics.rollups.refresh opens
``partners_scope(chunk)`` and combines the results; the definitions of every measure are in its docstring.
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone

from analytics.models import HealthScore, PsatResponse
from analytics.models.rollups import DECISION_BUCKET_BOUNDS_HOURS
from analytics.periods import last_quarters
from dealreg.models import Deal, DealParticipant
from dealreg.revenue import ttm_start
from enablement.models import CertificationAward, Enrollment
from mdf.models import Claim, Fund, FundEntry
from partners.models import Membership, PartnerOrganization, PartnerTier, Tier, TierChange
from prm.accounts.models import User
from prm.tenancy.scoping import ScopeError, current_partner_ids

from .sql import (
    CENT,
    as_bool,
    as_date,
    as_datetime,
    as_decimal,
    date_param,
    day_of_datetime,
    dt_param,
    fetch,
    ids_condition,
    q,
    quarter_of_date,
    quarter_of_datetime,
    seconds_between,
    table,
)

_D = Deal.Status
OPEN = tuple(str(s) for s in Deal.OPEN_STATUSES)
# Statuses whose last decision was an approval (see analytics.rollups.refresh): approved and expired always;
# won and lost only with approved_value, which every approval sets (staff may close a registration that waited).
APPROVED_NOW = (str(_D.APPROVED), str(_D.EXPIRED))
CLOSED = (str(_D.WON), str(_D.LOST))
# Tier history reasons that move the tier a partner holds (pending, declined and lapsed promotions do not).
TIER_MOVES = tuple(str(r) for r in (TierChange.Reason.PROMOTED, TierChange.Reason.DEMOTED,
                                    TierChange.Reason.PROMOTION_APPROVED, TierChange.Reason.PINNED))
CLAIMS_AWAITING = (str(Claim.Status.SUBMITTED), str(Claim.Status.MORE_INFO))
CERTIFICATION_WARNING_DAYS = 60
PROTECTION_WARNING_DAYS = 7
ACTIVE_USER_DAYS = 30


@dataclass(frozen=True)
class Window:
    """The refresh's reference points: the kept quarters, the trailing twelve months, "now"."""

    today: date
    now: datetime
    quarters: tuple[date, ...]

    @property
    def start(self) -> date:
        return self.quarters[0]

    @property
    def start_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def ttm_start(self) -> date:
        return ttm_start(self.today)


def window_for(*, today: date | None, kept: int) -> Window:
    """``today`` None: now. A past ``today`` (tests, backfills) takes the last instant of that day as "now"."""
    now = timezone.now()
    if today is None or today >= timezone.localdate(now):
        today = timezone.localdate(now) if today is None else today
    else:
        now = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min)) - timedelta(microseconds=1)
    return Window(today=today, now=now, quarters=tuple(last_quarters(today, kept)))


def _in(seq) -> str:
    return "(" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in seq) + ")"


class Reader:
    """The chunk's reads. Checks the scope once; each method is one query."""

    def __init__(self, partner_ids: list[int], window: Window):
        self.ids = sorted({int(pid) for pid in partner_ids})
        allowed = current_partner_ids()  # ScopeError without a scope; None: scopes disabled (operators' jobs)
        if allowed is not None and not set(self.ids) <= {int(pid) for pid in allowed}:
            raise ScopeError("Rollups were asked for partners outside the active scope.")
        self.window = window
        self.base = settings.BASE_CURRENCY

    def _ids(self, column: str) -> tuple[str, list]:
        return ids_condition(column, self.ids)

    # --- the partner, its tier state and latest health score --------------------------------------------------

    def partners(self) -> dict[int, dict]:
        cond, params = self._ids(f"p.{q('id')}")
        health = table(HealthScore)

        def latest(column: str) -> str:
            return (f"(SELECT h.{q(column)} FROM {health} h WHERE h.{q('partner_id')} = p.{q('id')} "
                    f"ORDER BY h.{q('day')} DESC LIMIT 1)")

        sql = (f"SELECT p.{q('id')}, p.{q('region_id')}, p.{q('country')}, p.{q('partner_type')}, p.{q('status')}, "
               f"p.{q('activated_at')}, p.{q('first_deal_registered_at')}, p.{q('first_deal_won_at')}, "
               f"t.{q('tier_id')}, t.{q('grace_until')}, {latest('score')}, {latest('previous_score')}, "
               f"{latest('at_risk')} "
               f"FROM {table(PartnerOrganization)} p LEFT JOIN {table(PartnerTier)} t ON t.{q('partner_id')} = p.{q('id')} "
               f"WHERE {cond}")
        keys = ("id", "region_id", "country", "partner_type", "status", "activated_at", "first_deal_registered_at",
                "first_deal_won_at", "tier_id", "grace_until", "health_score", "health_previous", "health_at_risk")
        out = {}
        for row in fetch(sql, params):
            item = dict(zip(keys, row, strict=True))
            for key in ("activated_at", "first_deal_registered_at", "first_deal_won_at"):
                item[key] = as_datetime(item[key])
            item["grace_until"] = as_date(item["grace_until"])
            item["health_at_risk"] = as_bool(item["health_at_risk"])
            out[item["id"]] = item
        return out

    def members(self) -> dict[int, tuple[int, int, datetime | None]]:
        """(active memberships, of them signed in within ACTIVE_USER_DAYS, the last sign-in) per partner."""
        cond, params = self._ids(f"m.{q('partner_id')}")
        since = self.window.now - timedelta(days=ACTIVE_USER_DAYS)
        sql = (f"SELECT m.{q('partner_id')}, COUNT(*), COUNT(*) FILTER (WHERE u.{q('last_login')} >= %s), "
               f"MAX(u.{q('last_login')}) FROM {table(Membership)} m JOIN {table(User)} u ON u.{q('id')} = m.{q('user_id')} "
               f"WHERE {cond} AND m.{q('is_active')} = %s GROUP BY m.{q('partner_id')}")
        rows = fetch(sql, [dt_param(since), *params, True])
        return {pid: (users, active, as_datetime(last)) for pid, users, active, last in rows}

    # --- deal registration ------------------------------------------------------------------------------------

    def submitted(self, day_rates: list[tuple[str, date, Decimal]]) -> tuple[dict, int]:
        """{(partner, quarter): (registrations, value in the base currency)} of registrations first submitted in
        the kept quarters, each converted at its registration day's rate (``day_rates``: one row per foreign
        currency and day); and how many registrations had no rate (left out of the value)."""
        cond, params = self._ids(f"d.{q('partner_id')}")
        day = day_of_datetime(f"d.{q('registered_at')}")
        rates_sql, rates_params = _rates_source(day_rates)
        sql = (f"SELECT d.{q('partner_id')}, {quarter_of_datetime(f'd.{q("registered_at")}')}, COUNT(*), "
               f"SUM(d.{q('value')} * (CASE WHEN d.{q('currency')} = %s THEN 1 ELSE r.rate END)), "
               f"COUNT(*) FILTER (WHERE d.{q('currency')} <> %s AND r.rate IS NULL) "
               f"FROM {table(Deal)} d LEFT JOIN {rates_sql} ON r.currency = d.{q('currency')} AND r.day = {day} "
               f"WHERE {cond} AND d.{q('registered_at')} >= %s GROUP BY 1, 2")
        rows = fetch(sql, [self.base, self.base, *rates_params, *params, dt_param(self.window.start_at)])
        missing = sum(row[4] for row in rows)
        return {(pid, as_date(quarter)): (n, as_decimal(value, CENT)) for pid, quarter, n, value, _m in rows}, missing

    def decisions(self) -> dict[tuple[int, date], dict]:
        """Approvals and rejections by the quarter of the last decision, with the wait from ``submitted_at``."""
        cond, params = self._ids(f"d.{q('partner_id')}")
        wait = seconds_between(f"d.{q('decided_at')}", f"COALESCE(d.{q('submitted_at')}, d.{q('registered_at')})")
        bounds = [h * 3600 for h in DECISION_BUCKET_BOUNDS_HOURS]
        bucket = ("CASE " + " ".join(f"WHEN y.wait < {b} THEN {i}" for i, b in enumerate(bounds))
                  + f" ELSE {len(bounds)} END")
        counts = ", ".join(f"COUNT(*) FILTER (WHERE x.bucket = {i})" for i in range(len(bounds) + 1))
        inner = (f"SELECT d.{q('partner_id')} AS partner_id, d.{q('status')} AS status, "
                 f"{quarter_of_datetime(f'd.{q("decided_at")}')} AS quarter, "
                 f"CASE WHEN {wait} > 0 THEN {wait} ELSE 0 END AS wait "
                 f"FROM {table(Deal)} d WHERE {cond} AND d.{q('decided_at')} >= %s AND ("
                 f"d.{q('status')} = %s OR d.{q('status')} IN {_in(APPROVED_NOW)} OR "
                 f"(d.{q('status')} IN {_in(CLOSED)} AND d.{q('approved_value')} IS NOT NULL))")
        sql = (f"SELECT x.partner_id, x.quarter, COUNT(*), COUNT(*) FILTER (WHERE x.status = %s), SUM(x.wait), "
               f"{counts} FROM (SELECT y.*, {bucket} AS bucket FROM y) x GROUP BY 1, 2")
        # MATERIALIZED (PostgreSQL 12+, SQLite 3.35+): computed once per row; inlined, the wait would be
        # recomputed in every branch of the bucket CASE.
        sql = f"WITH y AS MATERIALIZED ({inner}) {sql}"
        rows = fetch(sql, [*params, dt_param(self.window.start_at), str(_D.REJECTED), str(_D.REJECTED)])
        return {
            (pid, as_date(quarter)): {"approved": n - rejected, "rejected": rejected,
                                      "seconds": int(round(float(seconds or 0))), "histogram": [int(c) for c in hist]}
            for pid, quarter, n, rejected, seconds, *hist in rows
        }

    def outcomes(self) -> tuple[dict, dict]:
        """Won and lost by close quarter (sourced revenue, revenue of MDF-sourced deals), and per partner the trailing
        twelve months' sourced revenue and wins."""
        cond, params = self._ids(f"d.{q('partner_id')}")
        won = f"d.{q('status')} = '{_D.WON}'"
        ttm = f"{won} AND d.{q('closed_at')} >= %s AND d.{q('closed_at')} <= %s"
        sql = (f"SELECT d.{q('partner_id')}, {quarter_of_date(f'd.{q("closed_at")}')}, COUNT(*) FILTER (WHERE {won}), "
               f"COUNT(*) FILTER (WHERE d.{q('status')} = '{_D.LOST}'), SUM(d.{q('won_amount_base')}) FILTER (WHERE {won}), "
               f"SUM(d.{q('won_amount_base')}) FILTER (WHERE {won} AND d.{q('mdf_activity_id')} IS NOT NULL), "
               f"SUM(d.{q('won_amount_base')}) FILTER (WHERE {ttm}), COUNT(*) FILTER (WHERE {ttm}) "
               f"FROM {table(Deal)} d WHERE {cond} AND d.{q('status')} IN {_in(CLOSED)} AND d.{q('closed_at')} >= %s "
               f"GROUP BY 1, 2")
        ttm_params = [date_param(self.window.ttm_start), date_param(self.window.today)]
        rows = fetch(sql, [*ttm_params, *ttm_params, *params, date_param(self.window.start)])
        quarters, totals = {}, defaultdict(lambda: [Decimal(0), 0])
        for pid, quarter, n_won, n_lost, sourced, mdf, ttm_base, ttm_n in rows:
            quarters[(pid, as_date(quarter))] = {"won": n_won, "lost": n_lost, "sourced": as_decimal(sourced, CENT),
                                                 "mdf": as_decimal(mdf, CENT)}
            totals[pid][0] += as_decimal(ttm_base, CENT)
            totals[pid][1] += ttm_n
        return quarters, {pid: (base, n) for pid, (base, n) in totals.items()}

    def influenced(self) -> tuple[dict, dict]:
        """Each partner's share of the won deals it accepted a role on, by the deal's close quarter and over the
        trailing twelve months (rounded to cents after summing, as dealreg.revenue does)."""
        cond, params = self._ids(f"x.{q('partner_id')}")
        credited = f"d.{q('won_amount_base')} * x.{q('share')} / 100"
        ttm = f"d.{q('closed_at')} >= %s AND d.{q('closed_at')} <= %s"
        sql = (f"SELECT x.{q('partner_id')}, {quarter_of_date(f'd.{q("closed_at")}')}, SUM({credited}), "
               f"SUM({credited}) FILTER (WHERE {ttm}) "
               f"FROM {table(DealParticipant)} x JOIN {table(Deal)} d ON d.{q('id')} = x.{q('deal_id')} "
               f"WHERE {cond} AND x.{q('status')} = %s AND d.{q('status')} = %s AND d.{q('closed_at')} >= %s "
               f"GROUP BY 1, 2")
        rows = fetch(sql, [date_param(self.window.ttm_start), date_param(self.window.today), *params,
                           str(DealParticipant.Status.ACCEPTED), str(_D.WON), date_param(self.window.start)])
        quarters, totals = {}, defaultdict(Decimal)
        for pid, quarter, amount, ttm_amount in rows:
            quarters[(pid, as_date(quarter))] = as_decimal(amount, CENT)
            totals[pid] += as_decimal(ttm_amount)
        return quarters, {pid: total.quantize(CENT) for pid, total in totals.items()}

    def first_value(self) -> dict[int, tuple]:
        """(first registration time, first win's close date) from the registrations themselves, all time: the
        partner row records both as they happen (partners.services.onboarding); this covers registrations that
        arrived without that record (CRM imports, synthetic data)."""
        cond, params = self._ids(f"d.{q('partner_id')}")
        sql = (f"SELECT d.{q('partner_id')}, MIN(d.{q('registered_at')}), "
               f"MIN(d.{q('closed_at')}) FILTER (WHERE d.{q('status')} = %s) FROM {table(Deal)} d "
               f"WHERE {cond} AND (d.{q('registered_at')} IS NOT NULL OR d.{q('status')} = %s) GROUP BY 1")
        rows = fetch(sql, [str(_D.WON), *params, str(_D.WON)])
        return {pid: (as_datetime(registered), as_date(won)) for pid, registered, won in rows}

    def open_pipeline(self) -> list[tuple[int, str, str, int, Decimal, int, int]]:
        """(partner, stage, currency, open registrations, value, protected today, protection ending within
        PROTECTION_WARNING_DAYS days)."""
        cond, params = self._ids(f"d.{q('partner_id')}")
        protected = f"d.{q('status')} = '{_D.APPROVED}' AND d.{q('protected_until')} >= %s"
        sql = (f"SELECT d.{q('partner_id')}, d.{q('stage')}, d.{q('currency')}, COUNT(*), SUM(d.{q('value')}), "
               f"COUNT(*) FILTER (WHERE {protected}), "
               f"COUNT(*) FILTER (WHERE {protected} AND d.{q('protected_until')} <= %s) "
               f"FROM {table(Deal)} d WHERE {cond} AND d.{q('status')} IN {_in(OPEN)} GROUP BY 1, 2, 3")
        today = date_param(self.window.today)
        soon = date_param(self.window.today + timedelta(days=PROTECTION_WARNING_DAYS))
        rows = fetch(sql, [today, today, soon, *params])
        return [(pid, stage, currency, n, as_decimal(value), protected_n, expiring)
                for pid, stage, currency, n, value, protected_n, expiring in rows]

    # --- MDF --------------------------------------------------------------------------------------------------

    def mdf_entries(self) -> dict[tuple[int, date], dict[str, Decimal]]:
        """Ledger entries in the base currency (each at its own rate) by the quarter of their date and kind."""
        cond, params = self._ids(f"e.{q('partner_id')}")
        sql = (f"SELECT e.{q('partner_id')}, {quarter_of_date(f'e.{q("occurred_on")}')}, e.{q('kind')}, "
               f"SUM(e.{q('base_amount')}) FROM {table(FundEntry)} e "
               f"WHERE {cond} AND e.{q('occurred_on')} >= %s AND e.{q('occurred_on')} <= %s GROUP BY 1, 2, 3")
        rows = fetch(sql, [*params, date_param(self.window.start), date_param(self.window.today)])
        out: dict[tuple[int, date], dict[str, Decimal]] = defaultdict(dict)
        for pid, quarter, kind, total in rows:
            out[(pid, as_date(quarter))][kind] = as_decimal(total, CENT)
        return dict(out)

    def mdf_available(self) -> list[tuple[int, str, Decimal]]:
        """(partner, fund currency, available) over the funds a request may draw from today (mdf's "requestable":
        open, period started, grace period not over)."""
        cond, params = self._ids(f"f.{q('partner_id')}")
        sql = (f"SELECT f.{q('partner_id')}, f.{q('currency')}, "
               f"SUM(f.{q('allocated')} - f.{q('reserved')} - f.{q('spent')} - f.{q('expired')}) "
               f"FROM {table(Fund)} f WHERE {cond} AND f.{q('status')} = %s AND f.{q('period_start')} <= %s "
               f"AND f.{q('expires_on')} >= %s GROUP BY 1, 2")
        today = date_param(self.window.today)
        rows = fetch(sql, [*params, str(Fund.Status.OPEN), today, today])
        return [(pid, currency, as_decimal(value, CENT)) for pid, currency, value in rows]

    def mdf_claims_awaiting(self) -> dict[int, int]:
        """Claims submitted and not decided yet (including those waiting for the partner's answer)."""
        cond, params = self._ids(f"c.{q('partner_id')}")
        sql = (f"SELECT c.{q('partner_id')}, COUNT(*) FROM {table(Claim)} c WHERE {cond} "
               f"AND c.{q('status')} IN {_in(CLAIMS_AWAITING)} GROUP BY 1")
        return dict(fetch(sql, params))

    # --- enablement, tiers, PSAT ------------------------------------------------------------------------------

    def completions(self) -> dict[tuple[int, date], int]:
        cond, params = self._ids(f"e.{q('partner_id')}")
        sql = (f"SELECT e.{q('partner_id')}, {quarter_of_datetime(f'e.{q("completed_at")}')}, COUNT(*) "
               f"FROM {table(Enrollment)} e WHERE {cond} AND e.{q('status')} = %s AND e.{q('completed_at')} >= %s "
               f"GROUP BY 1, 2")
        rows = fetch(sql, [*params, str(Enrollment.Status.COMPLETED), dt_param(self.window.start_at)])
        return {(pid, as_date(quarter)): n for pid, quarter, n in rows}

    def certifications(self) -> tuple[dict, dict]:
        """Awards by the quarter first awarded (revoked ones left out); per partner the active certifications of
        its active members and those expiring within CERTIFICATION_WARNING_DAYS (enablement.metrics' rule). All
        awards are read: an active one may be years old."""
        cond, params = self._ids(f"a.{q('partner_id')}")
        active = (f"m.{q('id')} IS NOT NULL AND a.{q('revoked_at')} IS NULL AND a.{q('expires_on')} >= %s "
                  f"AND a.{q('awarded_on')} <= %s")
        sql = (f"SELECT a.{q('partner_id')}, {quarter_of_date(f'a.{q("awarded_on")}')}, "
               f"COUNT(*) FILTER (WHERE a.{q('revoked_at')} IS NULL AND a.{q('awarded_on')} >= %s "
               f"AND a.{q('awarded_on')} <= %s), COUNT(*) FILTER (WHERE {active}), "
               f"COUNT(*) FILTER (WHERE {active} AND a.{q('expires_on')} <= %s) "
               f"FROM {table(CertificationAward)} a LEFT JOIN {table(Membership)} m ON m.{q('partner_id')} = "
               f"a.{q('partner_id')} AND m.{q('user_id')} = a.{q('user_id')} AND m.{q('is_active')} = %s "
               f"WHERE {cond} GROUP BY 1, 2")
        today = date_param(self.window.today)
        warn = date_param(self.window.today + timedelta(days=CERTIFICATION_WARNING_DAYS))
        rows = fetch(sql, [date_param(self.window.start), today, today, today, today, today, warn, True, *params])
        quarters, current = {}, defaultdict(lambda: [0, 0])
        for pid, quarter, awarded, active_n, expiring in rows:
            if awarded:
                quarters[(pid, as_date(quarter))] = awarded
            current[pid][0] += active_n
            current[pid][1] += expiring
        return quarters, {pid: (a, e) for pid, (a, e) in current.items()}

    def tier_moves(self) -> dict[tuple[int, date], tuple[int, int]]:
        """(promotions, demotions) by the quarter of the change: moves of the tier held, compared by rank."""
        cond, params = self._ids(f"c.{q('partner_id')}")
        sql = (f"SELECT c.{q('partner_id')}, {quarter_of_datetime(f'c.{q("at")}')}, "
               f"COUNT(*) FILTER (WHERE n.{q('rank')} > o.{q('rank')}), "
               f"COUNT(*) FILTER (WHERE n.{q('rank')} < o.{q('rank')}) FROM {table(TierChange)} c "
               f"JOIN {table(Tier)} o ON o.{q('id')} = c.{q('from_tier_id')} "
               f"JOIN {table(Tier)} n ON n.{q('id')} = c.{q('to_tier_id')} "
               f"WHERE {cond} AND c.{q('reason')} IN {_in(TIER_MOVES)} AND c.{q('at')} >= %s GROUP BY 1, 2")
        rows = fetch(sql, [*params, dt_param(self.window.start_at)])
        return {(pid, as_date(quarter)): (up, down) for pid, quarter, up, down in rows}

    def psat(self) -> dict[tuple[int, date], tuple[int, int, int, int]]:
        """(responses, score total, promoters 9–10, detractors 0–6) by the quarter of the answer."""
        cond, params = self._ids(f"r.{q('partner_id')}")
        sql = (f"SELECT r.{q('partner_id')}, {quarter_of_datetime(f'r.{q("submitted_at")}')}, COUNT(*), "
               f"SUM(r.{q('score')}), COUNT(*) FILTER (WHERE r.{q('score')} >= 9), "
               f"COUNT(*) FILTER (WHERE r.{q('score')} <= 6) FROM {table(PsatResponse)} r "
               f"WHERE {cond} AND r.{q('submitted_at')} >= %s GROUP BY 1, 2")
        rows = fetch(sql, [*params, dt_param(self.window.start_at)])
        return {(pid, as_date(quarter)): (n, int(total or 0), promoters, detractors)
                for pid, quarter, n, total, promoters, detractors in rows}


def _rates_source(day_rates: list[tuple[str, date, Decimal]]) -> tuple[str, list]:
    """A derived table ``r(currency, day, rate)`` from one parameter (a JSON document on SQLite, arrays on
    PostgreSQL), whatever the number of days."""
    if connection.vendor == "postgresql":
        currencies = "{" + ",".join(c for c, _d, _r in day_rates) + "}"
        days = "{" + ",".join(d.isoformat() for _c, d, _r in day_rates) + "}"
        rates = "{" + ",".join(str(r) for _c, _d, r in day_rates) + "}"
        return ("(SELECT * FROM unnest(%s::text[], %s::date[], %s::numeric[]) AS t(currency, day, rate)) r",
                [currencies, days, rates])
    document = json.dumps([[c, d.isoformat(), str(r)] for c, d, r in day_rates])
    return ("(SELECT json_extract(value, '$[0]') AS currency, json_extract(value, '$[1]') AS day, "
            "CAST(json_extract(value, '$[2]') AS REAL) AS rate FROM json_each(%s)) r", [document])
