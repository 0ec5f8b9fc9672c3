import pytest

from catalog import selectors
from catalog.similarity import ngrams, rank, similarity

from . import factories_catalog as fc

DOCS = [
    # a near-duplicate pair from two regions, worded differently
    (1, "浙江", "赋予科研人员职务科技成果所有权或长期使用权。高校院所职务科技成果属于国有资产，转化审批链条长。"
                "将职务科技成果所有权或长期使用权赋予成果完成人，赋权成果单列管理。"),
    (2, "江苏", "开展职务科技成果赋权改革试点。职务科技成果作为国有资产管理，审批环节多，成果完成人转化动力不足。"
                "试点把职务科技成果的所有权或长期使用权赋予完成人，对赋权成果实行单列管理。"),
    (3, "广东", "探索建立数据资产登记和交易规则。数据权属不清、定价难。建设数据资产登记平台，制定数据交易合规指引。"),
    (4, "北京", "加强知识产权快速协同保护。专利侵权维权周期长、成本高。建设知识产权保护中心，实行快速预审。"),
    (5, "上海", "推动科研仪器设备向社会开放共享。大型科研仪器使用率低。建设开放共享平台，实行创新券补贴。"),
    (6, "浙江", "组建产业链创新联合体。产业链上下游各自为战。支持链主企业牵头组建创新联合体，建立知识产权共享规则。"),
]


def test_ngrams_are_character_bigrams_and_trigrams_inside_runs():
    assert ngrams("科技成果，A1") == {"科技": 1, "技成": 1, "成果": 1, "科技成": 1, "技成果": 1, "a1": 1}


def test_the_near_duplicate_pair_ranks_first_for_each_other():
    ranking = rank(DOCS, top=5)
    assert ranking[1][0].key == 2
    assert ranking[2][0].key == 1
    assert ranking[1][0].score == ranking[2][0].score
    assert ranking[1][0].score > 0.3


def test_unrelated_proposals_rank_low():
    ranking = rank(DOCS, top=5)
    pair = ranking[1][0].score
    for key in (3, 4, 5):
        assert all(m.score < pair / 2 for m in ranking[key])
    assert all(m.key != 3 for m in ranking[1])  # 数据资产 shares nothing with 赋权改革


def test_proposals_of_the_same_region_are_never_suggested():
    ranking = rank(DOCS, top=5)
    assert 6 not in [m.key for m in ranking[1]]
    assert 1 not in [m.key for m in ranking[6]]


def test_similarity_of_identical_and_disjoint_texts():
    assert similarity("科技成果转化", "科技成果转化") == pytest.approx(1.0)
    assert similarity("科技成果转化", "数据交易规则") == 0.0


@pytest.mark.django_db
def test_merge_page_ranking_is_computed_once_per_cycle_and_cached(cycle, reviewer, django_assert_num_queries):
    from django.core.cache import cache

    cache.clear()
    fc.two_region_books(cycle)
    proposals = list(selectors.cycle_proposals(cycle))
    with django_assert_num_queries(2):  # (id, updated_at) pairs, then the texts to rank
        first = selectors.cycle_ranking(cycle)
    zj = next(p for p in proposals if p.title.startswith("赋予科研人员"))
    js = next(p for p in proposals if p.title == "开展职务科技成果赋权改革试点")
    assert first[zj.pk][0]["pk"] == js.pk
    assert first[js.pk][0]["pk"] == zj.pk
    assert (first[zj.pk][0]["region_name"], first[zj.pk][0]["title"]) == ("江苏省", js.title)
    keys = [k for k in cache._cache if "catalog:similar:" in k]  # noqa: SLF001 - locmem internals
    assert len(keys) == 1
    with django_assert_num_queries(1):  # cached: only the (id, updated_at) pairs are read
        assert selectors.cycle_ranking(cycle) == first
    zj.title = "赋予科研人员职务科技成果所有权（修改）"
    zj.save()
    assert selectors.cycle_ranking(cycle)[js.pk][0]["title"] == zj.title  # an edit makes a new ranking
