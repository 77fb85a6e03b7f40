"""Enablement's tier metric: a partner's active certifications (certifications of its active members that
have not expired), and the count expiring soon (tier notices warn when a tier depends on them).

One aggregate query per call, set-based over the partner ids of a chunk (active_certifications is raw SQL:
the tier engine's chunks are 2,000 partners). Registered at start-up
(EnablementConfig.ready())."""

from collections.abc import Sequence
from datetime import date, timedelta

from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from partners.models import Membership
from partners.tiers import metrics

from .models import CertificationAward


def _active_awards(partner_ids: Sequence[int], as_of: date):
    member = Membership.objects.filter(partner_id=OuterRef("partner_id"), user_id=OuterRef("user_id"), is_active=True)
    return (CertificationAward.objects.filter(partner_id__in=list(partner_ids), revoked_at__isnull=True,
                                              expires_on__gte=as_of, awarded_on__lte=as_of)
            .filter(Exists(member)))


def active_certifications(partner_ids: Sequence[int], as_of: date) -> dict[int, int]:
    """{partner_id: certifications of its active members valid on ``as_of``}; partners without any are absent.

    One raw aggregate (the tier engine calls it with chunks of ~2,000 partners, where the ORM's two IN lists, the
    scope's and ours, cost more than the query). It fails closed like the scoped managers: outside a partner scope
    it raises ScopeError; inside one, partners the scope does not cover are not counted (require_scope then checks
    the ids it reads)."""
    from partners.tiers.engine import require_scope
    from prm.tenancy.scoping import current_partner_ids

    ids = sorted({int(pid) for pid in partner_ids})
    allowed = current_partner_ids()  # ScopeError without a scope; None when scopes are disabled (operators' jobs)
    if allowed is not None:
        allowed_ids = {int(pid) for pid in allowed}
        ids = [pid for pid in ids if pid in allowed_ids]
    require_scope(ids)
    if not ids:
        return {}
    sql, params = active_certifications_sql(ids, as_of)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {int(pid): int(n) for pid, n in cursor.fetchall()}


def active_certifications_sql(ids: Sequence[int], as_of: date) -> tuple[str, list]:
    """The query of ``active_certifications`` for sorted, non-empty ``ids`` the caller has checked against the
    scope: rows of (partner id, count). The health score sends it with its other reads."""
    q = connection.ops.quote_name
    in_ids, params = metrics.ids_condition(f"a.{q('partner_id')}", ids)
    sql = (f"SELECT a.{q('partner_id')}, COUNT(*) FROM {q(CertificationAward._meta.db_table)} a "
           f"WHERE {in_ids} AND a.{q('revoked_at')} IS NULL AND a.{q('expires_on')} >= %s "
           f"AND a.{q('awarded_on')} <= %s AND EXISTS (SELECT 1 FROM {q(Membership._meta.db_table)} m "
           f"WHERE m.{q('partner_id')} = a.{q('partner_id')} AND m.{q('user_id')} = a.{q('user_id')} "
           f"AND m.{q('is_active')} = %s AND m.{q('partner_id')} BETWEEN %s AND %s) GROUP BY a.{q('partner_id')}")
    # The id range on the membership side too (as the engine's read_chunk does): the planner then sees how few
    # memberships a chunk needs (about a fifth faster on PostgreSQL).
    return sql, [*params, as_of, as_of, True, ids[0], ids[-1]]


def expiring_certifications(partner_ids: Sequence[int], within_days: int) -> dict[int, int]:
    today = timezone.localdate()
    rows = (_active_awards(partner_ids, today).filter(expires_on__lte=today + timedelta(days=within_days))
            .values("partner_id").annotate(n=Count("id")).values_list("partner_id", "n"))
    return dict(rows)


def register() -> None:
    metrics.register(metrics.ACTIVE_CERTIFICATIONS, active_certifications)
    metrics.register_expiring_certifications(expiring_certifications)
