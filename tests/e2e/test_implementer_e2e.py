"""An implementing entity in the browser: 浙江大学, named in the plan of one of 浙江's tasks, finds the task,
reads its milestones and targets, files a progress report with an attachment and raises a coordination
request; the reviewer answers it and 浙江大学 reads the answer. It cannot change the plan, and 杭州市人民政府
(named on another task) sees only its own task."""

from django.utils import timezone

from bidding import services as bs
from reform_portal.enums import OrgKind, Role

from .. import factories as f
from ..bidding import scenarios as fb
from ..evaluation import scenarios as fe
from .conftest import login, logout

ANSWER = "已商财政部，赋权成果可不纳入国有资产保值增值考核，正式复函近期印发。"


def test_implementer_reports_progress_and_raises_a_coordination_request(page, transactional_db, tmp_path):
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    reviewer = f.national_user(username="ndrc_reviewer", full_name="于智锋")
    drc, scitech = fb.region_pair("330000")
    ours, theirs, _other = fb.allocated(cycle, reviewer, drc, scitech, entries)
    zju = f.OrganizationFactory(name="浙江大学", kind=OrgKind.UNIVERSITY, region=f.region("330000"))
    hz = f.OrganizationFactory(name="杭州市人民政府", kind=OrgKind.LOCAL_GOV, region=f.region("330000"))
    bs.plan_set_entities(task=ours, organizations=[zju, hz], by=drc)
    bs.plan_set_entities(task=theirs, organizations=[hz], by=drc)
    bs.plan_set_entities(task=ours, organizations=[zju], by=drc)  # 杭州 taken off again: access goes with it
    fb.confirmed_plan(ours, drc)
    f.UserFactory(username="zju_impl", full_name="李华", organization=zju, role=Role.IMPLEMENTER)
    f.UserFactory(username="hz_impl", full_name="赵敏", organization=hz, role=Role.IMPLEMENTER)
    milestone, target = ours.milestones.get(), ours.targets.get()
    attachment = tmp_path / "赋权试点进展.pdf"
    attachment.write_bytes(fe.PDF)
    today = timezone.localdate()

    login(page, "zju_impl", f.PASSWORD)
    assert page.get_by_test_id("header-user").inner_text() == "李华 · 实施主体 · 浙江大学"
    assert page.get_by_test_id("panel-tasks").inner_text() == "1 项揭榜任务 · 查看任务"
    page.click("header >> a:text-is('揭榜任务')")
    assert page.get_by_test_id("task-title").all_inner_texts() == [entries[0].title]
    row = page.locator(f"tr[data-task='{ours.pk}'] td")
    assert row.all_inner_texts() == [str(cycle.year), "浙江省", entries[0].title, "实施中", "0 / 1", "—", "—"]
    page.click(f"text={entries[0].title}")
    assert page.locator("h1").inner_text() == f"浙江省：{entries[0].number} {entries[0].title}"
    assert page.get_by_test_id("task-state").inner_text() == "实施中"
    assert page.get_by_test_id("task-entities").inner_text() == "浙江大学"
    assert page.get_by_test_id("milestone").locator("td").all_inner_texts()[:5] == [
        "节点1",
        f"{milestone.due_date:%Y-%m-%d}",
        "省政府办公厅印发实施办法",
        "李明（处长，0571-87050000）",
        "未开始",
    ]
    assert page.get_by_test_id("target").locator("td").all_inner_texts()[:5] == [
        "赋权成果数",
        "项",
        "0.00",
        "100.00",
        "—",
    ]
    # The plan is the region's: no plan forms, no 完成总结 for an implementing entity.
    for button in ("保存实施主体", "添加里程碑", "添加目标", "确认实施方案", "删除"):
        assert page.get_by_role("button", name=button).count() == 0
    assert page.get_by_role("link", name="报送完成总结").count() == 0

    page.click("text=报送进展")
    assert page.input_value("#id_period_end") == today.isoformat()
    page.fill("#id_narrative", "浙江大学已出台职务科技成果赋权管理办法，首批赋权成果35项。")
    page.fill(f"#id_actual_{target.pk}", "35")
    page.select_option(f"#id_status_{milestone.pk}", "on_track")
    page.fill(f"#id_note_{milestone.pk}", "办法已印发")
    page.set_input_files("#id_attachment", str(attachment))
    page.click("main button:text-is('报送')")
    assert page.locator(".messages").inner_text() == "进展报告已报送。"
    assert page.get_by_test_id("target-actual").inner_text() == "35.00"
    assert page.get_by_test_id("milestone-status").inner_text() == "正常推进"
    report = page.get_by_test_id("report")
    assert report.locator("h3").inner_text().startswith(f"截至 {today:%Y-%m-%d} 李华 ")
    assert report.locator("li").all_inner_texts() == ["赋权成果数：35.00项", "节点1：正常推进（办法已印发）"]
    assert report.get_by_role("link").inner_text() == "赋权试点进展.pdf"

    page.fill("#id_c-subject", "赋权成果国有资产管理")
    page.fill("#id_c-detail", "赋权后的成果是否仍需纳入国有资产保值增值考核，需财政部明确。")
    page.click("main button:text-is('提交')")
    assert page.locator(".messages").inner_text() == "协调事项已提交国家发展改革委、科技部。"
    request = page.get_by_test_id("coordination-request")
    assert request.locator("h3").inner_text().startswith("赋权成果国有资产管理 李华 ")
    assert request.locator(".muted").last.inner_text() == "待国家发展改革委、科技部答复"
    logout(page)

    login(page, "ndrc_reviewer", f.PASSWORD)
    page.click("header >> a:text-is('任务进展')")
    row = page.locator(f"[data-testid=progress-tasks] tr[data-task='{ours.pk}']")
    assert row.locator("td").nth(7).inner_text() == "1"  # 待答复协调事项
    assert row.get_by_test_id("attainment").inner_text() == "35%"
    row.get_by_role("link", name=entries[0].title).click()
    page.fill("[data-testid=coordination-request] textarea[name=answer]", ANSWER)
    page.click("[data-testid=coordination-request] >> button:text-is('答复')")
    assert page.locator(".messages").inner_text() == "已答复。"
    logout(page)

    login(page, "zju_impl", f.PASSWORD)
    page.click("header >> a:text-is('揭榜任务')")
    page.click(f"text={entries[0].title}")
    assert page.get_by_test_id("coordination-request").locator(".ok").inner_text().endswith(f"）：{ANSWER}")
    logout(page)

    # 杭州市人民政府 is named on another task only: it sees that one, and 浙江大学's task answers 404.
    login(page, "hz_impl", f.PASSWORD)
    page.click("header >> a:text-is('揭榜任务')")
    assert page.get_by_test_id("task-title").all_inner_texts() == [entries[1].title]
    response = page.goto(f"/bidding/tasks/{ours.pk}/")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "页面不存在"
    assert entries[0].title not in page.locator("main").inner_text()
