"""The outcomes library and the commissions list (issue 18 §4): sortable, exported with the page's search and
sort, behind the page's permission checks."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from evaluation.models import Outcome

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
    regions = [str(row["task"].region) for row in page.context["rows"]]
    assert len(regions) == 6
    rows = _csv(client.get(reverse("evaluation:assignments_csv"), params))
    assert rows[0] == ["地区", "任务", "评估完成时限", "评估报告"]
    assert [r[0] for r in rows[1:]] == regions
    client.force_login(other)
    rows = _csv(client.get(reverse("evaluation:assignments_csv"), {"year": cycle.year}))
    assert [r[1] for r in rows[1:]] == [f"{tasks[-1].entry.number} {tasks[-1].entry.title}"]
