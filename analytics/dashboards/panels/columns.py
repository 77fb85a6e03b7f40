"""The building blocks of every panel: typed columns and the ``Panel`` itself, cell formatting (table and CSV),
chart specs and colours, and the small derived-figure helpers the panel builders share."""

import copy
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from babel import Locale
from babel.numbers import format_compact_decimal, format_currency, format_decimal, format_percent
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from analytics.periods import quarter_label
from analytics.stats import median_from_histogram
from dealreg.models import Deal

from .notes import PANEL_NOTES

PALETTE = ("#1d4ed8", "#d97706", "#047857", "#be185d", "#6d28d9", "#0e7490", "#4d7c0f", "#b91c1c")
STAGE_ORDER = ("submitted", "more_info", "approved", *[s.value for s in Deal.Stage])


def lighter(color: str, share: float = 0.55) -> str:
    """``color`` mixed with white (a second series of the same region: influenced next to sourced)."""
    red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    mix = [round(c + (255 - c) * share) for c in (red, green, blue)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


# --- typed columns --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "int"  # text, int, money, percent (0-100), ratio, days, hours, score, quarter

    @property
    def numeric(self) -> bool:
        return self.kind not in {"text", "quarter"}


def _number(value, pattern: str, locale: str) -> str:
    return format_decimal(value, format=pattern, locale=locale)


def display(value, kind: str, *, locale: str) -> str:
    """One table cell in the active locale; an empty figure is a dash."""
    if value is None or value == "":
        return "—"
    if kind == "money":
        return format_currency(value, settings.BASE_CURRENCY, locale=locale)
    if kind == "money0":  # key figures: whole units read faster, the tables keep the cents
        return whole_currency(value, locale)
    if kind == "change":
        return ("+" if value > 0 else "") + _number(value, "#,##0", locale)
    if kind == "int":
        return _number(value, "#,##0", locale)
    if kind == "compact":  # chart axes: "1.2M", "120K", "1.2万"
        return format_compact_decimal(value, format_type="short", locale=locale, fraction_digits=1)
    if kind == "percent":
        return format_percent(Decimal(str(value)) / 100, format="#,##0.0%", locale=locale)
    if kind == "ratio":
        return _("%(value)s×") % {"value": _number(value, "#,##0.0", locale)}
    if kind == "days":
        return _("%(value)s d") % {"value": _number(value, "#,##0.#", locale)}
    if kind == "hours":
        return _("%(value)s h") % {"value": _number(value, "#,##0.#", locale)}
    if kind == "score":
        return _number(value, "#,##0.#", locale)
    if kind == "quarter":
        return quarter_label(value) if isinstance(value, date) else str(value)
    return str(value)


def whole_currency(value, locale: str) -> str:
    """An amount in the base currency without the minor unit, in the locale's own pattern (4.941.698 €)."""
    language = Locale.parse(locale)
    pattern = copy.copy(language.currency_formats["standard"])
    pattern.frac_prec = (0, 0)
    return pattern.apply(Decimal(value), language, currency=settings.BASE_CURRENCY, currency_digits=False)


def plain(value, kind: str) -> str:
    """One CSV cell: machine-readable (dot decimals, no grouping, no currency sign)."""
    if value is None:
        return ""
    if kind in {"money", "money0"}:
        return f"{Decimal(value):.2f}"
    if kind in {"percent", "ratio", "days", "hours", "score"}:
        return f"{float(value):.2f}".rstrip("0").rstrip(".") if float(value) != int(float(value)) else str(int(float(value)))
    if kind == "quarter":
        return quarter_label(value) if isinstance(value, date) else str(value)
    return str(value)


def as_float(value) -> float | None:
    return None if value is None else round(float(value), 2)


@dataclass
class Panel:
    """One chart and its table. ``freshness``: which rollup its figures come from (``FRESHNESS_NOTES``)."""

    id: str
    title: str
    description: str
    columns: list[Column]
    rows: list[dict]
    freshness: str
    chart: dict | None = None
    as_of: datetime | None = None
    links: list[str | None] = field(default_factory=list)   # per row: where its first cell links to
    table: list[dict] = field(default_factory=list)

    @property
    def headers(self) -> list[tuple[str, bool]]:
        return [(c.label, c.numeric) for c in self.columns]

    @property
    def note(self) -> str:
        return str(PANEL_NOTES.get(self.freshness, ""))

    def format(self, locale: str) -> None:
        """The table cells as text in ``locale`` (formatted once here, not per cell in the template)."""
        links = self.links or [None] * len(self.rows)
        self.table = [{"link": link, "cells": [(display(row.get(c.key), c.kind, locale=locale), c.numeric)
                                               for c in self.columns]}
                      for row, link in zip(self.rows, links, strict=False)]

    @property
    def has_money(self) -> bool:
        return any(c.kind == "money" for c in self.columns)


# --- charts and derived figures -------------------------------------------------------------------------------


def _chart(kind: str, labels: list[str], datasets: list[dict], fmt: str, *, stacked: bool = False,
           title: str = "") -> dict:
    return {"kind": kind, "labels": labels, "datasets": datasets, "format": fmt, "stacked": stacked,
            "currency": settings.BASE_CURRENCY, "title": title}


def _dataset(label: str, data: list, color_: str, stack: str | None = None) -> dict:
    entry = {"label": str(label), "data": [as_float(v) for v in data], "color": color_}
    if stack:
        entry["stack"] = stack
    return entry


def _rate(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _ratio(numerator: Decimal, denominator: Decimal) -> float | None:
    return round(float(numerator / denominator), 2) if denominator else None


def _median_hours(histogram) -> float | None:
    value = median_from_histogram(histogram)
    return None if value is None else round(value, 1)


def median_from_counts(pairs: list[tuple[int, int]]) -> float | None:
    """The exact median of values given as (value, how many)."""
    pairs = sorted(pairs)
    total = sum(n for _v, n in pairs)
    if not total:
        return None

    def nth(k: int) -> int:  # the k-th value (0-based)
        seen = 0
        for value, n in pairs:
            seen += n
            if k < seen:
                return value
        return pairs[-1][0]

    if total % 2:
        return float(nth(total // 2))
    return (nth(total // 2 - 1) + nth(total // 2)) / 2


def stage_label(stage: str) -> str:
    labels = {**dict(Deal.Status.choices), **dict(Deal.Stage.choices)}
    return str(labels.get(stage, stage))


def _max_moment(rows, key: str = "refreshed_at") -> datetime | None:
    moments = [row[key] for row in rows if row.get(key)]
    return max(moments) if moments else None


def format_moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
