"""清单举措 (issue 18 §4): sortable by 序号, name and 领域, exported row for row."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from catalog import services
from catalog.models import Measure
from tests.factories import ended_proposals

from . import scenarios as fc

pytestmark = pytest.mark.django_db


def test_measures_sort_and_export_the_pages_rows(client, cycle, reviewer, measure):
    for i, (title, area) in enumerate(
        [("+建立尽职免责清单", "core_tech"), ("开展贷款风险补偿", "new_economy")], 2
    ):
        Measure.objects.create(
            cycle=cycle, title=title, area=area, description="内容", position=i, created_by=reviewer
        )
    client.force_login(reviewer)
    default = [
        m.title for m in client.get(reverse("catalog:measures"), {"year": cycle.year}).context["measures"]
    ]
    assert default[0] == measure.title  # the default order (序号) kept
    params = {"year": cycle.year, "sort": "-title"}
    page = client.get(reverse("catalog:measures"), params)
    titles = [m.title for m in page.context["measures"]]
    assert titles == sorted(default, reverse=True)
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("catalog:measures_csv"), params).content.decode("utf-8-sig"))
        )
    )
    assert rows[0][:3] == ["序号", "举措名称", "改革任务领域"]
    assert [r[1].removeprefix("'") for r in rows[1:]] == titles
    assert "'+建立尽职免责清单" in [r[1] for r in rows]  # formula-like text kept as text
    source = rows[1 + titles.index(measure.title)][3]
    assert "浙江省·" in source and "江苏省·" in source


def test_the_merge_list_sorts_filters_and_exports_its_rows(client, cycle, reviewer, measure):
    client.force_login(reviewer)
    params = {"year": cycle.year, "sort": "-title", "region": "330000"}
    page = client.get(reverse("catalog:merge"), params)
    titles = [row["title"] for row in page.context["rows"]]
    assert titles == sorted(titles, reverse=True) and len(titles) > 1
    assert 'aria-sort="descending"' in page.content.decode()
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("catalog:merge_csv"), params).content.decode("utf-8-sig")))
    )
    assert rows[0] == ["地区", "改革任务领域", "举措名称", "改革内容", "处理情况"]
    assert [r[2] for r in rows[1:]] == titles
    assert {r[0] for r in rows[1:]} == {"浙江省"}
    assert f"已合并：{measure.title}" in [r[4] for r in rows[1:]]
    assert client.post(reverse("catalog:merge_csv"), params).status_code == 405


# ---- 举措清单版本, 专家论证, 征求意见, 同义词表 (issue 18 §4) --------------------------------------------------


def _csv(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _sheet(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content)).active


def _neutralised(ws, text):
    """The XLSX cell holding ``text`` is a string cell with Excel's quote prefix (never a formula)."""
    [cell] = [c for row in ws.iter_rows() for c in row if c.value == text]
    assert cell.data_type == "s" and cell.quotePrefix


@pytest.fixture
def versions(cycle, reviewer, measure, liaison):
    """第1版 published after consultation of the liaison's ministry; 第2版 a draft titled like a formula."""
    first = services.list_draft(cycle=cycle, by=reviewer)
    services.consultation_send(measure_list=first, ministries=[liaison.organization], by=reviewer)
    ended_proposals(cycle)
    services.list_publish(measure_list=first, by=reviewer)
    second = services.list_draft(cycle=cycle, by=reviewer)
    second = services.list_update(measure_list=second, title='=HYPERLINK("http://x.test")', by=reviewer)
    return first, second


def test_list_versions_sort_filter_and_export_for_reviewers_only(
    client, cycle, reviewer, expert, versions, django_assert_max_num_queries
):
    client.force_login(reviewer)
    url = reverse("catalog:lists")

    def page(**params):
        return [v.version for v in client.get(url, {"year": cycle.year, **params}).context["versions"]]

    assert page() == [2, 1]  # default: newest first
    assert page(sort="version") == [1, 2]
    assert page(sort="-version") == [2, 1]
    assert page(sort="published_by__password") == [2, 1]  # unknown key: the default order
    html = client.get(url, {"year": cycle.year, "sort": "version"}).content.decode()
    assert 'aria-sort="ascending"' in html
    assert page(state="published") == [1]
    params = {"year": cycle.year, "state": "published", "sort": "-title"}
    rows = _csv(client.get(reverse("catalog:lists_csv"), params))
    assert rows[0] == ["版本", "标题", "状态", "征求意见部门", "公布时间"]
    assert [r[0] for r in rows[1:]] == ["1"]
    assert rows[1][3] == liaison_ministry(versions[0])
    ws = _sheet(client.get(reverse("catalog:lists_xlsx"), {"year": cycle.year, "sort": "version"}))
    assert [c.value for c in ws["A"]][1:] == [1, 2]
    _neutralised(ws, '=HYPERLINK("http://x.test")')
    assert "'=HYPERLINK" in client.get(reverse("catalog:lists_csv"), {"year": cycle.year}).content.decode(
        "utf-8-sig"
    )
    url_csv, year = reverse("catalog:lists_csv"), {"year": cycle.year}
    one = _queries(client, django_assert_max_num_queries, url_csv, {**year, "state": "published"})
    assert one == _queries(client, django_assert_max_num_queries, url_csv, year)  # 1 row, 2 rows
    client.force_login(expert)
    assert client.get(reverse("catalog:lists_csv"), {"year": cycle.year}).status_code == 403
    client.force_login(reviewer)
    assert client.post(reverse("catalog:lists_csv"), {"year": cycle.year}).status_code == 405


def liaison_ministry(measure_list):
    return "、".join(c.ministry.name for c in measure_list.consultations.all())


def test_my_reviews_sort_filter_and_export_only_the_experts_own(
    client, cycle, reviewer, expert, measure, django_assert_max_num_queries
):
    others = [
        Measure.objects.create(
            cycle=cycle, title=title, area=area, description="内容", position=i, created_by=reviewer
        )
        for i, (title, area) in enumerate([("=1+2", "core_tech"), ("乙举措", "new_economy")], 2)
    ]
    for m in [measure, *others]:
        services.expert_assign(measure=m, expert=expert, by=reviewer)
    fc.score(_review(expert, others[1]), expert)
    colleague = fc.expert_in("320000", username="colleague")
    hidden = Measure.objects.create(
        cycle=cycle,
        title="他人的论证任务",
        area="core_tech",
        description="内容",
        position=9,
        created_by=reviewer,
    )
    services.expert_assign(measure=hidden, expert=colleague, by=reviewer)
    client.force_login(expert)
    url = reverse("catalog:my_reviews")

    def page(**params):
        return [r.measure.title for r in client.get(url, {"year": cycle.year, **params}).context["reviews"]]

    titles = sorted([measure.title, "=1+2", "乙举措"])
    assert page(sort="title") == titles
    assert page(sort="-title") == titles[::-1]
    assert page(sort="nonsense") == page()
    assert page(state="submitted") == ["乙举措"]
    assert page(state="pending", sort="title") == sorted([measure.title, "=1+2"])
    params = {"year": cycle.year, "sort": "-title"}
    rows = _csv(client.get(reverse("catalog:my_reviews_csv"), params))
    assert rows[0] == ["年度", "举措名称", "改革任务领域", "状态", "提交时间"]
    assert [r[1].removeprefix("'") for r in rows[1:]] == page(sort="-title")
    assert "他人的论证任务" not in str(rows)
    rows = _csv(client.get(reverse("catalog:my_reviews_csv"), {"year": cycle.year, "state": "submitted"}))
    assert [r[1] for r in rows[1:]] == ["乙举措"] and rows[1][3] == "已提交"
    _neutralised(_sheet(client.get(reverse("catalog:my_reviews_xlsx"), params)), "=1+2")
    url_csv, year = reverse("catalog:my_reviews_csv"), {"year": cycle.year}
    one = _queries(client, django_assert_max_num_queries, url_csv, {**year, "area": "tech_market"})
    assert one == _queries(client, django_assert_max_num_queries, url_csv, {**year, "area": ""})  # 1, 3 rows
    client.force_login(reviewer)
    assert client.get(reverse("catalog:my_reviews_xlsx"), params).status_code == 403


def _review(expert, measure):
    from catalog.models import ExpertReview

    return ExpertReview.objects.get(expert=expert, measure=measure)


def test_consultations_sort_filter_and_export_only_the_liaisons_ministry(
    client, cycle, reviewer, liaison, versions, django_assert_max_num_queries
):
    first, second = versions
    other = fc.liaison_of("财政部", username="mof")
    services.consultation_send(
        measure_list=second, ministries=[liaison.organization, other.organization], by=reviewer
    )
    client.force_login(liaison)
    url = reverse("catalog:consultations")

    def page(**params):
        return [
            c.measure_list.version
            for c in client.get(url, {"year": cycle.year, **params}).context["consultations"]
        ]

    assert page(sort="list") == [1, 2]
    assert page(sort="-list") == [2, 1]
    assert page(sort="ministry__name") == page()  # unknown key ignored
    assert page(state="waiting") == [2]
    assert page(state="answered") == [1]
    rows = _csv(client.get(reverse("catalog:consultations_csv"), {"year": cycle.year, "sort": "-list"}))
    assert rows[0] == ["清单", "状态", "已反馈举措", "发送时间"]
    assert [r[0] for r in rows[1:]] == [f"'{second}", str(first)]  # the formula-like title kept as text
    rows = _csv(client.get(reverse("catalog:consultations_csv"), {"year": cycle.year, "state": "waiting"}))
    assert len(rows) == 2 and rows[1][1] == "征求意见中（待反馈）"
    _neutralised(_sheet(client.get(reverse("catalog:consultations_xlsx"), {"year": cycle.year})), str(second))
    url_csv, year = reverse("catalog:consultations_csv"), {"year": cycle.year}
    one = _queries(client, django_assert_max_num_queries, url_csv, {**year, "state": "answered"})
    assert one == _queries(client, django_assert_max_num_queries, url_csv, year)  # 1 row, 2 rows
    client.force_login(other)  # another ministry: only the version sent to it
    rows = _csv(client.get(reverse("catalog:consultations_csv"), {"year": cycle.year}))
    assert [r[0] for r in rows[1:]] == [f"'{second}"]
    client.force_login(reviewer)
    assert client.get(reverse("catalog:consultations_csv"), {"year": cycle.year}).status_code == 403


def test_synonyms_sort_filter_and_export(client, reviewer, expert, django_assert_max_num_queries):
    from catalog.models import SynonymGroup

    SynonymGroup.objects.create(canonical="=榫卯甲", variants="榫卯乙 榫卯丙", updated_by=reviewer)
    SynonymGroup.objects.create(canonical="榫卯丁", variants="榫卯戊", updated_by=None)
    client.force_login(reviewer)
    url = reverse("catalog:synonyms")

    def page(**params):
        return [g.canonical for g in client.get(url, params).context["groups"]]

    assert page(q="榫卯") == ["=榫卯甲", "榫卯丁"]
    assert page(q="榫卯", sort="-canonical") == ["榫卯丁", "=榫卯甲"]
    assert page(q="榫卯", sort="bogus") == ["=榫卯甲", "榫卯丁"]
    assert page(q="榫卯戊") == ["榫卯丁"]
    rows = _csv(client.get(reverse("catalog:synonyms_csv"), {"q": "榫卯", "sort": "-canonical"}))
    assert rows[0] == ["规范用语", "同义表述", "修改人", "修改时间"]
    assert [r[0] for r in rows[1:]] == ["榫卯丁", "'=榫卯甲"]
    assert rows[2][1] == "榫卯乙 榫卯丙" and rows[1][2] == "初始词表"
    everything = _csv(client.get(reverse("catalog:synonyms_csv")))
    assert len(everything) == 1 + len(page())
    _neutralised(_sheet(client.get(reverse("catalog:synonyms_xlsx"), {"q": "榫卯"})), "=榫卯甲")
    url_csv = reverse("catalog:synonyms_csv")
    one = _queries(client, django_assert_max_num_queries, url_csv, {"q": "榫卯戊"})
    assert one == _queries(client, django_assert_max_num_queries, url_csv, {})  # 1 row, every group
    client.force_login(expert)
    assert client.get(reverse("catalog:synonyms_csv")).status_code == 403


def _queries(client, django_assert_max_num_queries, url, params):
    """The queries of one export (warmed first): the same whatever the number of rows."""
    client.get(url, params)
    with django_assert_max_num_queries(40) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


# The old template loop of 清单举措's rows, kept here as the reference the Python-built rows are compared with.
_ROW_TEMPLATE = """{% load i18n %}{% for m in measures %}<tr data-measure="{{ m.pk }}">
          <td>{{ start|add:forloop.counter0 }}</td>
          <td><a href="{% url 'catalog:measure_detail' m.pk %}">{{ m.title }}</a></td>
          <td>{{ m.get_area_display }}</td>
          <td>{% for s in m.sources.all %}{{ s.region.name }}·{{ s.proposal_title }}{% if not forloop.last %}<br>{% endif %}{% endfor %}</td>
          <td>{{ m.stats.submitted }}/{{ m.stats.assigned }}</td>
          <td>{% if m.stats.total_avg is not None %}{{ m.stats.total_avg }}（{{ m.stats.total_min }}—{{ m.stats.total_max }}）{% else %}—{% endif %}</td>
          <td>{% if m.included %}{% translate "列入" %}{% else %}<span class="late">{% translate "不列入" %}</span>{% endif %}</td>
        </tr>{% endfor %}"""


def test_measure_rows_are_the_template_markup_with_the_reviews_counted_in_sql(
    client, cycle, reviewer, measure
):
    """清单举措 (issue 19): the review figures are counted in SQL and the rows built in Python; both must give what
    the reviews and the template gave — a conflicted or unsubmitted review not counted, averages rounded alike,
    hostile text escaped."""
    from django.template import engines
    from django.utils import timezone

    from catalog import fragments, selectors
    from catalog.models import ExpertReview, MeasureInclusion, MeasureSource

    hostile = '<script>alert("x")</script>&\'甲'
    Measure.objects.filter(pk=measure.pk).update(title=hostile)
    MeasureSource.objects.filter(measure=measure).update(proposal_title=hostile)
    other = Measure.objects.create(
        cycle=cycle, title="无人评审", area="core_tech", description="内容", position=9, created_by=reviewer
    )
    MeasureInclusion.objects.create(measure=other, included=False, note="说明")
    now = timezone.now()
    for i, (scores, submitted, conflict) in enumerate(
        [
            ((20, 15, 18, 17, 13), True, False),
            ((19, 14, 16, 15, 12), True, False),
            ((18, 13, 15, 14, 11), True, False),
            ((5, 5, 5, 5, 5), True, True),  # conflicted: assigned, not counted
            ((None,) * 5, False, False),  # assigned, not yet submitted
        ]
    ):
        ExpertReview.objects.create(
            measure=measure,
            expert=fc.expert_in("440000", username=f"exp{i}"),
            assigned_by=reviewer,
            **dict(zip([f"{k}_score" for k, _l in ExpertReview.CRITERIA], scores, strict=True)),
            submitted_at=now if submitted else None,
            conflict_at=now if conflict else None,
        )
    rows = selectors.with_stats(selectors.measures_for(cycle))
    reference = {m.pk: selectors._stats(list(m.reviews.all())) for m in Measure.objects.filter(cycle=cycle)}
    for m in rows:
        expected = {k: reference[m.pk][k] for k in m.stats}
        assert m.stats == expected
    scored = next(m for m in rows if m.pk == measure.pk)
    assert scored.stats == {
        "assigned": 5,
        "submitted": 3,
        "total_avg": 76.67,
        "total_min": 71,
        "total_max": 83,
    }
    template = engines["django"].from_string(_ROW_TEMPLATE)
    expected_html = template.render({"measures": rows, "start": 11})
    built = "".join(m.row_html for m in fragments.measure_rows(rows, 11))
    assert built == expected_html
    assert "<script>" not in built and "&lt;script&gt;" in built
    client.force_login(reviewer)
    page = client.get(reverse("catalog:measures"), {"year": cycle.year}).content.decode()
    assert '<span class="late">不列入</span>' in page and "76.67（71—83）" in page


def test_measure_list_reads_sources_and_inclusion_as_values(client, cycle, reviewer, measure):
    """清单举措 (issue 19): the sources are read as (region name, proposal title) and the inclusion as one column of
    the measures' query, not as a model instance per source, region and inclusion."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.models import MeasureInclusion

    MeasureInclusion.objects.create(measure=measure, included=False, note="说明")
    client.force_login(reviewer)
    url = reverse("catalog:measures") + f"?year={cycle.year}"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(url).content.decode()
    assert '<span class="late">不列入</span>' in page
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert not any('"catalog_measureinclusion"."note"' in sql for sql in sqls)
    [sources] = [sql for sql in sqls if 'FROM "catalog_measuresource"' in sql]
    assert '"reform_portal_region"."active"' not in sources and '"reform_portal_region"."name"' in sources
