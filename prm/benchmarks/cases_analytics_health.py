"""The health score's benchmark case (imported at the end of prm/benchmarks/cases.py).

- analytics.health_score: the nightly scoring of N fresh partners (``PRM_BENCH_HEALTH_PARTNERS``, default the
  runner's ``--partners``) — ``score_partners`` per chunk of analytics.health.scoring.CHUNK_SIZE, each in its
  partners' scope: measure, score, upsert the day's rows, update the snapshots — against one aggregate SQL
  statement computing the same raw components for all of them at once. Issue #7's target: at most 2× at 100k
  partners. The facts (people, registrations, completions, certifications, funds, PSAT answers, downloads) are
  bulk-written and rolled back.
"""

import os
import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from partners.management.commands.generate_dataset import PARTNER_PREFIX, partner_rows, write_rows

from .runner import BenchContext, BenchError, Trial, case

NUMBERS_FROM = 600_001  # partner numbers of this case's rolled-back partners
USERS_PER_PARTNER = 3
EMAIL_DOMAIN = "health-bench.example"
ANALYZED = ("partners_partnerorganization", "partners_membership", "accounts_user", "dealreg_deal",
            "enablement_enrollment", "enablement_certificationaward", "mdf_fund", "analytics_psatresponse",
            "enablement_assetdownload", "analytics_healthscore")


def bench_partners(ctx: BenchContext) -> int:
    return max(10, int(os.environ.get("PRM_BENCH_HEALTH_PARTNERS", ctx.partners)))


def deals_per_partner() -> int:
    return max(1, int(os.environ.get("PRM_BENCH_HEALTH_DEALS", "10")))


def _names(numbers: range) -> list[str]:
    return [f"{PARTNER_PREFIX}{numbers[0]:06d}", f"{PARTNER_PREFIX}{numbers[-1]:06d}"]


def _ids(sql: str, params: list) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [pk for (pk,) in cursor.fetchall()]


def _build(numbers: range, *, day, now, deals: int | None = None) -> list[int]:
    """Active partners and their facts (``deals`` registrations each, default PRM_BENCH_HEALTH_DEALS), written in
    bulk in the caller's transaction; their ids. The dashboard case with a real refresh builds its partners here too."""
    from analytics.models import PsatResponse, PsatSurvey
    from dealreg.models import Deal
    from enablement.models import Asset, AssetDownload, Certification, CertificationAward, Course, Enrollment
    from mdf.models import Fund
    from partners.management.commands.seed_demo import ensure_regions
    from partners.models import Membership, PartnerOrganization
    from prm.accounts.models import User
    from prm.common.models import ExchangeRate

    rng = random.Random(11)
    q = connection.ops.quote_name
    write_rows(PartnerOrganization, ({**row, "status": PartnerOrganization.Status.ACTIVE.value}
                                     for row in partner_rows(numbers, rng=rng, regions=ensure_regions(), now=now)),
               now=now)
    partner_table = q(PartnerOrganization._meta.db_table)
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {q('id')}, {q('currency')} FROM {partner_table} WHERE {q('name')} BETWEEN %s AND %s "
                       f"ORDER BY {q('id')}", _names(numbers))
        rows = cursor.fetchall()
    ids = [pk for pk, _currency in rows]
    currency = dict(rows)
    base = settings.BASE_CURRENCY
    # Rates on the day and a month before: the history (30 days and one day earlier) converts at those.
    ExchangeRate.objects.bulk_create([ExchangeRate(date=on, from_currency=code, to_currency=base,
                                                   rate=Decimal("0.5") + Decimal(i) / 10)
                                      for on in (day, day - timedelta(days=31))
                                      for i, code in enumerate(settings.CURRENCIES) if code != base],
                                     ignore_conflicts=True)

    def moment(days_back: int):
        return now - timedelta(days=days_back, seconds=rng.randint(0, 80_000))

    write_rows(User, ({"email": f"p{pid}.u{k}@{EMAIL_DOMAIN}", "full_name": f"Health Bench {pid}-{k}",
                       "password": "!", "preferred_language": "en", "date_joined": now,
                       "last_login": moment(rng.randint(0, 120)) if rng.random() < 0.8 else None}
                      for pid in ids for k in range(USERS_PER_PARTNER)), now=now)
    user_ids = _ids(f"SELECT {q('id')} FROM {q(User._meta.db_table)} WHERE {q('email')} LIKE %s ORDER BY {q('id')}",
                    [f"%@{EMAIL_DOMAIN}"])
    people = {pid: user_ids[i * USERS_PER_PARTNER:(i + 1) * USERS_PER_PARTNER] for i, pid in enumerate(ids)}
    write_rows(Membership, ({"partner_id": pid, "user_id": uid, "role": "user", "joined_at": now}
                            for pid in ids for uid in people[pid]), now=now)
    registrar = people[ids[0]][0]
    statuses = ["submitted", "approved", "approved", "won", "lost", "rejected", "expired"]

    per_partner = deals or deals_per_partner()

    def deal_rows():
        for pid in ids:
            for k in range(per_partner):
                status = rng.choice(statuses)
                registered = moment(rng.randint(0, 400))
                closed = (registered + timedelta(days=rng.randint(5, 60))).date() if status in ("won", "lost") else None
                yield {"partner_id": pid, "reference": f"HB-{pid}-{k}", "customer_name": f"Customer {pid}-{k}",
                       "customer_country": "DE", "value": Decimal(rng.randint(1, 500) * 1000), "currency": currency[pid],
                       "expected_close_date": day + timedelta(days=30), "status": status, "registered_by_id": registrar,
                       "registered_at": registered, "submitted_at": registered, "closed_at": closed,
                       "created_at": registered, "updated_at": registered}

    write_rows(Deal, deal_rows(), now=now)
    courses = [Course.objects.create(code=f"health-bench-{i}", title=f"Bench course {i}", summary="-") for i in range(2)]
    write_rows(Enrollment, ({"partner_id": pid, "user_id": people[pid][k], "course_id": courses[k].pk,
                             "status": "completed", "enrolled_at": moment(200), "last_activity_at": moment(10),
                             "completed_at": moment(rng.randint(0, 150))}
                            for pid in ids for k in range(2)), now=now)
    certification = Certification.objects.create(code="health-bench", name="Bench certification", validity_months=24)
    write_rows(CertificationAward, ({"partner_id": pid, "user_id": people[pid][0], "certification_id": certification.pk,
                                     "awarded_on": day - timedelta(days=100), "expires_on": day + timedelta(days=rng.randint(-50, 300)),
                                     "verification_code": f"HB{pid:014d}"} for pid in ids), now=now)
    write_rows(Fund, ({"partner_id": pid, "label": "bench", "period_start": day - timedelta(days=30),
                       "period_end": day + timedelta(days=60), "expires_on": day + timedelta(days=120),
                       "currency": currency[pid], "status": "open", "allocated": Decimal(10000),
                       "reserved": Decimal(rng.randint(0, 4000)), "spent": Decimal(rng.randint(0, 4000))}
                      for pid in ids if rng.random() < 0.6), now=now)
    survey, _created = PsatSurvey.objects.get_or_create(kind=PsatSurvey.Kind.CLAIM_PAID)
    write_rows(PsatResponse, ({"partner_id": pid, "survey_id": survey.pk, "score": rng.randint(0, 10), "language": "en",
                               "submitted_at": moment(rng.randint(0, 300))} for pid in ids if rng.random() < 0.5),
               now=now)
    asset = Asset.objects.create(title="Bench asset", kind=Asset.Kind.LINK, url="https://example.com/bench")
    write_rows(AssetDownload, ({"partner_id": pid, "asset_id": asset.pk, "user_id": people[pid][1],
                                "downloaded_at": moment(rng.randint(0, 120))} for pid in ids for _k in range(2)), now=now)
    return ids


def _history(ids: list[int], day, *, nights: int) -> None:
    """The scores 30 days before each night the case scores (``day``, ``day`` + 1, ...): the night 30 days back
    is scored for real over the same facts (so drops and at-risk flags are as rare as the facts make them), and
    copied to the following days in one INSERT ... SELECT each. Each measured run then does what a real night
    does: insert a new day's rows, reading the score of exactly 30 days before."""
    from analytics.health.scoring import CHUNK_SIZE, chunked, score_partners
    from analytics.models import HealthScore
    from prm.tenancy.scoping import partners_scope

    first = day - timedelta(days=30)
    for chunk in chunked(ids, CHUNK_SIZE):
        with partners_scope(chunk):
            score_partners(chunk, first)
    q = connection.ops.quote_name
    table = q(HealthScore._meta.db_table)
    columns = ", ".join(q(c) for c in ("score", "previous_score", "components", "at_risk", "reasons", "computed_at"))
    with connection.cursor() as cursor:
        for night in range(1, nights):
            cursor.execute(f"INSERT INTO {table} ({q('partner_id')}, {q('day')}, {columns}) SELECT {q('partner_id')}, "
                           f"%s, {columns} FROM {table} WHERE {q('day')} = %s AND {q('partner_id')} BETWEEN %s AND %s",
                           [first + timedelta(days=night), first, ids[0], ids[-1]])


def baseline_sql(numbers: range, day) -> tuple[str, list]:
    """One statement: every raw component of the partners named ``numbers`` (the same windows and conversions as
    analytics.health.components, the rate of the day joined per currency)."""
    from analytics.health.components import Windows
    from analytics.models import PsatResponse
    from dealreg.models import Deal
    from enablement.models import AssetDownload, CertificationAward, Enrollment
    from mdf.models import Fund
    from partners.models import Membership, PartnerOrganization
    from prm.accounts.models import User
    from prm.common.models import ExchangeRate

    q = connection.ops.quote_name
    w = Windows.of(day)
    t = {name: q(model._meta.db_table) for name, model in (
        ("partner", PartnerOrganization), ("member", Membership), ("user", User), ("enrol", Enrollment),
        ("award", CertificationAward), ("deal", Deal), ("fund", Fund), ("psat", PsatResponse),
        ("download", AssetDownload), ("rate", ExchangeRate))}
    pid = q("partner_id")
    rate = (f"LEFT JOIN {t['rate']} r ON r.{q('from_currency')} = x.{q('currency')} AND r.{q('to_currency')} = %s "
            f"AND r.{q('date')} = %s")
    conv = f"COALESCE(r.{q('rate')}, 1)"
    sql = f"""
WITH hp AS (SELECT {q('id')} AS id FROM {t['partner']} WHERE {q('name')} BETWEEN %s AND %s)
SELECT hp.id, m.members, m.active, m.last_login, e.n, c.n, d.now, d.before, o.won, o.lost, f.allocated, f.used,
       s.n, s.total, a.n
FROM hp
LEFT JOIN (SELECT x.{pid}, COUNT(*) AS members,
                  SUM(CASE WHEN u.{q('last_login')} >= %s AND u.{q('last_login')} < %s THEN 1 ELSE 0 END) AS active,
                  MAX(CASE WHEN u.{q('last_login')} < %s THEN u.{q('last_login')} END) AS last_login
           FROM {t['member']} x JOIN hp ON hp.id = x.{pid} JOIN {t['user']} u ON u.{q('id')} = x.{q('user_id')}
           WHERE x.{q('is_active')} = %s AND u.{q('is_active')} = %s GROUP BY x.{pid}) m ON m.{pid} = hp.id
LEFT JOIN (SELECT x.{pid}, COUNT(*) AS n FROM {t['enrol']} x JOIN hp ON hp.id = x.{pid}
           WHERE x.{q('completed_at')} >= %s AND x.{q('completed_at')} < %s GROUP BY x.{pid}) e ON e.{pid} = hp.id
LEFT JOIN (SELECT x.{pid}, COUNT(*) AS n FROM {t['award']} x JOIN hp ON hp.id = x.{pid}
           WHERE x.{q('revoked_at')} IS NULL AND x.{q('expires_on')} >= %s AND x.{q('awarded_on')} <= %s
             AND EXISTS (SELECT 1 FROM {t['member']} y WHERE y.{pid} = x.{pid} AND y.{q('user_id')} = x.{q('user_id')}
                         AND y.{q('is_active')} = %s)
           GROUP BY x.{pid}) c ON c.{pid} = hp.id
LEFT JOIN (SELECT x.{pid},
                  SUM(CASE WHEN x.{q('registered_at')} >= %s THEN x.{q('value')} * {conv} ELSE 0 END) AS now,
                  SUM(CASE WHEN x.{q('registered_at')} < %s THEN x.{q('value')} * {conv} ELSE 0 END) AS before
           FROM {t['deal']} x JOIN hp ON hp.id = x.{pid} {rate}
           WHERE x.{q('registered_at')} >= %s AND x.{q('registered_at')} < %s AND x.{q('value')} IS NOT NULL
             AND x.{q('status')} NOT IN (%s, %s) GROUP BY x.{pid}) d ON d.{pid} = hp.id
LEFT JOIN (SELECT x.{pid}, SUM(CASE WHEN x.{q('status')} = %s THEN 1 ELSE 0 END) AS won,
                  SUM(CASE WHEN x.{q('status')} = %s THEN 1 ELSE 0 END) AS lost
           FROM {t['deal']} x JOIN hp ON hp.id = x.{pid}
           WHERE x.{q('status')} IN (%s, %s) AND x.{q('closed_at')} >= %s AND x.{q('closed_at')} <= %s
           GROUP BY x.{pid}) o ON o.{pid} = hp.id
LEFT JOIN (SELECT x.{pid}, SUM(x.{q('allocated')} * {conv}) AS allocated,
                  SUM((x.{q('reserved')} + x.{q('spent')}) * {conv}) AS used
           FROM {t['fund']} x JOIN hp ON hp.id = x.{pid} {rate}
           WHERE x.{q('status')} = %s AND x.{q('period_start')} <= %s GROUP BY x.{pid}) f ON f.{pid} = hp.id
LEFT JOIN (SELECT x.{pid}, COUNT(*) AS n, SUM(x.{q('score')}) AS total FROM {t['psat']} x JOIN hp ON hp.id = x.{pid}
           WHERE x.{q('submitted_at')} >= %s AND x.{q('submitted_at')} < %s GROUP BY x.{pid}) s ON s.{pid} = hp.id
LEFT JOIN (SELECT x.{pid}, COUNT(*) AS n FROM {t['download']} x JOIN hp ON hp.id = x.{pid}
           WHERE x.{q('downloaded_at')} >= %s AND x.{q('downloaded_at')} < %s GROUP BY x.{pid}) a ON a.{pid} = hp.id
"""
    dt, d = connection.ops.adapt_datetimefield_value, connection.ops.adapt_datefield_value
    base = settings.BASE_CURRENCY
    params = [*_names(numbers),
              dt(w.active_from), dt(w.end), dt(w.end), True, True,
              dt(w.training_from), dt(w.end),
              d(day), d(day), True,
              dt(w.pipeline_from), dt(w.pipeline_from), base, d(day), dt(w.pipeline_before_from), dt(w.end),
              "rejected", "withdrawn",
              "won", "lost", "won", "lost", d(w.closed_from), d(day),
              base, d(day), "open", d(day),
              dt(w.psat_from), dt(w.end),
              dt(w.downloads_from), dt(w.end)]
    return sql, params


@case("analytics.health_score", unit="ms", repeat=3, warmup=1)
def analytics_health_score(ctx: BenchContext):
    """Health scoring of N partners (score_partners per chunk: measure, score, upsert, snapshots), against one
    aggregate SQL statement computing the same raw components for all of them. Rolled back."""
    from analytics.health.scoring import CHUNK_SIZE, chunked, score_partners
    from analytics.models import HealthModel, HealthScore
    from prm.tenancy.scoping import partners_scope

    n = bench_partners(ctx)
    numbers = range(NUMBERS_FROM, NUMBERS_FROM + n)
    now = timezone.now()
    day = timezone.localdate(now)
    with transaction.atomic():
        started = datetime.now()
        ids = _build(numbers, day=day, now=now)
        if len(ids) != n:
            raise BenchError(f"Built {len(ids)} partners, expected {n}.")
        nights = 1 + 1 + 3  # the runner's warmup and repeats, and one spare
        _history(ids, day, nights=nights)
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(t) for t in ANALYZED)
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {tables}")
        ctx.log(f"analytics.health_score: {n} partners, {n * deals_per_partner()} registrations built in "
                f"{(datetime.now() - started).total_seconds():.1f} s")
        model = HealthModel.current()
        chunks = list(chunked(ids, CHUNK_SIZE))
        sql, params = baseline_sql(numbers, day)

        night = iter(range(nights))

        def measured():
            on = day + timedelta(days=next(night))  # a new night each run: inserts, like the nightly job
            scored = 0
            for chunk in chunks:
                with partners_scope(chunk):
                    scored += score_partners(chunk, on, model=model).scored
            if scored != n:
                raise BenchError(f"Scored {scored} partners, expected {n}.")

        def baseline():
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                if len(cursor.fetchall()) != n:
                    raise BenchError("The baseline did not return one row per partner.")

        try:
            yield Trial(measured=measured, baseline=baseline)
            with partners_scope(ids[:1]):
                if not HealthScore.objects.filter(day=day).exists():
                    raise BenchError("No health score was written.")
        finally:
            transaction.set_rollback(True)
