"""Stage 1 in the browser: 发改委 drafts three proposals, both departments confirm, the book is submitted,
the national reviewer finds it in the inbox and downloads the PDF."""

from reform_portal.enums import OrgKind

from .. import factories as f
from .conftest import login, logout


def add_proposal(page, n):
    page.click("text=新增举措")
    page.fill("#id_title", f"科技成果赋权改革试点{n}")
    page.select_option("#id_area", "tech_market")
    page.fill("#id_keywords", "赋权")
    page.fill("#id_pain_points", "科研人员转化动力不足。")
    page.fill("#id_content", "赋予科研人员职务科技成果所有权。")
    page.fill("#id_steps", "2027年6月前出台办法。")
    page.fill("#id_results-0-indicator", "赋权成果")
    page.fill("#id_results-0-unit", "项")
    page.fill("#id_results-0-target", "100")
    page.fill("#id_new_entities", "省科技厅成果处")
    page.select_option("#id_authority_level", "provincial")
    page.fill("#id_consulted_universities", "浙江大学")
    page.fill("#id_consulted_departments", "省财政厅")
    page.click("main button[type=submit]")
    page.wait_for_selector(f"text=举措“科技成果赋权改革试点{n}”已保存。")


def test_region_files_and_reviewer_downloads_the_book(page, transactional_db, tmp_path):
    cycle = f.CycleFactory()
    f.regional_user("330000", OrgKind.REGIONAL_DRC, username="zhejiang_fgw", full_name="王建国")
    f.regional_user("330000", OrgKind.REGIONAL_SCITECH, username="zhejiang_kjt", full_name="陈海燕")
    f.national_user(username="ndrc_reviewer", full_name="于智锋")

    login(page, "zhejiang_fgw", f.PASSWORD)
    page.click("header >> text=本年度建议书")
    assert page.get_by_test_id("book-count").inner_text() == "0 项（要求 3—5 项）"
    page.click("text=编辑封面")
    page.fill("#id_contact_name", "王建国")
    page.fill("#id_contact_phone", "0571-87051234")
    page.fill("#id_summary", "聚焦科技成果转化。")
    page.click("main button[type=submit]")
    for n in (1, 2, 3):
        add_proposal(page, n)
    assert page.get_by_test_id("book-count").inner_text() == "3 项（要求 3—5 项）"
    assert page.get_by_test_id("proposal-title").all_inner_texts() == [
        "科技成果赋权改革试点1",
        "科技成果赋权改革试点2",
        "科技成果赋权改革试点3",
    ]
    page.click("text=确认联合报送")
    assert "王建国" in page.get_by_test_id("book-signoffs").inner_text()
    page.click("main button:has-text('报送')")
    assert (
        "须经本地区发展改革委和科技厅（委、局）双方确认联合报送后方可报送。"
        in page.locator(".messages").inner_text()
    )
    logout(page)

    login(page, "zhejiang_kjt", f.PASSWORD)
    page.click("header >> text=本年度建议书")
    page.click("text=确认联合报送")
    assert "陈海燕" in page.get_by_test_id("book-signoffs").inner_text()
    page.click("main form button:text-is('报送')")
    assert page.get_by_test_id("book-state").inner_text() == "已报送"
    logout(page)

    login(page, "ndrc_reviewer", f.PASSWORD)
    page.click("header >> text=建议书报送情况")
    row = page.locator("tr[data-region='330000']")
    assert "已报送" in row.inner_text()
    assert row.locator("td").nth(2).inner_text() == "3"
    row.locator("text=查看").click()
    assert page.get_by_test_id("book-title").inner_text() == f"浙江省{cycle.year}年度全面创新改革举措建议书"
    with page.expect_download() as info:
        page.click("text=建议书 PDF")
    target = tmp_path / "book.pdf"
    info.value.save_as(target)
    import pdfplumber

    with pdfplumber.open(target) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
    assert "科技成果赋权改革试点3" in text
