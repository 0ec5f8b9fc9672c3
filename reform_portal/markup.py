"""Markup for big repeated pieces of a page (issue 19): ``html_join`` is ``format_html_join`` without its per-value
overhead. Django's version escapes each value through ``conditional_escape`` (a lazy-aware wrapper around
``html.escape``) and marks every formatted row safe; at 31 regions × 30 entries (the 揭榜矩阵's table cells and its
heat map's rects) that bookkeeping was most of the page's time. Here every value that is not already safe goes
through the standard library's ``html.escape`` (quotes included, as Django's does) and the rows are joined once.

Use it where a template loop would repeat a fragment hundreds of times; anywhere else a template (or
``format_html``) is clearer."""

import unicodedata
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import pgettext


def esc(value: Any) -> str:
    """``value`` as markup: safe strings as they are, anything else escaped (``& < > " '``)."""
    if isinstance(value, SafeData):
        return str(value)
    return escape(str(value), quote=True)


def html_join(fmt: str, rows: Iterable[Sequence[Any]], sep: str = "") -> SafeString:
    """``format_html_join(sep, fmt, rows)``, the same output, faster: ``fmt`` is trusted markup with ``{}``
    placeholders; each row's values are escaped unless already safe."""
    # Each value is escaped above before it is formatted in: the result is markup.
    return mark_safe(sep.join(fmt.format(*[esc(v) for v in row]) for row in rows))  # noqa: S308


_SELECTED = mark_safe(" selected")  # noqa: S308 - a constant attribute


def options(rows: Iterable[tuple[Any, Any]], selected: Any = None) -> SafeString:
    """``<option value="…"[ selected]>…</option>`` for each ``(value, label)`` (e.g. a ``values_list``), as a template
    loop writes them — for a drop-down whose options grow with the data (regions, a year's measures): a template
    loop over models cost ≈1–2 ms a page (issue 19). ``selected``: the value to mark (compared as given)."""
    return html_join(
        '<option value="{}"{}>{}</option>',
        ((value, _SELECTED if value == selected else "", label) for value, label in rows),
    )


def truncate_chars(text: Any, length: int) -> str:
    """``Truncator(text).chars(length)`` (and so ``truncatechars``), the same string, without its per-call cost
    (≈5 µs: a lazy object, the translated ellipsis looked up twice and every character checked for combining
    marks) — 9 % of the 揭榜 page, whose 62 entries each have their description cut (issue 19). A text with no
    combining characters (all Chinese and most other text) is cut here; any other goes to Django's ``Truncator``."""
    text = unicodedata.normalize("NFC", str(text))  # as Truncator normalises
    if len(text) <= length:  # combining marks only shorten the count: nothing to cut
        return text if length > 0 else ""
    if length <= 0 or any(unicodedata.combining(ch) for ch in text):
        return Truncator(text).chars(length)
    ellipsis = pgettext("String to return when truncating text", "%(truncated_text)s…")
    marker = ellipsis % {"truncated_text": ""} if "%(truncated_text)s" in ellipsis else ellipsis
    keep = max(length - sum(1 for ch in marker if not unicodedata.combining(ch)), 0)
    cut = text[:keep]
    if "%(truncated_text)s" in ellipsis:
        return ellipsis % {"truncated_text": cut}
    return cut if cut.endswith(ellipsis) else f"{cut}{ellipsis}"
