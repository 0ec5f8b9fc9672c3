"""The evaluation set of 合并同类项 (issue 16, DECISIONS §16): labelled near-duplicate pairs written by two regions
in different words, hard negatives of the same 改革任务领域, and distractors, filed as the 155 proposals of one
cycle (31 regions × 5) through the proposal services, then read back through the merge page's own selectors
(the cached ranking, one page of rows at a time) as a reviewer sees them.

The set (``tests/data/merge_eval.json``) is pinned by its sha256 and was committed before the engine changed."""

import hashlib
import json
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from catalog import selectors
from reform_portal.models import Region
from reform_portal.pagination import paginate
from reform_portal.regions import ALL_PROVINCES

from .scenarios import submitted_region_book

EVAL_FILE = Path(__file__).resolve().parent.parent / "data" / "merge_eval.json"
EVAL_SHA256 = "add85ddc64613a5f17fad90257986bd8bb179a648ed2110d2278273b6eb604e2"
PER_BOOK = 5

MIN_RECALL_AT_1 = 0.9
MAX_HARD_NEGATIVE_FIRST = 0.10


def load_eval() -> dict:
    raw = EVAL_FILE.read_bytes()
    assert hashlib.sha256(raw).hexdigest() == EVAL_SHA256, "merge_eval.json changed: the set is pinned"
    return json.loads(raw)


def eval_items(data: dict) -> list[dict]:
    """Every proposal of the set in filing order: pair members side by side (so they land in two regions),
    then hard negatives, then distractors. ``key`` names each: ``p01a``, ``p01b``, ``n01``, ``d00``."""
    items = []
    for pair in data["pairs"]:
        items.append({"key": pair["id"] + "a", "area": pair["area"], **pair["a"]})
        items.append({"key": pair["id"] + "b", "area": pair["area"], **pair["b"]})
    for neg in data["hard_negatives"]:
        items.append({"key": neg["id"], **{k: neg[k] for k in ("area", "title", "pain_points", "content")}})
    for i, d in enumerate(data["distractors"]):
        items.append({"key": f"d{i:02d}", **d})
    return items


def file_cycle(cycle, items: list[dict]) -> dict[int, str]:
    """Files ``items`` round-robin over the 31 regions (item i → region i mod 31), five per book, as submitted
    books; returns proposal id → item key."""
    regions = []
    for code, name in ALL_PROVINCES:
        Region.objects.get_or_create(code=code, defaults={"name": name, "active": True})
        regions.append(code)
    assert len(items) <= PER_BOOK * len(regions)
    by_region: dict[str, list[dict]] = {code: [] for code in regions}
    for i, item in enumerate(items):
        by_region[regions[i % len(regions)]].append(item)
    keys: dict[str, str] = {}
    for code, mine in by_region.items():
        if not mine:
            continue
        book, _drc, _sci = submitted_region_book(
            cycle, code, [(it["title"], it["pain_points"], it["content"]) for it in mine]
        )
        for proposal, it in zip(book.proposals.order_by("position", "pk"), mine, strict=True):
            assert proposal.title == it["title"]
            keys[proposal.pk] = it["key"]
    return keys


def suggestions_through_the_merge_page(cycle) -> dict[int, list[int]]:
    """Proposal id → ids of its suggestions, best first, read page by page as the merge view reads them."""
    rf = RequestFactory()
    out: dict[int, list[int]] = {}
    number = 1
    while True:
        page, _query = paginate(
            rf.get("/catalog/merge/", {"page": number}),
            selectors.merge_row_values(selectors.merge_proposals(cycle)),
        )
        for row in selectors.merge_rows(cycle, page.object_list):
            out[row["pk"]] = [s["pk"] for s in row["similar"]]
        if not page.has_next():
            return out
        number += 1


def measure(data: dict, keys: dict[int, str], suggested: dict[int, list[int]]) -> dict:
    """recall@1, MRR (partner's reciprocal rank among the suggestions, 0 when absent) and the share of queries
    whose first suggestion is a hard negative labelled against that pair; the misses by key."""
    key_of = keys
    against: dict[str, set[str]] = {}
    for neg in data["hard_negatives"]:
        for pid in neg["against"]:
            against.setdefault(pid, set()).add(neg["id"])
    hits = rr = negatives_first = queries = 0
    misses = []
    for pk, key in keys.items():
        if not key.startswith("p"):
            continue
        queries += 1
        pair, side = key[:-1], key[-1]
        partner = pair + ("b" if side == "a" else "a")
        ranked = [key_of[s] for s in suggested.get(pk, [])]
        if ranked and ranked[0] == partner:
            hits += 1
        else:
            misses.append((key, ranked[:3]))
        if partner in ranked:
            rr += 1 / (ranked.index(partner) + 1)
        if ranked and ranked[0] in against.get(pair, set()):
            negatives_first += 1
    return {
        "queries": queries,
        "recall_at_1": hits / queries,
        "mrr": rr / queries,
        "hard_negative_first": negatives_first / queries,
        "misses": misses,
    }


def test_the_evaluation_set_is_pinned_and_large_enough():
    data = load_eval()
    assert len(data["pairs"]) >= 40
    items = eval_items(data)
    assert len(items) >= 150
    assert len({it["key"] for it in items}) == len(items)
    ids = {p["id"] for p in data["pairs"]}
    areas = {p["id"]: p["area"] for p in data["pairs"]}
    for neg in data["hard_negatives"]:  # hard negatives come from the same 改革任务领域
        assert neg["against"] and set(neg["against"]) <= ids
        assert {areas[p] for p in neg["against"]} == {neg["area"]}
    for pair in data["pairs"]:  # worded differently: the two titles are never the same text
        assert pair["a"]["title"] != pair["b"]["title"]


@pytest.mark.django_db
def test_the_merge_page_suggests_the_partner_first(cycle):
    cache.clear()
    data = load_eval()
    keys = file_cycle(cycle, eval_items(data))
    assert len(keys) >= 150
    regions = dict(selectors.cycle_proposals(cycle).values_list("pk", "book__region__code"))
    by_key = {v: k for k, v in keys.items()}
    for pair in data["pairs"]:  # other-region rule: the two members of a pair are in two regions
        assert regions[by_key[pair["id"] + "a"]] != regions[by_key[pair["id"] + "b"]]
    suggested = suggestions_through_the_merge_page(cycle)
    assert set(suggested) == set(keys)
    for pk, near in suggested.items():  # the rule is on: never a proposal of the same region
        assert all(regions[s] != regions[pk] for s in near)
    assert suggestions_through_the_merge_page(cycle) == suggested  # the second read comes from the cache
    figures = measure(data, keys, suggested)
    print(
        f"\nmerge eval: {figures['queries']} queries over {len(keys)} proposals: "
        f"recall@1 {figures['recall_at_1']:.3f}, MRR {figures['mrr']:.3f}, "
        f"hard negative first {figures['hard_negative_first']:.3f}; misses {figures['misses']}"
    )
    assert figures["recall_at_1"] >= MIN_RECALL_AT_1, figures
    assert figures["hard_negative_first"] <= MAX_HARD_NEGATIVE_FIRST, figures
