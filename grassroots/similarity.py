"""Near-duplicate groups of one 征集's suggestions, by the same engine as 合并同类项 (catalog.similarity).

The engine (issue 16: jieba words and character n-grams, TF-IDF over all pairs) is called from here only."""

from catalog import similarity as engine

THRESHOLD = 0.45


def group_suggestions(texts: list[str], *, threshold: float = THRESHOLD) -> list[list[int]]:
    """Indices of ``texts`` in groups of two or more near-identical texts (single link over pairs with a cosine
    ≥ ``threshold``), each group in index order, groups in the order of their first member."""
    if len(texts) < 2:
        return []
    # Every text is its own "region" for the engine, so every other text is a candidate neighbour.
    ranked = engine.rank([(i, i, t) for i, t in enumerate(texts)], top=10, min_score=threshold)
    parent = list(range(len(texts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, matches in ranked.items():
        for m in matches:
            a, b = root(i), root(m.key)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(root(i), []).append(i)
    return [members for _r, members in sorted(groups.items()) if len(members) > 1]
