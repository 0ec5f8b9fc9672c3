"""征求意见 in the browser: the 财政部 liaison finds the list version sent to 财政部, gives an opinion on a
measure, the national reviewer answers it and the liaison reads the answer. The version sent only to
工业和信息化部 stays out of 财政部's sight (not listed, its URL answers 404)."""

import datetime
import re

from django.utils import timezone

from catalog import services as cs
from reform_portal.enums import Stage
from tests.factories import ended_proposals

from .. import factories as f
from ..catalog import scenarios as fc
from .conftest import login, logout

OPINION = "建议明确赋权成果的国有资产登记和核销程序。"
RESPONSE = "已采纳，在举措内容中增加国有资产登记和核销程序的要求。"


def test_liaison_gives_an_opinion_and_reads_the_reviewers_answer(page, transactional_db):
    cycle = f.CycleFactory(stage=Stage.REVIEW)
    reviewer = f.national_user(username="ndrc_reviewer", full_name="于智锋")
    filed = timezone.now() - datetime.timedelta(days=12)  # before the 建议书 deadline of a cycle in 制定清单
    zj = list(
        fc.submitted_region_book(cycle, "330000", fc.ZJ_ITEMS, now=filed)[0].proposals.order_by("position")
    )
    js = list(
        fc.submitted_region_book(cycle, "320000", fc.JS_ITEMS, now=filed)[0].proposals.order_by("position")
    )
    merged = fc.measure_from(cycle, reviewer, [zj[0], js[0]])
    fc.measure_from(
        cycle,
        reviewer,
        [zj[1]],
        title="推动科研仪器设备向社会开放共享",
        authority_level="provincial",
        coordination_departments="",
    )
    mof = fc.liaison_of("财政部", username="mof_liaison").organization
    miit = fc.liaison_of("工业和信息化部", username="miit_liaison").organization
    # 第1版 went to 工业和信息化部 only and was published; 第2版 is out to 财政部.
    first = cs.list_draft(cycle=cycle, by=reviewer)
    (miit_consultation,) = cs.consultation_send(measure_list=first, ministries=[miit], by=reviewer)
    ended_proposals(first.cycle)
    cs.list_publish(measure_list=first, by=reviewer, notify=False)
    second = cs.list_draft(cycle=cycle, by=reviewer)
    cs.consultation_send(measure_list=second, ministries=[mof], by=reviewer)
    title = f"{cycle.year}年度全面改革创新举措清单"

    login(page, "mof_liaison", f.PASSWORD)
    assert page.get_by_test_id("header-user").inner_text().endswith(" · 部门联络 · 财政部")
    # 第1版 is published: the year is in 悬榜揭榜 (its stored state), and the 工作台's to-do list leads to 第2版.
    page.locator("[data-testid=open-item][data-kind=consultation]").get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/catalog/consultations/\?year={cycle.year}$"))
    rows = page.get_by_test_id("consultations").locator("tbody tr")
    assert rows.count() == 1
    assert rows.locator("td").nth(0).inner_text() == f"{title}（第2版）"
    assert rows.locator("td").nth(1).inner_text() == "征求意见中 待反馈（已反馈 0/2 项）"
    assert "第1版" not in page.locator("main").inner_text()
    rows.get_by_role("link", name="查看并反馈意见").click()
    assert page.get_by_test_id("list-title").inner_text() == f"{title}（第2版）"
    assert page.get_by_test_id("consult-measure").locator("h2").all_inner_texts() == [
        "1. 赋予科研人员职务科技成果所有权或长期使用权",
        "2. 推动科研仪器设备向社会开放共享",
    ]
    card = page.locator(f"#measure-{merged.pk}")
    page.select_option(f"#id_m{merged.pk}-stance", "revise")
    page.fill(f"#id_m{merged.pk}-text", OPINION)
    card.get_by_role("button", name="保存意见").click()
    assert (
        page.locator(".messages").inner_text()
        == "已保存对“赋予科研人员职务科技成果所有权或长期使用权”的意见。"
    )
    card = page.locator(f"#measure-{merged.pk}")
    assert card.get_by_test_id("my-opinion").inner_text() == f"本部门意见：修改后同意（{OPINION}）"
    assert page.input_value(f"#id_m{merged.pk}-stance") == "revise"
    assert page.input_value(f"#id_m{merged.pk}-text") == OPINION

    # 工业和信息化部's version: not listed above, and its address answers 404.
    response = page.goto(f"/catalog/consultations/{miit_consultation.pk}/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "页面不存在"
    assert "清单" not in page.locator("main").inner_text()
    logout(page)

    login(page, "ndrc_reviewer", f.PASSWORD)
    page.click("header >> a:text-is('举措清单')")
    assert page.locator("tr[data-version='1'] td").nth(3).inner_text() == "工业和信息化部"
    assert page.locator("tr[data-version='2'] td").nth(3).inner_text() == "财政部"
    page.locator("tr[data-version='2']").get_by_role("link", name="管理").click()
    assert page.get_by_test_id("list-state").inner_text() == "征求意见中"
    opinion = page.get_by_test_id("opinion")
    assert opinion.count() == 1
    assert opinion.locator("strong").inner_text() == "财政部"
    assert f"（修改后同意）：{OPINION}" in opinion.inner_text()
    opinion.get_by_label("采纳情况说明").fill(RESPONSE)
    opinion.get_by_role("button", name="答复").click()
    assert page.locator(".messages").inner_text() == "已答复部门意见。"
    assert page.get_by_test_id("opinion").locator(".muted").inner_text() == f"答复：{RESPONSE}"
    logout(page)

    login(page, "mof_liaison", f.PASSWORD)
    page.click("header >> a:text-is('征求意见')")
    page.click("text=查看并反馈意见")
    assert page.locator(f"#measure-{merged.pk}").get_by_test_id("my-opinion").inner_text() == (
        f"本部门意见：修改后同意（{OPINION}）\n答复：{RESPONSE}"
    )
