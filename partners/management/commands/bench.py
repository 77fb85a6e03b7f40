"""``manage.py bench`` (``make bench``): build the synthetic dataset if missing, run the benchmark cases,
print one line per figure and write them to ``.bench/results.json``.

Lives in the partners app because ``prm`` is not an installed app; the cases are in ``prm.benchmarks``.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.utils import translation
from django.utils.translation import gettext as _

from partners.management.commands.generate_dataset import generate_dataset, synthetic_partner_count
from prm.benchmarks import REGISTRY, BenchContext, run_case, write_results


class Command(BaseCommand):
    help = "Run the benchmarks (PostgreSQL) and write .bench/results.json."

    def add_arguments(self, parser):
        parser.add_argument("--partners", type=int, default=2000, help="Synthetic partners the cases run against (default 2000).")
        parser.add_argument("--only", action="append", metavar="NAME", help="Run only this case (repeatable).")
        parser.add_argument("--output", default=str(settings.BASE_DIR / ".bench" / "results.json"),
                            help="Where to write the JSON results (default .bench/results.json).")
        parser.add_argument("--allow-sqlite", action="store_true",
                            help="Run on SQLite anyway (to check that the cases work; the numbers mean little).")
        parser.add_argument("--list", dest="list_cases", action="store_true", help="List the cases and exit.")

    def handle(self, *args, **options):
        # The deployment's default language, whatever a previous request in this thread activated.
        with translation.override(settings.LANGUAGE_CODE):
            return self._handle(*args, **options)

    def _handle(self, *args, partners: int, only: list[str] | None, output: str, allow_sqlite: bool, list_cases: bool,
               **options):
        import prm.benchmarks.cases  # noqa: F401 - registers the cases

        if list_cases:
            for name, item in sorted(REGISTRY.items()):
                self.stdout.write(f"{name} [{item.unit}]  {item.description}")
            return
        if settings.PRM_PRODUCTION:
            raise CommandError(_("bench writes synthetic data and refuses to run against a production configuration."))
        if connection.vendor == "sqlite" and not allow_sqlite:
            raise CommandError(_("Benchmarks are for PostgreSQL; set DATABASE_URL, or pass --allow-sqlite to try them anyway."))
        unknown = sorted(set(only or []) - set(REGISTRY))
        if unknown:
            raise CommandError(_("Unknown benchmark(s): %(unknown)s. Known: %(known)s.")
                               % {"unknown": ", ".join(unknown), "known": ", ".join(sorted(REGISTRY))})
        cases = [REGISTRY[name] for name in (only or REGISTRY)]

        # Progress goes to stderr: stdout carries only the figure lines.
        log = self.stderr.write
        if synthetic_partner_count() < partners:
            log(_("Building the synthetic dataset (%(n)d partners)…") % {"n": partners})
            report = generate_dataset(partners=partners)
            log(_("%(rows)d rows in %(seconds).1f s.") % {"rows": report.total, "seconds": report.elapsed})

        figures, failures = [], []
        ctx = BenchContext(partners=partners, log=log)
        # Measure what production runs: no per-query logging (DEBUG would add it to both sides, unevenly).
        with override_settings(DEBUG=False):
            for item in cases:
                try:
                    figure = run_case(item, ctx)
                except Exception as error:  # noqa: BLE001 - a broken case is reported; the others still run
                    failures.append(item.name)
                    log(f"{item.name}: FAILED {type(error).__name__}: {error}")
                    continue
                figures.append(figure)
                self.stdout.write(figure.line())
                self.stdout.flush()
        write_results(figures, Path(output))
        log(_("Results written to %(path)s.") % {"path": output})
        if failures:
            raise CommandError(_("Benchmark(s) failed: %(names)s.") % {"names": ", ".join(failures)})
