"""``manage.py generate_dataset``: large synthetic data for load tests and ``manage.py bench``.

Rows are written in bulk (COPY on PostgreSQL, ``bulk_create`` in batches elsewhere), never one ORM
save at a time. Every synthetic row is recognisable: partners are named "Synthetic Partner 000123",
people's e-mails end in ``@synthetic.example``; ``--reset`` deletes exactly those.

Generators are steps in ``STEPS`` (run in order, reset in reverse). A later issue adds deals,
claims or completions by registering one more ``@step``; it reads the ids of this run's partners
and people from the context.
"""

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from partners.models import Membership, PartnerOrganization, Region
from prm.accounts.models import User
from prm.tenancy.scoping import unscoped

from .seed_demo import COUNTRIES, REGIONS, ensure_regions, purge_partners

PARTNER_PREFIX = "Synthetic Partner "
SYNTHETIC_DOMAIN = "synthetic.example"
SYNTHETIC_PASSWORD = "synthetic-password-2026"
BATCH_SIZE = 2000

_T = PartnerOrganization.PartnerType
_S = PartnerOrganization.Status
# Plain strings (not enum members): COPY adapts values by their Python type.
STATUS_WEIGHTS = {_S.ACTIVE.value: 80, _S.ONBOARDING.value: 10, _S.PROSPECT.value: 4, _S.SUSPENDED.value: 3,
                  _S.OFFBOARDED.value: 3}


@dataclass
class DatasetContext:
    """What one run builds, shared by the steps. Ids are those of the rows this run created."""

    numbers: range  # partner numbers created in this run
    users_per_partner: int
    rng: random.Random
    now: object = field(default_factory=timezone.now)
    partner_ids: dict[int, int] = field(default_factory=dict)  # partner number -> id
    partner_languages: dict[int, str] = field(default_factory=dict)  # partner number -> language
    user_ids: dict[str, int] = field(default_factory=dict)  # e-mail -> id
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written


@dataclass(frozen=True)
class Step:
    name: str
    build: Callable[[DatasetContext], None]
    reset: Callable[[], int]


STEPS: list[Step] = []


def step(name: str, *, reset: Callable[[], int]):
    """Register a generator; ``reset`` deletes what it (and earlier runs of it) created."""

    def register(build: Callable[[DatasetContext], None]):
        STEPS.append(Step(name=name, build=build, reset=reset))
        return build

    return register


# --- the bulk writer ----------------------------------------------------------------------------------

def _defaults(model: type[models.Model], now) -> dict:
    values = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        values[f.attname] = now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
    return values


def write_rows(model: type[models.Model], rows: Iterable[dict], *, now=None) -> int:
    """Insert rows (dicts of attname -> value; missing columns get the field default). Returns the count.

    PostgreSQL: one COPY. Other databases: bulk_create in batches. No signals, no save().
    """
    defaults = _defaults(model, now or timezone.now())
    names = list(defaults)
    count = 0
    if connection.vendor == "postgresql":
        fields = [model._meta.get_field(name) for name in names]
        json_fields = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    values = [row.get(name, defaults[name]) for name in names]
                    for i in json_fields:
                        values[i] = fields[i].get_db_prep_save(values[i], connection)
                    copy.write_row(values)
                    count += 1
        return count
    batch: list[models.Model] = []
    with unscoped():  # partner-owned models' default manager needs a scope; these rows span partners
        for row in rows:
            batch.append(model(**{**defaults, **row}))
            if len(batch) >= BATCH_SIZE:
                count += len(model._default_manager.bulk_create(batch))
                batch = []
        if batch:
            count += len(model._default_manager.bulk_create(batch))
    return count


# --- partners -----------------------------------------------------------------------------------------

def partner_name(number: int) -> str:
    return f"{PARTNER_PREFIX}{number:06d}"


def synthetic_partners() -> models.QuerySet:
    return PartnerOrganization.objects.filter(name__startswith=PARTNER_PREFIX)


def synthetic_partner_count() -> int:
    return synthetic_partners().count()


def partner_rows(numbers: Iterable[int], *, rng: random.Random, regions: dict[str, Region], now) -> Iterator[dict]:
    """Believable-enough partners: region, country, language and currency agree; mostly active."""
    region_countries = [(regions[code].pk, [c for c in countries if c in COUNTRIES]) for code, (_n, countries) in REGIONS.items()]
    statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    types = list(_T.values)
    for number in numbers:
        region_id, countries = region_countries[number % len(region_countries)]
        country = rng.choice(countries)
        language, currency, _tz = COUNTRIES[country]
        # Partner 1 is always active: benchmarks use it as "a partner in the portal".
        status = _S.ACTIVE.value if number == 1 else rng.choices(statuses, weights)[0]
        name = partner_name(number)
        yield {
            "name": name, "legal_name": name, "partner_type": rng.choice(types), "country": country,
            "region_id": region_id, "default_language": language, "currency": currency, "status": status,
            "website": f"https://p{number:06d}.{SYNTHETIC_DOMAIN}", "created_at": now,
            "status_changed_at": now - timedelta(days=rng.randint(1, 1000)),
        }


def _reset_partners() -> int:
    return purge_partners(synthetic_partners())


@step("partners", reset=_reset_partners)
def build_partners(ctx: DatasetContext) -> None:
    rows = partner_rows(ctx.numbers, rng=ctx.rng, regions=ensure_regions(), now=ctx.now)
    ctx.rows["partners"] = write_rows(PartnerOrganization, rows, now=ctx.now)
    wanted = {partner_name(n): n for n in ctx.numbers}
    for name, pk, language in synthetic_partners().values_list("name", "pk", "default_language").iterator(chunk_size=BATCH_SIZE):
        if name in wanted:
            ctx.partner_ids[wanted[name]] = pk
            ctx.partner_languages[wanted[name]] = language


# --- people: users, verified e-mail addresses, memberships ---------------------------------------------

def user_email(number: int, k: int) -> str:
    return f"p{number:06d}.u{k}@{SYNTHETIC_DOMAIN}"


def _reset_people() -> int:
    deleted, per_model = User.objects.filter(email__endswith=f"@{SYNTHETIC_DOMAIN}").delete()
    return per_model.get(User._meta.label, 0)


@step("people", reset=_reset_people)
def build_people(ctx: DatasetContext) -> None:
    # One hash for everyone: a password hash costs ~0.1-0.5 s by design.
    password = make_password(SYNTHETIC_PASSWORD)
    people = [(n, k) for n in ctx.numbers for k in range(ctx.users_per_partner)]
    ctx.rows["users"] = write_rows(User, (
        {"email": user_email(n, k), "full_name": f"Synthetic Person {n:06d}-{k}", "password": password,
         "preferred_language": ctx.partner_languages[n], "date_joined": ctx.now}
        for n, k in people
    ), now=ctx.now)
    wanted = {user_email(n, k) for n, k in people}
    emails = User.objects.filter(email__endswith=f"@{SYNTHETIC_DOMAIN}").values_list("email", "pk")
    ctx.user_ids = {email: pk for email, pk in emails.iterator(chunk_size=BATCH_SIZE) if email in wanted}
    ctx.rows["email addresses"] = write_rows(EmailAddress, (
        {"user_id": ctx.user_ids[user_email(n, k)], "email": user_email(n, k), "verified": True, "primary": True}
        for n, k in people
    ), now=ctx.now)
    ctx.rows["memberships"] = write_rows(Membership, (
        {"partner_id": ctx.partner_ids[n], "user_id": ctx.user_ids[user_email(n, k)],
         "role": Membership.Role.ADMIN.value if k == 0 else Membership.Role.USER.value,
         "can_manage_users": k == 0, "can_claim_mdf": k in (0, 2), "joined_at": ctx.now}
        for n, k in people
    ), now=ctx.now)


# --- tiers: the tier programs and every new partner's current tier (partners/tiers/) ---------------------

TIER_WEIGHTS = {"registered": 50, "silver": 30, "gold": 15, "platinum": 5}


def _reset_tiers() -> int:
    from partners.models import PartnerTier, TierChange

    with unscoped():
        TierChange.objects.filter(partner__in=synthetic_partners()).delete()
        deleted, _per_model = PartnerTier.objects.filter(partner__in=synthetic_partners()).delete()
    return deleted


@step("tiers", reset=_reset_tiers)
def build_tiers(ctx: DatasetContext) -> None:
    """A tier per eligible partner, drawn by weight: the nightly engine then finds real work to do."""
    from partners.demo_tiers import PROGRAMS, ensure_tier_programs
    from partners.models import PartnerTier

    ladders = ensure_tier_programs()
    program_of = {str(t): code for code, (_name, types, *_rest) in PROGRAMS.items() for t in types}
    codes, weights = list(TIER_WEIGHTS), list(TIER_WEIGHTS.values())
    # A list, not a server-side cursor: COPY cannot run while the connection streams one.
    eligible = list(PartnerOrganization.objects.filter(pk__in=list(ctx.partner_ids.values()),
                                                       status__in=PartnerOrganization.PORTAL_STATUSES)
                    .order_by("pk").values_list("pk", "partner_type"))

    def rows():
        for pk, partner_type in eligible:
            ladder = ladders.get(program_of.get(partner_type, ""), {})
            tier = ladder.get(ctx.rng.choices(codes, weights)[0])
            if tier is not None:
                yield {"partner_id": pk, "program_id": tier.program_id, "tier_id": tier.pk,
                       "since": (ctx.now - timedelta(days=ctx.rng.randint(30, 700))).date(), "updated_at": ctx.now}

    ctx.rows["tier states"] = write_rows(PartnerTier, rows(), now=ctx.now)


# --- the run ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DatasetReport:
    rows: dict[str, int]
    elapsed: float

    @property
    def total(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total / self.elapsed if self.elapsed else 0.0


def reset_dataset() -> dict[str, int]:
    return {s.name: s.reset() for s in reversed(STEPS)}


def generate_dataset(*, partners: int, users_per_partner: int = 3, seed: int = 2026, steps: Sequence[Step] | None = None) -> DatasetReport:
    """Top the synthetic dataset up to ``partners`` partners, in one transaction (nothing half-built).

    Existing synthetic partners are kept, so a second run with the same size writes nothing.
    """
    started = time.perf_counter()
    with transaction.atomic():
        last = synthetic_partners().aggregate(last=Max("name"))["last"]
        start = int(last.removeprefix(PARTNER_PREFIX)) + 1 if last else 1
        ctx = DatasetContext(numbers=range(start, partners + 1), users_per_partner=users_per_partner,
                             rng=random.Random(f"{seed}:{start}"))
        if ctx.numbers:
            for s in steps or STEPS:
                s.build(ctx)
    if ctx.numbers and connection.vendor == "postgresql":
        # Fresh statistics, as autovacuum would gather them in production. Without them (autovacuum off, or
        # the benchmark right after the build) the planner guesses, e.g. scans every membership for the tier
        # notices' recipients: the benchmarks would measure a database nobody runs.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return DatasetReport(rows=ctx.rows, elapsed=time.perf_counter() - started)


class Command(BaseCommand):
    help = "Bulk-build synthetic partners and their people (COPY on PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--partners", type=int, default=1000, help="Synthetic partners wanted in total (default 1000).")
        parser.add_argument("--users-per-partner", type=int, default=3, help="People per new partner (default 3).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (default 2026).")
        parser.add_argument("--reset", action="store_true", help="Delete every synthetic row first.")

    def handle(self, *args, **options):
        # The deployment's default language, whatever a previous request in this thread activated.
        with translation.override(settings.LANGUAGE_CODE):
            return self._handle(*args, **options)

    def _handle(self, *args, partners: int, users_per_partner: int, seed: int, reset: bool, **options):
        if settings.PRM_PRODUCTION:
            raise CommandError(_("generate_dataset refuses to run against a production configuration (PRM_PRODUCTION is set)."))
        if partners < 0 or users_per_partner < 1:
            raise CommandError(_("--partners must be 0 or more and --users-per-partner at least 1."))
        if reset:
            started = time.perf_counter()
            removed = reset_dataset()
            self.stdout.write(_("Removed synthetic rows: %(rows)s in %(seconds).2f s.") % {
                "rows": ", ".join(f"{name} {n}" for name, n in removed.items()), "seconds": time.perf_counter() - started})
        report = generate_dataset(partners=partners, users_per_partner=users_per_partner, seed=seed)
        if not report.rows:
            self.stdout.write(_("The synthetic dataset already has %(n)d partners; nothing to add.") % {"n": synthetic_partner_count()})
            return
        self.stdout.write(", ".join(f"{table}: {n:,}" for table, n in report.rows.items()))
        self.stdout.write(self.style.SUCCESS(
            _("%(rows)s rows in %(seconds).2f s (%(rate)s rows/s) on %(vendor)s.") % {
                "rows": f"{report.total:,}", "seconds": report.elapsed, "rate": f"{report.rows_per_second:,.0f}",
                "vendor": connection.vendor}
        ))
