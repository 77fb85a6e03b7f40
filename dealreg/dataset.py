"""Synthetic deal registrations for load tests and ``manage.py bench`` (a generate_dataset step).

Customers are made-up companies ("Kalomi Cloud Logistics GmbH", kalomi-cloud-logistics.de), each
registered by about three partners so the conflict engine has real work; most registrations are
closed, about one in five is open or protected. Rows go in with COPY on PostgreSQL (write_rows).

Size: DATASET_DEALS_PER_PARTNER (default 5) per synthetic partner; 1M registrations for 10k partners:
``DATASET_DEALS_PER_PARTNER=100 manage.py generate_dataset --partners 10000``.
``register()`` adds the step to generate_dataset (call it once at start-up); the bench tops up
registrations itself with ``ensure_registrations()``.
"""

import os
import random
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from partners.management.commands.generate_dataset import PARTNER_PREFIX, DatasetContext, Step, write_rows
from partners.models import PartnerOrganization

from .models import Deal
from .normalize import normalize_company_name

REFERENCE_PREFIX = "SYN-"
STEP_NAME = "registrations"

# Made-up brand words from syllables keep names as varied as real ones: word lists alone make every
# customer a near-duplicate of hundreds of others by trigram similarity.
SYLLABLES = "ka lo mi ren tor vex zan quil bra dor fen gal hix jor kel lum mor nax pry sol tav ul vor wyn xen yor zel cor dra el".split()
CORES = """Cloud Data Logic Grid Wave Stone River Bridge Forge Peak Field Point Link Path Line Port Gate Tower Works
Labs Matrix Vector Signal Orbit Pulse Core Nexus Spark Flow Shield Anchor Beacon Compass Harvest Meridian Horizon
Falcon Lynx Orca Atlas""".split()
SECTORS = """Logistics Systems Software Bank Insurance Retail Health Energy Foods Motors Pharma Media Telecom Capital
Engineering Construction Chemicals Textiles Airlines Hotels""".split()
LEGAL = {"DE": "GmbH", "AT": "GmbH", "CH": "AG", "FR": "SAS", "ES": "SL", "GB": "Ltd", "US": "Inc.", "CA": "Inc.",
         "JP": "KK", "AU": "Pty Ltd", "SG": "Pte Ltd", "IN": "Pvt Ltd", "MX": "SA de CV", "BR": "Ltda", "IT": "SpA",
         "NL": "BV", "SE": "AB"}
TLD = {"DE": "de", "AT": "at", "CH": "ch", "FR": "fr", "ES": "es", "GB": "co.uk", "JP": "co.jp", "AU": "com.au",
       "SG": "com.sg", "IN": "co.in", "MX": "com.mx", "BR": "com.br", "IT": "it", "NL": "nl", "SE": "se"}
# Rough rates to the base currency for won amounts (synthetic data only).
RATES = {"EUR": "1", "USD": "0.92", "GBP": "1.17", "JPY": "0.0062", "CHF": "1.04", "BRL": "0.18", "MXN": "0.054",
         "AUD": "0.61", "CAD": "0.68", "SGD": "0.69", "INR": "0.011", "SEK": "0.088"}

_S = Deal.Status
STATUS_WEIGHTS = {_S.WON.value: 25, _S.LOST.value: 20, _S.EXPIRED.value: 14, _S.REJECTED.value: 9,
                  _S.WITHDRAWN.value: 4, _S.DRAFT.value: 4, _S.SUBMITTED.value: 7, _S.MORE_INFO.value: 2,
                  _S.APPROVED.value: 15}
STAGES = [s.value for s in Deal.Stage]


def deals_per_partner() -> int:
    return max(0, int(os.environ.get("DATASET_DEALS_PER_PARTNER", "5")))


def customer(index: int, country: str) -> tuple[str, str]:
    """The index-th synthetic customer: (company name, web domain). Same index, same company.

    A made-up brand of three or four syllables, then nothing, a sector, or a word and a sector, as real
    names go ("Kalomi", "Kalomi Logistics", "Kalomi Cloud Logistics")."""
    n = len(SYLLABLES)
    h = (index * 2654435761) % 2**32  # Knuth's multiplicative hash: neighbours share nothing
    parts = [SYLLABLES[(h >> shift) % n] for shift in (0, 5, 10, 15)]
    brand = "".join(parts[:4] if h & (1 << 20) else parts[:3]).capitalize()
    words = [brand]
    shape = (h >> 21) % 10
    if shape >= 3:
        if shape >= 7:
            words.append(CORES[(h >> 24) % len(CORES)])
        words.append(SECTORS[(h >> 27) % len(SECTORS)])
    name = " ".join(words) + " " + LEGAL.get(country, "Ltd")
    domain = "-".join(words).lower() + "." + TLD.get(country, "com")
    return name, domain


def registration_rows(partners: list[tuple[int, int, str, str]], *, per_partner: int, rng: random.Random,
                      now) -> Iterator[dict]:
    """Rows for ``partners`` as (partner id, registering user id, country, currency)."""
    total = len(partners) * per_partner
    pool = max(1, total // 3)  # each customer registered by about three partners
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    today = now.date()
    for partner_id, user_id, partner_country, currency in partners:
        for k in range(per_partner):
            index = rng.randrange(pool)
            country = partner_country if rng.random() < 0.85 else rng.choice(list(TLD))
            name, domain = customer(index, country)
            status = rng.choices(statuses, weights)[0]
            registered_at = now - timedelta(days=rng.randint(1, 900), minutes=rng.randint(0, 1440))
            value = Decimal(rng.randint(5, 2000) * 1000)
            row = {
                "partner_id": partner_id, "reference": f"{REFERENCE_PREFIX}{partner_id}-{k:05d}",
                "customer_name": name, "customer_name_normalized": normalize_company_name(name),
                "customer_domain": domain if rng.random() < 0.9 else "", "customer_country": country,
                "value": value, "currency": currency, "expected_close_date": today + timedelta(days=rng.randint(-300, 300)),
                "stage": rng.choice(STAGES), "status": status, "registered_by_id": user_id,
                "registered_at": None if status == _S.DRAFT else registered_at,
                "submitted_at": None if status == _S.DRAFT else registered_at, "created_at": registered_at,
                "updated_at": registered_at,
            }
            if status == _S.APPROVED:
                row["protected_until"] = today + timedelta(days=rng.randint(-20, 90))
                row["decided_at"] = registered_at + timedelta(hours=rng.randint(1, 72))
            elif status in (_S.WON, _S.LOST):
                row["closed_at"] = min(today, (registered_at + timedelta(days=rng.randint(10, 200))).date())
                if status == _S.WON:
                    rate = Decimal(RATES.get(currency, "1"))
                    row.update(won_amount=value, won_currency=currency, fx_rate=rate,
                               won_amount_base=(value * rate).quantize(Decimal("0.01")))
                else:
                    row["lost_reason"] = "Synthetic: lost to competitor"
            yield row


def _partners_without_registrations() -> list[tuple[int, int, str, str]]:
    """Synthetic partners with no synthetic registration yet, with their first user (the registrant)."""
    q = connection.ops.quote_name
    partner_table, deal_table = PartnerOrganization._meta.db_table, Deal._meta.db_table
    from partners.models import Membership

    membership_table = Membership._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.{q('id')}, MIN(m.{q('user_id')}), p.{q('country')}, p.{q('currency')} "
            f"FROM {q(partner_table)} p JOIN {q(membership_table)} m ON m.{q('partner_id')} = p.{q('id')} "
            f"WHERE p.{q('name')} LIKE %s AND NOT EXISTS (SELECT 1 FROM {q(deal_table)} d "
            f"WHERE d.{q('partner_id')} = p.{q('id')} AND d.{q('reference')} LIKE %s) "
            f"GROUP BY p.{q('id')}, p.{q('country')}, p.{q('currency')} ORDER BY p.{q('id')}",
            [PARTNER_PREFIX + "%", REFERENCE_PREFIX + "%"],
        )
        return [tuple(row) for row in cursor.fetchall()]


def ensure_registrations(*, per_partner: int | None = None, seed: int = 2026) -> int:
    """Give every synthetic partner without registrations ``per_partner`` of them; returns rows written."""
    partners = _partners_without_registrations()
    per_partner = deals_per_partner() if per_partner is None else per_partner
    if not partners or not per_partner:
        return 0
    now = timezone.now()
    return write_rows(Deal, registration_rows(partners, per_partner=per_partner, rng=random.Random(seed), now=now),
                      now=now)


def build_registrations(ctx: DatasetContext) -> None:
    ids = set(ctx.partner_ids.values())
    partners = [p for p in _partners_without_registrations() if p[0] in ids]
    ctx.rows["registrations"] = write_rows(
        Deal, registration_rows(partners, per_partner=deals_per_partner(), rng=ctx.rng, now=ctx.now), now=ctx.now)


def reset_registrations() -> int:
    """Delete synthetic registrations and the rows that point at them, in set-based SQL (1M rows: seconds)."""
    q = connection.ops.quote_name
    deal_table, partner_table = Deal._meta.db_table, PartnerOrganization._meta.db_table
    synthetic = (f"SELECT d.{q('id')} FROM {q(deal_table)} d JOIN {q(partner_table)} p ON p.{q('id')} = "
                 f"d.{q('partner_id')} WHERE p.{q('name')} LIKE %s AND d.{q('reference')} LIKE %s")
    params = [PARTNER_PREFIX + "%", REFERENCE_PREFIX + "%"]
    with connection.cursor() as cursor:
        for relation in Deal._meta.related_objects:  # events, participants, extension requests, …
            if relation.many_to_many:
                continue
            column = relation.field.column
            cursor.execute(f"DELETE FROM {q(relation.related_model._meta.db_table)} WHERE {q(column)} IN ({synthetic})",
                           params)
        for m2m in Deal._meta.local_many_to_many:
            through = m2m.remote_field.through._meta
            column = m2m.m2m_column_name()
            cursor.execute(f"DELETE FROM {q(through.db_table)} WHERE {q(column)} IN ({synthetic})", params)
        cursor.execute(f"DELETE FROM {q(deal_table)} WHERE {q('id')} IN ({synthetic})", params)
        return cursor.rowcount


STEP = Step(name=STEP_NAME, build=build_registrations, reset=reset_registrations)


def register() -> None:
    """Add the step to generate_dataset (once; call from start-up code)."""
    from partners.management.commands.generate_dataset import STEPS

    if all(s.name != STEP_NAME for s in STEPS):
        STEPS.append(STEP)
