"""年度建议汇总 (issue 18 §4): one spreadsheet row per proposal of the year's submitted books, for national
reviewers; drafts, returned books and other years stay out; user text stays text."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from proposals import services as ps
from proposals.models import MeasureProposal
from reform_portal import listing
from reform_portal.enums import OrgKind
from reform_portal.models import ExportJob

from .. import factories as f
from ..proposals import scenarios as fp

pytestmark = pytest.mark.django_db


def _submitted(cycle, code, n):
    drc = f.regional_user(code, OrgKind.REGIONAL_DRC)
    scitech = f.regional_user(code, OrgKind.REGIONAL_SCITECH)
    return fp.submitted_book(cycle, drc, scitech, n=n)


def _rows(response):
    ws = load_workbook(io.BytesIO(response.content)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


@pytest.fixture
def year_books(cycle, reviewer):
    zj = _submitted(cycle, "330000", 3)
    js = _submitted(cycle, "320000", 4)
    draft = fp.make_book(cycle, f.regional_user("440000", OrgKind.REGIONAL_DRC), n=2)  # never reported
    other_year = f.CycleFactory(year=cycle.year - 1)
    old = _submitted(other_year, "330000", 3)
    return zj, js, draft, old


def test_the_summary_holds_every_proposal_of_the_years_submitted_books(client, cycle, reviewer, year_books):
    zj, js, draft, old = year_books
    client.force_login(reviewer)
    response = client.get(reverse("catalog:proposal_summary"), {"year": cycle.year})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "no-store" in response["Cache-Control"]
    rows = _rows(response)
    header, body = rows[0], rows[1:]
    assert header[:8] == [
        "序号",
        "地区",
        "建议书状态",
        "报送时间",
        "建议书内序号",
        "举措名称",
        "改革任务领域",
        "事权层级",
    ]
    assert "拟解决的痛点堵点" in header and "改革内容" in header
    expected = list(
        MeasureProposal.objects.filter(book__in=[js, zj]).order_by("book__region__code", "position")
    )
    assert [r[5] for r in body] == [p.title for p in expected]
    assert [r[1] for r in body] == ["江苏省"] * 4 + ["浙江省"] * 3
    assert [r[0] for r in body] == [1, 2, 3, 4, 5, 6, 7]
    first = body[0]
    assert first[2] == "已报送"
    assert first[6] == "促进技术要素市场体系建设" and first[7] == "省级事权范围内"
    assert first[header.index("拟解决的痛点堵点")] == expected[0].pain_points
    assert first[header.index("改革内容")] == expected[0].content
    assert "某市科技局" in first[header.index("实施主体")]
    assert first[header.index("预期成效（指标：目标值单位）")] == "赋权成果数：100项"


def test_drafts_returned_books_and_other_years_are_left_out(client, cycle, reviewer, year_books):
    zj, js, draft, old = year_books
    ps.book_return(book=js, reason="请补充预期成效。", by=reviewer)
    client.force_login(reviewer)
    body = _rows(client.get(reverse("catalog:proposal_summary"), {"year": cycle.year}))[1:]
    assert {r[1] for r in body} == {"浙江省"}
    assert len(body) == 3
    last_year = _rows(client.get(reverse("catalog:proposal_summary"), {"year": cycle.year - 1}))[1:]
    assert [r[1] for r in last_year] == ["浙江省"] * 3
    assert draft.proposals.count() == 2


def test_formula_text_in_a_proposal_stays_text(client, cycle, reviewer, year_books):
    zj, *_ = year_books
    MeasureProposal.objects.filter(book=zj).update(content="=cmd|' /C calc'!A0", title="+1 赋权")
    client.force_login(reviewer)
    response = client.get(reverse("catalog:proposal_summary"), {"year": cycle.year})
    ws = load_workbook(io.BytesIO(response.content)).active
    cells = [
        c for row in ws.iter_rows(min_row=2) for c in row if c.value in ("=cmd|' /C calc'!A0", "+1 赋权")
    ]
    assert len(cells) == 6
    assert all(c.data_type == "s" for c in cells)


def test_summary_queries_do_not_grow_with_proposals(client, cycle, reviewer, django_assert_max_num_queries):
    _submitted(cycle, "330000", 3)
    client.force_login(reviewer)
    with django_assert_max_num_queries(40) as one:
        client.get(reverse("catalog:proposal_summary"), {"year": cycle.year})
    _submitted(cycle, "320000", 4)
    _submitted(cycle, "440000", 5)
    with django_assert_max_num_queries(40) as many:
        response = client.get(reverse("catalog:proposal_summary"), {"year": cycle.year})
    assert len(_rows(response)) == 1 + 12
    assert len(many.captured_queries) == len(one.captured_queries)


def test_a_summary_above_the_limit_is_queued_and_built_whole(
    client, cycle, reviewer, year_books, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(listing, "EXPORT_LIMIT", 6)
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.get(reverse("catalog:proposal_summary"), {"year": cycle.year})
    assert response.status_code == 302
    assert response["Location"] == reverse("catalog:merge") + f"?year={cycle.year}"
    assert "超过在线导出上限 6 行" in client.get(response["Location"]).content.decode()
    job = listing.build_export(ExportJob.objects.get(user=reviewer).pk)  # what the worker runs
    assert job.state == "done" and job.rows == 7
    with job.file.open("rb") as fh:
        ws = load_workbook(io.BytesIO(fh.read())).active
    assert ws.max_row == 1 + 7


def test_only_national_reviewers_get_the_summary_and_the_merge_page_links_it(
    client, cycle, reviewer, region_a_drc, year_books
):
    client.force_login(region_a_drc)
    assert client.get(reverse("catalog:proposal_summary"), {"year": cycle.year}).status_code == 403
    client.force_login(reviewer)
    page = client.get(reverse("catalog:merge"), {"year": cycle.year}).content.decode()
    assert f"{reverse('catalog:proposal_summary')}?year={cycle.year}" in page
