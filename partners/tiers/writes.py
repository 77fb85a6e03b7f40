"""Bulk writes of a chunk's changes: tier states, history rows and notices, a fixed number of statements.

PostgreSQL: ``INSERT … SELECT FROM jsonb_to_recordset(…)`` and ``UPDATE … FROM jsonb_to_recordset(…)``: set-based
like ``unnest`` (PERFORMANCE.md: ~30× faster than bulk_update), with the rows sent as one JSON document (encoded
by orjson, prm/common/fastjson.py; psycopg dumps a Python list per array column element by element, which cost
more than the statements). Elsewhere the ORM's bulk_create / bulk_update (SQLite holds the database's write lock for the whole
transaction). On PostgreSQL, nothing is locked while the chunk is measured: a state row
updated after the engine read it (``updated_at`` differs) or created meanwhile (ON CONFLICT DO NOTHING) is
skipped together with its history and notices, and the next run decides again.
"""

from datetime import date

from django.db import connection
from django.utils import timezone

from partners.models import PartnerTier, TierChange
from prm.common import fastjson

from . import metrics
from .config import TierConfig
from .criteria import criteria_for, criteria_json, measured_json, rung_of
from .engine import PartnerFacts
from .notices import send_notices
from .rules import STATE_FIELDS, Outcome


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _recordset(model, names: list[str], rows: list[tuple], extra=()) -> tuple[str, list]:
    """``jsonb_to_recordset(%s::jsonb) AS u(col type, …)`` and its one parameter; ``extra``: (alias, sql type)
    columns that are not the model's, given as the last values of each row."""
    meta_fields = [model._meta.get_field(name) for name in names]
    columns = [f.column for f in meta_fields] + [alias for alias, _t in extra]
    types = [f.db_type(connection) for f in meta_fields] + [sql_type for _a, sql_type in extra]
    document = fastjson.dumps([dict(zip(columns, row, strict=True)) for row in rows])
    definition = ", ".join(f"{_q(column)} {sql_type}" for column, sql_type in zip(columns, types, strict=True))
    return f"jsonb_to_recordset(%s::jsonb) AS u({definition})", [document]


def _insert_states(new: list[Outcome], now) -> set[int]:
    """Insert new state rows; returns the partner ids actually inserted."""
    if not new:
        return set()
    names = ["partner", *STATE_FIELDS, "updated_at"]
    rows = [(o.state.partner_id, *(getattr(o.state, n) for n in STATE_FIELDS), now) for o in new]
    if connection.vendor == "postgresql":
        source, params = _recordset(PartnerTier, names, rows)
        columns = ", ".join(_q(PartnerTier._meta.get_field(n).column) for n in names)
        sql = (f"INSERT INTO {_q(PartnerTier._meta.db_table)} ({columns}) SELECT {columns} FROM {source} "
               f"ON CONFLICT ({_q('partner_id')}) DO NOTHING RETURNING {_q('partner_id')}")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0] for row in cursor.fetchall()}
    PartnerTier.objects.bulk_create([
        PartnerTier(partner_id=o.state.partner_id, updated_at=now, **{n: getattr(o.state, n) for n in STATE_FIELDS})
        for o in new
    ])
    return {o.state.partner_id for o in new}


def _update_states(existing: list[tuple[Outcome, object]], now) -> set[int]:
    """Update state rows unless changed since they were read; returns the partner ids written."""
    if not existing:
        return set()
    if connection.vendor == "postgresql":
        names = ["id", *STATE_FIELDS]
        rows = [(o.state.id, *(getattr(o.state, n) for n in STATE_FIELDS), read_at) for o, read_at in existing]
        source, params = _recordset(PartnerTier, names, rows, extra=[("read_at", "timestamptz")])
        column = {n: _q(PartnerTier._meta.get_field(n).column) for n in [*names, "updated_at", "partner"]}
        assignments = ", ".join(f"{column[n]} = u.{column[n]}" for n in STATE_FIELDS)
        sql = (f"UPDATE {_q(PartnerTier._meta.db_table)} AS t SET {assignments}, {column['updated_at']} = %s "
               f"FROM {source} WHERE t.{column['id']} = u.{column['id']} AND t.{column['updated_at']} = u.read_at "
               f"RETURNING t.{column['partner']}")
        with connection.cursor() as cursor:
            cursor.execute(sql, [now, *params])
            return {row[0] for row in cursor.fetchall()}
    # SQLite: the transaction holds the database's write lock since its start, nobody changed them.
    objs = [PartnerTier(id=o.state.id, partner_id=o.state.partner_id, updated_at=now,
                        **{n: getattr(o.state, n) for n in STATE_FIELDS}) for o, _read_at in existing]
    PartnerTier.objects.bulk_update(objs, [*STATE_FIELDS, "updated_at"], batch_size=500)
    return {o.state.partner_id for o, _read_at in existing}


def _insert_history(rows: list[tuple]) -> None:
    names = ["partner", "from_tier", "to_tier", "reason", "note", "measured", "criteria", "as_of", "at", "actor"]
    if not rows:
        return
    if connection.vendor == "postgresql":
        source, params = _recordset(TierChange, names, rows)
        columns = ", ".join(_q(TierChange._meta.get_field(n).column) for n in names)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {_q(TierChange._meta.db_table)} ({columns}) SELECT {columns} FROM {source}",
                           params)
        return
    attnames = [TierChange._meta.get_field(n).attname for n in names]
    TierChange.objects.bulk_create([TierChange(**dict(zip(attnames, row, strict=True))) for row in rows], batch_size=500)


def history_rows(item: PartnerFacts, outcome: Outcome, *, config: TierConfig, as_of: date, at,
                 available: frozenset[str], actor_id=None, note: str = "") -> list[tuple]:
    measured = measured_json(item.measured, available)
    rows = []
    for event in outcome.events:
        tier = config.tiers.get(event.criteria_tier_id)
        criteria = criteria_for(rung_of(item.ladder, event.criteria_tier_id), item.measured, available)
        rows.append((item.partner_id, event.from_tier_id, event.to_tier_id, event.reason, note, measured,
                     criteria_json(tier.code if tier else "", criteria), as_of, at, actor_id))
    return rows


def write_changes(changes: list, *, config: TierConfig, as_of: date) -> int:
    """Write the chunk's changes (engine.Change); returns how many partners were written."""
    now = timezone.now()
    inserted = _insert_states([c.outcome for c in changes if c.outcome.state.id is None], now)
    updated = _update_states([(c.outcome, c.read_at) for c in changes if c.outcome.state.id is not None], now)
    written = [c for c in changes if c.outcome.state.partner_id in (updated if c.outcome.state.id else inserted)]
    available = metrics.available_codes()
    history = []
    for change in written:
        history.extend(history_rows(change.facts, change.outcome, config=config, as_of=as_of, at=now,
                                    available=available))
    _insert_history(history)
    send_notices([(c.facts, notice) for c in written for notice in c.outcome.notices], config=config,
                 available=available)
    return len(written)
