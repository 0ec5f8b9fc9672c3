from reform_portal.enums import OrgKind

from .. import factories as f
from .conftest import login


def test_regional_user_logs_in_and_sees_the_chinese_dashboard(page, transactional_db):
    cycle = f.CycleFactory()
    f.regional_user("330000", OrgKind.REGIONAL_DRC, username="zhejiang_fgw", full_name="王建国")
    login(page, "zhejiang_fgw", f.PASSWORD)
    assert page.locator("h1").inner_text() == "工作台"
    assert page.get_by_test_id("header-user").inner_text() == "王建国 · 省级填报 · 浙江省发展改革委"
    assert "征集选题" in page.get_by_test_id("dashboard-stage").inner_text()
    deadline = page.get_by_test_id("next-deadline").inner_text()
    assert (
        f"{cycle.proposal_deadline.year}年{cycle.proposal_deadline.month}月{cycle.proposal_deadline.day}日"
        in deadline
    )
    assert "剩余 30 天" in deadline
    assert "填报并联合报送本年度《全面创新改革举措建议书》" in page.get_by_test_id("next-action").inner_text()
