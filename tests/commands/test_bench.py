"""The benchmark runner and `manage.py bench`: output line format, results JSON, refusals, failing cases."""

import dataclasses
import io
import json
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from partners.management.commands.generate_dataset import synthetic_partner_count
from prm.benchmarks import REGISTRY, BenchContext, BenchError, Figure, Trial, case, run_case

LINE = re.compile(r"^[\w.]+: [\d.]+ \S+ \(baseline [\d.]+ \S+, ratio [\d.]+\)$")
KEYS = {"name", "value", "unit", "baseline", "ratio"}


@pytest.fixture
def quick_cases(monkeypatch):
    """The real cases with one repetition each: these tests check shapes, not speed."""
    import prm.benchmarks.cases  # noqa: F401 - registers them

    for name, item in list(REGISTRY.items()):
        monkeypatch.setitem(REGISTRY, name, dataclasses.replace(item, repeat=1, number=1, warmup=0))


def bench(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("bench", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_refuses_sqlite_unless_allowed(monkeypatch):
    from django.db import connection

    # Whatever the suite runs on, the command must refuse a SQLite connection.
    monkeypatch.setattr(type(connection), "vendor", "sqlite", raising=False)
    with pytest.raises(CommandError, match="PostgreSQL"):
        bench("--partners", "2")
    monkeypatch.undo()
    assert synthetic_partner_count() == 0


@pytest.mark.django_db
def test_refuses_production(settings):
    settings.PRM_PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        bench("--allow-sqlite", "--partners", "2")


@pytest.mark.django_db
def test_one_case_prints_the_line_and_writes_the_json(tmp_path, quick_cases):
    output = tmp_path / ".bench" / "results.json"
    out, err = bench("--allow-sqlite", "--partners", "5", "--only", "portal.member_list_scoped", "--output", str(output))
    assert synthetic_partner_count() == 5  # the dataset was built because it was missing
    lines = out.splitlines()
    assert len(lines) == 1 and LINE.match(lines[0]), out
    assert lines[0].startswith("portal.member_list_scoped: ") and " ms (baseline " in lines[0]
    results = json.loads(output.read_text())
    assert isinstance(results, list) and len(results) == 1
    assert set(results[0]) == KEYS
    figure = results[0]
    assert figure["name"] == "portal.member_list_scoped" and figure["unit"] == "ms"
    assert figure["value"] > 0 and figure["baseline"] > 0
    assert figure["ratio"] == pytest.approx(figure["value"] / figure["baseline"], rel=0.05)
    assert lines[0] == Figure(**figure).line()  # the JSON says what the line says


@pytest.mark.django_db
def test_every_foundation_case_runs(tmp_path, quick_cases, monkeypatch):
    # The dashboard and scorecard cases build their own partners (10k with 100 registrations each by default).
    monkeypatch.setenv("PRM_BENCH_DASHBOARD_PARTNERS", "12")
    monkeypatch.setenv("PRM_BENCH_DASHBOARD_DEALS", "3")
    output = tmp_path / "results.json"
    out, _err = bench("--allow-sqlite", "--partners", "3", "--output", str(output))
    lines = out.splitlines()
    assert all(LINE.match(line) for line in lines), out
    names = [json_row["name"] for json_row in json.loads(output.read_text())]
    assert names == [line.split(":")[0] for line in lines]
    assert set(names) >= {"portal.member_list_scoped", "tenancy.middleware_request", "dataset.generate_partners_rows_per_s",
                          "tiers.recalculate_nightly", "tiers.recalculate_month", "analytics.health_score",
                          "analytics.dashboard_page_refreshed", "analytics.scorecard_pdf"}
    assert "rows/s (baseline" in out
    assert synthetic_partner_count() == 3  # the insert case rolled its rows back


@pytest.mark.django_db
def test_unknown_case_is_refused():
    with pytest.raises(CommandError, match="Unknown benchmark"):
        bench("--allow-sqlite", "--only", "no.such.case")


@pytest.mark.django_db
def test_a_failing_case_fails_the_run_but_the_others_are_written(tmp_path, monkeypatch, quick_cases):
    local = {}

    @case("test.broken", unit="ms", registry=local)
    def broken(ctx):
        raise BenchError("no data")
        yield  # pragma: no cover

    monkeypatch.setitem(REGISTRY, "test.broken", local["test.broken"])  # removed again after the test
    output = tmp_path / "results.json"
    with pytest.raises(CommandError, match="test.broken"):
        bench("--allow-sqlite", "--partners", "2", "--only", "portal.member_list_scoped", "--only", "test.broken",
              "--output", str(output))
    assert [row["name"] for row in json.loads(output.read_text())] == ["portal.member_list_scoped"]


def test_runner_takes_medians_and_the_ratio_of_both_sides():
    registry = {}
    calls = {"measured": 0, "baseline": 0}

    @case("unit.rate", unit="rows/s", repeat=3, registry=registry)
    def rate(ctx):
        def measured():
            calls["measured"] += 1
            return 100

        def baseline():
            calls["baseline"] += 1
            return 100

        yield Trial(measured=measured, baseline=baseline)

    figure = run_case(registry["unit.rate"], BenchContext(partners=0))
    assert calls == {"measured": 4, "baseline": 4}  # one warm-up + three repetitions each
    assert figure.unit == "rows/s" and figure.value > 0 and figure.baseline > 0
    assert LINE.match(figure.line())
    assert set(figure.as_dict()) == KEYS


def test_runner_rejects_bad_names_units_and_silent_rate_cases():
    with pytest.raises(ValueError):
        case("has space", unit="ms", registry={})
    with pytest.raises(ValueError):
        case("unit.x", unit="parsecs", registry={})
    registry = {}

    @case("unit.silent", unit="rows/s", registry=registry)
    def silent(ctx):
        yield Trial(measured=lambda: None, baseline=lambda: None)

    with pytest.raises(BenchError):
        run_case(registry["unit.silent"], BenchContext(partners=0))


def test_line_format_never_uses_exponents():
    assert Figure.of("a.b", "ms", 0.00001234, 123456.0).line() == "a.b: 0.0000 ms (baseline 123456 ms, ratio 0.0000)"
    assert LINE.match(Figure.of("a.b", "ms", 2.5, 1.25).line())
    with pytest.raises(BenchError):
        Figure.of("a.b", "ms", 1.0, 0.0)
