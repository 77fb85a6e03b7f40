"""Server-side SVG charts (bar, stacked bar, line) for the scorecard PDF: pure Python, no external library.

They take the same chart spec as the browser charts (``panels.columns._chart``: labels, datasets with label, data,
color and optional stack). Every text is XML-escaped; colours are checked to be #rrggbb; numbers are written
by a caller-supplied formatter (locale-aware) so the axis reads like the tables.
"""

import math
import re
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape, quoteattr

FONT = "Noto Sans, DejaVu Sans, Noto Sans CJK JP, sans-serif"
GRID = "#e5e7eb"
AXIS = "#6b7280"
TEXT = "#111827"
HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _color(value: str) -> str:
    return value if isinstance(value, str) and HEX.match(value) else "#6b7280"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^n at or above ``value`` (a round top for the axis)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * 10 ** exponent
        if top >= value * 0.999999:
            return float(top)
    return float(10 ** (exponent + 1))


def axis_ticks(top_value: float, *, integer: bool = False, most: int = 4) -> tuple[float, int]:
    """(step, count): at most ``most`` round steps from 0 that reach ``top_value``; whole steps for counts."""
    step = nice_ceiling(top_value / most) if top_value > 0 else 1.0
    if integer:
        step = max(1.0, math.ceil(step))
    count = max(1, math.ceil(top_value / step - 1e-9)) if top_value > 0 else most
    return step, count


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: float = 10, fill: str = TEXT,
          weight: str = "normal") -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" font-size="{_num(size)}" '
            f'font-family={quoteattr(FONT)} font-weight="{weight}" fill="{fill}">{escape(str(content))}</text>')


def _wrap_label(label: str, width_chars: int) -> list[str]:
    """Category labels on at most two lines (words kept whole when they fit; CJK cut by characters)."""
    label = str(label)
    if len(label) <= width_chars:
        return [label]
    words = label.split(" ")
    if len(words) == 1:
        return [label[:width_chars], label[width_chars:width_chars * 2]]
    first = ""
    while words and len((first + " " + words[0]).strip()) <= width_chars:
        first = (first + " " + words.pop(0)).strip()
    if not first:
        first = words.pop(0)[:width_chars]
    rest = " ".join(words)
    return [first, rest if len(rest) <= width_chars else rest[:width_chars - 1] + "…"]


class _Frame:
    """The plot area, the y axis from 0 to a round top, grid lines and the legend."""

    def __init__(self, *, width: int, height: int, top_value: float, fmt: Callable[[float], str], legend_rows: int,
                 integer: bool = False):
        self.width, self.height = width, height
        self.left, self.right, self.top = 64, 12, 14
        self.legend_height = 18 * legend_rows + 6
        self.bottom = 34 + self.legend_height
        self.plot_w = width - self.left - self.right
        self.plot_h = height - self.top - self.bottom
        self.step, self.ticks = axis_ticks(top_value, integer=integer)
        self.top_value = self.step * self.ticks
        self.fmt = fmt

    def y(self, value: float) -> float:
        return self.top + self.plot_h * (1 - max(0.0, value) / self.top_value)

    def axis(self) -> list[str]:
        parts = []
        for i in range(self.ticks + 1):
            value = self.step * i
            y = self.y(value)
            parts.append(f'<line x1="{self.left}" y1="{_num(y)}" x2="{self.width - self.right}" y2="{_num(y)}" '
                         f'stroke="{GRID}" stroke-width="1"/>')
            parts.append(_text(self.left - 6, y + 3.5, self.fmt(value), anchor="end", size=9, fill=AXIS))
        base = self.y(0)
        parts.append(f'<line x1="{self.left}" y1="{_num(base)}" x2="{self.width - self.right}" y2="{_num(base)}" '
                     f'stroke="{AXIS}" stroke-width="1"/>')
        return parts

    def category_labels(self, labels: Sequence[str], slot: float) -> list[str]:
        chars = max(4, int(slot / 6))
        parts = []
        for i, label in enumerate(labels):
            x = self.left + slot * (i + 0.5)
            for line, text in enumerate(_wrap_label(label, chars)):
                parts.append(_text(x, self.y(0) + 13 + 11 * line, text, anchor="middle", size=9, fill=AXIS))
        return parts

    def legend(self, entries: Sequence[tuple[str, str]], *, line: bool = False) -> list[str]:
        parts, x, row = [], float(self.left), 0
        y0 = self.height - self.legend_height + 6
        for label, colour in entries:
            width = 18 + 6.2 * len(str(label)) + 14
            if x + width > self.width - self.right and x > self.left:
                x, row = float(self.left), row + 1
            y = y0 + 18 * row
            if line:
                parts.append(f'<line x1="{_num(x)}" y1="{_num(y + 5)}" x2="{_num(x + 12)}" y2="{_num(y + 5)}" '
                             f'stroke="{_color(colour)}" stroke-width="2.5"/>')
            else:
                parts.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="10" height="10" fill="{_color(colour)}"/>')
            parts.append(_text(x + 16, y + 9, label, size=9))
            x += width
        return parts


def _legend_rows(entries: Sequence[tuple[str, str]], width: int) -> int:
    rows, x = 1, 64.0
    for label, _colour in entries:
        w = 18 + 6.2 * len(str(label)) + 14
        if x + w > width - 12 and x > 64:
            rows, x = rows + 1, 64.0
        x += w
    return rows


def _svg(width: int, height: int, title: str, parts: list[str]) -> str:
    label = escape(str(title or ""))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
            f'height="{height}" role="img" aria-label={quoteattr(str(title or ""))}>'
            f"<title>{label}</title>" + "".join(parts) + "</svg>")


def _value(value) -> float:
    return float(value) if value is not None else 0.0


def bar_chart(labels: Sequence[str], datasets: Sequence[dict], *, fmt: Callable[[float], str] = _num,
              stacked: bool = False, title: str = "", width: int = 640, height: int = 260,
              integer: bool = False) -> str:
    """Grouped bars, one per dataset in each category; with ``stacked``, datasets that share a ``stack`` key are
    piled up (sourced on influenced per region), and each stack gets its own bar in the category."""
    labels = [str(label) for label in labels]
    groups: list[str] = []
    for i, ds in enumerate(datasets):
        key = str(ds.get("stack") or f"#{i}") if stacked else f"#{i}"
        if key not in groups:
            groups.append(key)
    totals = []
    for c in range(len(labels)):
        per_group = {}
        for i, ds in enumerate(datasets):
            key = str(ds.get("stack") or f"#{i}") if stacked else f"#{i}"
            data = ds.get("data") or []
            per_group[key] = per_group.get(key, 0.0) + (_value(data[c]) if c < len(data) else 0.0)
        totals.append(max(per_group.values(), default=0.0))
    entries = [(str(ds.get("label", "")), ds.get("color", "")) for ds in datasets]
    frame = _Frame(width=width, height=height, top_value=max(totals, default=0.0), fmt=fmt,
                   legend_rows=_legend_rows(entries, width), integer=integer)
    parts = frame.axis()
    slot = frame.plot_w / max(1, len(labels))
    bar_w = min(28.0, slot * 0.8 / max(1, len(groups)))
    for c in range(len(labels)):
        start = frame.left + slot * (c + 0.5) - bar_w * len(groups) / 2
        heights = {key: 0.0 for key in groups}
        for i, ds in enumerate(datasets):
            key = str(ds.get("stack") or f"#{i}") if stacked else f"#{i}"
            data = ds.get("data") or []
            value = _value(data[c]) if c < len(data) else 0.0
            if value <= 0:
                continue
            below = heights[key]
            heights[key] = below + value
            x = start + bar_w * groups.index(key)
            y_top, y_bottom = frame.y(below + value), frame.y(below)
            parts.append(f'<rect x="{_num(x + 1)}" y="{_num(y_top)}" width="{_num(max(1.0, bar_w - 2))}" '
                         f'height="{_num(max(0.5, y_bottom - y_top))}" fill="{_color(ds.get("color", ""))}">'
                         f"<title>{escape(str(ds.get('label', '')))} · {escape(labels[c])}: "
                         f"{escape(fmt(value))}</title></rect>")
    parts += frame.category_labels(labels, slot)
    parts += frame.legend(entries)
    return _svg(width, height, title, parts)


def line_chart(labels: Sequence[str], datasets: Sequence[dict], *, fmt: Callable[[float], str] = _num,
               title: str = "", width: int = 640, height: int = 240, top: float | None = None) -> str:
    """One line per dataset; a missing value breaks the line; each point has a dot."""
    labels = [str(label) for label in labels]
    values = [_value(v) for ds in datasets for v in (ds.get("data") or []) if v is not None]
    entries = [(str(ds.get("label", "")), ds.get("color", "")) for ds in datasets]
    frame = _Frame(width=width, height=height, top_value=top if top is not None else max(values, default=0.0),
                   fmt=fmt, legend_rows=_legend_rows(entries, width))
    parts = frame.axis()
    slot = frame.plot_w / max(1, len(labels))
    for ds in datasets:
        colour = _color(ds.get("color", ""))
        data = ds.get("data") or []
        segment: list[str] = []
        segments = [segment]
        for c in range(len(labels)):
            value = data[c] if c < len(data) else None
            if value is None:
                segment = []
                segments.append(segment)
                continue
            x, y = frame.left + slot * (c + 0.5), frame.y(_value(value))
            segment.append(f"{_num(x)},{_num(y)}")
            parts.append(f'<circle cx="{_num(x)}" cy="{_num(y)}" r="3" fill="{colour}">'
                         f"<title>{escape(str(ds.get('label', '')))} · {escape(labels[c])}: "
                         f"{escape(fmt(_value(value)))}</title></circle>")
        for points in segments:
            if len(points) > 1:
                parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
                             f'stroke-width="2" stroke-linejoin="round"/>')
    parts += frame.category_labels(labels, slot)
    parts += frame.legend(entries, line=True)
    return _svg(width, height, title, parts)


def chart_svg(spec: dict, *, fmt: Callable[[float], str] = _num, width: int = 640, height: int = 260) -> str:
    """The SVG of a panel's chart spec (``kind`` bar or line)."""
    if spec.get("kind") == "line":
        top = 10.0 if spec.get("format") == "score" else None
        return line_chart(spec["labels"], spec["datasets"], fmt=fmt, title=spec.get("title", ""), width=width,
                          height=height, top=top)
    return bar_chart(spec["labels"], spec["datasets"], fmt=fmt, stacked=bool(spec.get("stacked")),
                     title=spec.get("title", ""), width=width, height=height, integer=spec.get("format") == "number")
