"""合并同类项 in a few clicks (issue 16): the 分组 view, 合并这一组 with a pre-filled form, merging a group into an
existing measure, the side-by-side comparison, and marks for repeats of an earlier year's published list."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from catalog import selectors
from catalog.enums import ListState
from catalog.models import ListEntry, Measure, MeasureList
from proposals.models import MeasureProposal

from .. import factories as f
from . import scenarios as fc

pytestmark = pytest.mark.django_db


@pytest.fixture
def books(cycle):
    cache.clear()
    return fc.two_region_books(cycle)


@pytest.fixture
def pair(books):
    zj = MeasureProposal.objects.get(title=fc.ZJ_ITEMS[0][0])
    js = MeasureProposal.objects.get(title=fc.JS_ITEMS[0][0])
    return zj, js


def _url(name, cycle, **params):
    from urllib.parse import urlencode

    return reverse(name) + "?" + urlencode({"year": cycle.year, **params}, doseq=True)


def test_the_group_view_shows_the_duplicate_pair_as_one_group(client, cycle, reviewer, pair):
    zj, js = pair
    groups = selectors.merge_groups(cycle)
    assert [[p.pk for p in g["proposals"]] for g in groups] == [[js.pk, zj.pk]]  # 江苏 (320000) first
    client.force_login(reviewer)
    page = client.get(_url("catalog:merge_groups", cycle)).content.decode()
    assert page.count('data-testid="merge-group"') == 1
    assert "合并这一组" in page and zj.title in page and js.title in page


def test_merged_proposals_leave_the_groups(cycle, reviewer, pair):
    fc.measure_from(cycle, reviewer, [pair[0]])
    assert selectors.merge_groups(cycle) == []


def test_merge_this_group_opens_a_pre_filled_form_and_saves_the_edited_measure(client, cycle, reviewer, pair):
    zj, js = pair
    js.authority_level = "national"
    js.coordination_departments = "财政部、教育部"
    js.save()
    zj.coordination_departments = "教育部，科技部"
    zj.area = "research_system"
    zj.save()
    client.force_login(reviewer)
    response = client.get(_url("catalog:merge_prefill", cycle, proposals=[zj.pk, js.pk], lead=js.pk))
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["title"] == js.title  # from the chosen proposal
    assert zj.content.strip() in initial["description"] and js.content.strip() in initial["description"]
    assert (
        zj.pain_points.strip() in initial["description"] and js.pain_points.strip() in initial["description"]
    )
    assert initial["area"] == js.area  # a tie (one each): the chosen proposal's area
    assert initial["authority_level"] == "national"  # the widest
    assert (
        initial["coordination_departments"] == "财政部、教育部、科技部"
    )  # in the merge page's order, once each
    page = response.content.decode()
    assert "来源地区：江苏省、浙江省" in page
    data = {
        **{k: v for k, v in initial.items()},
        "title": "开展职务科技成果赋权改革（合并）",
        "goals": "年内赋权成果200项。",
        "proposals": [zj.pk, js.pk],
        "lead": js.pk,
    }
    response = client.post(_url("catalog:merge_prefill", cycle), data)
    assert response.status_code == 302
    measure = Measure.objects.get(title="开展职务科技成果赋权改革（合并）")
    assert sorted(measure.sources.values_list("proposal_id", flat=True)) == sorted([zj.pk, js.pk])
    assert measure.authority_level == "national"


def test_the_area_is_the_majority_of_the_group(cycle, books, pair):
    zj, js = pair
    third = MeasureProposal.objects.get(title=fc.TOPICS[3][0])
    zj.area = js.area = "research_system"
    third.area = "tech_market"
    assert selectors.merge_prefill([zj, js, third], third)["area"] == "research_system"


def test_a_refused_pre_filled_merge_keeps_the_typed_text(client, cycle, reviewer, pair):
    zj, js = pair
    client.force_login(reviewer)
    data = {
        "title": "<b>赋权</b>",
        "area": "tech_market",
        "description": "内容",
        "authority_level": "national",
        "coordination_departments": "",
        "proposals": [zj.pk, js.pk],
    }
    response = client.post(_url("catalog:merge_prefill", cycle), data)
    assert response.status_code == 200
    assert response.context["form"].errors["coordination_departments"] == [
        "需国家层面协调的举措，请填写国家协调部门。"
    ]
    page = response.content.decode()
    assert "&lt;b&gt;赋权&lt;/b&gt;" in page and "<b>赋权</b>" not in page
    assert not Measure.objects.exists()


def test_pre_fill_refuses_proposals_not_open_in_this_year(client, cycle, reviewer, pair):
    zj, js = pair
    fc.measure_from(cycle, reviewer, [zj])
    client.force_login(reviewer)
    assert client.get(_url("catalog:merge_prefill", cycle, proposals=[zj.pk, js.pk])).status_code == 404
    assert client.get(_url("catalog:merge_prefill", cycle, proposals=[js.pk, 999999])).status_code == 404


def test_regional_staff_cannot_reach_the_merge_tools(client, cycle, region_a_drc, pair):
    zj, js = pair
    client.force_login(region_a_drc)
    for name, params in (
        ("catalog:merge_groups", {}),
        ("catalog:merge_prefill", {"proposals": [zj.pk, js.pk]}),
        ("catalog:merge_compare", {"a": zj.pk, "b": js.pk}),
    ):
        assert client.get(_url(name, cycle, **params)).status_code in (403, 404), name


def test_a_group_merges_into_an_existing_measure_from_the_group_view(client, cycle, reviewer, pair):
    zj, js = pair
    third = MeasureProposal.objects.get(title=fc.TOPICS[3][0])
    measure = fc.measure_from(cycle, reviewer, [third])
    client.force_login(reviewer)
    page = client.get(_url("catalog:merge_groups", cycle)).content.decode()
    assert "并入已有举措" in page and f'<option value="{measure.pk}">{measure.title}</option>' in page
    response = client.post(_url("catalog:merge", cycle), {"measure": measure.pk, "proposals": [zj.pk, js.pk]})
    assert response.status_code == 302
    assert measure.sources.count() == 3


def test_the_comparison_marks_shared_phrases_and_escapes_the_text(client, cycle, reviewer, pair):
    zj, js = pair
    js.content = js.content + "<script>alert(1)</script>"
    js.save()
    client.force_login(reviewer)
    response = client.get(_url("catalog:merge_compare", cycle, a=zj.pk, b=js.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<mark>职务科技成果</mark>" in page
    assert "<mark>单列管理</mark>" in page or "<mark>单列</mark>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "职务科技成果" in response.context["phrases"]
    other = f.CycleFactory(year=cycle.year - 3)
    response = client.get(_url("catalog:merge_compare", other, a=zj.pk, b=js.pk))
    assert response.status_code == 404  # proposals of another year


def _earlier_entry(cycle, reviewer, *, title, description, number):
    earlier = f.CycleFactory(year=cycle.year - 1)
    measure = Measure.objects.create(
        cycle=earlier, title=title, area="tech_market", description=description, created_by=reviewer
    )
    measure_list = MeasureList.objects.create(
        cycle=earlier, title=f"{earlier.year}年度全面创新改革举措清单", state=ListState.PUBLISHED
    )
    return ListEntry.objects.create(
        measure_list=measure_list,
        measure=measure,
        number=number,
        position=1,
        title=title,
        area="tech_market",
        description=description,
        authority_level="provincial",
    )


def test_a_repeat_of_an_earlier_years_list_entry_is_marked(client, cycle, reviewer, pair):
    zj, js = pair
    entry = _earlier_entry(
        cycle,
        reviewer,
        title="赋予科研人员职务科技成果所有权或长期使用权试点",
        description="在高校院所开展职务科技成果赋权改革，赋权成果单列管理，不纳入国有资产保值增值考核。",
        number=f"{cycle.year - 1}-05",
    )
    marks = selectors.earlier_marks(cycle)
    assert marks[zj.pk]["number"] == entry.number and marks[zj.pk]["year"] == cycle.year - 1
    unrelated = MeasureProposal.objects.get(title=fc.TOPICS[1][0])
    assert unrelated.pk not in marks
    client.force_login(reviewer)
    merge_page = client.get(_url("catalog:merge", cycle)).content.decode()
    assert f"与{cycle.year - 1}年度清单 {entry.number}“{entry.title}”相近" in merge_page
    groups_page = client.get(_url("catalog:merge_groups", cycle)).content.decode()
    assert f"{cycle.year - 1}年度清单 {entry.number}：{entry.title}" in groups_page


def test_a_later_years_list_is_no_earlier_mark(cycle, reviewer, pair):
    entry = _earlier_entry(cycle, reviewer, title=pair[0].title, description=pair[0].content, number="x-01")
    later = f.CycleFactory(year=cycle.year + 1)
    MeasureList.objects.filter(pk=entry.measure_list_id).update(cycle=later)
    Measure.objects.filter(pk=entry.measure_id).update(cycle=later)
    assert selectors.earlier_marks(cycle) == {}


def test_only_an_earlier_years_latest_published_version_marks_and_is_read_in_one_query(
    cycle, reviewer, pair, django_assert_num_queries
):
    """The earlier years' latest published versions (a later draft does not count) are read in one query once the
    marks are cached, a row per version, not the ids of all their entries (issue 19: the versions, then a few
    hundred entry ids, were two queries a merge page); an entry added to or removed from a version is still seen."""
    zj, _js = pair
    superseded = _earlier_entry(cycle, reviewer, title=zj.title, description=zj.content, number="1")
    earlier = superseded.measure_list.cycle
    latest = MeasureList.objects.create(cycle=earlier, title="第二版", state=ListState.PUBLISHED, version=2)

    def entry(measure_list, number, title, description):
        measure = Measure.objects.create(
            cycle=earlier, title=title, area="tech_market", description=description, created_by=reviewer
        )
        return ListEntry.objects.create(
            measure_list=measure_list,
            measure=measure,
            number=number,
            position=int(number),
            title=title,
            area="tech_market",
            description=description,
            authority_level="provincial",
        )

    entry(latest, "1", "建设国际科技创新中心", "建设区域科技创新中心，集聚国际高端创新资源。")
    draft = MeasureList.objects.create(cycle=earlier, title="第三版", state=ListState.DRAFT, version=3)
    entry(draft, "1", zj.title, zj.content)
    stamps = selectors.proposal_stamps(cycle)
    assert zj.pk not in selectors.earlier_marks(cycle, stamps)  # version 1 is superseded, version 3 a draft
    with django_assert_num_queries(1):  # cached: the versions only
        assert zj.pk not in selectors.earlier_marks(cycle, stamps)
    added = entry(latest, "2", zj.title, zj.content)
    assert selectors.earlier_marks(cycle, stamps)[zj.pk]["number"] == "2"
    added.delete()
    assert zj.pk not in selectors.earlier_marks(cycle, stamps)
    # version 1 is the latest published one again
    MeasureList.objects.filter(pk=latest.pk).update(state=ListState.DRAFT)
    assert selectors.earlier_marks(cycle, stamps)[zj.pk]["number"] == "1"
