"""Analytics rollups' benchmark case (imported at the end of prm/benchmarks/cases.py).

- analytics.rollups_refresh: ``refresh_partners`` of one chunk (analytics.rollups.services.CHUNK, 2,000) of
  synthetic partners: every aggregate read, the currency conversion, the combination per (partner, quarter)
  and the writes (snapshot upsert, quarter and pipeline rows replaced), against the bare aggregate SQL of the
  same facts (registrations by partner and quarter, decisions, wins, participations, ledger entries,
  completions, awards, tier changes, PSAT answers, members, open pipeline, first registration), fetched and
  not written. Monthly exchange rates for the kept quarters are added in the case's transaction; everything
  it writes is rolled back. Size: the synthetic dataset's (``DATASET_DEALS_PER_PARTNER=100`` gives the
  issue's 100 registrations per partner).
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from partners.management.commands.generate_dataset import PARTNER_PREFIX

from .runner import BenchContext, BenchError, Trial, case


def _chunk_ids(size: int) -> list[int]:
    from partners.models import PartnerOrganization

    ids = list(PartnerOrganization.objects.filter(name__startswith=PARTNER_PREFIX).order_by("pk")
               .values_list("pk", flat=True)[:size])
    if not ids:
        raise BenchError("No synthetic partners: run manage.py generate_dataset.")
    return ids


def _monthly_rates(start: date, end: date) -> None:
    from dealreg.dataset import RATES
    from prm.common.models import ExchangeRate

    rows, day = [], date(start.year, start.month, 1)
    while day <= end:
        rows += [ExchangeRate(date=day, from_currency=code, to_currency=settings.BASE_CURRENCY, rate=Decimal(rate))
                 for code, rate in RATES.items() if code != settings.BASE_CURRENCY]
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    ExchangeRate.objects.bulk_create(rows, ignore_conflicts=True)


def _baseline_statements(ids: list[int], window) -> list[tuple[str, list]]:
    """The same facts, grouped by partner (and quarter or stage), in the plainest SQL PostgreSQL runs."""
    from analytics.models import PsatResponse
    from dealreg.models import Deal, DealParticipant
    from enablement.models import CertificationAward, Enrollment
    from mdf.models import Claim, Fund, FundEntry
    from partners.models import Membership, PartnerOrganization, PartnerTier, TierChange
    from prm.accounts.models import User

    t = {m.__name__: m._meta.db_table for m in (PsatResponse, Deal, DealParticipant, CertificationAward, Enrollment,
                                                 Claim, Fund, FundEntry, Membership, PartnerOrganization, PartnerTier,
                                                 TierChange, User)}
    ids_param = "{" + ",".join(map(str, ids)) + "}"
    within = "partner_id = ANY(%s::bigint[])"
    start, today = window.start, window.today
    return [
        (f"SELECT p.id, p.region_id, p.country, p.status, t.tier_id FROM {t['PartnerOrganization']} p "
         f"LEFT JOIN {t['PartnerTier']} t ON t.partner_id = p.id WHERE p.id = ANY(%s::bigint[])", [ids_param]),
        (f"SELECT partner_id, date_trunc('quarter', registered_at), count(*), sum(value) FROM {t['Deal']} "
         f"WHERE {within} AND registered_at >= %s GROUP BY 1, 2", [ids_param, start]),
        (f"SELECT partner_id, date_trunc('quarter', decided_at), count(*), "
         f"sum(extract(epoch FROM decided_at - submitted_at)) FROM {t['Deal']} "
         f"WHERE {within} AND decided_at >= %s GROUP BY 1, 2", [ids_param, start]),
        (f"SELECT partner_id, date_trunc('quarter', closed_at), count(*) FILTER (WHERE status = 'won'), "
         f"sum(won_amount_base) FROM {t['Deal']} WHERE {within} AND status IN ('won', 'lost') "
         f"AND closed_at >= %s GROUP BY 1, 2", [ids_param, start]),
        (f"SELECT x.partner_id, date_trunc('quarter', d.closed_at), sum(d.won_amount_base * x.share / 100) "
         f"FROM {t['DealParticipant']} x JOIN {t['Deal']} d ON d.id = x.deal_id WHERE x.{within} "
         f"AND x.status = 'accepted' AND d.status = 'won' GROUP BY 1, 2", [ids_param]),
        (f"SELECT partner_id, min(registered_at) FROM {t['Deal']} WHERE {within} GROUP BY 1", [ids_param]),
        (f"SELECT partner_id, stage, count(*), sum(value) FROM {t['Deal']} WHERE {within} "
         f"AND status IN ('submitted', 'more_info', 'approved') GROUP BY 1, 2", [ids_param]),
        (f"SELECT partner_id, date_trunc('quarter', occurred_on), kind, sum(base_amount) FROM {t['FundEntry']} "
         f"WHERE {within} AND occurred_on >= %s GROUP BY 1, 2, 3", [ids_param, start]),
        (f"SELECT partner_id, sum(allocated - reserved - spent - expired) FROM {t['Fund']} WHERE {within} "
         f"AND status = 'open' GROUP BY 1", [ids_param]),
        (f"SELECT partner_id, count(*) FROM {t['Claim']} WHERE {within} AND status = 'submitted' GROUP BY 1",
         [ids_param]),
        (f"SELECT partner_id, date_trunc('quarter', completed_at), count(*) FROM {t['Enrollment']} "
         f"WHERE {within} AND completed_at >= %s GROUP BY 1, 2", [ids_param, start]),
        (f"SELECT partner_id, date_trunc('quarter', awarded_on), count(*), count(*) FILTER (WHERE expires_on >= %s) "
         f"FROM {t['CertificationAward']} WHERE {within} GROUP BY 1, 2", [today, ids_param]),
        (f"SELECT partner_id, date_trunc('quarter', at), count(*) FROM {t['TierChange']} WHERE {within} "
         f"AND at >= %s GROUP BY 1, 2", [ids_param, start]),
        (f"SELECT partner_id, date_trunc('quarter', submitted_at), count(*), sum(score) FROM {t['PsatResponse']} "
         f"WHERE {within} AND submitted_at >= %s GROUP BY 1, 2", [ids_param, start]),
        (f"SELECT m.partner_id, count(*), max(u.last_login) FROM {t['Membership']} m JOIN {t['User']} u "
         f"ON u.id = m.user_id WHERE m.{within} AND m.is_active GROUP BY 1", [ids_param]),
    ]


@case("analytics.rollups_refresh", unit="ms", repeat=5, warmup=1)
def analytics_rollups_refresh(ctx: BenchContext):
    """refresh_partners() of a chunk of 2,000 synthetic partners (reads, conversion, writes), against the bare
    aggregate SQL of the same facts. Rolled back."""
    from analytics.rollups import facts
    from analytics.rollups.refresh import quarters_kept, refresh_partners
    from analytics.rollups.services import CHUNK
    from dealreg.models import Deal
    from prm.tenancy.scoping import partners_scope

    ids = _chunk_ids(CHUNK)
    today = timezone.localdate()
    window = facts.window_for(today=today, kept=quarters_kept())
    with transaction.atomic():
        _monthly_rates(window.start - timedelta(days=31), today)
        with partners_scope(ids):
            registrations = Deal.objects.filter(partner_id__in=ids).count()
        ctx.log(f"analytics.rollups_refresh: {len(ids)} partners, {registrations} registrations, "
                f"{len(window.quarters)} quarters kept")
        if connection.vendor == "postgresql":
            statements = _baseline_statements(ids, window)
        else:  # the baseline SQL is PostgreSQL's; on SQLite (tests of the runner) only the shape is checked
            statements = [(f"SELECT partner_id, COUNT(*) FROM {Deal._meta.db_table} GROUP BY partner_id", [])]

        def measured():
            if refresh_partners(ids, today=today) != len(ids):
                raise BenchError("refresh_partners did not write a snapshot for every partner of the chunk.")

        def baseline():
            with connection.cursor() as cursor:
                for sql, params in statements:
                    cursor.execute(sql, params)
                    cursor.fetchall()

        try:
            yield Trial(measured=measured, baseline=baseline)
        finally:
            transaction.set_rollback(True)
