"""An anonymous visitor in the browser: from the home page to the published 举措清单 (web page, PDF and Excel
downloads) and to the 成果库, where a keyword search finds the published outcome and not the unpublished one."""

import datetime

import pdfplumber
from django.utils import timezone
from openpyxl import load_workbook

from evaluation import services as es
from reform_portal.enums import Stage

from .. import factories as f
from ..catalog import scenarios as fc
from ..evaluation import scenarios as fe

PUBLISHED = "高校院所职务科技成果赋权改革的浙江经验"
UNPUBLISHED = "科研仪器开放共享的江苏做法"


def test_visitor_reads_the_list_downloads_it_and_searches_the_library(page, transactional_db, tmp_path):
    cycle = f.CycleFactory(stage=Stage.EVALUATION)
    reviewer = f.national_user(username="ndrc_reviewer", full_name="于智锋")
    filed = timezone.make_aware(datetime.datetime.combine(cycle.proposal_deadline, datetime.time(10)))
    books = {
        code: fc.submitted_region_book(cycle, code, items, now=filed)[0]
        for code, items in (("330000", fc.ZJ_ITEMS), ("320000", fc.JS_ITEMS))
    }
    zj = list(books["330000"].proposals.order_by("position"))
    js = list(books["320000"].proposals.order_by("position"))
    fc.measure_from(cycle, reviewer, [zj[0], js[0]])
    fc.measure_from(
        cycle,
        reviewer,
        [js[1]],
        title="组建产业链创新联合体",
        area="core_tech",
        description="支持链主企业牵头组建创新联合体。",
        goals="组建创新联合体10家。",
        authority_level="provincial",
        coordination_departments="",
    )
    measure_list = fc.published_list(cycle, reviewer)
    title = f"{cycle.year}年度全面改革创新举措清单"

    agency = fe.agency()
    evaluator = fe.evaluator_user(agency)
    zj_task = fe.make_task(cycle, reviewer, region_code="330000", position=1, with_report=False)
    js_task = fe.make_task(cycle, reviewer, region_code="320000", position=2, with_report=False)
    commission = fe.commission(cycle, reviewer, agency, [zj_task, js_task])
    outcomes = []
    for task, name in ((zj_task, PUBLISHED), (js_task, UNPUBLISHED)):  # both mention 尽职免责
        fe.submitted_assessment(commission, task, evaluator)
        outcomes.append(
            es.outcome_create(
                task=task,
                values=dict(
                    fe.OUTCOME_VALUES, title=name, how_to_replicate="制定赋权办法，建立尽职免责机制。"
                ),
                by=reviewer,
            )
        )
    published, draft = outcomes
    es.outcome_publish(outcome=published, by=reviewer)

    page.goto("/")
    assert page.get_by_test_id("home-stage").inner_text() == "评估激励"
    page.get_by_test_id("home-published-list").click()
    assert page.get_by_test_id("public-title").inner_text() == f"《{title}》"
    day = timezone.localtime(measure_list.published_at)
    assert page.locator("main section.card").first.locator("p").first.inner_text() == (
        f"第1版 · {day.year}年{day.month}月{day.day}日公布 · 共 2 项改革举措"
    )
    rows = page.get_by_test_id("public-entries").locator("tbody tr")
    assert rows.nth(0).locator("td").all_inner_texts()[:3] == [
        f"{cycle.year}-01",
        "赋予科研人员职务科技成果所有权或长期使用权",
        "促进技术要素市场体系建设",
    ]
    assert rows.nth(0).locator("td").nth(5).inner_text() == "江苏省、浙江省"
    assert rows.nth(1).locator("td").all_inner_texts()[:2] == [f"{cycle.year}-02", "组建产业链创新联合体"]
    assert rows.nth(1).locator("td").nth(5).inner_text() == "江苏省"

    with (
        page.expect_response(f"**/catalog/public/{measure_list.pk}/xlsx/") as response,
        page.expect_download() as info,
    ):
        page.click("text=下载 Excel")
    assert response.value.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    download = info.value
    # the browser takes the Chinese name (RFC 5987 filename*), the ASCII one is the fallback
    assert download.suggested_filename == f"{cycle.year}年度全面改革创新举措清单（第1版）.xlsx"
    download.save_as(tmp_path / "list.xlsx")
    sheet = load_workbook(tmp_path / "list.xlsx").active
    assert sheet["A1"].value == f"{title}（第1版）"
    assert [sheet.cell(row=r, column=2).value for r in (3, 4)] == [
        "赋予科研人员职务科技成果所有权或长期使用权",
        "组建产业链创新联合体",
    ]

    with page.expect_response(f"**/catalog/public/{measure_list.pk}/pdf/") as info:
        page.click("text=下载 PDF")
    pdf = info.value
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'inline; filename="measure-list-{cycle.year}-v1.pdf"'
    # Chromium shows the PDF in its viewer (the response body is the viewer's page): read the file itself.
    (tmp_path / "list.pdf").write_bytes(page.request.get(pdf.url).body())
    with pdfplumber.open(tmp_path / "list.pdf") as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages).replace("\n", "")
    assert title in text and "组建产业链创新联合体" in text

    page.goto("/")
    page.get_by_test_id("library-link").click()
    assert page.get_by_test_id("outcome-title").all_inner_texts() == [PUBLISHED]
    page.fill("#id_q", "尽职免责")
    page.click("main button:text-is('检索')")
    page.wait_for_url("**/evaluation/library/?q=*")
    assert page.get_by_test_id("library-count").inner_text().startswith("共 1 项成果")
    assert page.get_by_test_id("outcome-title").all_inner_texts() == [PUBLISHED]
    assert UNPUBLISHED not in page.locator("main").inner_text()
    page.click(f"text={PUBLISHED}")
    assert page.get_by_test_id("outcome-heading").inner_text() == PUBLISHED
    assert "制定赋权办法，建立尽职免责机制。" in page.locator("main").inner_text()
    response = page.goto(f"/evaluation/library/{draft.pk}/")
    assert response.status == 404
    assert UNPUBLISHED not in page.locator("body").inner_text()
