"""The outcomes library and the commissions list (issue 18 §4): sortable, exported with the page's search and
sort, behind the page's permission checks."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from evaluation.models import Outcome

from ..model_counts import models_built
from . import scenarios as fe

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(cycle, reviewer):
    return fe.scored_cycle(cycle, reviewer)


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_library_sorts_and_exports_what_the_search_found(client, cycle, scored):
    published = list(Outcome.objects.filter(state="published"))
    assert len(published) == 2
    for params in ({"sort": "region"}, {"sort": "-region"}, {"sort": "title", "region": "320000"}):
        page = client.get(reverse("evaluation:library"), params)  # public: no login
        titles = [o.title for o in page.context["outcomes"]]
        assert titles
        rows = _csv(client.get(reverse("evaluation:library_csv"), params))
        assert rows[0][:3] == ["成果名称", "来源地区", "年度"]
        assert [r[0] for r in rows[1:]] == titles
        ws = load_workbook(io.BytesIO(client.get(reverse("evaluation:library_xlsx"), params).content)).active
        assert [c.value for c in ws["A"]][1:] == titles
    by_region = [
        o.title for o in client.get(reverse("evaluation:library"), {"sort": "region"}).context["outcomes"]
    ]
    assert by_region == [o.title for o in sorted(published, key=lambda o: o.region.code)]
    html = client.get(reverse("evaluation:library"), {"sort": "-region"}).content.decode()
    assert 'aria-current="true"' in html


def test_unpublished_outcomes_never_reach_the_library_export(client, cycle, scored, reviewer):
    first = Outcome.objects.filter(state="published").order_by("pk").first()
    Outcome.objects.filter(pk=first.pk).update(state="draft")
    rows = _csv(client.get(reverse("evaluation:library_csv")))
    assert len(rows) == 1 + 1
    assert rows[1][1] != str(first.region)


def test_commissions_sort_and_export_for_reviewers_only(client, cycle, reviewer, scored):
    evaluator, tasks = scored
    second = fe.commission(cycle, reviewer, fe.agency("国家科技评估中心"), [tasks[-1]])
    client.force_login(reviewer)
    params = {"year": cycle.year, "sort": "-agency"}
    page = client.get(reverse("evaluation:commissions"), params)
    agencies = [str(c.agency) for c in page.context["commissions"]]
    assert agencies == sorted(agencies, reverse=True) and len(agencies) == 2
    rows = _csv(client.get(reverse("evaluation:commissions_csv"), params))
    assert rows[0] == ["评估机构", "评估任务", "完成时限", "进度", "状态", "委托人"]
    assert [r[0] for r in rows[1:]] == agencies
    assert rows[[r[0] for r in rows].index(str(second.agency))][3] == "0/1"
    client.force_login(evaluator)
    assert client.get(reverse("evaluation:commissions_xlsx"), {"year": cycle.year}).status_code == 403


def test_assessments_sort_by_score_and_export_the_same_rows(client, cycle, reviewer, scored):
    client.force_login(reviewer)
    params = {"year": cycle.year, "sort": "-score"}
    page = client.get(reverse("evaluation:assessments"), params)
    scores = [a.weighted_score for a in page.context["assessments"]]
    filled = [s for s in scores if s is not None]
    assert filled == sorted(filled, reverse=True) and scores[: len(filled)] == filled  # empty scores last
    rows = _csv(client.get(reverse("evaluation:assessments_csv"), params))
    assert rows[0] == ["地区", "任务", "评估机构", "状态", "综合得分", "等次", "建议推广"]
    assert [r[0] for r in rows[1:]] == [str(a.task.region) for a in page.context["assessments"]]
    ws = load_workbook(io.BytesIO(client.get(reverse("evaluation:assessments_xlsx"), params).content)).active
    assert [c.value for c in ws["E"]][1 : len(filled) + 1] == [
        float(s) for s in filled
    ]  # numbers stay numbers


def test_an_evaluator_exports_only_its_agencys_tasks_sorted_like_the_page(client, cycle, reviewer, scored):
    evaluator, tasks = scored
    other = fe.evaluator_user(fe.agency("国家科技评估中心"), username="other_agency")
    fe.commission(cycle, reviewer, other.organization, [tasks[-1]])  # 广东/四川's last task: another agency
    client.force_login(evaluator)
    params = {"year": cycle.year, "sort": "-region"}
    page = client.get(reverse("evaluation:assignments"), params)
    regions = [row["region_name"] for row in page.context["rows"]]
    assert len(regions) == 6
    rows = _csv(client.get(reverse("evaluation:assignments_csv"), params))
    assert rows[0] == ["地区", "任务", "评估完成时限", "评估报告"]
    assert [r[0] for r in rows[1:]] == regions
    client.force_login(other)
    rows = _csv(client.get(reverse("evaluation:assignments_csv"), {"year": cycle.year}))
    assert [r[1] for r in rows[1:]] == [f"{tasks[-1].entry.number} {tasks[-1].entry.title}"]


# ---- 改革成果 (reviewers' page) and 激励 ---------------------------------------------------------------------


def _neutralised(response, text):
    ws = load_workbook(io.BytesIO(response.content)).active
    [cell] = [c for row in ws.iter_rows() for c in row if c.value == text]
    assert cell.data_type == "s" and cell.quotePrefix


def test_outcomes_sort_filter_and_export_for_reviewers_only(
    client, cycle, reviewer, scored, django_assert_max_num_queries
):
    from evaluation import services

    evaluator, tasks = scored
    candidate = tasks[1]  # 浙江's second task: recommended, not yet an outcome
    services.outcome_create(task=candidate, values=dict(fe.OUTCOME_VALUES, title="=1+2"), by=reviewer)
    client.force_login(reviewer)
    url = reverse("evaluation:outcomes")

    def page(**params):
        return [o.title for o in client.get(url, {"year": cycle.year, **params}).context["outcomes"]]

    titles = sorted(page())
    assert len(titles) == 3
    assert page(sort="title") == titles
    assert page(sort="-title") == titles[::-1]
    assert page(sort="created_by__password") == page()
    regions = [
        str(o.region) for o in client.get(url, {"year": cycle.year, "sort": "region"}).context["outcomes"]
    ]
    assert regions == ["江苏省", "浙江省", "浙江省"]  # 320000 before 330000
    assert sorted(page(region="330000")) == sorted(
        o.title for o in Outcome.objects.filter(region__code="330000")
    )
    assert page(state="draft") == ["=1+2"]
    params = {"year": cycle.year, "region": "330000", "sort": "-title"}
    rows = _csv(client.get(reverse("evaluation:outcomes_csv"), params))
    assert rows[0] == ["成果名称", "来源地区", "来源任务", "改革任务领域", "状态", "发布时间"]
    assert [r[0].removeprefix("'") for r in rows[1:]] == page(region="330000", sort="-title")
    assert {r[1] for r in rows[1:]} == {"浙江省"}
    assert "'=1+2" in [r[0] for r in rows]
    _neutralised(client.get(reverse("evaluation:outcomes_xlsx"), params), "=1+2")
    url_csv, year = reverse("evaluation:outcomes_csv"), {"year": cycle.year}
    one = _queries(client, django_assert_max_num_queries, url_csv, {**year, "state": "draft"})
    assert one == _queries(client, django_assert_max_num_queries, url_csv, year)  # 1 row, 3 rows
    html = client.get(url, {"year": cycle.year, "sort": "-title"}).content.decode()
    assert 'aria-sort="descending"' in html and "outcomes.xlsx?year=" in html
    client.force_login(evaluator)
    assert client.get(reverse("evaluation:outcomes_csv"), {"year": cycle.year}).status_code == 403


def test_incentives_sort_filter_and_export_every_row_not_the_page(
    client, monkeypatch, cycle, reviewer, scored, django_assert_max_num_queries
):
    from evaluation import services
    from reform_portal import pagination
    from reform_portal.models import Region

    evaluator, tasks = scored
    for kind, code, reason in [
        ("commendation", "330000", "=cmd|' /C calc'!A0"),
        ("priority_support", "320000", "完成较好"),
        ("other", "330000", "其他理由"),
    ]:
        services.incentive_create(
            cycle=cycle,
            kind=kind,
            reason=reason,
            region=Region.objects.get(code=code),
            tasks=[t for t in tasks if t.region.code == code][:1],
            by=reviewer,
        )
    monkeypatch.setattr(pagination, "PAGE_SIZE", 2)
    client.force_login(reviewer)
    url = reverse("evaluation:incentives")

    def page(**params):
        return [i.reason for i in client.get(url, {"year": cycle.year, **params}).context["incentives"]]

    assert page(sort="kind") == ["=cmd|' /C calc'!A0", "其他理由"]  # commendation, other (2 a page)
    assert page(sort="-kind") == ["完成较好", "其他理由"]
    assert page(sort="granted_by__password") == page()
    assert page(region="320000") == ["完成较好"]
    assert page(kind="other") == ["其他理由"]
    rows = _csv(client.get(reverse("evaluation:incentives_csv"), {"year": cycle.year, "sort": "kind"}))
    assert rows[0] == ["激励方式", "地区", "单位", "相关任务", "激励理由", "登记人", "登记时间"]
    assert [r[0] for r in rows[1:]] == ["通报表扬", "其他", "优先支持承担重大项目"]  # all three, page's order
    assert rows[1][4] == "'=cmd|' /C calc'!A0"
    rows = _csv(client.get(reverse("evaluation:incentives_csv"), {"year": cycle.year, "region": "330000"}))
    assert {r[1] for r in rows[1:]} == {"浙江省"} and len(rows) == 3
    _neutralised(
        client.get(reverse("evaluation:incentives_xlsx"), {"year": cycle.year}), "=cmd|' /C calc'!A0"
    )
    url_csv, year = reverse("evaluation:incentives_csv"), {"year": cycle.year}
    one = _queries(client, django_assert_max_num_queries, url_csv, {**year, "kind": "other"})
    assert one == _queries(client, django_assert_max_num_queries, url_csv, {**year, "kind": ""})  # 1, 3 rows
    client.force_login(evaluator)
    assert client.get(reverse("evaluation:incentives_csv"), {"year": cycle.year}).status_code == 403
    client.force_login(reviewer)
    assert client.post(reverse("evaluation:incentives_csv"), {"year": cycle.year}).status_code == 405


def _queries(client, django_assert_max_num_queries, url, params):
    """The queries of one export (warmed first): the same whatever the number of rows."""
    client.get(url, params)
    with django_assert_max_num_queries(40) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


# The old template loop of the commissions page's rows, kept here as the reference the Python-built rows are
# compared with (issue 19).
_COMMISSION_ROW_TEMPLATE = """{% load i18n %}{% for c in commissions %}<tr>
          <td>{{ c.agency }}</td>
          <td>{% for t in c.tasks.all %}{{ t.region }}：{{ t.entry.title }}{% if not forloop.last %}<br>{% endif %}{% endfor %}</td>
          <td>{{ c.due_date|date:"DATE_FORMAT" }}</td>
          <td>{{ c.n_done }}/{{ c.n_tasks }}</td>
          <td><span class="badge">{{ c.get_state_display }}</span></td>
          <td>{{ c.created_by }} {{ c.created_at|date:"Y-m-d" }}</td>
          <td><a href="{% url 'evaluation:commission_detail' c.pk %}">{% translate "查看" %}</a></td>
        </tr>{% endfor %}"""


def test_commission_rows_are_the_template_markup_with_the_figures_counted_in_subqueries(
    client, cycle, reviewer, scored
):
    """评估委托 (issue 19): the tasks and submitted reports are counted in subqueries (one join multiplied tasks by
    reports), only the printed texts are loaded, the rows are built in Python; they must be what the template
    wrote, hostile text escaped, in the order the page showed (by pk: the old GROUP BY dropped Meta.ordering)."""
    from django.template import engines
    from django.utils import timezone

    from bidding.models import Task
    from catalog.models import ListEntry
    from evaluation import selectors, views
    from evaluation.models import Assessment, Commission
    from reform_portal.models import Organization, Region, User

    hostile = '<script>alert("x")</script>&\'甲'
    evaluator, tasks = scored
    first = Commission.objects.get(cycle=cycle)
    late = timezone.localtime().replace(hour=1, minute=30)  # the day before in UTC
    Commission.objects.filter(pk=first.pk).update(created_at=late)
    Organization.objects.filter(pk=first.agency_id).update(name=hostile)
    User.objects.filter(pk=reviewer.pk).update(full_name=hostile)
    Region.objects.filter(code="330000").update(name="<b>\"浙&'江")
    ListEntry.objects.filter(pk=tasks[0].entry_id).update(title=hostile)
    second = fe.commission(cycle, reviewer, fe.agency("国家科技评估中心"), [tasks[-1]])
    Commission.objects.create(  # nothing in it: counted 0/0, not left out
        cycle=cycle, agency=second.agency, due_date=second.due_date, terms="无", created_by=reviewer
    )
    listed = list(selectors.commission_list(reviewer, cycle))
    assert [c.pk for c in listed] == sorted(c.pk for c in listed) and len(listed) == 3
    for c in listed:
        assert c.n_tasks == Task.objects.filter(commissions=c).count()
        assert c.n_done == Assessment.objects.filter(commission=c, state__in=selectors.SUBMITTED).count()
    assert [(c.n_done, c.n_tasks) for c in listed] == [(5, 6), (0, 1), (0, 0)]
    expected = engines["django"].from_string(_COMMISSION_ROW_TEMPLATE).render({"commissions": listed})
    rows = views._commission_rows(
        selectors.commission_list(reviewer, cycle).prefetch_related(None).only(*views.COMMISSION_ROW_FIELDS)
    )
    built = "".join(c.row_html for c in rows)
    assert built == expected
    assert "<script>" not in built and "&lt;script&gt;" in built
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:commissions"), {"year": cycle.year}).content.decode()
    assert built in page


# The old template loops of the ranking's rows and a chart's bars (issue 19), the references of evaluation.markup.
_RANKING_ROW_TEMPLATE = """{% for r in rows %}<tr data-region="{{ r.region.code }}">
    <td>{{ r.rank }}</td><td>{{ r.region }}</td><td>{{ r.tasks }}</td><td>{{ r.completed }}</td><td>{{ r.evaluated }}</td><td>{{ r.average_grade|default_if_none:"—" }}</td>
    {% if detailed %}<td>{{ r.grades.excellent }}</td><td>{{ r.grades.good }}</td><td>{{ r.grades.pass }}</td><td>{{ r.grades.fail }}</td>{% endif %}
    <td>{{ r.outcomes }}</td>
  </tr>{% endfor %}"""
_CHART_BARS_TEMPLATE = """{% load i18n %}{% for bar in chart.bars %}
      <text x="{{ chart.label_x }}" y="{{ bar.text_y }}" text-anchor="end" font-size="13" fill="#222">{{ bar.label }}</text>
      <rect x="{{ chart.label_width }}" y="{{ bar.y }}" width="{{ bar.width }}" height="{{ chart.bar_height }}" fill="#b31b1b"><title>{{ bar.label }}：{{ bar.value }}</title></rect>
      <text x="{{ bar.value_x }}" y="{{ bar.text_y }}" font-size="13" fill="#222">{{ bar.value }}</text>
    {% empty %}<text x="10" y="20" font-size="13" fill="#666">{% translate "暂无数据" %}</text>{% endfor %}"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_results_rows_and_bars_are_the_template_markup(client, cycle, reviewer, scored, language):
    """年度评估结果 and the public page (issue 19): the ranking's rows and the charts' bars are built in Python;
    they must be what the template loops wrote — averages and coordinates localised alike, an average of none
    as —, hostile region names escaped, the empty chart's text translated."""
    from django.template import engines
    from django.utils import translation

    from evaluation import markup, selectors
    from evaluation.services import results_publish
    from reform_portal.models import Region

    Region.objects.filter(code="330000").update(name="<b>\"浙&'江")
    rows = selectors.ranking(cycle)
    assert any(r["average_grade"] is None for r in rows) and any(r["average_grade"] for r in rows)
    engine = engines["django"]
    with translation.override(language):
        for detailed in (True, False):
            expected = engine.from_string(_RANKING_ROW_TEMPLATE).render({"rows": rows, "detailed": detailed})
            assert markup.ranking_rows(rows, detailed=detailed) == expected
        for key in ("completed", "average_grade", "outcomes"):
            for chart in (
                selectors.bar_chart(rows, key=key),
                selectors.bar_chart(rows, key=key, bar_height=23),
            ):
                expected = engine.from_string(_CHART_BARS_TEMPLATE).render({"chart": chart})
                assert markup.chart_bars(chart) == expected
                assert "<b>" not in expected and "&lt;b&gt;" in expected
        empty = selectors.bar_chart([], key="completed")
        assert markup.chart_bars(empty) == engine.from_string(_CHART_BARS_TEMPLATE).render({"chart": empty})
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:results"), {"year": cycle.year}).content.decode()
    assert markup.ranking_rows(rows, detailed=True) in page
    results_publish(cycle=cycle, by=reviewer, reason="已评估的任务先行公布")
    client.logout()
    page = client.get(reverse("evaluation:public_results"), {"year": cycle.year}).content.decode()
    assert markup.ranking_rows(rows, detailed=False) in page and page.count('data-testid="chart"') == 3


# The old template loop of the library's list items (issue 19), the reference of evaluation.views._library_items.
_LIBRARY_ITEM_TEMPLATE = """{% for o in outcomes %}<li><a href="{% url 'evaluation:library_detail' o.pk %}" data-testid="outcome-title">{{ o.title }}</a>
        <span class="muted">{{ o.region }} · {{ o.cycle.year }}年度 · {{ o.get_area_display }}</span>
        <div>{{ o.summary|truncatechars:120 }}</div></li>
      {% endfor %}"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_library_items_are_the_template_markup_with_only_the_printed_fields(client, cycle, scored, language):
    """改革成果库 (issue 19): the items are built in Python from the printed fields only; they must be what the
    template wrote — hostile text escaped, a long summary cut as truncatechars cuts it, the area translated — and
    the region drop-downs (the library's and the lists' filters) are written in Python, as Django writes them."""
    from django.template import engines
    from django.utils import translation

    from evaluation import selectors, views
    from evaluation.filters import IncentiveFilter, OutcomeFilter
    from evaluation.forms import LibrarySearchForm
    from reform_portal import widgets
    from reform_portal.models import Region

    hostile = '<script>alert("x")</script>&\'甲'
    first, second = Outcome.objects.filter(state="published").order_by("pk")
    Outcome.objects.filter(pk=first.pk).update(title=hostile, summary=(hostile + "改革") * 20)
    summary = "短\n概要 <b>e\u0301" + "字" * 110  # 120 characters, 119 in NFC: not cut, but normalised
    assert len(summary) == 120
    Outcome.objects.filter(pk=second.pk).update(summary=summary)
    Region.objects.filter(pk=first.region_id).update(name="<b>\"浙&'江")
    with translation.override(language):
        reference = list(selectors.published_outcomes())
        expected = engines["django"].from_string(_LIBRARY_ITEM_TEMPLATE).render({"outcomes": reference})
        items = views._library_items(views._library_item_fields(selectors.published_outcomes()))
        built = "".join(o.item_html for o in items)
    assert built == expected and len(items) == 2
    assert "<script>" not in built
    assert built.count("甲改革") < 20  # cut
    page = client.get(reverse("evaluation:library")).content.decode()
    assert built in page or language == "en"
    assert isinstance(LibrarySearchForm().fields["region"].widget, widgets.Select)
    assert isinstance(
        OutcomeFilter(queryset=Outcome.objects.none()).form.fields["region"].widget, widgets.Select
    )
    assert isinstance(
        IncentiveFilter(queryset=Outcome.objects.none()).form.fields["region"].widget, widgets.Select
    )


# The old template loop of the evaluator's assignments (issue 19), the reference of views._assignment_rows.
_ASSIGNMENT_ROW_TEMPLATE = """{% load i18n %}{% for row in rows %}<tr>
          <td>{{ row.task.region }}</td>
          <td><a href="{% url 'evaluation:task_detail' row.task.pk %}">{{ row.task.entry.number }} {{ row.task.entry.title }}</a></td>
          <td>{{ row.commission.due_date|date:"DATE_FORMAT" }}</td>
          <td>{% if row.assessment %}{{ row.assessment.get_state_display }}{% if row.assessment.grade %} · {{ row.assessment.get_grade_display }}{% endif %}{% else %}<span class="muted">{% translate "未填写" %}</span>{% endif %}</td>
          <td>{% if not row.assessment or row.assessment.state == "draft" %}<a class="button primary" href="{% url 'evaluation:assessment_edit' row.task.pk %}">{% translate "填写评估报告" %}</a>{% else %}<a href="{% url 'evaluation:assessment_detail' row.assessment.pk %}">{% translate "查看" %}</a>{% endif %}</td>
        </tr>{% endfor %}"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_assignment_rows_are_the_template_markup_with_only_the_printed_fields(
    client, cycle, reviewer, scored, language
):
    """受托评估任务 (issue 19): the rows are built in Python from the printed columns only (values, no models);
    they must be what the template wrote for every kind of row (submitted with a grade, a draft, none written),
    hostile text escaped."""
    from django.template import engines
    from django.utils import translation

    from catalog.models import ListEntry
    from evaluation import selectors, services, views
    from evaluation.models import Commission
    from reform_portal.models import Region

    evaluator, tasks = scored
    hostile = '<script>alert("x")</script>&\'甲'
    ListEntry.objects.filter(pk=tasks[0].entry_id).update(title=hostile, number="<b>\"1&'")
    Region.objects.filter(code="330000").update(name="<b>\"浙&'江")
    draft_task = tasks[5]  # commissioned, nothing written: now a draft
    services.assessment_save(
        commission=Commission.objects.get(cycle=cycle),
        task=draft_task,
        values={"conclusion": "草稿"},
        upload=None,
        by=evaluator,
    )
    fe.commission(cycle, reviewer, evaluator.organization, [tasks[6]])  # nothing written
    links = selectors.assignment_links(evaluator).filter(commission__cycle=cycle)
    with translation.override(language):
        reference = selectors.assignment_rows(links)
        expected = engines["django"].from_string(_ASSIGNMENT_ROW_TEMPLATE).render({"rows": reference})
        rows = views._assignment_rows(views._assignment_row_fields(links))
        built = "".join(row["html"] for row in rows)
    assert built == expected and len(rows) == 7
    assert "<script>" not in built and "&lt;script&gt;" in built
    kinds = [row["assessment_state"] if row["assessment_id"] else None for row in rows]
    assert "draft" in kinds and "submitted" in kinds and None in kinds
    client.force_login(evaluator)
    page = client.get(reverse("evaluation:assignments"), {"year": cycle.year}).content.decode()
    assert built in page or language == "en"


def test_assignment_rows_build_no_models(client, cycle, scored):
    """受托评估任务 (issue 19): the page's rows are read as values; no task, region, entry, commission or
    assessment model is built for them (five a row made the page's time grow with the evaluator's tasks)."""
    from bidding.models import Task
    from catalog.models import ListEntry
    from evaluation.models import Assessment, Commission
    from reform_portal.models import Region

    evaluator, tasks = scored
    client.force_login(evaluator)
    url = reverse("evaluation:assignments")
    client.get(url, {"year": cycle.year})
    with models_built(Task, ListEntry, Region, Commission, Commission.tasks.through, Assessment) as built:
        page = client.get(url, {"year": cycle.year}).content.decode()
    assert built == []
    from evaluation import selectors

    links = list(selectors.assignment_links(evaluator).filter(commission__cycle=cycle))
    assert links
    for link in links:
        assert link.task.entry.title in page


def test_assignments_read_the_evaluators_links_by_key_and_count_open_ones_without_joining_tasks(
    client, cycle, scored, django_assert_max_num_queries
):
    """受托评估任务 (issue 19): in a page read the links are filtered on their own ``commission_id`` by the keys of
    the agency's commissions (read once), not through a subquery of the commissions — planned as written, that made
    PostgreSQL scan every year's links first; and 待提交 (the count and the 工作台's open item) asks for "no
    assessment past 填写中" on the link's task_id instead of joining the task and its assessment. The counts are
    those of the page."""
    evaluator, tasks = scored
    client.force_login(evaluator)
    url = reverse("evaluation:assignments")
    client.get(url, {"year": cycle.year})
    with django_assert_max_num_queries(30) as ctx:
        page = client.get(url)  # the default year: the open items are counted too
    links = [q["sql"] for q in ctx.captured_queries if 'FROM "evaluation_commission_tasks"' in q["sql"]]
    assert len(links) == 3  # the open item, the page's rows, its 待提交 count
    for sql in links:
        assert '"evaluation_commission_tasks"."commission_id" IN (' in sql, sql
        assert 'IN (SELECT U0."id" FROM "evaluation_commission"' not in sql, sql
    for sql in (links[0], links[2]):
        assert 'JOIN "bidding_task"' not in sql and 'JOIN "evaluation_assessment"' not in sql, sql
    from evaluation import selectors

    every = selectors.assignment_links(evaluator).filter(commission__cycle=cycle)
    n_open = sum(
        1
        for link in every
        if getattr(link.task, "assessment", None) is None or link.task.assessment.state == "draft"
    )
    assert page.context["n_open"] == n_open
    assert len(page.context["rows"]) == every.count()


# The old template loop of the reviewers' assessments (issue 19), the reference of views._assessment_rows.
_ASSESSMENT_ROW_TEMPLATE = """{% load i18n %}{% for a in assessments %}<tr>
          <td>{{ a.task.region }}</td><td>{{ a.task.entry.title }}</td><td>{{ a.commission.agency }}</td>
          <td>{{ a.get_state_display }}</td><td>{{ a.weighted_score|default_if_none:"—" }}</td><td>{{ a.get_grade_display|default:"—" }}</td>
          <td>{% if a.recommend_promotion %}{% translate "是" %}{% else %}{% translate "否" %}{% endif %}</td>
          <td><a href="{% url 'evaluation:assessment_detail' a.pk %}">{% translate "查看" %}</a>{% if a.task.outcome %} · <span class="ok">{% translate "已整理为成果" %}</span>{% endif %}</td>
        </tr>{% endfor %}"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_assessment_rows_are_the_template_markup_with_only_the_printed_fields(
    client, cycle, reviewer, scored, language
):
    """评估报告 (issue 19): the rows are built in Python from the printed fields only; they must be what the
    template wrote — a score of none and a grade of none as —, scores localised, the outcome mark, hostile text
    escaped."""
    from django.template import engines
    from django.utils import translation

    from catalog.models import ListEntry
    from evaluation import selectors, services, views
    from evaluation.models import Commission
    from reform_portal.models import Organization, Region

    evaluator, tasks = scored
    hostile = '<script>alert("x")</script>&\'甲'
    ListEntry.objects.filter(pk=tasks[0].entry_id).update(title=hostile)
    Region.objects.filter(code="330000").update(name="<b>\"浙&'江")
    Organization.objects.filter(pk=evaluator.organization_id).update(name=hostile)
    services.assessment_save(
        commission=Commission.objects.get(cycle=cycle),
        task=tasks[5],
        values={"conclusion": "草稿"},
        upload=None,
        by=evaluator,
    )
    listed = selectors.assessment_list(cycle)
    with translation.override(language):
        expected = (
            engines["django"].from_string(_ASSESSMENT_ROW_TEMPLATE).render({"assessments": list(listed)})
        )
        rows = views._assessment_rows(views._assessment_row_fields(listed))
        built = "".join(a.row_html for a in rows)
    assert built == expected and len(rows) == 6
    assert "<script>" not in built and "&lt;script&gt;" in built and 'class="ok"' in built
    assert any(a.weighted_score is None for a in rows) and any(a.weighted_score for a in rows)
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:assessments"), {"year": cycle.year}).content.decode()
    assert built in page or language == "en"
