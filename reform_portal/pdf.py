"""PDF rendering for the portal's official documents (GB/T 9704-2012, see templates/pdf/gongwen_base.html).

``render_pdf(template_name, context)`` renders a Django template (autoescaped, so user text stays text)
and hands the HTML to WeasyPrint with a URL fetcher that serves only the portal's own static files:
no network, no ``file://``, no ``data:``. Stylesheets and images are referenced with ``{% static %}``
and resolve against ``PDF_BASE_URL``, an origin under the reserved ``.invalid`` domain that the
fetcher maps back onto ``STATIC_ROOT`` or the staticfiles finders; nothing is ever looked up on a
network.

The helpers ``format_doc_number``, ``gongwen_date`` and ``gongwen_title_lines`` produce the number,
date and title formats the standard prescribes; templates reach them through ``{% load gongwen %}``.
"""

import datetime
import logging
import math
import mimetypes
import posixpath
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils._os import safe_join

from .text import break_points

logger = logging.getLogger(__name__)

# The origin that {% static %} URLs are resolved against. ".invalid" is reserved (RFC 2606): it can
# never name a real host, and the fetcher below answers it from the local static files only.
PDF_BASE_URL = "https://pdf.reform-portal.invalid/"

# Documents are 公文: always Chinese, whatever language the reader's interface is in (issue 15 §1).
DOCUMENT_LANGUAGE = "zh-hans"

# The two departments that issue the cycle's documents jointly (版头 and 署名 of the 清单 and the 通知书).
JOINT_ISSUERS = ["国家发展改革委", "科技部"]


class PDFResourceRefused(ValueError):
    """A PDF template asked for a resource outside the portal's static files."""


# --- formats -------------------------------------------------------------------------------------


def format_doc_number(prefix: str, year: int, n: int) -> str:
    """发文字号: 机关代字 + 〔year in full〕 + sequence number (no 第, no leading zeros) + 号,
    e.g. ``format_doc_number("发改高技", 2027, 12) == "发改高技〔2027〕12号"``."""
    prefix = (prefix or "").strip()
    if not prefix:
        raise ValueError("发文字号需要机关代字。")
    year, n = int(year), int(n)
    if not 1000 <= year <= 9999:
        raise ValueError(f"发文字号的年份须为四位数：{year}")
    if n < 1:
        raise ValueError(f"发文字号的序号须为正整数：{n}")
    return f"{prefix}〔{year}〕{n}号"


def gongwen_date(value: datetime.date | datetime.datetime | None) -> str:
    """成文日期 in Arabic numerals, year in full, no leading zeros: ``2027年6月8日``.
    An aware datetime is shown on its Asia/Shanghai (TIME_ZONE) calendar day."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    return f"{value.year}年{value.month}月{value.day}日"


# Where a title may break: after these (the line then ends on them) ...
_BREAK_AFTER = set("，、；：。！？）》」』”’") | {"的", "和", "与", "及", "于"}
# ... before these (the line then starts with them); and never before closing punctuation.
_BREAK_BEFORE = set("（《「『“‘")
_NO_LINE_START = set("，、；：。！？）》」』”’·…—")
_NO_LINE_END = set("（《「『“‘")
_PHRASE = "关于"  # break before 关于, never right after it
# Words and place names come from the kernel's segmenter (text.break_points: jieba with the region names and the
# reform vocabulary in its dictionary), not from a list here.


def _width(text: str) -> float:
    """Width in em: ASCII letters, digits and spaces are half-width, everything else full-width."""
    return sum(0.5 if ch.isascii() else 1.0 for ch in text)


def _break_penalty(text: str, i: int, breaks: frozenset[int]) -> float:
    """Cost of breaking ``text`` before position i (lower is better; inf: never)."""
    inside_book_title = text.count("《", 0, i) > text.count("》", 0, i)
    return _pair_penalty(text, i, breaks) + (30.0 if inside_book_title else 0.0)


def _pair_penalty(text: str, i: int, breaks: frozenset[int]) -> float:
    prev, nxt = text[i - 1], text[i]
    if prev == " " or nxt == " ":
        return 0.0 if nxt == " " else math.inf  # break at a space (dropped); not just after it
    if nxt in _NO_LINE_START or prev in _NO_LINE_END:
        return math.inf
    if prev.isascii() and nxt.isascii():
        return 300.0  # inside a number or a Latin word: only when nothing else fits
    if i not in breaks:
        return 1000.0  # inside a word, a place name, or a number and its unit: only when nothing else fits
    if text.startswith(_PHRASE, i):
        return -8.0  # the usual shape: issuing authorities, then 关于… on the next line
    if text.endswith(_PHRASE, 0, i):
        return 200.0
    if prev in _BREAK_AFTER or nxt in _BREAK_BEFORE:
        return 0.5
    if prev.isascii() != nxt.isascii():
        return 4.0  # between a number and a Han character
    return 15.0  # between two words


def gongwen_title_lines(title: str, max_chars: int = 20) -> list[str]:
    """Break a title (标题, 2号 小标宋) into as few lines as fit ``max_chars`` full-width characters
    each (digits and Latin letters count half), balanced in length so the block reads as a trapezoid
    or a diamond. Breaks are preferred at spaces and punctuation, before 关于 and 《, after 的/和/与;
    never before closing punctuation; between two words only at a cost, and inside a word, a place name
    (内蒙古自治区, 广西壮族自治区) or a number with its unit (2027年度) only when nothing else fits
    (``text.break_points``).

    ``max_chars`` defaults to 20: 22 pt characters across the 156 mm 版心.
    """
    text = re.sub(r"\s+", " ", title or "").strip()
    if _width(text) <= max_chars:
        return [text] if text else []
    fewest = math.ceil(_width(text) / max_chars)
    # One more line than the fewest is considered too; an extra line has to pay for itself.
    breaks = frozenset(break_points(text))
    candidates = [_balanced_split(text, n, max_chars, breaks) for n in (fewest, fewest + 1)]
    candidates = [c for c in candidates if c is not None]
    if candidates:
        return min(candidates, key=lambda c: c[0] + 20.0 * len(c[1]))[1]
    step = max(1, int(max_chars))  # pathological text (all closing punctuation…): plain chunks
    return [text[k : k + step] for k in range(0, len(text), step)]


def _balanced_split(
    text: str, lines: int, max_chars: int, breaks: frozenset[int]
) -> tuple[float, list[str]] | None:
    """Least-cost split into exactly ``lines`` lines (dynamic programming over break positions)."""
    size = len(text)
    prefix = [0.0]
    for ch in text:
        prefix.append(prefix[-1] + (0.5 if ch.isascii() else 1.0))
    ideal = _width(text.replace(" ", "")) / lines
    penalties = [0.0] + [_break_penalty(text, i, breaks) for i in range(1, size)] + [0.0]
    reach = 2 * int(max_chars) + 2  # a line holds at most 2 × max_chars half-width characters
    # best[k][i]: least cost of putting text[:i] on k lines; back[k][i]: where line k starts.
    best = [[math.inf] * (size + 1) for _ in range(lines + 1)]
    back = [[0] * (size + 1) for _ in range(lines + 1)]
    best[0][0] = 0.0
    for k in range(1, lines + 1):
        for i in range(1, size + 1):
            if penalties[i] == math.inf:
                continue
            for j in range(max(0, i - reach), i):
                if best[k - 1][j] == math.inf:
                    continue
                width = prefix[i] - prefix[j] - (0.5 if text[j] == " " else 0.0)
                if width > max_chars:
                    continue
                cost = best[k - 1][j] + (width - ideal) ** 2 + penalties[i]
                if cost < best[k][i]:
                    best[k][i], back[k][i] = cost, j
    if best[lines][size] == math.inf:
        return None
    cuts, i = [], size
    for k in range(lines, 0, -1):
        j = back[k][i]
        cuts.append(text[j:i].strip())
        i = j
    return best[lines][size], cuts[::-1]


def spread_names(names) -> list[dict]:
    """Joint 发文机关标志: the names stacked, each spread to the width of the longest.

    Returns, per name, ``head`` (all characters but the last), ``last`` and ``spacing`` (a CSS
    letter-spacing for ``head``, in em) so that every name spans exactly as many em as the longest.
    """
    names = [str(n).strip() for n in names if str(n).strip()]
    width = max((len(n) for n in names), default=0)
    rows = []
    for name in names:
        gaps = len(name) - 1
        spacing = (width - len(name)) / gaps if gaps else 0
        rows.append({"name": name, "head": name[:-1], "last": name[-1], "spacing": f"{spacing:.4f}em"})
    return rows


def region_department_names(region) -> list[str]:
    """The region's 发展改革委 and 科技厅（委、局） as they are called (the reference data of 单位管理: 北京市发展改革委,
    北京市科委、中关村管委会 …), the 发展改革委 first; each name's own 、-separated parts kept. Falls back to the
    usual names when the region has none recorded."""
    from .enums import OrgKind
    from .models import Organization

    names = list(
        Organization.objects.filter(region=region, kind__in=OrgKind.regional_departments())
        .order_by("kind", "pk")
        .values_list("name", flat=True)
    ) or [f"{region.name}发展改革委", f"{region.name}科技厅"]
    parts = [part.strip() for name in names for part in name.split("、")]
    return list(dict.fromkeys(p for p in parts if p))


def record_height(cc: str) -> float:
    """The room (pt) a 版记 takes at the foot of the last page (templates/pdf/record_inline.html): 4号 on 24 pt
    lines, 抄送 wrapping after about 29 characters of the 156 mm 版心, the 印发 line, rules, and the blank line
    GB/T 9704 leaves above it."""
    cc_lines = math.ceil((len(cc) + 4) / 29) if cc else 0
    return (cc_lines + 1) * 24 + 8 + 28.9


def split_lines(text: str) -> list[str]:
    """A typed text's paragraphs: one per line, blank lines and surrounding spaces dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- resources -----------------------------------------------------------------------------------


def _static_path(url: str) -> Path:
    """The local file a ``/static/...`` URL (or one under PDF_BASE_URL) names; refuses everything else."""
    if not isinstance(url, str) or "\\" in url or "\x00" in url:
        raise PDFResourceRefused(f"PDF 不加载此资源：{url!r}")
    parts = urlsplit(url)
    base = urlsplit(PDF_BASE_URL)
    if parts.scheme or parts.netloc:
        if (parts.scheme.lower(), parts.netloc.lower()) != (base.scheme, base.netloc):
            raise PDFResourceRefused(f"PDF 只加载本平台的静态文件，拒绝：{url!r}")
    path = unquote(parts.path)
    static_url = urlsplit(settings.STATIC_URL).path
    if not static_url.endswith("/"):
        static_url += "/"
    if not path.startswith(static_url) or "\\" in path or "\x00" in path:
        raise PDFResourceRefused(f"PDF 只加载 {static_url} 下的静态文件，拒绝：{url!r}")
    relative = path[len(static_url) :]
    segments = relative.split("/")
    if not relative or any(s in ("", ".", "..") for s in segments) or posixpath.isabs(relative):
        raise PDFResourceRefused(f"PDF 拒绝可疑的静态文件路径：{url!r}")
    found = None
    if settings.STATIC_ROOT:
        candidate = Path(safe_join(settings.STATIC_ROOT, relative))
        if candidate.is_file():
            found = candidate
    if found is None:
        hit = finders.find(relative)
        if isinstance(hit, list):  # pragma: no cover - only with find_all
            hit = hit[0] if hit else None
        found = Path(hit) if hit else None
    if found is None or not found.is_file():
        raise PDFResourceRefused(f"找不到静态文件：{url!r}")
    return found


def fetch_static(url: str) -> tuple[bytes, str]:
    """The bytes and MIME type of a portal static file named by ``url``.

    Serves ``/static/<path>`` (or ``PDF_BASE_URL`` + ``static/<path>``) from STATIC_ROOT or the
    staticfiles finders; raises ``PDFResourceRefused`` for every other URL (http, https to any
    other host, file, data, ftp, relative paths outside static, ``..`` or encoded traversal).
    """
    try:
        path = _static_path(url)
    except PDFResourceRefused:
        logger.warning("PDF resource refused: %.200s", url)
        raise
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    logger.debug("PDF resource served: %s -> %s", url, path)
    return path.read_bytes(), mime


def _weasyprint_fetcher():
    """A WeasyPrint URL fetcher around ``fetch_static``, for the installed WeasyPrint version."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # WeasyPrint >= 68: a URLFetcher subclass with fetch()

        class StaticOnlyFetcher(urls.URLFetcher):
            def fetch(self, url, headers=None):
                body, mime = fetch_static(url)
                return urls.URLFetcherResponse(url, body, {"Content-Type": mime})

        return StaticOnlyFetcher(allow_redirects=False)

    def fetcher(url, timeout=10, ssl_context=None):  # older WeasyPrint: a function returning a dict
        body, mime = fetch_static(url)
        return {"string": body, "mime_type": mime, "redirected_url": url}

    return fetcher


# --- rendering -----------------------------------------------------------------------------------


@contextmanager
def document_language() -> Iterator[None]:
    """Everything inside renders in the documents' language (Chinese): choice labels (``get_area_display``),
    gettext strings, dates. Wrap every rendering of a document and everything stored from it."""
    with translation.override(DOCUMENT_LANGUAGE):
        yield


def render_html(template_name: str, context: dict) -> str:
    """The HTML a PDF is made from (useful for debugging a template in a browser), always in Chinese."""
    with document_language():
        return render_to_string(template_name, context)


def english_labels(choices: Iterable[type]) -> set[str]:
    """The English labels of ``choices`` (TextChoices classes) that differ from their Chinese ones: what a
    document rendered under an English interface printed where the Chinese label belongs."""
    labels: set[str] = set()
    for enum in choices:
        for value in enum:  # type: ignore[attr-defined]
            with translation.override(DOCUMENT_LANGUAGE):
                chinese = str(value.label)
            with translation.override("en"):
                english = str(value.label)
            if english != chinese:
                labels.add(english)
    return labels


def pdf_text(data: bytes) -> str:
    """The text layer of a PDF (pypdf), every page, whitespace removed (line joins do not matter)."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", "", "".join(page.extract_text() or "" for page in reader.pages))


def rendered_in_english(data: bytes, choices: Iterable[type]) -> bool:
    """Whether a stored PDF was made under an English interface: its text holds the English label of one of
    the ``choices`` it prints (compared without whitespace, so a label wrapped over two lines is found)."""
    text = pdf_text(data)
    return any(re.sub(r"\s+", "", label) in text for label in english_labels(choices))


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render ``template_name`` with ``context`` (autoescaped) and return the PDF bytes.

    Templates extend ``pdf/gongwen_base.html``. Fonts come from fontconfig and are embedded
    (subset) in the PDF; resources come only from the portal's static files.
    """
    return html_to_pdf(render_html(template_name, context))


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML string, with ``{% static %}`` URLs served by ``fetch_static`` and nothing else."""
    import weasyprint  # costs ~0.8 s on first import: only when a PDF is actually made

    document = weasyprint.HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=_weasyprint_fetcher())
    return document.write_pdf()
