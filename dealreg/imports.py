"""CRM imports of many rows: validate every row first, write only if all are valid, in one transaction.

Kinds: vendor accounts, vendor opportunities, historical deal registrations, exchange rates. The file
is CSV (UTF-8, a header row; column names below). Lookups are fetched once per file, never per row,
and rows are written with bulk inserts (upserts on the CRM id / the rate's day and pair), so 100k rows
take seconds. Historical registrations belong to many partners, hence the allow-listed unscoped
writes; only operators start imports (dealreg/admin/imports.py).
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from partners.models import PartnerOrganization
from prm.common.domains import company_domain
from prm.common.fx import FxRateMissingError, RateBook
from prm.common.models import ExchangeRate
from prm.tenancy.scoping import unscoped

from . import import_cells as cells
from .models import Deal, ImportJob, Product, VendorAccount, VendorOpportunity
from .normalize import normalize_company_name

BATCH = 2000
LOOKUP_CHUNK = 900  # stays under SQLite's bound-parameter limit
MAX_STORED_ERRORS = 500
PREVIEW_ROWS = 20
PROGRESS_EVERY = 1000

Progress = Callable[[int, int], None]  # (rows done, rows in total)


@dataclass
class Result:
    """The outcome of validating (and maybe writing) one file."""

    total: int = 0
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0  # rows with at least one error (``errors`` keeps the first MAX_STORED_ERRORS problems)
    preview: list[dict] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    @property
    def is_valid(self) -> bool:
        return self.error_count == 0


def _chunks(items: list, size: int | None = None) -> Iterator[list]:
    if size is None:  # lookups: SQLite caps bound parameters, PostgreSQL takes big IN lists well
        size = 20000 if connection.vendor == "postgresql" else LOOKUP_CHUNK
    for start in range(0, len(items), size):
        yield items[start:start + size]


def upsert(model, objects: list, *, unique_fields: list[str], update_fields: list[str]) -> int:
    """Insert ``objects``, updating rows whose ``unique_fields`` already exist. Returns the count.

    PostgreSQL: COPY into a temporary table, then one INSERT … ON CONFLICT DO UPDATE (100k rows in about a
    second); elsewhere bulk_create(update_conflicts=True) in batches. No save(), no signals.
    """
    if connection.vendor != "postgresql":
        for batch in _chunks(objects, BATCH):
            model.objects.bulk_create(batch, update_conflicts=True, unique_fields=unique_fields,
                                      update_fields=update_fields)
        return len(objects)
    q = connection.ops.quote_name
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    columns = ", ".join(q(f.column) for f in fields)
    conflict = ", ".join(q(meta.get_field(name).column) for name in unique_fields)
    updates = ", ".join(f"{q(meta.get_field(name).column)} = EXCLUDED.{q(meta.get_field(name).column)}"
                        for name in update_fields)
    temp = q(f"import_{meta.db_table}")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {temp}")
        cursor.execute(f"CREATE TEMPORARY TABLE {temp} AS SELECT {columns} FROM {q(meta.db_table)} WITH NO DATA")
        with cursor.copy(f"COPY {temp} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                # pre_save fills auto_now(_add) columns, as an ORM insert would.
                copy.write_row([f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields])
        cursor.execute(f"INSERT INTO {q(meta.db_table)} ({columns}) SELECT {columns} FROM {temp} "
                       f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}")
        cursor.execute(f"DROP TABLE {temp}")
    return len(objects)


# --- the importers -------------------------------------------------------------------------------------

class Importer:
    required_columns: tuple[str, ...] = ()
    optional_columns: tuple[str, ...] = ()

    def __init__(self, *, job: ImportJob):
        self.job = job
        self.updates = 0

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required_columns + self.optional_columns

    def prepare(self, rows: list[dict]) -> None:
        """Fetch what rows refer to (one query per kind of lookup for the whole file)."""

    def clean(self, row: dict):
        raise NotImplementedError

    def preview(self, obj) -> dict:
        raise NotImplementedError

    def write(self, objects: list) -> int:
        raise NotImplementedError


class VendorAccountImporter(Importer):
    required_columns = ("name",)
    optional_columns = ("domain", "country", "owner_email", "owner_name", "external_id")

    def prepare(self, rows):
        ids = sorted({(r.get("external_id") or "").strip() for r in rows} - {""})
        self.existing = set()
        for chunk in _chunks(ids):
            self.existing.update(VendorAccount.objects.filter(external_id__in=chunk).values_list("external_id", flat=True))
        self.seen: set[str] = set()

    def clean(self, row):
        r = cells.Row(row)
        account = VendorAccount(
            name=r.get(cells.text, "name", max_length=200, required=True),
            domain=r.get(cells.text, "domain", max_length=253), country=r.get(cells.country, "country"),
            owner_email=r.get(cells.email, "owner_email"), owner_name=r.get(cells.text, "owner_name", max_length=200),
            external_id=r.get(cells.text, "external_id", max_length=64) or None,
        )
        raw_domain = account.domain
        account.domain = company_domain(raw_domain)
        if raw_domain and not account.domain:
            r.fail("domain", _("Not a company web domain (public mail providers and invalid names are refused)."))
        if account.external_id:
            if account.external_id in self.seen:
                r.fail("external_id", _("This CRM id appears twice in the file."))
            self.seen.add(account.external_id)
        r.check()
        account.name_normalized = normalize_company_name(account.name)  # bulk inserts skip save()
        if account.external_id in self.existing:
            self.updates += 1
        return account

    def preview(self, a):
        return {"name": a.name, "domain": a.domain, "country": a.country, "owner": a.owner_name or a.owner_email,
                "external_id": a.external_id or ""}

    def write(self, objects):
        return upsert(VendorAccount, objects, unique_fields=["external_id"],
                      update_fields=["name", "name_normalized", "domain", "country", "owner_email", "owner_name",
                                     "updated_at"])


class VendorOpportunityImporter(Importer):
    required_columns = ("account_external_id", "name")
    optional_columns = ("stage", "amount", "currency", "close_date", "owner_email", "owner_name", "external_id")

    def prepare(self, rows):
        accounts = sorted({(r.get("account_external_id") or "").strip() for r in rows} - {""})
        self.accounts: dict[str, int] = {}
        for chunk in _chunks(accounts):
            self.accounts.update(VendorAccount.objects.filter(external_id__in=chunk).values_list("external_id", "pk"))
        ids = sorted({(r.get("external_id") or "").strip() for r in rows} - {""})
        self.existing = set()
        for chunk in _chunks(ids):
            self.existing.update(
                VendorOpportunity.objects.filter(external_id__in=chunk).values_list("external_id", flat=True))
        self.seen: set[str] = set()

    def clean(self, row):
        r = cells.Row(row)
        account_ref = r.get(cells.text, "account_external_id", max_length=64, required=True)
        opportunity = VendorOpportunity(
            account_id=self.accounts.get(account_ref or ""), name=r.get(cells.text, "name", max_length=200, required=True),
            stage=r.get(cells.choice, "stage", VendorOpportunity.Stage, default=VendorOpportunity.Stage.PROSPECTING),
            amount=r.get(cells.decimal, "amount"), currency=r.get(cells.currency, "currency"),
            close_date=r.get(cells.day, "close_date"), owner_email=r.get(cells.email, "owner_email"),
            owner_name=r.get(cells.text, "owner_name", max_length=200),
            external_id=r.get(cells.text, "external_id", max_length=64) or None,
        )
        if account_ref and opportunity.account_id is None:
            r.fail("account_external_id", _("No vendor account has this CRM id; import the accounts first."))
        if opportunity.amount is not None and not opportunity.currency:
            r.fail("currency", _("An amount needs its currency."))
        if opportunity.external_id:
            if opportunity.external_id in self.seen:
                r.fail("external_id", _("This CRM id appears twice in the file."))
            self.seen.add(opportunity.external_id)
        r.check()
        if opportunity.external_id in self.existing:
            self.updates += 1
        return opportunity

    def preview(self, o):
        return {"name": o.name, "account": o.account_id, "stage": o.stage,
                "amount": f"{o.amount or ''} {o.currency}".strip(), "close_date": str(o.close_date or ""),
                "external_id": o.external_id or ""}

    def write(self, objects):
        return upsert(VendorOpportunity, objects, unique_fields=["external_id"],
                      update_fields=["account", "name", "stage", "amount", "currency", "close_date", "owner_email",
                                     "owner_name", "updated_at"])


class ExchangeRateImporter(Importer):
    required_columns = ("date", "from_currency", "to_currency", "rate")

    def prepare(self, rows):
        days = [d for d in (cells.parse_date_safe(r.get("date")) for r in rows) if d]
        self.existing = set()
        if days:
            self.existing = set(ExchangeRate.objects.filter(date__gte=min(days), date__lte=max(days))
                                .values_list("date", "from_currency", "to_currency"))
        self.seen: set[tuple] = set()

    def clean(self, row):
        r = cells.Row(row)
        rate = ExchangeRate(date=r.get(cells.day, "date", required=True),
                            from_currency=r.get(cells.currency, "from_currency", required=True),
                            to_currency=r.get(cells.currency, "to_currency", required=True),
                            rate=r.get(cells.decimal, "rate", required=True, positive=True))
        if rate.from_currency and rate.from_currency == rate.to_currency:
            r.fail("to_currency", _("A rate needs two different currencies."))
        key = (rate.date, rate.from_currency, rate.to_currency)
        if key in self.seen:
            r.fail("date", _("This day and currency pair appears twice in the file."))
        self.seen.add(key)
        r.check()
        rate.rate = rate.rate.quantize(Decimal("0.00000001"))
        if key in self.existing:
            self.updates += 1
        return rate

    def preview(self, x):
        return {"date": str(x.date), "from_currency": x.from_currency, "to_currency": x.to_currency,
                "rate": str(x.rate)}

    def write(self, objects):
        return upsert(ExchangeRate, objects, unique_fields=["date", "from_currency", "to_currency"],
                      update_fields=["rate"])


class DealImporter(Importer):
    """Historical registrations of any partner; won ones are converted at their close date's rate."""

    required_columns = ("partner_id", "reference", "customer_name", "customer_country", "value", "currency",
                        "expected_close_date", "status")
    optional_columns = ("customer_domain", "stage", "registered_at", "registered_by_email", "protected_until",
                        "closed_at", "won_amount", "won_currency", "lost_reason", "products", "description")

    def prepare(self, rows):
        partner_ids = sorted({int(v) for v in (str(r.get("partner_id") or "").strip() for r in rows) if v.isdigit()})
        self.partners = set()
        for chunk in _chunks(partner_ids):
            self.partners.update(PartnerOrganization.objects.filter(pk__in=chunk).values_list("pk", flat=True))
        emails = sorted({(r.get("registered_by_email") or "").strip().lower() for r in rows} - {""})
        from prm.accounts.models import User

        self.users: dict[str, int] = {}
        for chunk in _chunks(emails):
            self.users.update(User.objects.filter(email__in=chunk).values_list("email", "pk"))
        self.products = dict(Product.objects.values_list("code", "pk"))
        references = sorted({(r.get("reference") or "").strip() for r in rows} - {""})
        self.existing: set[tuple[int, str]] = set()
        with unscoped():  # references of every partner named in the file
            for chunk in _chunks(references):
                self.existing.update(Deal.objects.filter(reference__in=chunk, partner_id__in=partner_ids)
                                     .values_list("partner_id", "reference"))
        closed = [d for d in (cells.parse_date_safe(r.get("closed_at")) for r in rows) if d]
        currencies = {(r.get("won_currency") or r.get("currency") or "").strip().upper() for r in rows}
        self.rates = RateBook(currencies=currencies, start=min(closed), end=max(closed)) if closed else None
        self.default_user_id = self.job.created_by_id
        self.seen: set[tuple[int, str]] = set()
        self.product_links: dict[int, list[int]] = {}

    def clean(self, row):
        r = cells.Row(row)
        raw_partner = (row.get("partner_id") or "").strip()
        partner_id = int(raw_partner) if raw_partner.isdigit() else None
        if partner_id is None or partner_id not in self.partners:
            r.fail("partner_id", _("No partner organisation has this id."))
        status = r.get(cells.choice, "status", Deal.Status)
        customer_name = r.get(cells.text, "customer_name", max_length=200, required=True)
        deal = Deal(
            partner_id=partner_id or 0, reference=r.get(cells.text, "reference", max_length=20, required=True),
            customer_name=customer_name, customer_name_normalized=normalize_company_name(customer_name),
            customer_domain=company_domain(r.get(cells.text, "customer_domain", max_length=253)),
            customer_country=r.get(cells.country, "customer_country", required=True),
            value=r.get(cells.decimal, "value", required=True), currency=r.get(cells.currency, "currency", required=True),
            expected_close_date=r.get(cells.day, "expected_close_date", required=True),
            stage=r.get(cells.choice, "stage", Deal.Stage, default=Deal.Stage.QUALIFICATION), status=status or "",
            description=r.get(cells.text, "description", max_length=5000) or "",
            registered_at=r.get(cells.moment, "registered_at"), protected_until=r.get(cells.day, "protected_until"),
            closed_at=r.get(cells.day, "closed_at"), lost_reason=r.get(cells.text, "lost_reason", max_length=2000) or "",
        )
        email = r.get(cells.email, "registered_by_email")
        deal.registered_by_id = self.users.get(email) if email else self.default_user_id
        if email and deal.registered_by_id is None:
            r.fail("registered_by_email", _("No user has this e-mail address."))
        if deal.registered_by_id is None:
            r.fail("registered_by_email", _("Name the person who registered the deal."))
        codes = [c.strip() for c in (row.get("products") or "").split(";") if c.strip()]
        unknown = [c for c in codes if c not in self.products]
        if unknown:
            r.fail("products", _("Unknown product codes: %(codes)s.") % {"codes": ", ".join(unknown[:5])})
        key = (deal.partner_id, deal.reference)
        if deal.reference and key in self.existing:
            r.fail("reference", _("This partner already has a registration with this reference."))
        elif deal.reference and key in self.seen:
            r.fail("reference", _("This partner and reference appear twice in the file."))
        self.seen.add(key)
        if status == Deal.Status.WON:
            self._clean_won(r, row, deal)
        elif status == Deal.Status.LOST and deal.closed_at is None:
            r.fail("closed_at", _("A lost registration needs the date it closed."))
        if status and status != Deal.Status.DRAFT and deal.registered_at is None:
            deal.registered_at = timezone.now()
        r.check()
        deal._import_products = [self.products[c] for c in codes]
        return deal

    def _clean_won(self, r: cells.Row, row: dict, deal: Deal) -> None:
        deal.won_amount = r.get(cells.decimal, "won_amount", required=True, positive=True)
        deal.won_currency = r.get(cells.currency, "won_currency") or deal.currency
        if deal.closed_at is None:
            r.fail("closed_at", _("A won registration needs the date it closed."))
            return
        if deal.won_amount is None or not deal.won_currency or self.rates is None:
            return
        try:
            deal.won_amount_base, deal.fx_rate = self.rates.convert(
                amount=deal.won_amount, from_currency=deal.won_currency, to_currency=settings.BASE_CURRENCY,
                on=deal.closed_at)
        except FxRateMissingError as error:
            r.fail("closed_at", error.messages[0])

    def preview(self, d):
        return {"partner_id": d.partner_id, "reference": d.reference, "customer_name": d.customer_name,
                "status": d.status, "value": f"{d.value} {d.currency}",
                "won_amount_base": str(d.won_amount_base or "")}

    def write(self, objects):
        through = Deal.products.through
        with unscoped():  # registrations of many partners, written by an operator's import
            for batch in _chunks(objects, BATCH):
                created = Deal.objects.bulk_create(batch)
                links = [through(deal_id=deal.pk, product_id=product_id)
                         for deal in created for product_id in getattr(deal, "_import_products", [])]
                if links:
                    through.objects.bulk_create(links, batch_size=BATCH)
        return len(objects)


IMPORTERS: dict[str, type[Importer]] = {
    ImportJob.Kind.VENDOR_ACCOUNTS: VendorAccountImporter,
    ImportJob.Kind.VENDOR_OPPORTUNITIES: VendorOpportunityImporter,
    ImportJob.Kind.DEALS: DealImporter,
    ImportJob.Kind.EXCHANGE_RATES: ExchangeRateImporter,
}


def columns_for(kind: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    importer = IMPORTERS[kind]
    return importer.required_columns, importer.optional_columns


# --- reading and running -------------------------------------------------------------------------------

def read_rows(job: ImportJob) -> tuple[list[str], list[dict]]:
    """The header (lower-cased) and the rows of the job's CSV file."""
    with job.file.open("rb") as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
        sample = text.read(4096)
        text.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(text, dialect)
        header = [(h or "").strip().lower() for h in next(reader, [])]
        rows = [dict(zip(header, values, strict=False)) for values in reader if any(v.strip() for v in values)]
    return header, rows


def _header_errors(importer: Importer, header: list[str]) -> list[dict]:
    missing = [c for c in importer.required_columns if c not in header]
    if not missing:
        return []
    return [{"row": 1, "field": c, "message": _("The column “%(column)s” is missing.") % {"column": c}}
            for c in missing]


def validate(job: ImportJob, *, progress: Progress | None = None) -> tuple[Result, list, Importer]:
    """Check every row; returns the result, the objects ready to write and the importer. Writes nothing."""
    importer = IMPORTERS[job.kind](job=job)
    try:
        header, rows = read_rows(job)
    except (UnicodeDecodeError, csv.Error) as error:
        return Result(errors=[{"row": 0, "field": "", "message": _("The file is not a UTF-8 CSV file (%(error)s).")
                               % {"error": type(error).__name__}}], error_count=1), [], importer
    result = Result(total=len(rows))
    result.errors = _header_errors(importer, header)
    if result.errors:
        result.error_count = 1
        return result, [], importer
    importer.prepare(rows)
    objects = []
    for index, row in enumerate(rows):
        line = index + 2  # the spreadsheet's row number: the header is row 1
        try:
            obj = importer.clean(row)
        except cells.RowInvalidError as invalid:
            result.error_count += 1
            for name, message in invalid.problems:
                if len(result.errors) < MAX_STORED_ERRORS:
                    result.errors.append({"row": line, "field": name, "message": message})
        else:
            objects.append(obj)
            if len(result.preview) < PREVIEW_ROWS:
                result.preview.append({"row": line, **importer.preview(obj)})
        if progress and (index + 1) % PROGRESS_EVERY == 0:
            progress(index + 1, len(rows))
    result.updated = importer.updates
    result.created = len(objects) - importer.updates
    return result, objects, importer


def write_csv(columns: Iterable[str], rows: Iterable[Iterable]) -> str:
    """A CSV text (the admin offers an empty template of each kind)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(columns))
    writer.writerows(rows)
    return out.getvalue()
