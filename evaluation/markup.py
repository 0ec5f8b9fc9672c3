"""The yearly results' repeated markup (issue 19): the ranking table's rows and the bar charts' bars, one row or
bar per region, made here rather than in template loops. At 31 regions the loops' lookups and per-value
localisation (≈1,300 numbers a page) were most of the results pages' time and made them grow with the regions.

The same markup as the templates wrote (tests/evaluation/test_lists.py keeps the old loops and compares them
on hostile text); every text is escaped, numbers are written as ``{{ }}`` localised them."""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from reform_portal.markup import esc


def number(value: Any, decimal_separator: str) -> str:
    """``value`` as ``{{ value }}`` writes it: Django localises numbers (its decimal separator; no grouping
    unless USE_THOUSAND_SEPARATOR); anything else is text, escaped."""
    if settings.USE_THOUSAND_SEPARATOR:
        return esc(formats.localize(value))
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return esc(value)
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if isinstance(value, Decimal) or "e" in text.lower():
        return esc(formats.localize(value))
    return text.replace(".", decimal_separator)


def ranking_rows(rows: Sequence[Mapping[str, Any]], *, detailed: bool) -> SafeString:
    """The ranking table's rows (``evaluation.selectors.ranking``), as ``_ranking.html``'s loop wrote them."""
    sep = formats.get_format("DECIMAL_SEPARATOR")
    out = []
    for r in rows:
        grades = r["grades"]
        average = r["average_grade"]
        cells = "".join(
            f"<td>{number(v, sep)}</td>"
            for v in (r["rank"], r["region"].name, r["tasks"], r["completed"], r["evaluated"])
        )
        cells += f"<td>{number(average, sep) if average is not None else '—'}</td>"
        details = (
            "".join(f"<td>{number(grades[k], sep)}</td>" for k in ("excellent", "good", "pass", "fail"))
            if detailed
            else ""
        )
        out.append(
            f'<tr data-region="{esc(r["region"].code)}">\n    {cells}\n    {details}\n'
            f"    <td>{number(r['outcomes'], sep)}</td>\n  </tr>"
        )
    # Every text value is escaped above; the rest is this function's markup.
    return mark_safe("".join(out))  # noqa: S308


def chart_bars(chart: Mapping[str, Any]) -> SafeString:
    """A bar chart's bars (``evaluation.selectors.bar_chart``), as ``_chart.html``'s loop wrote them."""
    sep = formats.get_format("DECIMAL_SEPARATOR")
    if not chart["bars"]:
        return mark_safe(f'<text x="10" y="20" font-size="13" fill="#666">{esc(_("暂无数据"))}</text>')  # noqa: S308
    label_x = number(chart["label_x"], sep)
    label_width = number(chart["label_width"], sep)
    bar_height = number(chart["bar_height"], sep)
    out = []
    for bar in chart["bars"]:
        label, value, text_y = esc(bar["label"]), number(bar["value"], sep), number(bar["text_y"], sep)
        out.append(
            f'\n      <text x="{label_x}" y="{text_y}" text-anchor="end" font-size="13" fill="#222">{label}</text>'
            f'\n      <rect x="{label_width}" y="{number(bar["y"], sep)}" width="{number(bar["width"], sep)}"'
            f' height="{bar_height}" fill="#b31b1b"><title>{label}：{value}</title></rect>'
            f'\n      <text x="{number(bar["value_x"], sep)}" y="{text_y}" font-size="13" fill="#222">{value}</text>'
            "\n    "
        )
    # Every text value is escaped above; the rest is this function's markup.
    return mark_safe("".join(out))  # noqa: S308
