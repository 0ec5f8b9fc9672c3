"""Text similarity for 合并同类项: character n-gram (2–3) TF-IDF cosine, pure Python.

Chinese has no spaces, so words are approximated by overlapping character bigrams and trigrams inside
runs of CJK characters, letters and digits (punctuation breaks a run). Weights are sublinear TF
(1 + ln tf) times smoothed IDF (ln((1 + N) / (1 + df)) + 1), each vector L2-normalised, so the dot
product of two vectors is their cosine. Terms found in more than ``max_df`` of the documents
(boilerplate such as "改革", "科技") are dropped, as sklearn's ``max_df`` does.

The ranking of a whole cycle is one pass: every document keeps its ``prune`` heaviest terms (its most
distinctive n-grams) in an inverted index; the postings of those terms give each document its
candidate neighbours (documents sharing a distinctive term), and the best candidates from other
regions are then scored with the exact cosine over the full vectors. Scores shown are exact; only
the candidate search is pruned, which keeps 1,500 proposals well under a second on one core (see
``bench/similarity.py``) even when their vocabulary is small and every n-gram is shared.
"""
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import chain, repeat
from operator import itemgetter, mul

_CHAR = r"0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Overlapping n-grams inside runs of CJK/alphanumeric characters, found by the regex engine (C speed).
_BIGRAM = re.compile(rf"(?=([{_CHAR}]{{2}}))")
_TRIGRAM = re.compile(rf"(?=([{_CHAR}]{{3}}))")
_SINGLE = re.compile(rf"(?<![{_CHAR}])[{_CHAR}](?![{_CHAR}])")


def ngrams(text: str) -> Counter:
    """Counts of character bigrams and trigrams (and lone characters) of the lower-cased text."""
    text = text.lower()
    return Counter(_BIGRAM.findall(text) + _TRIGRAM.findall(text) + _SINGLE.findall(text))


def vectorize(texts: list[str], *, max_df: float = 0.5) -> list[dict[str, float]]:
    """L2-normalised TF-IDF vectors (sublinear tf), one per text."""
    counted = [ngrams(t) for t in texts]
    n_docs = len(counted)
    df: Counter = Counter()
    for counts in counted:
        df.update(counts.keys())
    limit = max(2, int(max_df * n_docs)) if n_docs > 4 else n_docs
    log = math.log
    idf = {term: log((1 + n_docs) / (1 + d)) + 1.0 for term, d in df.items() if d <= limit}
    dropped = df.keys() - idf.keys()
    sublinear = _Sublinear()
    vectors = []
    for counts in counted:
        terms = list(counts.keys() - dropped) if dropped else list(counts)
        weights = list(map(mul, map(idf.__getitem__, terms), map(sublinear.__getitem__,
                                                                  map(counts.__getitem__, terms))))
        norm = math.sqrt(sum(map(mul, weights, weights)))
        vectors.append(dict(zip(terms, map(mul, weights, repeat(1.0 / norm)), strict=True)) if norm else {})
    return vectors


class _Sublinear(dict):
    """tf -> 1 + ln(tf), memoised."""

    def __missing__(self, tf):
        value = self[tf] = 1.0 + math.log(tf)
        return value


def cosine(a: dict[str, float], b: dict[str, float], common=None) -> float:
    """Dot product of two normalised vectors; ``common`` (their shared terms) may be given."""
    if common is None:
        common = a.keys() & b.keys()
    return sum(map(mul, map(a.__getitem__, common), map(b.__getitem__, common)))


@dataclass(frozen=True)
class Match:
    key: object
    score: float


def rank(docs: list[tuple[object, object, str]], *, top: int = 5, min_score: float = 0.05,
         max_df: float = 0.5, prune: int = 16, candidates: int = 6) -> dict[object, list[Match]]:
    """``docs`` are (key, group, text). For every key: up to ``top`` keys of OTHER groups (regions), most
    similar first, with cosine ≥ ``min_score``. Ties break on the order of ``docs``."""
    keys = [d[0] for d in docs]
    groups = [d[1] for d in docs]
    vectors = vectorize([d[2] for d in docs], max_df=max_df)
    term_sets = [frozenset(vec) for vec in vectors]
    by_weight = itemgetter(1)
    heads = [[t for t, _w in sorted(vec.items(), key=by_weight, reverse=True)[:prune]] for vec in vectors]
    postings: dict[str, list[int]] = defaultdict(list)
    for i, head in enumerate(heads):
        for term in head:
            postings[term].append(i)
    result: dict[object, list[Match]] = {}
    for i, head in enumerate(heads):
        mine = groups[i]
        shared = Counter(chain.from_iterable(map(postings.__getitem__, head)))
        near = []
        for j, _n in shared.most_common():
            if groups[j] != mine:
                near.append(j)
                if len(near) == candidates:
                    break
        vec, terms = vectors[i], term_sets[i]
        scored = [(cosine(vec, vectors[j], terms & term_sets[j]), j) for j in near]
        best = sorted(((s, j) for s, j in scored if s >= min_score), key=lambda p: (-p[0], p[1]))[:top]
        result[keys[i]] = [Match(keys[j], round(s, 4)) for s, j in best]
    return result


def similarity(a: str, b: str, *, corpus: list[str] | None = None) -> float:
    """Cosine of two texts, IDF taken from ``corpus`` (defaults to the two texts)."""
    texts = [a, b, *(corpus or [])]
    va, vb = vectorize(texts, max_df=1.0)[:2]
    if len(va) > len(vb):
        va, vb = vb, va
    return sum(w * vb.get(t, 0.0) for t, w in va.items())
