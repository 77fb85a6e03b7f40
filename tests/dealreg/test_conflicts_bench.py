"""The deal registration benchmarks and their synthetic registrations (shapes, not speed: SQLite here)."""

import dataclasses
import io
import json
import re

import pytest
from django.core.management import call_command

from dealreg import dataset
from dealreg.conflicts import find_conflicts
from dealreg.models import Deal
from partners.management.commands import generate_dataset as gd
from prm.benchmarks import REGISTRY
from prm.tenancy.scoping import unscoped

pytestmark = pytest.mark.django_db

LINE = re.compile(r"^[\w.]+: [\d.]+ \S+ \(baseline [\d.]+ \S+, ratio [\d.]+\)$")
CASES = ("dealreg.conflict_check", "dealreg.import_vendor_accounts_rows_per_s")


def test_synthetic_registrations_conflict_across_partners(monkeypatch):
    gd.generate_dataset(partners=12, users_per_partner=1)
    dataset.reset_registrations()  # generate_dataset ran the registrations step too; start from none
    monkeypatch.setenv("DATASET_DEALS_PER_PARTNER", "10")
    assert dataset.ensure_registrations() == 120
    assert dataset.ensure_registrations() == 0  # topped up already
    with unscoped():
        deals = list(Deal.objects.filter(reference__startswith=dataset.REFERENCE_PREFIX))
    assert len(deals) == 120
    assert all(d.customer_name_normalized and d.customer_name_normalized != d.customer_name for d in deals)
    assert {d.status for d in deals} & set(Deal.OPEN_STATUSES)
    won = [d for d in deals if d.status == Deal.Status.WON]
    assert won and all(d.won_amount_base is not None and d.closed_at for d in won)
    open_deal = next(d for d in deals if d.status in (Deal.Status.SUBMITTED, Deal.Status.MORE_INFO) and d.customer_domain)
    assert find_conflicts(customer_name=open_deal.customer_name, customer_domain=open_deal.customer_domain,
                          partner_id=0) != []
    assert dataset.reset_registrations() == 120
    with unscoped():
        assert not Deal.objects.filter(reference__startswith=dataset.REFERENCE_PREFIX).exists()


def test_customers_are_deterministic_and_domains_registrable():
    from prm.common.domains import company_domain

    assert dataset.customer(5, "DE") == dataset.customer(5, "DE")
    name, domain = dataset.customer(123456, "GB")
    assert name.endswith(" Ltd") and company_domain(domain) == domain and domain.endswith(".co.uk")


def test_register_adds_the_step_once(monkeypatch):
    monkeypatch.setattr(gd, "STEPS", list(gd.STEPS))
    dataset.register()
    dataset.register()
    assert [s.name for s in gd.STEPS].count("registrations") == 1


def test_the_bench_cases_run(tmp_path, monkeypatch):
    import prm.benchmarks.cases  # noqa: F401 - registers the cases

    for name in CASES:
        monkeypatch.setitem(REGISTRY, name, dataclasses.replace(REGISTRY[name], repeat=1, number=1, warmup=0))
    monkeypatch.setenv("DATASET_DEALS_PER_PARTNER", "6")
    monkeypatch.setenv("PRM_BENCH_IMPORT_ROWS", "300")
    output = tmp_path / "results.json"
    out, err = io.StringIO(), io.StringIO()
    call_command("bench", "--allow-sqlite", "--partners", "6", "--only", CASES[0], "--only", CASES[1],
                 "--output", str(output), stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and all(LINE.match(line) for line in lines), out.getvalue() + err.getvalue()
    assert [row["name"] for row in json.loads(output.read_text())] == list(CASES)
    from dealreg.models import VendorAccount

    assert not VendorAccount.objects.exists(), "the import case rolls its rows back"
