"""Benchmarks run by ``manage.py bench`` (``make bench``): each case measures a figure and its baseline
in the same run, so the ratio stays meaningful on a noisy machine. Cases live in ``cases.py``."""

from .runner import REGISTRY, BenchContext, BenchError, Case, Figure, Trial, case, run_case, write_results

__all__ = ["REGISTRY", "BenchContext", "BenchError", "Case", "Figure", "Trial", "case", "run_case", "write_results"]
