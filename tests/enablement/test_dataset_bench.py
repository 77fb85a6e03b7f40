"""Enablement's progress benchmark cases run end to end (shapes, not speed: SQLite here): the tier metric against
its raw aggregate over the synthetic dataset, and the team progress of a big team with the query count of a small
one, everything rolled back."""

import dataclasses
import io
import json
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from enablement.metrics import active_certifications
from partners.management.commands import generate_dataset as gd
from prm.accounts.models import User
from prm.benchmarks import REGISTRY, BenchContext, BenchError
from prm.benchmarks.cases_enablement_progress import EMAIL_DOMAIN, active_certifications_sql
from prm.tenancy.scoping import partners_scope, unscoped

pytestmark = pytest.mark.django_db

LINE = re.compile(r"^[\w.]+: [\d.]+ \S+ \(baseline [\d.]+ \S+, ratio [\d.]+\)$")
CASES = ("enablement.active_certifications", "enablement.team_progress")


def test_the_bench_cases_run(tmp_path, monkeypatch):
    import prm.benchmarks.cases  # noqa: F401 - registers the cases

    for name in CASES:
        monkeypatch.setitem(REGISTRY, name, dataclasses.replace(REGISTRY[name], repeat=1, number=1, warmup=0))
    monkeypatch.setenv("PRM_BENCH_TEAM_MEMBERS", "40")
    monkeypatch.setenv("DATASET_DEALS_PER_PARTNER", "0")
    monkeypatch.setenv("DATASET_MDF_ACTIVITIES_PER_PARTNER", "0")
    output = tmp_path / "results.json"
    out, err = io.StringIO(), io.StringIO()
    args = [arg for name in CASES for arg in ("--only", name)]
    call_command("bench", "--allow-sqlite", "--partners", "30", *args, "--output", str(output), stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and all(LINE.match(line) for line in lines), out.getvalue() + err.getvalue()
    assert [row["name"] for row in json.loads(output.read_text())] == list(CASES)
    log = err.getvalue()
    assert re.search(r"enablement\.active_certifications: \d+ partners in 1 chunks, [1-9]\d* active certifications",
                     log), log
    assert re.search(r"enablement\.team_progress: \d+ queries for 5 and for 40 members", log), log
    with unscoped():  # the team case rolled its partners and people back
        assert gd.synthetic_partner_count() == 30
        assert not User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}").exists()


def test_the_metric_agrees_with_the_raw_aggregate_the_case_compares_it_with(monkeypatch):
    monkeypatch.setenv("DATASET_DEALS_PER_PARTNER", "0")
    monkeypatch.setenv("DATASET_MDF_ACTIVITIES_PER_PARTNER", "0")
    gd.generate_dataset(partners=20, users_per_partner=3)
    with unscoped():
        ids = list(gd.synthetic_partners().values_list("pk", flat=True))
    today = timezone.localdate()
    sql, params = active_certifications_sql(ids, today)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        expected = dict(cursor.fetchall())
    with partners_scope(ids):
        assert active_certifications(ids, today) == expected and expected


def test_a_case_without_data_says_what_to_run():
    import prm.benchmarks.cases  # noqa: F401

    with pytest.raises(BenchError, match="generate_dataset"):
        with REGISTRY["enablement.active_certifications"].prepare(BenchContext(partners=0, log=lambda _m: None)):
            pass
