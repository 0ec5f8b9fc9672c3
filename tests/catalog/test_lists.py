"""清单举措 (issue 18 §4): sortable by 序号, name and 领域, exported row for row."""

import csv
import io

import pytest
from django.urls import reverse

from catalog.models import Measure

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
    titles = [row["proposal"].title for row in page.context["rows"]]
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
