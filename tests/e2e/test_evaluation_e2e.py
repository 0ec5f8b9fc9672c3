"""Stage 4 in the browser: the reviewer commissions an agency, the evaluator uploads a report and scores,
the reviewer promotes an outcome, and an anonymous visitor finds it in the public library."""

import pytest

from reform_portal.enums import Stage

from .. import factories as f
from ..evaluation import scenarios as fe
from .conftest import login, logout


# Transactional (live server): tests/conftest.py reloads the regions and role groups after earlier flushes.
@pytest.mark.django_db(transaction=True)
def test_commission_assess_promote_and_find_in_the_library(page, tmp_path):
    cycle = f.CycleFactory(stage=Stage.EVALUATION)
    reviewer = f.national_user(username="ndrc_reviewer", full_name="于智锋")
    org = fe.agency("中国国际工程咨询有限公司", "110000")
    fe.evaluator_user(org, username="evaluator_ciecc", full_name="冯涛")
    fe.agency("浙江省科技评估中心", "330000")
    task = fe.make_task(cycle, reviewer, region_code="330000", position=1)
    report = tmp_path / "浙江评估报告.pdf"
    report.write_bytes(fe.PDF)

    login(page, "ndrc_reviewer", f.PASSWORD)
    page.click("header a:text-is('评估激励')")
    page.click("text=委托第三方评估")
    assert (
        "“浙江省科技评估中心”位于任务所在地区（浙江省），不能评估本地区的任务。"
        in page.get_by_test_id("independence").inner_text()
    )
    page.select_option("#id_agency", str(org.pk))
    page.check(f"input[name=tasks][value='{task.pk}']")
    page.fill("#id_due_date", f"{cycle.year + 1}-09-30")
    page.fill("#id_terms", "对照实施方案评估量化目标完成情况。")
    page.click("text=确认委托")
    assert page.get_by_test_id("commission-agency").inner_text() == "中国国际工程咨询有限公司"
    logout(page)

    login(page, "evaluator_ciecc", f.PASSWORD)
    page.click("header a:text-is('受托评估任务')")
    page.click("text=填写评估报告")
    assert page.get_by_test_id("attainment-reference").inner_text() == "按实际值计算：80.00"
    page.set_input_files("#id_report_file", str(report))
    page.fill("#id_score_attainment", "95")
    page.fill("#id_score_breakthrough", "90")
    page.fill("#id_score_replicability", "92")
    page.fill("#id_score_satisfaction", "88")
    page.fill("#id_conclusion", "改革目标全面完成，经验可在全国复制推广。")
    page.check("#id_recommend_promotion")
    page.click("text=提交评估报告")
    assert page.get_by_test_id("assessment-state").inner_text() == "已提交"
    assert page.get_by_test_id("weighted-score").inner_text() == "92.20"  # 95×.4+90×.2+92×.25+88×.15
    assert page.get_by_test_id("grade").inner_text() == "优秀"
    logout(page)

    login(page, "ndrc_reviewer", f.PASSWORD)
    page.click("header a:text-is('评估激励')")
    page.click("main >> text=改革成果")
    page.click("text=整理为改革成果")
    page.fill("#id_title", "职务科技成果赋权改革的浙江经验")
    page.fill("#id_summary", "赋予科研人员职务科技成果所有权，成果转化率显著提高。")
    page.fill("#id_problem_solved", "成果权属不清、转化动力不足。")
    page.fill("#id_how_to_replicate", "制定赋权办法，单列管理赋权成果，建立尽职免责机制。")
    page.fill("#id_applicable_scope", "高校院所较集中的省份。")
    page.click("main button:text-is('保存')")
    page.click("text=发布到成果库")
    assert "已发布到改革成果库。" in page.locator(".messages").inner_text()
    logout(page)

    page.goto("/")
    page.get_by_test_id("library-link").click()
    page.select_option("#id_region", "330000")
    page.click("main button:text-is('检索')")  # the header also links to 检索 (site search)
    page.wait_for_url("**region=330000**")
    assert page.get_by_test_id("outcome-title").all_inner_texts() == ["职务科技成果赋权改革的浙江经验"]
    page.click("text=职务科技成果赋权改革的浙江经验")
    assert page.get_by_test_id("outcome-heading").inner_text() == "职务科技成果赋权改革的浙江经验"
    assert "制定赋权办法，单列管理赋权成果，建立尽职免责机制。" in page.locator("main").inner_text()
