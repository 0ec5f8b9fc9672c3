"""Text similarity for 合并同类项 (notice 三(二); issue 16): TF-IDF cosine with scikit-learn, exact over a cycle.

A proposal's text is its title (twice: the name of the reform weighs most), its 改革内容 and its 痛点堵点. Before
counting, the reform wording two regions use for the same thing is brought to one term with the synonym table
(``SynonymGroup``, seeded from ``data/synonyms.txt``; 职务发明 → 职务科技成果, 技术经纪人 → 技术经理人 …). Two
sparse TF-IDF matrices (sublinear tf, smoothed idf, terms found in more than half of the documents dropped) are
made from the same texts and joined, each weighing half:

* **words**: the kernel's jieba segmentation with its user dictionary of reform vocabulary and region names
  (``reform_portal.text.terms``);
* **character bigrams and trigrams** inside runs of CJK characters, letters and digits, which catch what the
  segmentation splits differently (赋权改革 / 赋权).

The rows are L2-normalised, so a dot product is the cosine. ``rank`` compares every document with every other
one (a sparse product by blocks of rows, no candidate pruning): a cycle of 155 proposals takes a few
hundredths of a second, ten years' 1,550 well under a second (``bench/similarity.py`` reports the figures and
the recall on ``tests/data/merge_eval.json``).

The cut-off ``MIN_SCORE`` was chosen from the evaluation set (``tests/data/merge_eval.json``, filed as one
cycle): the lowest cosine of a labelled pair there is 0.032 (p19, 新型研发机构 written as 体制机制灵活的研发组织;
the next lowest is 0.12), ``bench/similarity.py`` prints it as "lowest partner score". The cut-off is that
minus a margin of 0.012 (about a third of it), 0.02, so that no labelled partner is hidden by the cut-off;
``test_no_labelled_partner_is_under_the_cut_off`` keeps it so when the engine or the table changes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from reform_portal import text as kernel_text

MIN_SCORE = 0.02
MAX_DF = 0.5
WORD_WEIGHT = 0.5  # the character n-grams weigh 1 - WORD_WEIGHT
TITLE_REPEAT = 2
BLOCK = 512  # rows of the similarity matrix made at once (memory: BLOCK × N floats)

_RUN_SPLIT = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


# --- synonyms ------------------------------------------------------------------------------------------------


class Synonyms:
    """Variant → canonical term; ``apply(text)`` replaces every variant (the longest first) by its canonical
    term. Made from groups ``(canonical, [variants])``; a word in two groups keeps the first."""

    def __init__(self, groups: Iterable[tuple[str, Iterable[str]]] = ()) -> None:
        self.mapping: dict[str, str] = {}
        for canonical, variants in groups:
            canonical = canonical.strip()
            if not canonical:
                continue
            self.mapping.setdefault(canonical, canonical)
            for variant in variants:
                variant = variant.strip()
                if variant:
                    self.mapping.setdefault(variant, canonical)
        words = sorted(self.mapping, key=lambda w: (-len(w), w))
        self._pattern = re.compile("|".join(map(re.escape, words))) if words else None

    def __bool__(self) -> bool:
        return bool(self.mapping)

    def apply(self, value: str) -> str:
        if self._pattern is None:
            return value
        return self._pattern.sub(lambda m: self.mapping[m.group(0)], value)


NO_SYNONYMS = Synonyms()


def parse_synonym_lines(lines: Iterable[str]) -> list[tuple[str, list[str]]]:
    """Groups of the data file's format: one group a line, canonical first, words separated by spaces or 、，;
    blank lines and lines starting with # left out."""
    groups = []
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = [w for w in re.split(r"[\s、，,;；]+", line) if w]
        groups.append((words[0], list(dict.fromkeys(words[1:]))))
    return groups


# --- vectors -------------------------------------------------------------------------------------------------


def document(title: str, content: str = "", pain_points: str = "") -> str:
    """The text a proposal is compared by: the title ``TITLE_REPEAT`` times, then content and pain points."""
    return "\n".join([title] * TITLE_REPEAT + [content, pain_points])


def char_ngrams(value: str) -> list[str]:
    """Character bigrams and trigrams inside runs of CJK characters, letters and digits (NFKC, lower case);
    a run of one character counts as itself."""
    out: list[str] = []
    for run in _RUN_SPLIT.split(unicodedata.normalize("NFKC", value or "").lower()):
        if len(run) == 1:
            out.append(run)
        for n in (2, 3):
            out.extend(run[i : i + n] for i in range(len(run) - n + 1))
    return out


@functools.lru_cache(maxsize=20_000)
def _words(value: str) -> tuple[str, ...]:
    """The kernel's words of a (canonical) text, remembered: after one proposal changes, re-ranking its cycle
    segments only the changed text (jieba is most of the time of a cold ranking, ``bench/similarity.py``)."""
    return tuple(kernel_text.terms(value))


def _tfidf(analyzer: Any, texts: Sequence[str], max_df: float) -> sparse.csr_matrix:
    options: dict[str, Any] = {"sublinear_tf": True, "lowercase": False}
    if len(texts) > 4:
        options["max_df"] = max_df
    vectorizer = TfidfVectorizer(analyzer=analyzer, **options)
    try:
        return vectorizer.fit_transform(texts)
    except ValueError:  # no term left (empty texts, or every term in every text)
        return sparse.csr_matrix((len(texts), 0))


def vectorize(
    texts: Sequence[str], *, synonyms: Synonyms = NO_SYNONYMS, max_df: float = MAX_DF
) -> sparse.csr_matrix:
    """L2-normalised rows, one per text: word TF-IDF and character n-gram TF-IDF joined, each weighing half."""
    canonical = [synonyms.apply(t or "") for t in texts]
    words = _tfidf(_words, canonical, max_df)
    chars = _tfidf(char_ngrams, canonical, max_df)
    joined = sparse.hstack([words * np.sqrt(WORD_WEIGHT), chars * np.sqrt(1 - WORD_WEIGHT)]).tocsr()
    return normalize(joined, copy=False)


K = TypeVar("K")  # a document's key (the proposal id)


@dataclass(frozen=True)
class Match(Generic[K]):
    key: K
    score: float


def rank(
    docs: Sequence[tuple[K, object, str]],
    *,
    top: int = 5,
    min_score: float = MIN_SCORE,
    synonyms: Synonyms = NO_SYNONYMS,
    max_df: float = MAX_DF,
) -> dict[K, list[Match[K]]]:
    """``docs`` are (key, group, text). For every key: up to ``top`` keys of OTHER groups (regions), most
    similar first, with cosine ≥ ``min_score``. Every pair is scored; ties break on the order of ``docs``."""
    if not docs:
        return {}
    keys = [d[0] for d in docs]
    group_ids: dict[object, int] = {}
    groups = np.array([group_ids.setdefault(d[1], len(group_ids)) for d in docs])
    matrix = vectorize([d[2] for d in docs], synonyms=synonyms, max_df=max_df)
    transposed = matrix.T.tocsc()
    n = len(docs)
    order = np.arange(n)
    result: dict[K, list[Match[K]]] = {}
    for start in range(0, n, BLOCK):
        stop = min(start + BLOCK, n)
        scores = (matrix[start:stop] @ transposed).toarray()
        scores[groups[start:stop, None] == groups[None, :]] = -1.0  # the same region is never suggested
        for row in range(stop - start):
            line = scores[row]
            k = min(top, n)
            near = np.argpartition(-line, k - 1)[:k] if k < n else order
            best = sorted(near.tolist(), key=lambda j: (-line[j], j))[:top]
            result[keys[start + row]] = [
                Match(keys[j], round(float(line[j]), 4)) for j in best if line[j] >= min_score
            ]
    return result


def similarity(a: str, b: str, *, corpus: Sequence[str] = (), synonyms: Synonyms = NO_SYNONYMS) -> float:
    """Cosine of two texts, IDF taken from the two texts and ``corpus``."""
    matrix = vectorize([a, b, *corpus], synonyms=synonyms, max_df=1.0)
    return round(float((matrix[0] @ matrix[1].T).toarray()[0, 0]), 4)


def shared_phrases(a: str, b: str, *, min_len: int = 2, synonyms: Synonyms = NO_SYNONYMS) -> list[str]:
    """Words (of two characters or more) the two texts have in common, longest first, each once: what the
    side-by-side comparison marks."""
    words_a = {w for w in kernel_text.terms(a) if len(w) >= min_len}
    words_b = {w for w in kernel_text.terms(b) if len(w) >= min_len}
    common = words_a & words_b
    if synonyms:
        canon_b = {synonyms.apply(w) for w in words_b}
        common |= {w for w in words_a if synonyms.apply(w) in canon_b and synonyms.apply(w) != w}
    return sorted(common, key=lambda w: (-len(w), w))
