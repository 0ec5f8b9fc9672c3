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
