"""Chinese text for every stage: words, the characters a form accepts, and where a title may break.

One kernel module (DECISIONS §0 "One kernel text module") in three parts; documents, the merge page's
similarity, search and import all use it, so they agree on what a word is and on what a 公文 can show.

**Words** (jieba). ``words(text)`` is the segmentation in jieba's precise mode; ``terms(text)`` the same words
normalised for comparing texts (NFKC, lower case, no punctuation or spaces) and ``tokenizer()`` hands it to
scikit-learn (``TfidfVectorizer(tokenizer=text.tokenizer(), token_pattern=None, lowercase=False)``);
``search_tokens(text)`` is the value of a search column (jieba's search mode, normalised, each token once).
One tokenizer per process, made on first use: jieba's default dictionary (about 1 s, see README) plus one user
dictionary of

* the provincial-level place names (``regions.ALL_PROVINCES`` and ``regions.OTHER_PROVINCIAL_NAMES``) and
  their short forms (浙江, 内蒙古, 广西, 香港);
* the names in the Region table and their short forms, so a region added or renamed is a word too;
* the reform vocabulary of ``data/reform_terms.txt`` (揭榜挂帅, 职务科技成果, 国家发展改革委 …).

A Region saved or deleted updates this process's dictionary at once; other processes follow within
``PORTAL_TEXT_DICTIONARY_RECHECK`` seconds once the change is committed (a version key in the cache, so this
needs a cache the processes share). The first use in a process reads the Region table: one query. A test that
counts queries around a first use calls ``prepare()`` before it. Without a database (a script, a test that has
none) the built-in names are used and the table is read on a later call. jieba's cache goes to
``PORTAL_TEXT_CACHE_DIR`` (default: a directory of this user's under the system temp dir), never site-packages.

**Characters** a form accepts. ``normalize(value, multiline=...)`` removes what a user cannot see and did not
mean (control characters except TAB/LF/CR, zero-width and bidirectional marks, variation selectors, soft
hyphens; U+2028/U+2029 become a newline; in a one-line field a tab becomes a space). ``refusals(value, ...)``
then lists, as ``ValidationError``\\ s naming the character, everything a 公文 cannot show: characters no font of
``PDF_FONT_PACKAGES`` draws (the 公文's fonts; ``data/pdf_glyphs.txt``, made by ``manage.py pdf_glyphs``),
private-use and unassigned code points, U+FFFD, other format and control characters, and line breaks in a
one-line field. Emoji are accepted where Symbola (``fonts-symbola``, a monochrome outline font) draws them: the
research for issue 15 found they render with an extractable text layer; newer ones are refused. Forms apply
both through ``forms.CleanTextMixin``; an API serializer uses ``TextValidator``; an import calls
``clean_text(value, multiline=...)``.

**Line breaks.** ``protect(text)`` cuts a title (or a 主送, 署名, table cell) into the pieces a line must not
split: words and place names, a number with its unit (2027年度, 12号), a Latin or digit run, punctuation kept
with its neighbour (no line starts with ， or ends with 《). ``break_points(text)`` are the positions between
them. ``pdf.gongwen_title_lines`` balances title lines over these.
"""

from __future__ import annotations

import bisect
import functools
import logging
import os
import tempfile
import threading
import time
import unicodedata
import uuid
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from .regions import ALL_PROVINCES, OTHER_PROVINCIAL_NAMES, short_region_name

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
TERMS_FILE = DATA_DIR / "reform_terms.txt"
GLYPHS_FILE = DATA_DIR / "pdf_glyphs.txt"

# The Debian packages whose fonts draw the 公文 (Makefile OS_PACKAGES, Dockerfile): the CJK faces, CJK Ext-A to F
# (Hanazono), part of Ext-G and H (BabelStone Han), symbols and emoji in outline (Symbola), Latin, Greek,
# Cyrillic (DejaVu). fonts-unifont is left out on purpose: its pixel outlines do not belong in a 公文, so the
# characters only it has are refused. Never fonts-noto-color-emoji (DECISIONS §15: no colour fonts in 公文).
PDF_FONT_PACKAGES = (
    "fonts-noto-cjk",
    "fonts-arphic-ukai",
    "fonts-hanazono",
    "fonts-babelstone-han",
    "fonts-symbola",
    "fonts-dejavu-core",
)


# --- words ---------------------------------------------------------------------------------------------------

# The frequency a user-dictionary word gets at least (jieba's dictionary totals about 60 million; 1,000 is a
# common word): enough to keep a term whole beside its neighbours, not so much that it swallows them.
USER_WORD_FREQ = 1000
VERSION_KEY = "reform_portal.text:region-words"


@functools.cache
def reform_terms() -> tuple[str, ...]:
    """The reform vocabulary of ``data/reform_terms.txt``, in file order."""
    lines = TERMS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(dict.fromkeys(s for line in lines if (s := line.strip()) and not s.startswith("#")))


def place_words(names: Iterable[str]) -> set[str]:
    """Region names and their short forms (内蒙古自治区 and 内蒙古)."""
    out: set[str] = set()
    for name in names:
        name = name.strip()
        if name:
            out |= {name, short_region_name(name)}
    return out


@functools.cache
def builtin_words() -> frozenset[str]:
    """The user dictionary without the Region table: every provincial-level name, short forms, reform terms."""
    names = [name for _code, name in ALL_PROVINCES] + list(OTHER_PROVINCIAL_NAMES)
    return frozenset(place_words(names) | set(reform_terms()))


def user_words() -> frozenset[str]:
    """The whole user dictionary the tokenizer of this process holds now (built-in words and Region names)."""
    segmenter = _segmenter()
    return builtin_words() | segmenter.table_words


class _Segmenter:
    """The process's jieba tokenizer and the Region-table words it holds."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.jieba: Any = None
        self.table_words: frozenset[str] = frozenset()  # words that came from the Region table only
        self.replaced: dict[str, int] = {}  # a table word's frequency before it was added (0: none)
        self.version: object = None  # the cache version the table words were read at
        self.stale = True  # the table has not been read yet, or changed in this process
        self.checked_at = 0.0

    def add(self, word: str) -> None:
        freq = self.jieba.FREQ.get(word) or 0
        self.jieba.add_word(word, freq=max(freq, USER_WORD_FREQ))

    def follow_region_table(self) -> None:
        """Brings the table words up to date: at once after a change here, else every few seconds by the cache."""
        now = time.monotonic()
        if not self.stale and now - self.checked_at < _recheck_seconds():
            return
        self.checked_at = now
        version = _cache_version()
        if not self.stale and version == self.version:
            return
        names = _region_table_names()
        if names is None:
            return  # no database here: the built-in names serve, and the table is read on a later call
        with self.lock:
            self._use_table_words(frozenset(place_words(names) - builtin_words()))
            self.version, self.stale = version, False

    def _use_table_words(self, words: frozenset[str]) -> None:
        for word in self.table_words - words:  # renamed or deleted: the word goes back to what jieba knew
            self.jieba.FREQ[word] = self.replaced.pop(word, 0)
        for word in words - self.table_words:
            self.replaced[word] = self.jieba.FREQ.get(word) or 0
            self.add(word)
        self.table_words = words


_SEGMENTER = _Segmenter()


def _segmenter() -> _Segmenter:
    segmenter = _SEGMENTER
    if segmenter.jieba is None:
        with segmenter.lock:
            if segmenter.jieba is None:
                tokenizer = _new_jieba()
                segmenter.jieba = tokenizer
                for word in sorted(builtin_words()):
                    segmenter.add(word)
    segmenter.follow_region_table()
    return segmenter


def _new_jieba() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jieba 0.42 imports pkg_resources, which recent setuptools deprecate
        import jieba
    jieba.setLogLevel(logging.WARNING)  # its "Building prefix dict …" lines are DEBUG messages to stderr
    tokenizer = jieba.Tokenizer()
    directory = cache_dir()
    if (
        directory is None
    ):  # no private directory: jieba writes its cache to a fresh one, removed once it is loaded
        with tempfile.TemporaryDirectory(prefix="reform-portal-jieba-") as scratch:
            tokenizer.tmp_dir = scratch
            tokenizer.initialize()
    else:
        tokenizer.tmp_dir = str(directory)
        tokenizer.initialize()
    return tokenizer


def cache_dir() -> Path | None:
    """Where jieba keeps its dictionary cache: ``PORTAL_TEXT_CACHE_DIR``, else ``<tmp>/reform-portal-<uid>/jieba``.
    jieba reads the cache with ``marshal``, so a directory that someone else owns or can write is not used
    (None: the cache is made in a temporary directory and dropped)."""
    configured = getattr(settings, "PORTAL_TEXT_CACHE_DIR", "") or ""
    base = Path(configured) if configured else Path(tempfile.gettempdir()) / f"reform-portal-{os.getuid()}"
    path = base / "jieba"
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        if all(_private(p) for p in (base, path)):
            return path
    except OSError:
        pass
    logger.warning("jieba cache directory %s is not private to this user; its cache is not kept", path)
    return None


def _private(path: Path) -> bool:
    info = path.stat()
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def _recheck_seconds() -> float:
    return float(getattr(settings, "PORTAL_TEXT_DICTIONARY_RECHECK", 5))


def _cache_version() -> object:
    from django.core.cache import cache

    try:
        return cache.get(VERSION_KEY)
    except Exception:  # the cache is down: the words stay as they are until it answers again
        logger.warning("cache unavailable; the word dictionary keeps its region names", exc_info=True)
        return _SEGMENTER.version


def _region_table_names() -> list[str] | None:
    from .models import Region

    try:
        return list(Region.objects.values_list("name", flat=True))
    except (
        Exception
    ):  # no database in this process (or not migrated yet): the caller keeps the built-in names
        logger.debug("Region table not readable; built-in place names only", exc_info=True)
        return None


def region_names_changed(**kwargs: Any) -> None:
    """Region post_save/post_delete (connected in apps.py): this process re-reads the table on its next use; the
    others when the change is committed (the cache version)."""
    if kwargs.get("raw"):
        return
    _SEGMENTER.stale = True
    from django.core.cache import cache
    from django.db import transaction

    def publish() -> None:
        try:
            cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        except (
            Exception
        ):  # the cache is down: the other processes follow once it is back and a region changes
            logger.warning("cache unavailable; other processes keep their region names", exc_info=True)

    transaction.on_commit(publish)


def prepare() -> None:
    """Makes the tokenizer now (jieba's dictionary, the Region table's names) instead of on first use."""
    _segmenter()


def _cut(text: str, *, search: bool = False) -> list[str]:
    tokenizer = _segmenter().jieba
    return list(tokenizer.cut_for_search(text) if search else tokenizer.cut(text))


def words(text: str) -> list[str]:
    """The words of ``text`` in jieba's precise mode, punctuation included, whitespace left out:
    ``words("国家发展改革委 科技部") == ["国家发展改革委", "科技部"]``."""
    return [w for w in _cut(text or "") if not w.isspace()]


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def _is_term(token: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in token)


def terms(text: str) -> list[str]:
    """The words of ``text`` for comparing texts: NFKC-normalised (full-width letters and digits become ASCII),
    lower case, without punctuation, symbols and spaces. In order, repeats kept (TF-IDF counts them)."""
    return [w for w in _cut(_normal(text)) if _is_term(w)]


def tokenizer() -> Callable[[str], list[str]]:
    """The tokenizer for scikit-learn: ``TfidfVectorizer(tokenizer=text.tokenizer(), token_pattern=None,
    lowercase=False)`` (``token_pattern=None`` avoids scikit-learn's warning; ``terms`` lower-cases itself).
    A module-level function, so a fitted vectorizer can be pickled."""
    return terms


def search_tokens(text: str) -> list[str]:
    """The tokens of a search column: jieba's search mode (a long word and the shorter words inside it),
    NFKC-normalised, lower case, without punctuation and spaces, each token once in first-seen order.
    A query matches when each of its ``search_tokens`` is among the column's."""
    return list(dict.fromkeys(w for w in _cut(_normal(text), search=True) if _is_term(w)))


# --- characters ----------------------------------------------------------------------------------------------


def _ranges(*spans: tuple[int, int]) -> set[int]:
    return {cp for start, end in spans for cp in range(start, end + 1)}


# Removed from every text field: control characters (except TAB, LF, CR), and the invisible characters a user
# pastes without meaning to (zero-width spaces and joiners, bidirectional marks and overrides, word joiner,
# BOM, soft hyphen, variation selectors, tags, Hangul fillers). Pango draws none of them, and they would stay
# in the HTML and the data. The first ones are what the portal always stripped (forms.strip_control).
_INVISIBLE = _ranges(
    (0x00, 0x08),
    (0x0B, 0x0C),
    (0x0E, 0x1F),
    (0x7F, 0x9F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2066, 0x2069),
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2060, 0x2064),
    (0x206A, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_NORMALIZE: dict[int, str | None] = dict.fromkeys(_INVISIBLE)
_NORMALIZE.update(
    {0x2028: "\n", 0x2029: "\n"}
)  # line and paragraph separators: a newline (0x2029 crashes WeasyPrint)
_NORMALIZE_LINE = {**_NORMALIZE, 0x09: " ", 0x2028: " ", 0x2029: " "}


def normalize(value: str, *, multiline: bool = True) -> str:
    """``value`` without the invisible and control characters above; U+2028/U+2029 become a newline (a space in
    a one-line field, where a tab becomes a space too). Newlines stay: a one-line field refuses them."""
    return value.translate(_NORMALIZE if multiline else _NORMALIZE_LINE)


@functools.cache
def _glyph_ranges() -> tuple[list[int], list[int]]:
    """The code points the 公文 fonts draw, as sorted range starts and ends (``data/pdf_glyphs.txt``)."""
    starts: list[int] = []
    ends: list[int] = []
    for line in GLYPHS_FILE.read_text(encoding="ascii").splitlines():
        if line.startswith("#"):
            continue
        for span in line.split():
            first, _sep, last = span.partition("-")
            starts.append(int(first, 16))
            ends.append(int(last or first, 16))
    return starts, ends


def drawn(cp: int) -> bool:
    """Whether a font of ``PDF_FONT_PACKAGES`` has a glyph for code point ``cp``."""
    starts, ends = _glyph_ranges()
    i = bisect.bisect_right(starts, cp) - 1
    return i >= 0 and cp <= ends[i]


UNDRAWABLE = _("“%(char)s”（%(code)s）无法在公文中显示，请删除或改用文字。")
PRIVATE_USE = _("“%(char)s”（%(code)s）是私用区字符，公文和其他电脑上无法正确显示，请删除或改用文字。")
REPLACEMENT = _("“�”（U+FFFD）是乱码替换符，原文可能在复制或转换时已损坏，请核对后重新输入。")
INVISIBLE = _("含有不可见的控制字符（%(code)s），公文中无法显示，请删除。")
SURROGATE = _("含有无效的字符编码（%(code)s），请重新输入。")
LINE_BREAK = _("此项只能填写一行，请删除换行。")
MORE = _("另有%(count)s个字符无法使用，请一并删除或改用文字。")
SHOWN = 3  # characters named one by one; the rest are counted


@functools.lru_cache(maxsize=8192)
def _refusal(ch: str) -> Any:
    """The message for one character a 公文 cannot show (None: accepted). Line breaks are the caller's."""
    cp = ord(ch)
    if 0x20 <= cp < 0x7F or ch in "\t\n\r":
        return None
    category = unicodedata.category(ch)
    if category == "Cs":
        return SURROGATE
    if category == "Co" or 0xF0000 <= cp:
        return PRIVATE_USE
    if cp == 0xFFFD:
        return REPLACEMENT
    if category in ("Cc", "Cf", "Zl", "Zp"):
        return INVISIBLE  # normalize() removes the invisible ones; the rest (U+0600, U+FFF9 …) Pango draws as a box
    if not drawn(cp):
        return UNDRAWABLE  # also every unassigned code point: no font maps one
    return None


def refusals(value: str, *, multiline: bool = True) -> list[ValidationError]:
    """Why ``value`` cannot go into a 公文, one error per character (the first three distinct ones, then a count),
    and a line break in a one-line field; empty when it can. Call ``normalize`` first, as forms do."""
    errors: list[ValidationError] = []
    if not multiline and ("\n" in value or "\r" in value):
        errors.append(ValidationError(LINE_BREAK, code="line_break"))
    bad = [ch for ch in dict.fromkeys(value) if _refusal(ch) is not None]
    for ch in bad[:SHOWN]:
        code = f"U+{ord(ch):04X}"
        errors.append(ValidationError(_refusal(ch), code="unprintable", params={"char": ch, "code": code}))
    if len(bad) > SHOWN:
        errors.append(ValidationError(MORE, code="unprintable", params={"count": len(bad) - SHOWN}))
    return errors


def problems(value: str, *, multiline: bool = True) -> list[str]:
    """``refusals`` as plain messages (an import's errors per row and column)."""
    return [message for error in refusals(value, multiline=multiline) for message in error.messages]


def clean_text(value: str, *, multiline: bool = True) -> str:
    """``value`` normalised, or ``ValidationError`` naming what a 公文 cannot show (for an API or an import)."""
    value = normalize(value, multiline=multiline)
    errors = refusals(value, multiline=multiline)
    if errors:
        raise ValidationError(errors)
    return value


@deconstructible
class TextValidator:
    """A Django validator: refuses text a 公文 cannot show (``refusals``), naming the characters."""

    code = "unprintable"

    def __init__(self, multiline: bool = True) -> None:
        self.multiline = multiline

    def __call__(self, value: Any) -> None:
        errors = refusals(str(value), multiline=self.multiline)
        if errors:
            raise ValidationError(errors)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TextValidator) and other.multiline == self.multiline

    def __hash__(self) -> int:
        return hash((TextValidator, self.multiline))


# --- line breaks ---------------------------------------------------------------------------------------------

NO_LINE_START = frozenset(
    "，、；：。！？）》」』”’〕】〗〉·…—%‰℃,.;:!?)]}"
)  # closing punctuation; a number's sign
NO_LINE_END = frozenset("（《「『“‘〔【〖〈([{")  # opening punctuation
UNITS = frozenset("年月日号项个家次期批名元万亿岁倍")  # after a number: 2027年度, 12号, 3项


def _latin(ch: str) -> bool:
    """ASCII, or a full-width letter or digit (ＡＩ, ５Ｇ)."""
    return ch.isascii() or ("\uff10" <= ch <= "\uff5a" and ch.isalnum())


def _glued(before: str, after: str) -> bool:
    """Whether a line must not break between the token ``before`` and the token ``after``."""
    last, first = before[-1], after[0]
    if last.isspace() or first.isspace():
        return last.isspace() and first.isspace()  # a run of spaces is one piece; a line may break at it
    if first in NO_LINE_START or last in NO_LINE_END:
        return True
    if _latin(last) and _latin(first):
        return True  # a Latin word, a number, a URL (jieba cuts them at - . / and full-width letters apart)
    if last.isdigit() and first in UNITS:
        return True
    return (before == "第" or last == "〕") and first.isdigit()  # 第3批, 〔2027〕12号


def protect(text: str) -> list[str]:
    """``text`` cut into the pieces a line must not split, in order (``"".join(protect(t)) == t``): words and
    place names of the dictionary, a number with its unit, Latin and digit runs, punctuation with the word it
    belongs to; each run of spaces is a piece of its own."""
    pieces: list[str] = []
    for token in _cut(text or ""):
        if pieces and _glued(pieces[-1], token):
            pieces[-1] += token
        else:
            pieces.append(token)
    return pieces


def break_points(text: str) -> list[int]:
    """The positions ``i`` (0 < i < len(text)) where a line may end before ``text[i]``: between the pieces of
    ``protect(text)``, so never inside a word, a place name or a number with its unit."""
    points, at = [], 0
    for piece in protect(text)[:-1]:
        at += len(piece)
        points.append(at)
    return points
