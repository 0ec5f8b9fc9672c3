"""Stage 3 in the browser: 浙江 claims three entries and submits with both departments' confirmation; the
national reviewer awards them and issues the letters; 浙江 downloads its letter, fills the plan of a task
and files a progress report."""

import datetime

import pdfplumber
from django.utils import timezone

from reform_portal.enums import OrgKind

from .. import factories as f
from ..bidding import scenarios as fb
from .conftest import login, logout


def claim(page, entry):
    page.locator(f"tr[data-entry='{entry.number}'] >> a.button:text-is('揭榜')").click()
    page.fill("#id_approach", "在杭州、宁波先行试点，成熟后全省推开。")
    page.check("input[name=entity_kinds][value=university]")
    page.check("input[name=entity_kinds][value=local_gov]")
    page.fill("#id_entity_names", "浙江大学\n杭州市人民政府")
    page.fill("#id_contact_name", "王建国")
    page.fill("#id_contact_phone", "0571-87051234")
    page.click("main button:text-is('保存揭榜')")
    page.wait_for_selector(f"text=已揭榜“{entry.title}”。")


def test_region_bids_reviewer_awards_and_issues_region_plans_and_reports(page, transactional_db, tmp_path):
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=4)
    f.regional_user("330000", OrgKind.REGIONAL_DRC, username="zhejiang_fgw", full_name="王建国")
    f.regional_user("330000", OrgKind.REGIONAL_SCITECH, username="zhejiang_kjt", full_name="陈海燕")
    f.national_user(username="ndrc_reviewer", full_name="于智锋")

    login(page, "zhejiang_fgw", f.PASSWORD)
    page.click("header >> a:text-is('揭榜')")
    assert page.get_by_test_id("bid-count").inner_text() == "0 项（不少于 3 项）"
    for entry in entries[:3]:
        claim(page, entry)
    assert page.get_by_test_id("bid-count").inner_text() == "3 项（不少于 3 项）"
    page.click("text=确认联合报送")
    assert "王建国" in page.get_by_test_id("bid-signoffs").inner_text()
    page.click("main button:text-is('报送揭榜申报')")
    assert (
        "须经本地区发展改革委和科技厅（委、局）双方确认联合报送后方可报送。"
        in page.locator(".messages").inner_text()
    )
    logout(page)

    login(page, "zhejiang_kjt", f.PASSWORD)
    page.click("header >> a:text-is('揭榜')")
    page.click("text=确认联合报送")
    page.click("main button:text-is('报送揭榜申报')")
    assert page.get_by_test_id("bid-set-state").inner_text() == "已报送"
    logout(page)

    login(page, "ndrc_reviewer", f.PASSWORD)
    page.click("header >> text=汇总揭榜结果")
    row = page.locator("tr[data-region='330000']")
    assert row.get_by_test_id("region-count").inner_text() == "3"
    assert page.get_by_test_id("unclaimed").inner_text() == f"{entries[3].number} {entries[3].title}"
    page.click("text=确认揭榜（勾选事项）")
    assert "已确认3项揭榜任务。" in page.locator(".messages").inner_text()
    page.click("main button:text-is('下达揭榜任务通知书')")
    assert page.get_by_test_id("notice-progress").inner_text() == "已生成 1 / 1 份通知书"
    assert page.get_by_test_id("notice-done").inner_text() == "全部通知书已生成。"
    logout(page)

    login(page, "zhejiang_fgw", f.PASSWORD)
    page.click("header >> text=揭榜任务")
    assert page.get_by_test_id("task-title").all_inner_texts() == [e.title for e in entries[:3]]
    with page.expect_download() as info:
        page.locator("table[data-testid=tasks] >> a:has-text('发改高技')").first.click()
    target = tmp_path / "notice.pdf"
    info.value.save_as(target)
    with pdfplumber.open(target) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages).replace("\n", "")
    assert "浙江省" in text and all(e.title in text for e in entries[:3])

    page.click(f"text={entries[0].title}")
    due = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    page.fill("#id_m-title", "出台实施办法")
    page.fill("#id_m-due_date", due)
    page.fill("#id_m-deliverable", "省政府办公厅印发实施办法")
    page.fill("#id_m-responsible_name", "李明")
    page.fill("#id_m-responsible_post", "处长")
    page.fill("#id_m-responsible_phone", "0571-87050000")
    page.click("text=添加里程碑")
    assert "里程碑已添加。" in page.locator(".messages").inner_text()
    page.fill("#id_t-indicator", "赋权成果数")
    page.fill("#id_t-unit", "项")
    page.fill("#id_t-baseline", "0")
    page.fill("#id_t-target", "100")
    page.click("text=添加目标")
    page.click("text=确认实施方案")
    assert page.get_by_test_id("task-state").inner_text() == "实施中"

    page.click("text=报送进展")
    page.fill("#id_narrative", "实施办法已报省政府审定。")
    page.fill("#id_period_end", (timezone.localdate() + datetime.timedelta(days=3)).isoformat())
    page.fill("input[name^=actual_]", "40")
    page.select_option("select[name^=status_]", "at_risk")
    page.click("main button:text-is('报送')")
    assert "报告期截至日期不能晚于今天。" in page.locator("main").inner_text()
    assert page.input_value("#id_narrative") == "实施办法已报省政府审定。"
    page.fill("#id_period_end", timezone.localdate().isoformat())
    page.click("main button:text-is('报送')")
    assert "进展报告已报送。" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("target-actual").inner_text() == "40.00"
    assert page.get_by_test_id("milestone-status").inner_text() == "存在风险"
