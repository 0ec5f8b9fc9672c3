"""Stage 2 in the browser: the reviewer merges two regions' proposals, assigns an expert, the expert
scores, the reviewer publishes the list, and an anonymous visitor reads it."""

from reform_portal.enums import OrgKind, Role

from .. import factories as f
from ..catalog import scenarios as fc
from .conftest import login, logout


def test_merge_review_publish_and_read(page, transactional_db):
    cycle = f.CycleFactory()
    books = fc.two_region_books(cycle)
    zj = books["330000"][0].proposals.order_by("position").first()
    js = books["320000"][0].proposals.order_by("position").first()
    f.national_user(username="ndrc_reviewer", full_name="于智锋")
    org = f.OrganizationFactory(
        name="中国科学院科技战略咨询研究院", kind=OrgKind.INSTITUTE, region=f.region("110000")
    )
    f.UserFactory(username="expert_bj", full_name="钱学文", organization=org, role=Role.EXPERT)

    login(page, "ndrc_reviewer", f.PASSWORD)
    page.click("header >> text=汇总与合并")
    row = page.locator(f"tr[data-proposal='{zj.pk}']")
    assert "江苏省·开展职务科技成果赋权改革试点" in row.get_by_test_id("similar").inner_text()
    row.locator("input[name=proposals]").check()
    page.locator(f"tr[data-proposal='{js.pk}'] input[name=proposals]").check()
    page.fill("#id_title", "赋予科研人员职务科技成果所有权或长期使用权")
    page.select_option("#id_area", "tech_market")
    page.fill("#id_description", "在高校院所开展职务科技成果赋权改革，赋权成果单列管理。")
    page.fill("#id_goals", "年内赋权科技成果200项。")
    page.select_option("#id_authority_level", "provincial")
    page.click("text=合并为清单举措")
    assert (
        "已合并为举措“赋予科研人员职务科技成果所有权或长期使用权”。" in page.locator(".messages").inner_text()
    )
    assert page.locator(f"tr[data-proposal='{js.pk}']").get_attribute("data-state") == "merged"
    page.locator(
        f"tr[data-proposal='{zj.pk}'] >> text=赋予科研人员职务科技成果所有权或长期使用权"
    ).last.click()
    assert page.get_by_test_id("sources").inner_text().splitlines() == [
        "江苏省：开展职务科技成果赋权改革试点",
        "浙江省：赋予科研人员职务科技成果所有权或长期使用权",
    ]
    page.get_by_label("钱学文（中国科学院科技战略咨询研究院）").check()
    page.click("text=分配论证")
    assert "已分配专家钱学文论证。" in page.locator(".messages").inner_text()
    logout(page)

    login(page, "expert_bj", f.PASSWORD)
    page.click("header >> text=专家论证")
    page.click("text=论证打分")
    for name, value in [("value", 5), ("bold", 4), ("small", 4), ("easy", 3), ("exemplary", 5)]:
        page.check(f"input[name={name}_score][value='{value}']")
    page.fill("#id_value_comment", "切中痛点，含金量高。")
    page.check("input[name=recommendation][value=include]")
    page.click("text=提交论证意见")
    assert "论证意见已提交。" in page.locator(".messages").inner_text()
    logout(page)

    login(page, "ndrc_reviewer", f.PASSWORD)
    page.click("header >> text=举措清单")
    page.click("text=清单举措与专家论证")
    assert "21.0（21—21）" in page.get_by_test_id("measures").inner_text()
    # 结束征集 on the year page (early: a reason), then 公布清单 through its confirmation page.
    page.click("[data-testid=nav-years]")
    page.click(f"[data-testid=cycle-row][data-year='{cycle.year}'] >> text=结束征集")
    assert page.get_by_test_id("cycle-early").is_visible()
    page.fill("#id_reason", "两地已报送，提前汇总")
    page.click("[data-testid=cycle-confirm]")
    page.wait_for_url(f"**/years/{cycle.year}/")
    assert page.inner_text("[data-testid=cycle-state]") == "制定清单"
    page.click("header >> text=举措清单")
    page.click("text=清单版本、征求意见与公布")
    page.click("text=新建清单草稿")
    page.click("[data-testid=publish-confirm-link]")
    assert "未报送建议书的地区（11）" in page.inner_text("main")
    page.click("[data-testid=cycle-confirm]")
    assert "请填写理由" in page.inner_text("main")
    page.fill("#id_reason", "其余地区本年度未报送，按期公布")
    page.click("[data-testid=cycle-confirm]")
    page.wait_for_url(f"**/years/{cycle.year}/")
    assert page.inner_text("[data-testid=cycle-state]") == "悬榜揭榜"
    page.click("header >> text=举措清单")
    page.click("text=清单版本、征求意见与公布")
    page.get_by_role("link", name="管理", exact=True).first.click()
    assert page.get_by_test_id("list-state").inner_text() == "已公布"
    logout(page)

    page.goto("/")
    page.get_by_test_id("home-published-list").click()
    assert page.get_by_test_id("public-title").inner_text() == f"《{cycle.year}年度全面改革创新举措清单》"
    entry = page.locator(f"tr[data-number='{cycle.year}-01']")
    assert "赋予科研人员职务科技成果所有权或长期使用权" in entry.inner_text()
    assert "江苏省、浙江省" in entry.inner_text()
