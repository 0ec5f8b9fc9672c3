"""The synonym table of 合并同类项 (issue 16, DECISIONS §16): seeded from catalog/data/synonyms.txt, edited by
national reviewers at /catalog/synonyms/ with history, every edit making the cached rankings stale."""

import pytest
from django.urls import reverse

from catalog import selectors
from catalog.models import SynonymGroup
from catalog.similarity import parse_synonym_lines

from .test_similarity import SYNONYMS_FILE

pytestmark = pytest.mark.django_db


def test_the_data_migration_seeds_every_group_of_the_file():
    groups = parse_synonym_lines(SYNONYMS_FILE.read_text(encoding="utf-8").splitlines())
    table = {g.canonical: g.variant_list() for g in SynonymGroup.objects.all()}
    assert table == {c: v for c, v in groups}
    assert selectors.synonym_table().apply("培养技术经纪人") == "培养技术经理人"


def test_a_reviewer_adds_edits_and_deletes_a_group_with_history(client, reviewer):
    client.force_login(reviewer)
    url = reverse("catalog:synonyms")
    response = client.get(url)
    assert response.status_code == 200
    assert "技术经纪人" in response.content.decode()
    response = client.post(url, {"canonical": "孵化载体", "variants": "孵化器、众创空间 加速器"})
    assert response.status_code == 302
    group = SynonymGroup.objects.get(canonical="孵化载体")
    assert group.variant_list() == ["孵化器", "众创空间", "加速器"]
    assert group.updated_by == reviewer
    edit = reverse("catalog:synonym_edit", args=[group.pk])
    response = client.post(
        edit, {"canonical": "孵化载体", "variants": "孵化器 众创空间", "reason": "加速器另列"}
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.variant_list() == ["孵化器", "众创空间"]
    page = client.get(edit).content.decode()
    assert "加速器另列" in page and "新增同义词组" in page  # both versions are in the history table
    assert group.history.count() == 2
    assert client.post(reverse("catalog:synonym_delete", args=[group.pk])).status_code == 302
    assert not SynonymGroup.objects.filter(pk=group.pk).exists()
    assert SynonymGroup.history.filter(id=group.pk).count() == 3  # the deletion is kept in history


def test_a_refused_group_keeps_the_typed_text_with_a_chinese_message_at_the_field(client, reviewer):
    client.force_login(reviewer)
    response = client.post(
        reverse("catalog:synonyms"), {"canonical": "技术经理人", "variants": "技术中介<b>人员</b>"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["canonical"] == ["已有以“技术经理人”为规范用语的同义词组。"]
    page = response.content.decode()
    assert "技术中介&lt;b&gt;人员&lt;/b&gt;" in page and "<b>人员</b>" not in page
    response = client.post(reverse("catalog:synonyms"), {"canonical": "新词", "variants": " 、 "})
    assert "请至少填写一个同义表述。" in response.context["form"].errors["variants"]


def test_only_national_reviewers_reach_the_table(client, region_a_drc, expert):
    group = SynonymGroup.objects.first()
    for user in (region_a_drc, expert):
        client.force_login(user)
        assert client.get(reverse("catalog:synonyms")).status_code in (403, 404)
        response = client.post(
            reverse("catalog:synonym_edit", args=[group.pk]), {"canonical": "x", "variants": "y"}
        )
        assert response.status_code in (403, 404)
    group.refresh_from_db()
    assert group.canonical != "x"


def test_an_edit_on_the_page_changes_the_merge_suggestions(client, cycle, reviewer):
    """Two proposals that differ in one word the reviewer then declares synonyms: their score rises."""
    from django.core.cache import cache

    from .scenarios import TOPICS, submitted_region_book

    cache.clear()
    zj, *_ = submitted_region_book(
        cycle, "330000", [("推行孵化器服务质量评价", "服务同质化。", "按毕业企业评价孵化器。"), *TOPICS[:2]]
    )
    js, *_ = submitted_region_book(
        cycle, "320000", [("开展众创空间绩效考核", "只收房租。", "考核众创空间服务。"), *TOPICS[2:4]]
    )
    a = zj.proposals.get(title__startswith="推行孵化器")
    b = js.proposals.get(title__startswith="开展众创空间")

    def score(ranking):
        return next((s["score"] for s in ranking[a.pk] if s["pk"] == b.pk), 0.0)

    before = score(selectors.cycle_ranking(cycle))
    client.force_login(reviewer)
    client.post(reverse("catalog:synonyms"), {"canonical": "孵化载体", "variants": "孵化器 众创空间"})
    after = selectors.cycle_ranking(cycle)
    assert after[a.pk][0]["pk"] == b.pk
    assert score(after) > before + 0.15, (before, score(after))


def test_two_reviewers_editing_one_group(client, reviewer):
    """Issue 17 §4: the second save (loaded before the first) is refused with its text kept."""
    from tests import factories as f
    from tests.reform_portal.scenarios import _assert_refused, _loaded

    colleague = f.national_user(username="most_reviewer", full_name="科技部审核员")
    group = SynonymGroup.objects.get(canonical="技术经理人")
    url = reverse("catalog:synonym_edit", args=[group.pk])
    other = type(client)()
    client.force_login(reviewer)
    other.force_login(colleague)
    rev_a, rev_b = _loaded(client, url), _loaded(other, url)
    data = {"canonical": "技术经理人", "reason": "补充"}
    assert (
        client.post(url, {**data, "variants": "技术经纪人 技术转移人员", "revision": rev_a}).status_code
        == 302
    )
    page = other.post(url, {**data, "variants": "技术经纪人 科技中介人员", "revision": rev_b})
    _assert_refused(page, reviewer, "科技中介人员", "同义词组")
    assert SynonymGroup.objects.get(pk=group.pk).variant_list() == ["技术经纪人", "技术转移人员"]
