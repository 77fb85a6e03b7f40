"""The benchmark cases. Each measures one figure against a baseline taken in the same run.

They read the synthetic dataset (``generate_dataset``), which ``manage.py bench`` builds when missing.
The ratio is the figure that matters: absolute numbers move with the machine (PERFORMANCE.md).
"""

import random

from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from partners.management.commands.generate_dataset import PARTNER_PREFIX, partner_rows, write_rows
from partners.management.commands.seed_demo import ensure_regions
from partners.models import Membership, PartnerOrganization
from partners.selectors import member_list_for_portal
from prm.accounts.models import User
from prm.tenancy.scoping import partner_scope, unscoped

from .runner import BenchContext, BenchError, Trial, case

INSERT_ROWS = 2000
# Partner numbers for rows that are inserted and rolled back; far beyond any dataset size.
ROLLED_BACK_NUMBERS = range(900_001, 900_001 + INSERT_ROWS)


def portal_partner() -> tuple[PartnerOrganization, User]:
    """The first active synthetic partner and its admin: "a partner using the portal"."""
    with unscoped():  # picking a sample across partners; the measured code runs in its scope
        membership = (
            Membership.objects.filter(
                partner__name__startswith=PARTNER_PREFIX, partner__status=PartnerOrganization.Status.ACTIVE,
                role=Membership.Role.ADMIN, is_active=True,
            )
            .select_related("partner", "user")
            .order_by("partner__name")
            .first()
        )
    if membership is None:
        raise BenchError("No active synthetic partner with an admin: run manage.py generate_dataset.")
    return membership.partner, membership.user


@case("portal.member_list_scoped", unit="ms", repeat=21, number=50)
def member_list_scoped(ctx: BenchContext):
    """The portal's team list through the selector in a partner scope, against the same rows in raw SQL."""
    partner, _admin = portal_partner()
    q = connection.ops.quote_name
    member, person = Membership._meta, User._meta
    columns = [f"m.{q(f.column)}" for f in member.concrete_fields] + [f"u.{q(f.column)}" for f in person.concrete_fields]
    sql = (
        f"SELECT {', '.join(columns)} FROM {q(member.db_table)} m "
        f"INNER JOIN {q(person.db_table)} u ON u.{q(person.pk.column)} = m.{q(member.get_field('user').column)} "
        f"WHERE m.{q(member.get_field('partner').column)} = %s AND m.{q('is_active')} = %s ORDER BY u.{q('email')}"
    )

    def measured():
        with partner_scope(partner):
            list(member_list_for_portal(partner=partner))

    def baseline():
        with connection.cursor() as cursor:
            cursor.execute(sql, [partner.pk, True])
            cursor.fetchall()

    with partner_scope(partner):
        if not member_list_for_portal(partner=partner).exists():
            raise BenchError(f"{partner} has no members to list.")
    yield Trial(measured=measured, baseline=baseline)


@case("tenancy.middleware_request", unit="ms", repeat=15, number=5)
def middleware_request(ctx: BenchContext):
    """A signed-in partner admin's GET of the portal team page, against GET /healthz (one query, no template)."""
    _partner, admin = portal_partner()
    client = Client()

    def get(path: str):
        def call():
            response = client.get(path)
            if response.status_code != 200:
                raise BenchError(f"GET {path} answered {response.status_code}, not 200.")

        return call

    # The test client calls itself "testserver"; outside a test run that host is not allowed yet.
    with override_settings(ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        client.force_login(admin)
        try:
            yield Trial(measured=get(reverse("partners:team")), baseline=get(reverse("healthz")))
        finally:
            client.logout()


@case("dataset.generate_partners_rows_per_s", unit="rows/s", repeat=7)
def generate_partners_rows(ctx: BenchContext):
    """generate_dataset's partner insert (row building + COPY into the real table), against a raw COPY of
    the same rows into an unindexed temporary table. Both are rolled back."""
    regions = ensure_regions()
    now = timezone.now()
    rows = list(partner_rows(ROLLED_BACK_NUMBERS, rng=random.Random(1), regions=regions, now=now))
    names = list(rows[0])
    values = [tuple(row[name] for name in names) for row in rows]
    q = connection.ops.quote_name
    table = q("bench_partner_copy")
    columns = ", ".join(q(PartnerOrganization._meta.get_field(name).column) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMPORARY TABLE {table} AS SELECT {columns} "
                       f"FROM {q(PartnerOrganization._meta.db_table)} WHERE 1 = 0")

    def measured() -> int:
        with transaction.atomic():
            count = write_rows(
                PartnerOrganization, partner_rows(ROLLED_BACK_NUMBERS, rng=random.Random(1), regions=regions, now=now),
                now=now,
            )
            transaction.set_rollback(True)
        return count

    def baseline() -> int:
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for value in values:
                        copy.write_row(value)
            else:  # the --allow-sqlite fallback: one executemany
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})", values)
            transaction.set_rollback(True)
        return len(values)

    try:
        yield Trial(measured=measured, baseline=baseline)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
