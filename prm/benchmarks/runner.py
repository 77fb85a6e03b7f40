"""The benchmark runner: a registry of cases, interleaved repetitions with medians, and the output format.

A case is a generator function registered with ``@case``: it prepares its data, yields a ``Trial``
(the callable to measure and its baseline), and cleans up after the yield. The runner calls both
callables alternately, so drift on a shared machine hits both sides, and reports medians.
"""

import json
import re
import statistics
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

NAME_PATTERN = re.compile(r"^[\w.]+$")
TIME_UNITS = {"s": 1.0, "ms": 1e3, "us": 1e6}


class BenchError(Exception):
    """A case cannot measure what it claims: missing data, a page that does not answer 200, ..."""


@dataclass(frozen=True)
class Trial:
    """One case's two sides. For time units they return nothing; for rate units (``rows/s``) the
    number of rows they handled."""

    measured: Callable[[], int | None]
    baseline: Callable[[], int | None]


@dataclass(frozen=True)
class BenchContext:
    partners: int
    log: Callable[[str], None] = print


@dataclass(frozen=True)
class Case:
    name: str
    unit: str
    prepare: Callable[[BenchContext], AbstractContextManager[Trial]]
    repeat: int = 7
    number: int = 1
    warmup: int = 1
    description: str = ""

    @property
    def is_rate(self) -> bool:
        return self.unit.endswith("/s")


REGISTRY: dict[str, Case] = {}


def case(name: str, *, unit: str, repeat: int = 7, number: int = 1, warmup: int = 1,
         registry: dict[str, Case] | None = None):
    """Register a generator function ``(ctx) -> Iterator[Trial]`` as a benchmark case.

    ``number``: calls per timed sample (for sub-millisecond work, so the timer's resolution does
    not dominate); ``repeat``: samples per side, of which the median is reported.
    """
    if not NAME_PATTERN.match(name):
        raise ValueError(f"Benchmark names are letters, digits, '_' and '.': {name!r}")
    if unit not in TIME_UNITS and not unit.endswith("/s"):
        raise ValueError(f"Unit must be one of {sorted(TIME_UNITS)} or a rate ending in '/s': {unit!r}")
    target = REGISTRY if registry is None else registry

    def register(func: Callable[[BenchContext], Iterator[Trial]]):
        if name in target:
            raise ValueError(f"Benchmark {name!r} is registered twice.")
        target[name] = Case(name=name, unit=unit, prepare=contextmanager(func), repeat=repeat, number=number,
                            warmup=warmup, description=(func.__doc__ or "").strip().split("\n")[0])
        return func

    return register


def _number(value: float) -> str:
    """Plain decimals (never exponent notation), with precision that suits the magnitude."""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.4f}"


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline: float
    ratio: float
    samples: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, name: str, unit: str, value: float, baseline: float, **kwargs) -> "Figure":
        if baseline <= 0:
            raise BenchError(f"{name}: the baseline measured {baseline}; no ratio possible.")
        # Rounded as printed, so the JSON says exactly what the line says.
        return cls(name=name, unit=unit, value=float(_number(value)), baseline=float(_number(baseline)),
                   ratio=float(_number(value / baseline)), **kwargs)

    def line(self) -> str:
        return (f"{self.name}: {_number(self.value)} {self.unit} "
                f"(baseline {_number(self.baseline)} {self.unit}, ratio {_number(self.ratio)})")

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("samples")
        return data


def _sample(func: Callable[[], int | None], case: Case) -> float:
    work = 0
    started = time.perf_counter()
    for _ in range(case.number):
        work += func() or 0
    elapsed = time.perf_counter() - started
    if case.is_rate:
        if work <= 0:
            raise BenchError(f"{case.name}: a rate case must return the number of rows it handled.")
        return work / elapsed
    return elapsed / case.number * TIME_UNITS[case.unit]


def run_case(case: Case, ctx: BenchContext) -> Figure:
    with case.prepare(ctx) as trial:
        for _ in range(case.warmup):
            trial.measured()
            trial.baseline()
        measured, baseline = [], []
        for _ in range(case.repeat):
            measured.append(_sample(trial.measured, case))
            baseline.append(_sample(trial.baseline, case))
    return Figure.of(case.name, case.unit, statistics.median(measured), statistics.median(baseline),
                     samples={"measured": measured, "baseline": baseline})


def write_results(figures: Iterable[Figure], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([f.as_dict() for f in figures], indent=2) + "\n", encoding="utf-8")
