"""``manage.py seed_demo``: a believable partner program to click through, and the table of its logins.

Deterministic (fixed seed): the same partners, people and e-mails every time. Idempotent: when the
demo exists it is kept and only the logins are printed; ``--reset`` wipes the demo rows first.
Every demo login shares one password, ``demo-partner-2026`` (``DEMO_PASSWORD``). Logins are printed as a
table and, with ``--logins-json PATH``, written as a list of {role, email, password, partner, region,
language}; staff rows have an empty partner. Refuses to run when PRM_PRODUCTION is set.
"""

import importlib
import json
import random
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from partners.models import Invitation, Membership, PartnerOrganization, Region
from partners.sql import agreement_acceptances_purge_for_demo
from prm.accounts.models import User
from prm.accounts.roles import sync_staff_groups
from prm.tenancy.scoping import partner_scope, unscoped

DEMO_PASSWORD = "demo-partner-2026"
DEMO_SEED = 2026
STAFF_DOMAIN = "vendor.example"
ALL_REGIONS = "All regions"

# code -> (name, countries). generate_dataset reuses these, so both tools fill the same regions.
REGIONS = {
    "north-america": ("North America", ["US", "CA"]),
    "emea": ("Europe, Middle East & Africa", ["DE", "FR", "ES", "GB", "AT", "CH", "IT", "NL", "SE", "AE", "ZA"]),
    "apac": ("Asia Pacific", ["JP", "AU", "SG", "IN"]),
    "latam": ("Latin America", ["MX", "BR", "AR", "CO"]),
}

# country -> (portal language, currency, time zone). Portuguese is not offered yet, so Brazil uses
# English; the program's currency list has no ARS/COP, so partners there are contracted in USD.
COUNTRIES = {
    "US": ("en", "USD", "America/Chicago"), "CA": ("en", "CAD", "America/Toronto"),
    "DE": ("de", "EUR", "Europe/Berlin"), "AT": ("de", "EUR", "Europe/Vienna"), "CH": ("de", "CHF", "Europe/Zurich"),
    "FR": ("fr", "EUR", "Europe/Paris"), "ES": ("es", "EUR", "Europe/Madrid"), "GB": ("en", "GBP", "Europe/London"),
    "JP": ("ja", "JPY", "Asia/Tokyo"), "AU": ("en", "AUD", "Australia/Sydney"), "SG": ("en", "SGD", "Asia/Singapore"),
    "IN": ("en", "INR", "Asia/Kolkata"), "MX": ("es", "MXN", "America/Mexico_City"),
    "BR": ("en", "BRL", "America/Sao_Paulo"), "AR": ("es", "USD", "America/Argentina/Buenos_Aires"),
    "CO": ("es", "USD", "America/Bogota"),
}

_T = PartnerOrganization.PartnerType
_S = PartnerOrganization.Status
# (name, country, type, status, featured, language override). Featured partners get the most people
# and, as later issues add deals, funds and courses, the richest data: newcomers try them first.
PARTNERS = [
    ("Summit Ridge Technologies Inc.", "US", _T.RESELLER, _S.ACTIVE, True, None),
    ("Bluewater Cloud Partners LLC", "US", _T.MSP, _S.ACTIVE, False, None),
    ("Keystone Integration Group LLC", "US", _T.SYSTEM_INTEGRATOR, _S.ACTIVE, False, None),
    ("Lakeshore Software Corp.", "US", _T.ISV, _S.ACTIVE, False, None),
    ("Prairie Referral Network LLC", "US", _T.REFERRAL, _S.ONBOARDING, False, None),
    ("Granite Peak Advisors LLC", "US", _T.REFERRAL, _S.PROSPECT, False, None),
    ("Maple Leaf Systems Ltd.", "CA", _T.RESELLER, _S.ACTIVE, False, None),
    ("Solutions Boréales Inc.", "CA", _T.SYSTEM_INTEGRATOR, _S.ACTIVE, False, "fr"),  # Québec
    ("Nordlicht IT GmbH", "DE", _T.RESELLER, _S.ACTIVE, True, None),
    ("Rheinwerk Systemhaus GmbH", "DE", _T.SYSTEM_INTEGRATOR, _S.ACTIVE, False, None),
    ("Schwarzwald Cloud GmbH", "DE", _T.MSP, _S.ONBOARDING, False, None),
    ("Brandenburg Datentechnik GmbH", "DE", _T.RESELLER, _S.SUSPENDED, False, None),
    ("Alpenblick Software AG", "AT", _T.ISV, _S.ACTIVE, False, None),
    ("Helvetia Cloud Services AG", "CH", _T.MSP, _S.ACTIVE, False, None),
    ("Léman Sécurité Informatique SA", "CH", _T.RESELLER, _S.ACTIVE, False, "fr"),  # Geneva
    ("Lumière Conseil SAS", "FR", _T.SYSTEM_INTEGRATOR, _S.ACTIVE, True, None),
    ("Atelier Numérique SARL", "FR", _T.RESELLER, _S.ACTIVE, False, None),
    ("Provence Infogérance SAS", "FR", _T.MSP, _S.ONBOARDING, False, None),
    ("Soluciones Ibéricas SL", "ES", _T.RESELLER, _S.ACTIVE, False, None),
    ("Mediterránea de Datos SL", "ES", _T.MSP, _S.ACTIVE, False, None),
    ("Thames Valley Solutions Ltd", "GB", _T.RESELLER, _S.ACTIVE, False, None),
    ("Pennine Managed Services Ltd", "GB", _T.MSP, _S.ACTIVE, False, None),
    ("Kestrel Referral Partners Ltd", "GB", _T.REFERRAL, _S.ACTIVE, False, None),
    ("Sakura Systems KK", "JP", _T.RESELLER, _S.ACTIVE, True, None),
    ("Fujimi Solutions KK", "JP", _T.SYSTEM_INTEGRATOR, _S.ACTIVE, False, None),
    ("Kitsune Software KK", "JP", _T.ISV, _S.ACTIVE, False, None),
    ("Minato Cloud Services KK", "JP", _T.MSP, _S.ONBOARDING, False, None),
    ("Southern Cross IT Pty Ltd", "AU", _T.RESELLER, _S.ACTIVE, False, None),
    ("Coral Sea Managed Services Pty Ltd", "AU", _T.MSP, _S.ACTIVE, False, None),
    ("Harbour Bridge Referrals Pty Ltd", "AU", _T.REFERRAL, _S.OFFBOARDED, False, None),
    ("Merlion Digital Pte Ltd", "SG", _T.SYSTEM_INTEGRATOR, _S.ACTIVE, False, None),
    ("Bengaluru Cloudworks Pvt Ltd", "IN", _T.ISV, _S.ACTIVE, False, None),
    ("Deccan Systems Integrators Pvt Ltd", "IN", _T.SYSTEM_INTEGRATOR, _S.ONBOARDING, False, None),
    ("Soluciones Andinas SA", "MX", _T.SYSTEM_INTEGRATOR, _S.ACTIVE, True, None),
    ("Grupo Tecnológico Azteca SA de CV", "MX", _T.RESELLER, _S.ACTIVE, False, None),
    ("Nube Maya Servicios Administrados SA de CV", "MX", _T.MSP, _S.ACTIVE, False, None),
    ("Monterrey Referidos SA de CV", "MX", _T.REFERRAL, _S.ACTIVE, False, None),
    ("Pampa Software SRL", "AR", _T.ISV, _S.ACTIVE, False, None),
    ("Cafetera Digital SAS", "CO", _T.REFERRAL, _S.ACTIVE, False, None),
    ("Ipanema Tecnologia Ltda", "BR", _T.RESELLER, _S.ACTIVE, False, None),
    ("Paulista Integração de Sistemas Ltda", "BR", _T.SYSTEM_INTEGRATOR, _S.ONBOARDING, False, None),
]
LEGAL_SUFFIXES = {"inc", "llc", "corp", "ltd", "gmbh", "ag", "sa", "sas", "sarl", "sl", "kk", "pty", "pte", "pvt",
                  "de", "cv", "srl", "ltda"}

# Given names, family names. Japanese: (romaji, kanji), written family name first.
NAMES = {
    "en": (["Emily", "James", "Olivia", "Daniel", "Sophie", "Michael", "Hannah", "Ryan", "Priya", "Ethan", "Chloe", "Liam"],
           ["Bennett", "Hughes", "Patel", "Morgan", "Reid", "Foster", "Walsh", "Turner", "Brooks", "Singh", "Clarke", "Cole"]),
    "de": (["Anna", "Jonas", "Lena", "Felix", "Miriam", "Lukas", "Sabine", "Tobias", "Julia", "Matthias", "Katrin", "Stefan"],
           ["Schmidt", "Weber", "Hoffmann", "Becker", "Wagner", "Schäfer", "Krüger", "Neumann", "Braun", "Lange", "Vogel", "Roth"]),
    "fr": (["Camille", "Julien", "Élodie", "Mathieu", "Claire", "Antoine", "Manon", "Nicolas", "Inès", "Guillaume", "Léa", "Hugo"],
           ["Martin", "Dubois", "Lefèvre", "Laurent", "Girard", "Rousseau", "Fontaine", "Chevalier", "Mercier", "Garnier", "Faure", "Roux"]),
    "es": (["Lucía", "Javier", "Carmen", "Diego", "María", "Alejandro", "Sofía", "Pablo", "Valentina", "Andrés", "Isabel", "Tomás"],
           ["García", "Fernández", "López", "Martínez", "Sánchez", "Romero", "Torres", "Ramírez", "Herrera", "Vargas", "Ortiz", "Rojas"]),
    "ja": ([("Hina", "陽菜"), ("Ren", "蓮"), ("Yui", "結衣"), ("Daiki", "大輝"), ("Misaki", "美咲"), ("Shota", "翔太"), ("Aoi", "葵"), ("Haruto", "陽翔")],
           [("Sato", "佐藤"), ("Suzuki", "鈴木"), ("Takahashi", "高橋"), ("Tanaka", "田中"), ("Ito", "伊藤"), ("Watanabe", "渡辺"), ("Nakamura", "中村"), ("Kobayashi", "小林")]),
}

# (email local part, full name, language, staff role, region codes). Two channel managers per region.
STAFF = [
    ("emily.carter", "Emily Carter", "en", User.StaffRole.CHANNEL_MANAGER, ["north-america"]),
    ("daniel.brooks", "Daniel Brooks", "en", User.StaffRole.CHANNEL_MANAGER, ["north-america"]),
    ("katrin.hartmann", "Katrin Hartmann", "de", User.StaffRole.CHANNEL_MANAGER, ["emea"]),
    ("julien.moreau", "Julien Moreau", "fr", User.StaffRole.CHANNEL_MANAGER, ["emea"]),
    ("kenta.yamamoto", "山本 健太", "ja", User.StaffRole.CHANNEL_MANAGER, ["apac"]),
    ("grace.nguyen", "Grace Nguyen", "en", User.StaffRole.CHANNEL_MANAGER, ["apac"]),
    ("lucia.navarro", "Lucía Navarro", "es", User.StaffRole.CHANNEL_MANAGER, ["latam"]),
    ("mateo.castillo", "Mateo Castillo", "es", User.StaffRole.CHANNEL_MANAGER, ["latam"]),
    ("margaret.ellison", "Margaret Ellison", "en", User.StaffRole.EXECUTIVE, list(REGIONS)),
    ("oliver.shaw", "Oliver Shaw", "en", User.StaffRole.OPERATOR, []),
]


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode()


@dataclass(frozen=True)
class PersonPlan:
    email: str
    full_name: str
    role: str  # Membership.Role
    can_register_deals: bool
    can_claim_mdf: bool


@dataclass(frozen=True)
class PartnerPlan:
    name: str
    country: str
    partner_type: str
    status: str
    featured: bool
    region: str
    language: str
    currency: str
    timezone: str
    website: str
    manager_email: str
    people: tuple[PersonPlan, ...]


@dataclass(frozen=True)
class DemoPlan:
    partners: tuple[PartnerPlan, ...]

    @property
    def staff_emails(self) -> list[str]:
        return [f"{local}@{STAFF_DOMAIN}" for local, *_ in STAFF]

    @property
    def emails(self) -> list[str]:
        return self.staff_emails + [person.email for p in self.partners for person in p.people]

    @property
    def websites(self) -> list[str]:
        return [p.website for p in self.partners]

    def logins(self) -> list[dict]:
        """Featured partners first, then staff, then other active, onboarding and closed partners."""
        order = {_S.ACTIVE: 2, _S.ONBOARDING: 3, _S.SUSPENDED: 4, _S.OFFBOARDED: 5}
        partner_rows = []
        for partner in self.partners:
            rank = 1 if partner.featured and partner.status == _S.ACTIVE else order.get(partner.status)
            for person in partner.people:
                role = "partner_admin" if person.role == Membership.Role.ADMIN else "partner_user"
                partner_rows.append((rank, {
                    "role": role, "email": person.email, "password": DEMO_PASSWORD, "partner": partner.name,
                    "region": REGIONS[partner.region][0], "language": partner.language,
                }))
        staff_rows = [(1.5, {
            "role": str(role), "email": f"{local}@{STAFF_DOMAIN}", "password": DEMO_PASSWORD, "partner": "",
            "region": ", ".join(REGIONS[code][0] for code in codes) if len(codes) == 1 else ALL_REGIONS,
            "language": language,
        }) for local, _name, language, role, codes in STAFF]
        return [row for _rank, row in sorted(partner_rows + staff_rows, key=lambda item: item[0])]


def _person_name(rng: random.Random, language: str, taken: set[str]) -> tuple[str, str]:
    """(email local part, display name), unique within the partner."""
    given_names, family_names = NAMES[language]
    while True:
        given, family = rng.choice(given_names), rng.choice(family_names)
        if language == "ja":
            local, display = f"{given[0]}.{family[0]}".lower(), f"{family[1]} {given[1]}"
        else:
            local, display = ascii_fold(f"{given}.{family}").lower().replace(" ", ""), f"{given} {family}"
        family_key = f"family:{family}"
        if local not in taken and family_key not in taken:  # colleagues, not relatives
            taken.update({local, family_key})
            return local, display


def build_plan() -> DemoPlan:
    """The whole demo as data: no database access, the same result on every call."""
    rng = random.Random(DEMO_SEED)
    managers = {code: [f"{local}@{STAFF_DOMAIN}" for local, _n, _l, role, codes in STAFF
                       if role == User.StaffRole.CHANNEL_MANAGER and codes == [code]] for code in REGIONS}
    region_of = {country: code for code, (_name, countries) in REGIONS.items() for country in countries}
    partners = []
    for index, (name, country, partner_type, status, featured, language_override) in enumerate(PARTNERS):
        language, currency, tz = COUNTRIES[country]
        language = language_override or language
        region = region_of[country]
        words = [w for w in slugify(ascii_fold(name)).split("-") if w not in LEGAL_SUFFIXES]
        domain = "-".join(words[:3]) + ".example"
        if status == _S.PROSPECT:
            extra_users = -1  # an applicant: nobody has a login yet
        elif featured:
            extra_users = 3
        elif status == _S.ACTIVE:
            extra_users = rng.randint(1, 2)
        else:
            extra_users = rng.randint(0, 1)
        taken: set[str] = set()
        people = []
        for n in range(extra_users + 1):
            local, display = _person_name(rng, language, taken)
            is_admin = n == 0
            # Sales people register deals; marketing people claim MDF; referral partners bring leads only.
            marketing = not is_admin and n % 2 == 0 and partner_type != _T.REFERRAL
            people.append(PersonPlan(
                email=f"{local}@{domain}", full_name=display,
                role=Membership.Role.ADMIN if is_admin else Membership.Role.USER,
                can_register_deals=is_admin or not marketing, can_claim_mdf=is_admin or marketing,
            ))
        partners.append(PartnerPlan(
            name=name, country=country, partner_type=partner_type, status=status, featured=featured, region=region,
            language=language, currency=currency, timezone=tz, website=f"https://www.{domain}",
            manager_email=managers[region][index % 2], people=tuple(people),
        ))
    return DemoPlan(partners=tuple(partners))


def ensure_regions() -> dict[str, Region]:
    """The four standard regions, created when missing (an operator's edits to existing ones are kept)."""
    regions = {}
    for code, (name, countries) in REGIONS.items():
        regions[code], _created = Region.objects.get_or_create(code=code, defaults={"name": name, "countries": countries})
    return regions


def purge_partners(partners: models.QuerySet) -> int:
    """Delete partners and every row of any app that points at them. Returns the number of partners.

    Partner-owned rows PROTECT their partner, and may protect each other (a claim its activity), so
    models are retried until a pass deletes without a ProtectedError.
    """
    blockers = [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if field.many_to_one and field.related_model is PartnerOrganization
        and field.remote_field.on_delete in (models.PROTECT, models.RESTRICT)
    ]
    partner_ids = partners.values("pk")
    with transaction.atomic(), unscoped():
        # Agreement acceptances are append-only in the database; the demo reset is their one sanctioned purge.
        agreement_acceptances_purge_for_demo(partner_ids=list(partner_ids.values_list("pk", flat=True)))
        if apps.is_installed("mdf"):  # so is the MDF fund ledger (and its rows point at activities and claims)
            from mdf.sql import ledger_purge_for_demo

            ledger_purge_for_demo(partner_ids=list(partner_ids.values_list("pk", flat=True)))
        for _attempt in range(len(blockers) + 1):
            blocked = False
            for model, field_name in blockers:
                try:
                    model._default_manager.filter(**{f"{field_name}__in": partner_ids}).delete()
                except (models.ProtectedError, models.RestrictedError):
                    blocked = True
            if not blocked:
                break
        deleted, per_model = PartnerOrganization.objects.filter(pk__in=partner_ids).delete()
    return per_model.get(PartnerOrganization._meta.label, 0)


@dataclass
class DemoContext:
    """What an app's demo step gets: the demo partners and staff, a seeded random source, the time."""

    partners: list[PartnerOrganization]
    staff: dict[str, list]
    rng: random.Random
    now: object
    stdout: object


def run_demo_extensions(plan: "DemoPlan", stdout) -> list[str]:
    """Call ``seed_demo(ctx)`` of every installed app that ships a ``demo`` module, in INSTALLED_APPS order.

    Each step must be idempotent (it is called on every run, also when the demo already exists), and
    must create partner-owned rows inside ``partner_scope``. Returns the apps that ran.
    """
    ran = []
    with unscoped():
        partners = list(PartnerOrganization.objects.filter(website__in=plan.websites).select_related("region")
                        .order_by("pk"))
        staff_users = User.objects.filter(email__in=plan.staff_emails).prefetch_related("regions").order_by("email")
        staff: dict[str, list] = {}
        for user in staff_users:
            staff.setdefault(user.staff_role, []).append(user)
    for app_config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{app_config.name}.demo")
        except ModuleNotFoundError as error:
            if error.name != f"{app_config.name}.demo":
                raise
            continue
        step = getattr(module, "seed_demo", None)
        if step is None:
            continue
        context = DemoContext(partners=partners, staff=staff, rng=random.Random(f"{DEMO_SEED}:{app_config.label}"),
                              now=timezone.now(), stdout=stdout)
        with transaction.atomic():
            step(context)
        ran.append(app_config.label)
    return ran


def format_table(rows: list[dict], headers: dict[str, str]) -> list[str]:
    widths = {key: max(len(str(label)), *(len(str(row[key]) or "—") for row in rows)) for key, label in headers.items()}
    lines = ["  ".join(str(label).ljust(widths[key]) for key, label in headers.items()).rstrip()]
    lines.append("  ".join("-" * widths[key] for key in headers))
    for row in rows:
        lines.append("  ".join((str(row[key]) or "—").ljust(widths[key]) for key in headers).rstrip())
    return lines


class Command(BaseCommand):
    help = "Build the demo partner program (idempotent) and print its logins."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Delete the demo partners and people first.")
        parser.add_argument("--logins-json", metavar="PATH", help="Also write the logins as a JSON list to PATH.")

    def handle(self, *args, **options):
        # The deployment's default language, whatever a previous request in this thread activated.
        with translation.override(settings.LANGUAGE_CODE):
            return self._handle(*args, **options)

    def _handle(self, *args, reset: bool = False, logins_json: str | None = None, **options):
        if settings.PRM_PRODUCTION:
            raise CommandError(_("seed_demo refuses to run against a production configuration (PRM_PRODUCTION is set)."))
        plan = build_plan()
        if reset:
            self._reset(plan)
        existing = User.objects.filter(email__in=plan.emails).count()
        if existing == len(plan.emails):
            self.stdout.write(_("The demo program already exists; kept as it is (use --reset to rebuild it)."))
        elif existing:
            raise CommandError(_("A partial demo program exists (%(found)d of %(total)d people); run seed_demo --reset.")
                               % {"found": existing, "total": len(plan.emails)})
        else:
            self._create(plan)
            self.stdout.write(self.style.SUCCESS(
                _("Demo program created: %(partners)d partners, %(people)d people in %(regions)d regions.")
                % {"partners": len(plan.partners), "people": len(plan.emails), "regions": len(REGIONS)}
            ))
        extensions = run_demo_extensions(plan, self.stdout)
        if extensions:
            self.stdout.write(_("Demo data of: %(apps)s.") % {"apps": ", ".join(extensions)})
        logins = plan.logins()
        self._print_logins(logins)
        if logins_json:
            path = Path(logins_json)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(logins, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            self.stdout.write(_("Logins written to %(path)s.") % {"path": path})

    def _reset(self, plan: DemoPlan) -> None:
        with transaction.atomic():
            partners = purge_partners(PartnerOrganization.objects.filter(website__in=plan.websites))
            User.objects.filter(email__in=plan.emails).delete()
        self.stdout.write(_("Removed %(partners)d demo partners and their people.") % {"partners": partners})

    @transaction.atomic
    def _create(self, plan: DemoPlan) -> None:
        rng = random.Random(DEMO_SEED + 1)
        now = timezone.now()
        regions = ensure_regions()
        # One hash for every demo login: hashing ~130 passwords would take most of the run.
        password = make_password(DEMO_PASSWORD)

        staff = {}
        for local, full_name, language, role, codes in STAFF:
            user = User(email=f"{local}@{STAFF_DOMAIN}", full_name=full_name, preferred_language=language,
                        staff_role=role, password=password, date_joined=now - timedelta(days=900))
            user.save()  # save() derives is_staff / is_superuser from the role
            user.regions.set([regions[code] for code in codes])
            sync_staff_groups(user)
            staff[user.email] = user

        partners = PartnerOrganization.objects.bulk_create([
            PartnerOrganization(
                name=p.name, legal_name=p.name, partner_type=p.partner_type, country=p.country, region=regions[p.region],
                default_language=p.language, currency=p.currency, status=p.status, website=p.website,
                channel_manager=staff[p.manager_email],
                status_changed_at=now - timedelta(days=rng.randint(3, 40) if p.status != _S.ACTIVE else rng.randint(60, 900)),
            )
            for p in plan.partners
        ])
        people = User.objects.bulk_create([
            User(email=person.email, full_name=person.full_name, preferred_language=p.language, timezone=p.timezone,
                 password=password, date_joined=now - timedelta(days=rng.randint(30, 700)),
                 last_seen_at=now - timedelta(hours=rng.randint(1, 24 * 20)) if p.status == _S.ACTIVE else None)
            for p in plan.partners for person in p.people
        ])
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in [*staff.values(), *people]]
        )
        by_email = {user.email: user for user in people}
        for partner, p in zip(partners, plan.partners, strict=True):
            if not p.people:
                continue
            # Offboarding keeps the records but closes every membership.
            closed = p.status == _S.OFFBOARDED
            with partner_scope(partner):
                Membership.objects.bulk_create([
                    Membership(
                        partner=partner, user=by_email[person.email], role=person.role,
                        can_register_deals=person.can_register_deals, can_claim_mdf=person.can_claim_mdf,
                        can_manage_users=person.role == Membership.Role.ADMIN, is_active=not closed,
                        joined_at=by_email[person.email].date_joined, removed_at=partner.status_changed_at if closed else None,
                    )
                    for person in p.people
                ])
                if p.featured:
                    # A pending invitation, so the team page shows one. Its token is never needed.
                    Invitation.objects.create(
                        partner=partner, email=f"new.colleague@{p.website.removeprefix('https://www.')}",
                        language=p.language, token_hash=Invitation.hash_token(secrets.token_urlsafe(32)),
                        invited_by=by_email[p.people[0].email],
                    )

    def _print_logins(self, logins: list[dict]) -> None:
        headers = {"role": _("role"), "email": _("e-mail"), "password": _("password"), "partner": _("partner"),
                   "region": _("region"), "language": _("language")}
        self.stdout.write("")
        self.stdout.write(_("Demo logins (password for all: %(password)s):") % {"password": DEMO_PASSWORD})
        for line in format_table(logins, headers):
            self.stdout.write(line)
