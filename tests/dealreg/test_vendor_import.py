"""CRM imports in the background: every row checked first, row errors listed, nothing written unless all
rows are valid, then one transaction with bulk inserts; upserts on the CRM id; progress."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dealreg import imports
from dealreg.models import Deal, ImportJob, VendorAccount, VendorOpportunity
from dealreg.services.imports import import_job_confirm, import_job_create, import_job_progress
from prm.common.models import ExchangeRate
from prm.tenancy.scoping import unscoped

from .engine_helpers import make_account, make_deal, make_product, make_rate

pytestmark = pytest.mark.django_db


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def run(kind: str, text: str, actor, capture) -> ImportJob:
    """Upload and check (the eager task runs on commit); returns the job as stored."""
    with capture(execute=True):
        job = import_job_create(kind=kind, upload=upload(f"{kind}.csv", text), actor=actor)
    job.refresh_from_db()
    return job


def confirm(job, actor, capture) -> ImportJob:
    with capture(execute=True):
        assert import_job_confirm(job=job, actor=actor)
    job.refresh_from_db()
    return job


ACCOUNTS_HEADER = "external_id,name,domain,country,owner_name,owner_email\n"


def accounts_csv(n: int, start: int = 0) -> str:
    rows = [f"CRM-{i},Customer {i} GmbH,https://www.customer{i}.de,de,Owner {i % 7},owner{i % 7}@vendor.com"
            for i in range(start, start + n)]
    return ACCOUNTS_HEADER + "\n".join(rows) + "\n"


def test_a_valid_file_is_checked_previewed_then_written(operator, django_capture_on_commit_callbacks):
    job = run(ImportJob.Kind.VENDOR_ACCOUNTS, accounts_csv(300), operator, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.VALID
    assert (job.total_rows, job.error_count, job.created_rows, job.updated_rows) == (300, 0, 300, 0)
    assert len(job.preview) == imports.PREVIEW_ROWS and job.preview[0]["name"] == "Customer 0 GmbH"
    assert VendorAccount.objects.count() == 0, "checking must not write"

    job = confirm(job, operator, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE and job.finished_at is not None
    assert VendorAccount.objects.count() == 300
    account = VendorAccount.objects.get(external_id="CRM-7")
    assert (account.name_normalized, account.domain, account.country) == ("customer 7", "customer7.de", "DE")
    assert not import_job_confirm(job=job, actor=operator), "a finished job is not imported twice"


def test_row_errors_are_listed_and_nothing_is_written(operator, django_capture_on_commit_callbacks):
    text = accounts_csv(50) + (
        "CRM-X1,,acme.de,DE,,\n"                      # row 52: no name
        "CRM-X2,Bad Country,acme.de,Germany,,\n"      # row 53: country
        "CRM-X3,Free Mail,gmail.com,DE,,not-an-email\n"  # row 54: public domain + e-mail
        "CRM-3,Duplicate Id,dup.de,DE,,\n"            # row 55: CRM id twice in the file
    )
    job = run(ImportJob.Kind.VENDOR_ACCOUNTS, text, operator, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.INVALID and job.error_count == 4
    found = {(e["row"], e["field"]) for e in job.errors}
    assert found == {(52, "name"), (53, "country"), (54, "domain"), (54, "owner_email"), (55, "external_id")}
    assert VendorAccount.objects.count() == 0
    assert not import_job_confirm(job=job, actor=operator)
    assert VendorAccount.objects.count() == 0


def test_missing_columns_and_broken_files_are_reported(operator, django_capture_on_commit_callbacks):
    job = run(ImportJob.Kind.VENDOR_OPPORTUNITIES, "name,stage\nRenewal,proposal\n", operator,
              django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.INVALID
    assert [e["field"] for e in job.errors] == ["account_external_id"]
    with django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(kind=ImportJob.Kind.VENDOR_ACCOUNTS, actor=operator,
                                upload=SimpleUploadedFile("x.csv", b"\xff\xfe\x00garbage\xff", content_type="text/csv"))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.INVALID and "UTF-8" in job.errors[0]["message"]


def test_existing_crm_ids_are_updated(operator, django_capture_on_commit_callbacks):
    make_account(name="Old Name AG", domain="old.de", external_id="CRM-1")
    job = run(ImportJob.Kind.VENDOR_ACCOUNTS, accounts_csv(3), operator, django_capture_on_commit_callbacks)
    assert (job.created_rows, job.updated_rows) == (2, 1)
    confirm(job, operator, django_capture_on_commit_callbacks)
    assert VendorAccount.objects.count() == 3
    account = VendorAccount.objects.get(external_id="CRM-1")
    assert (account.name, account.name_normalized, account.domain) == ("Customer 1 GmbH", "customer 1", "customer1.de")


def test_opportunities_find_their_account_by_crm_id(operator, django_capture_on_commit_callbacks):
    account = make_account(external_id="ACC-1")
    text = ("external_id,account_external_id,name,stage,amount,currency,close_date\n"
            "OPP-1,ACC-1,Renewal 2027,proposal,120000.50,eur,2027-03-31\n"
            "OPP-2,ACC-404,Expansion,negotiation,10,EUR,2027-01-01\n"
            "OPP-3,ACC-1,Upsell,won,abc,EUR,31.12.2026\n")
    job = run(ImportJob.Kind.VENDOR_OPPORTUNITIES, text, operator, django_capture_on_commit_callbacks)
    assert {(e["row"], e["field"]) for e in job.errors} == {
        (3, "account_external_id"), (4, "stage"), (4, "amount"), (4, "close_date")}
    assert not VendorOpportunity.objects.exists()
    good = run(ImportJob.Kind.VENDOR_OPPORTUNITIES, text.splitlines()[0] + "\n" + text.splitlines()[1] + "\n",
               operator, django_capture_on_commit_callbacks)
    confirm(good, operator, django_capture_on_commit_callbacks)
    opportunity = VendorOpportunity.objects.get(external_id="OPP-1")
    assert (opportunity.account_id, opportunity.amount, opportunity.currency, opportunity.close_date) == (
        account.pk, Decimal("120000.50"), "EUR", date(2027, 3, 31))


def test_exchange_rates_upsert_per_day_and_pair(operator, django_capture_on_commit_callbacks):
    make_rate(date(2026, 1, 2), "USD", "EUR", "0.5")
    text = ("date,from_currency,to_currency,rate\n"
            "2026-01-02,USD,EUR,0.91\n"
            "2026-01-02,GBP,EUR,1.17\n")
    job = run(ImportJob.Kind.EXCHANGE_RATES, text, operator, django_capture_on_commit_callbacks)
    assert (job.created_rows, job.updated_rows) == (1, 1)
    confirm(job, operator, django_capture_on_commit_callbacks)
    assert ExchangeRate.objects.get(date=date(2026, 1, 2), from_currency="USD").rate == Decimal("0.91")
    assert ExchangeRate.objects.count() == 2
    bad = run(ImportJob.Kind.EXCHANGE_RATES, "date,from_currency,to_currency,rate\n2026-01-03,EUR,EUR,1\n"
              "2026-01-03,USD,EUR,0\n2026-01-03,XYZ,EUR,1\n", operator, django_capture_on_commit_callbacks)
    assert {(e["row"], e["field"]) for e in bad.errors} == {(2, "to_currency"), (3, "rate"), (4, "from_currency")}


DEALS_HEADER = ("partner_id,reference,customer_name,customer_domain,customer_country,value,currency,"
                "expected_close_date,stage,status,closed_at,won_amount,won_currency,products,registered_by_email\n")


def test_historical_registrations_of_several_partners(operator, partner_a, partner_b, admin_a,
                                                      django_capture_on_commit_callbacks, settings):
    settings.BASE_CURRENCY = "EUR"
    make_rate(date(2025, 5, 30), "USD", "EUR", "0.8")
    product = make_product(code="edr")
    text = DEALS_HEADER + (
        f"{partner_a.pk},H-1,Acme GmbH,www.acme.de,DE,1000,EUR,2025-06-30,proposal,won,2025-06-01,1250,USD,edr,{admin_a.email}\n"
        f"{partner_b.pk},H-1,Initech KK,initech.co.jp,JP,5000000,JPY,2025-09-30,discovery,submitted,,,,,\n"
        f"{partner_b.pk},H-2,Hooli,hooli.com,US,10,USD,2025-01-31,,lost,2025-02-01,,,,\n"
    )
    job = run(ImportJob.Kind.DEALS, text, operator, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.VALID, job.errors
    confirm(job, operator, django_capture_on_commit_callbacks)
    with unscoped():
        deals = {(d.partner_id, d.reference): d for d in Deal.objects.prefetch_related("products")}
    won = deals[(partner_a.pk, "H-1")]
    assert (won.status, won.won_amount, won.won_currency, won.fx_rate, won.won_amount_base) == (
        "won", Decimal("1250.00"), "USD", Decimal("0.80000000"), Decimal("1000.00"))
    assert won.customer_name_normalized == "acme" and won.customer_domain == "acme.de"
    assert won.registered_by == admin_a and [p.pk for p in won.products.all()] == [product.pk]
    assert deals[(partner_b.pk, "H-1")].registered_by == operator  # no e-mail given: the importing operator
    assert deals[(partner_b.pk, "H-2")].status == "lost"


def test_historical_registrations_all_or_nothing(operator, partner_a, django_capture_on_commit_callbacks, settings):
    settings.BASE_CURRENCY = "EUR"
    make_deal(partner=partner_a, reference="H-OLD")
    text = DEALS_HEADER + (
        f"{partner_a.pk},H-2,Good Co,good.de,DE,10,EUR,2025-06-30,,submitted,,,,,\n"
        f"{partner_a.pk},H-OLD,Dup Co,dup.de,DE,10,EUR,2025-06-30,,submitted,,,,,\n"      # reference exists
        f"999999,H-3,Nobody,nobody.de,DE,10,EUR,2025-06-30,,submitted,,,,,\n"               # no such partner
        f"{partner_a.pk},H-4,Won Co,won.de,DE,10,EUR,2025-06-30,,won,2025-06-01,10,CHF,,\n"  # no CHF rate
        f"{partner_a.pk},H-5,Odd Co,odd.de,DE,10,EUR,2025-06-30,,won,,,,nope,\n"            # no close, amount, product
    )
    job = run(ImportJob.Kind.DEALS, text, operator, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.INVALID and job.error_count == 4
    assert {(e["row"], e["field"]) for e in job.errors} == {
        (3, "reference"), (4, "partner_id"), (5, "closed_at"), (6, "won_amount"), (6, "closed_at"), (6, "products")}
    assert "CHF" in next(e["message"] for e in job.errors if e["row"] == 5)
    with unscoped():
        assert list(Deal.objects.values_list("reference", flat=True)) == ["H-OLD"]


def test_a_file_that_became_invalid_since_the_check_writes_nothing(operator, django_capture_on_commit_callbacks):
    text = ("external_id,account_external_id,name\nOPP-1,ACC-1,Renewal\nOPP-2,ACC-1,Upsell\n")
    account = make_account(external_id="ACC-1")
    job = run(ImportJob.Kind.VENDOR_OPPORTUNITIES, text, operator, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.VALID
    account.delete()  # meanwhile the account went away
    job = confirm(job, operator, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.FAILED and job.error_count == 2
    assert not VendorOpportunity.objects.exists()


def test_progress_is_reported_while_checking(operator, monkeypatch):
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 100)
    job = ImportJob.objects.create(kind=ImportJob.Kind.VENDOR_ACCOUNTS, created_by=operator,
                                   file=upload("a.csv", accounts_csv(350)))
    seen = []
    result, objects, _importer = imports.validate(job, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(100, 350), (200, 350), (300, 350)]
    assert result.is_valid and len(objects) == 350
    assert import_job_progress(job=job) == (0, 0)  # nothing cached: the job's own counts


def test_the_import_tasks_are_registered_global_tasks():
    from prm.celery import app
    from prm.tenancy.tasks import GlobalTask

    app.loader.import_default_modules()
    for name in ("dealreg.import_validate", "dealreg.import_commit"):
        assert isinstance(app.tasks[name], GlobalTask), name
