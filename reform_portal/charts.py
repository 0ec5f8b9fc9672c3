"""Server-rendered SVG charts (issue 18 §9): the geometry is computed here, the templates in
templates/reform_portal/charts/ draw it with SVG attributes and classes only (the CSP forbids ``style=""``;
colours are in portal.css). No JavaScript: the charts print and work without it. Each chart has a <title> and a
<desc>; the table beside it stays the accessible record of the same numbers."""

import datetime
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language

from .kept import KEPT_SECONDS, content_digest
from .markup import esc


@dataclass
class Segment:
    x: float
    width: float
    css: str
    title: str


@dataclass
class Bar:
    label: str
    y: float
    text: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class BarChart:
    title: str
    desc: str
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: list[Bar]
    legend: list[tuple[str, str]]

    @property
    def bars_svg(self) -> SafeString:
        """The bars' ``<g>``s (labels and titles escaped), joined here rather than looped in the template: at 31
        regions and 50 tasks the loop's lookups, ``add`` and ``truncatechars`` filters and localised numbers were
        most of the progress page's time (issue 19). The same markup as the loop wrote (tests compare them);
        coordinates print as ``str`` of their int or float, as the template printed them (no thousands
        separator)."""
        label_x, value_x, height = int(self.label_width - 6), int(self.width - 66), self.bar_height
        language = get_language()
        classes: dict[str, str] = {}
        out = []
        for bar in self.bars:
            y, text_y = bar.y, int(bar.y) + 12
            rects = "".join(
                f'<rect x="{s.x}" y="{y}" width="{s.width}" height="{height}" '
                f'class="{classes.get(s.css) or classes.setdefault(s.css, esc(s.css))}"><title>{esc(s.title)}</title></rect>'
                for s in bar.segments
            )
            out.append(
                f'<g class="bar" data-label="{esc(bar.label)}">\n'
                f'      <text x="{label_x}" y="{text_y}" text-anchor="end" class="chart-label">'
                f"{_short_label(str(bar.label), language)}</text>\n"
                f"      {rects}\n"
                f'      <text x="{value_x}" y="{text_y}" class="chart-value">{esc(bar.text)}</text>\n'
                "    </g>"
            )
        return mark_safe("".join(out))  # noqa: S308 - every text escaped above; the rest are numbers


@functools.lru_cache(maxsize=4096)
def _short_label(label: str, language: str | None) -> str:
    """``label`` cut to 12 characters as ``truncatechars:12`` cuts it, escaped: remembered per label and language
    (the ellipsis is translated), since ``Truncator`` costs ≈11 µs a label — ≈0.9 ms for the progress page's 81
    bars, the same labels on every visit (issue 19)."""
    return esc(Truncator(label).chars(12))


def stacked_bars(
    title: str,
    rows: Sequence[tuple[str, Sequence[tuple[int, str, str]]]],
    *,
    legend: Sequence[tuple[str, str]],
    desc: str = "",
    width: int = 560,
    label_width: int = 150,
    bar_height: int = 16,
    gap: int = 8,
) -> BarChart:
    """One horizontal bar per row, its parts stacked left to right: ``rows`` = [(label, [(value, css class,
    tooltip), …]), …]. Bars share one scale (the largest total fills the plot width)."""
    value_width = 70
    plot = width - label_width - value_width
    largest = max((sum(v for v, _c, _t in parts) for _l, parts in rows), default=0) or 1
    bars = []
    for i, (label, parts) in enumerate(rows):
        y = 24 + i * (bar_height + gap)
        x = float(label_width)
        bar = Bar(label=label, y=y, text=" / ".join(str(v) for v, _c, _t in parts))
        for value, css, tooltip in parts:
            w = plot * value / largest
            if w > 0:
                bar.segments.append(Segment(x=round(x, 1), width=round(w, 1), css=css, title=tooltip))
            x += w
        bars.append(bar)
    height = 24 + len(rows) * (bar_height + gap) + 4
    return BarChart(title, desc, width, height, label_width, bar_height, bars, list(legend))


class Cell(NamedTuple):
    """One square of a heat map (a tuple: a matrix draws thousands of them)."""

    x: int
    y: int
    css: str
    title: str


@dataclass
class HeatMap:
    title: str
    desc: str
    width: int
    height: int
    size: int
    label_width: int
    top: int
    row_labels: list[tuple[int, str]]
    column_labels: list[tuple[int, str]]
    cells: list[Cell]
    legend: list[tuple[str, str]]

    @property
    def cells_svg(self) -> SafeString:
        """The cells' ``<rect>``s (titles escaped), joined here rather than looped in the template: at 31 regions ×
        30 entries the template's loop (each number localised) took most of the matrix page's time, and then
        per-value escaping did (issue 19). Coordinates are integers; the few classes are escaped once each."""
        side = int(self.size - 2)
        classes: dict[str, str] = {}
        return mark_safe(  # noqa: S308 - the titles and classes escaped here, the rest integers
            "".join(
                f'<rect x="{int(x)}" y="{int(y)}" width="{side}" height="{side}" '
                f'class="{classes.get(css) or classes.setdefault(css, esc(css))}"><title>{esc(title)}</title></rect>'
                for x, y, css, title in self.cells
            )
        )

    @property
    def labels_svg(self) -> SafeString:
        """The column labels above the grid and the row labels (cut to 8 characters, as ``truncatechars:8``)
        beside it."""
        column_y, row_x = int(self.top - 6), int(self.label_width - 6)
        columns = "".join(
            f'<text x="{int(x)}" y="{column_y}" text-anchor="middle" class="chart-label small">{esc(label)}</text>'
            for x, label in self.column_labels
        )
        rows = "".join(
            f'<text x="{row_x}" y="{int(y)}" text-anchor="end" class="chart-label">'
            f"{esc(Truncator(label).chars(8))}</text>"
            for y, label in self.row_labels
        )
        return mark_safe(columns + "\n    " + rows)  # noqa: S308 - every label escaped above


def heat_map(
    title: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    cells: Sequence[Sequence[tuple[str, str]]],
    *,
    legend: Sequence[tuple[str, str]],
    desc: str = "",
    size: int = 22,
    label_width: int = 90,
) -> HeatMap:
    """A grid: ``cells[r][c]`` = (css class, tooltip) of row r, column c."""
    top = 40
    out = [
        Cell(label_width + c * size, top + r * size, css, tooltip)  # positional: a matrix makes thousands
        for r, row in enumerate(cells)
        for c, (css, tooltip) in enumerate(row)
    ]
    return HeatMap(
        title,
        desc,
        width=label_width + max(len(column_labels), 1) * size + 4,
        height=top + len(row_labels) * size + 4,
        size=size,
        label_width=label_width,
        top=top,
        row_labels=[(top + r * size + size - 5, label) for r, label in enumerate(row_labels)],
        column_labels=[(label_width + c * size + size // 2, label) for c, label in enumerate(column_labels)],
        cells=out,
        legend=list(legend),
    )


@dataclass
class Span:
    x: float
    width: float
    css: str
    label: str
    end: str
    label_y: int  # labels alternate between two lanes so that short stages' labels do not overlap


@dataclass
class Timeline:
    title: str
    desc: str
    width: int
    height: int
    spans: list[Span]
    today_x: float | None
    today_label: str


def timeline(
    title: str,
    start: datetime.date,
    stages: Sequence[tuple[str, datetime.date, str]],
    *,
    today: datetime.date,
    today_label: str,
    desc: str = "",
    width: int = 720,
) -> Timeline:
    """Consecutive stages from ``start``: ``stages`` = [(label, last day, css class), …] in order; a line marks
    today when it falls inside."""
    end = stages[-1][1] if stages else start
    days = max((end - start).days, 1)

    def x_of(day: datetime.date) -> float:
        return round(4 + (width - 8) * (day - start).days / days, 1)

    spans, left = [], start
    for i, (label, last, css) in enumerate(stages):
        width_ = max(x_of(last) - x_of(left), 1)
        spans.append(
            Span(x=x_of(left), width=width_, css=css, label=label, end=str(last), label_y=42 + 30 * (i % 2))
        )
        left = last
    inside = start <= today <= end
    return Timeline(title, desc, width, 92, spans, x_of(today) if inside else None, today_label)


@dataclass(frozen=True)
class DrawnHeatMap:
    """A heat map as its template reads it, its markup already made: what ``drawn_heat_map`` keeps."""

    title: str
    desc: str
    width: int
    height: int
    legend: list[tuple[str, str]]
    labels_svg: SafeString
    cells_svg: SafeString


def drawn_heat_map(name: str, content: Any, build: Callable[[], HeatMap]) -> DrawnHeatMap:
    """``build()``'s heat map, drawn once per distinct ``content`` (and language) and kept in the cache: the key is
    a digest of ``content``, which must hold everything the chart prints (its labels, every cell's state), so a
    change gives a new key at once and nothing stale is drawn. A grid of 31 regions × 62 entries is 1,922
    ``<rect>``s with their titles, the one part of the 揭榜矩阵 that grew with the data after its tally was stored
    (issue 19). The cache only holds what can be drawn again: it fails open."""
    key = f"charts:heat-map:{name}:{content_digest([get_language(), content])}"
    kept = cache.get(key)
    if kept is None:
        chart = build()
        kept = {
            "title": str(chart.title),
            "desc": str(chart.desc),
            "width": int(chart.width),
            "height": int(chart.height),
            "legend": [(str(label), str(css)) for label, css in chart.legend],
            "labels_svg": str(chart.labels_svg),
            "cells_svg": str(chart.cells_svg),
        }
        cache.set(key, kept, KEPT_SECONDS)
    return DrawnHeatMap(
        title=kept["title"],
        desc=kept["desc"],
        width=kept["width"],
        height=kept["height"],
        legend=kept["legend"],
        labels_svg=mark_safe(kept["labels_svg"]),  # noqa: S308 - escaped by HeatMap when it was drawn
        cells_svg=mark_safe(kept["cells_svg"]),  # noqa: S308 - escaped by HeatMap when it was drawn
    )
