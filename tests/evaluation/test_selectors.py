"""The yearly results page: ranking numbers agree with the underlying data of a generated cycle, in the
page, the SVG chart and the XLSX export."""

from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bidding.models import Task
from evaluation import services as es
from evaluation.enums import GRADE_POINTS, Grade, OutcomeState
from evaluation.models import Assessment, Outcome
from evaluation.selectors import SUBMITTED, ranking

from . import scenarios as fe

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(cycle, reviewer):
    return fe.scored_cycle(cycle, reviewer)


def independent_numbers(cycle):
    """The same figures recomputed straight from the rows, region by region."""
    out = {}
    for task in Task.objects.filter(cycle=cycle).select_related("region"):
        row = out.setdefault(task.region.code, {"tasks": 0, "completed": 0, "points": [], "outcomes": 0})
        row["tasks"] += 1
        a = Assessment.objects.filter(task=task, state__in=SUBMITTED).first()
        if a:
            row["points"].append(GRADE_POINTS[Grade(a.grade)])
            row["completed"] += a.grade != Grade.FAIL
        row["outcomes"] += Outcome.objects.filter(task=task, state=OutcomeState.PUBLISHED).count()
    return {
        code: (
            r["tasks"],
            r["completed"],
            len(r["points"]),
            (Decimal(sum(r["points"])) / len(r["points"])).quantize(Decimal("0.01")) if r["points"] else None,
            r["outcomes"],
        )
        for code, r in out.items()
    }


def test_ranking_agrees_with_the_data(cycle, generated):
    rows = ranking(cycle)
    got = {
        r["region"].code: (r["tasks"], r["completed"], r["evaluated"], r["average_grade"], r["outcomes"])
        for r in rows
    }
    assert got == independent_numbers(cycle)
    assert [(r["rank"], r["region"].code) for r in rows] == [
        (1, "330000"),
        (2, "320000"),
        (3, "440000"),
        (4, "510000"),
    ]
    assert got == {
        "330000": (2, 2, 2, Decimal("3.50"), 1),  # 优秀 + 良好
        "320000": (2, 1, 2, Decimal("2.00"), 1),  # 89.99 → 良好, 59.99 → 不合格
        "440000": (2, 1, 1, Decimal("2.00"), 0),  # 60 → 合格; one still being evaluated
        "510000": (1, 0, 0, None, 0),  # still 待评估
    }


def test_results_page_chart_and_export_show_the_same_numbers(client, cycle, reviewer, generated):
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:results"))
    html = page.content.decode()
    assert html.count("<rect ") == 3 * 4  # three charts, one bar per region
    assert "<script" not in html.split("<main")[1]
    chart = page.context["charts"][0]["chart"]
    assert [(b["label"], b["value"]) for b in chart["bars"]] == [
        ("浙江省", 2),
        ("江苏省", 1),
        ("广东省", 1),
        ("四川省", 0),
    ]
    export = client.get(reverse("evaluation:results_export"), {"year": cycle.year})
    assert export["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load_workbook(BytesIO(export.content)).active
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [
        [1, "浙江省", 2, 2, 2, 3.5, 1, 1, 0, 0, 1],
        [2, "江苏省", 2, 1, 2, 2.0, 0, 1, 0, 1, 1],
        [3, "广东省", 2, 1, 1, 2.0, 0, 0, 1, 0, 0],
        [4, "四川省", 1, 0, 0, None, 0, 0, 0, 0, 0],
    ]


def test_public_summary_needs_no_login(client, cycle, generated, reviewer):
    es.results_publish(cycle=cycle, by=reviewer, reason="一项任务尚未委托评估")
    page = client.get(reverse("evaluation:public_results"))
    assert page.status_code == 200
    assert [r["region"].code for r in page.context["rows"]] == ["330000", "320000", "440000", "510000"]
    assert "导出 XLSX" not in page.content.decode()


def test_the_ranking_is_a_stored_tally_and_every_change_shows(cycle, reviewer, generated):
    """The ranking's counts are the year's stored tally (issue 19): read, not counted again, while nothing
    changes; a changed grade, a published outcome and a renamed region each show on the next read."""
    from reform_portal.models import CycleTally, Region

    def figures():
        return {
            r["region"].name: (r["rank"], r["completed"], r["average_grade"], r["outcomes"])
            for r in ranking(cycle)
        }

    assert figures()["广东省"] == (3, 1, Decimal("2.00"), 0)
    stored = CycleTally.objects.get(cycle=cycle, key="evaluation.ranking")
    assert stored.data_generation == stored.generation
    CycleTally.objects.filter(pk=stored.pk).update(data=[])
    assert figures() == {}  # the stored tally is what is read: nothing counted again
    CycleTally.objects.filter(pk=stored.pk).update(data=stored.data)
    assert figures()["广东省"] == (3, 1, Decimal("2.00"), 0)

    assessment = Assessment.objects.get(task__region__code="440000", state__in=SUBMITTED)
    assessment.grade, assessment.recommend_promotion = Grade.EXCELLENT, True
    assessment.save()
    assert figures()["广东省"] == (2, 1, Decimal("4.00"), 0)  # the grade's change invalidated the tally
    task = assessment.task
    outcome = es.outcome_create(task=task, values=dict(fe.OUTCOME_VALUES, title="广东经验"), by=reviewer)
    es.outcome_publish(outcome=outcome, by=reviewer)
    assert figures()["广东省"] == (2, 1, Decimal("4.00"), 1)
    Region.objects.filter(code="440000").update(name="广东")
    assert figures()["广东"] == (2, 1, Decimal("4.00"), 1)  # names are read as they are now


def test_the_results_xlsx_is_written_once_per_content(client, cycle, reviewer, generated, monkeypatch):
    """评估结果 XLSX (issue 19): written once per distinct content and then read from the cache; a changed grade
    and a renamed region each give a new workbook at once (the key is a digest of what it prints)."""
    from evaluation import exports as evaluation_exports
    from reform_portal.models import Region

    written = []
    workbook = evaluation_exports.results_workbook
    monkeypatch.setattr(
        evaluation_exports, "results_workbook", lambda *args: written.append(1) or workbook(*args)
    )
    client.force_login(reviewer)
    url = reverse("evaluation:results_export")

    def rows():
        book = load_workbook(BytesIO(client.get(url, {"year": cycle.year}).content)).active
        return {row[1]: row for row in book.iter_rows(min_row=2, values_only=True)}

    assert rows()["广东省"] == (3, "广东省", 2, 1, 1, 2.0, 0, 0, 1, 0, 0)
    first = client.get(url, {"year": cycle.year}).content
    assert client.get(url, {"year": cycle.year}).content == first and len(written) == 1  # from the cache
    assessment = Assessment.objects.get(task__region__code="440000", state__in=SUBMITTED)
    assessment.grade = Grade.EXCELLENT
    assessment.save()
    assert rows()["广东省"] == (2, "广东省", 2, 1, 1, 4.0, 1, 0, 0, 0, 0)
    Region.objects.filter(code="440000").update(name="广东")
    assert rows()["广东"][:2] == (2, "广东")
    assert len(written) == 3
