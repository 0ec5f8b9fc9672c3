"""Excel import in the browser (issue 18 §5): 发改委 downloads the 建议书 template, fills it in (openpyxl, as a
spreadsheet program would), uploads a file with one bad row, reads the error at its row and column, fixes the
row, uploads again and confirms; the three proposals are on the book's page."""

import io
import os

import openpyxl

from reform_portal.enums import OrgKind

from .. import factories as f
from .conftest import login


def _filled(path, bad):
    wb = openpyxl.load_workbook(path)
    ws = wb["改革举措"]
    columns = {str(c.value).lstrip("*"): c.column for c in ws[1] if c.value}
    for n in (1, 2, 3):
        row = n + 1
        ws.cell(row, columns["举措名称"], f"职务科技成果赋权改革{n}")
        ws.cell(row, columns["改革任务领域"], "促进技术要素市场体系建设")
        ws.cell(row, columns["改革内容"], "赋予科研人员职务科技成果所有权。")
        ws.cell(row, columns["事权层级"], "省级事权范围内")
    if bad:
        ws.cell(3, columns["举措名称"], "很" * 61)
    results = wb["预期成效"]
    results.append(["职务科技成果赋权改革1", "赋权成果", "项", 100])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_region_imports_its_proposals_from_the_template(page, transactional_db, tmp_path):
    f.CycleFactory()
    f.regional_user("330000", OrgKind.REGIONAL_DRC, username="zhejiang_fgw", full_name="王建国")
    login(page, "zhejiang_fgw", f.PASSWORD)
    page.click("header >> text=本年度建议书")
    with page.expect_download() as info:
        page.click("text=下载Excel模板")
    template = tmp_path / "模板.xlsx"
    info.value.save_as(template)
    page.click("text=从Excel导入")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    page.set_input_files(
        "#id_file", {"name": "建议书.xlsx", "mimeType": xlsx, "buffer": _filled(template, True)}
    )
    page.click("text=上传并检查")
    errors = page.get_by_test_id("import-errors").inner_text()
    assert "「改革举措」表第3行「举措名称」" in errors
    assert page.get_by_test_id("import-confirm").count() == 0
    if os.environ.get("IMPORT_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["IMPORT_SCREENSHOTS"], "errors.png"), full_page=True)
    page.set_input_files(
        "#id_file", {"name": "建议书.xlsx", "mimeType": xlsx, "buffer": _filled(template, False)}
    )
    page.click("text=上传并检查")
    if os.environ.get("IMPORT_SCREENSHOTS"):
        page.screenshot(path=os.path.join(os.environ["IMPORT_SCREENSHOTS"], "preview.png"), full_page=True)
    page.click("text=确认导入")
    assert "已从Excel导入：新增3项举措，更新0项。" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("proposal-title").all_inner_texts() == [
        "职务科技成果赋权改革1",
        "职务科技成果赋权改革2",
        "职务科技成果赋权改革3",
    ]
