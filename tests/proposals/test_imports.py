"""Excel import of a 建议书's proposals and expected results (issue 18 §5): download the template, fill it with
openpyxl as a user's spreadsheet program would, upload, preview, confirm."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from proposals import imports, services
from proposals.enums import BookState
from proposals.models import ExpectedResult, MeasureProposal
from reform_portal.enums import OrgKind

from .. import factories as f
from ..reform_portal import office_files
from . import scenarios as fp

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _template(client, book):
    response = client.get(reverse("proposals:import_template", args=[book.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _columns(ws):
    return {str(c.value).lstrip("*"): c.column for c in ws[1] if c.value}


def _fill(wb, proposals=(), results=()):
    """Rows appended below what the template holds; each a {column label: value}."""
    for title, rows in ((imports.PROPOSALS, proposals), (imports.RESULTS, results)):
        ws = wb[title]
        columns = _columns(ws)
        for values in rows:
            number = ws.max_row + 1
            for label, value in values.items():
                ws.cell(row=number, column=columns[label], value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _proposal(n, **extra):
    row = {
        "举措名称": f"职务科技成果赋权改革{n}",
        "改革任务领域": "促进技术要素市场体系建设",
        "关键词": "赋权",
        "拟解决的痛点堵点": "权属不清。",
        "改革内容": "赋予科研人员职务科技成果所有权。",
        "实施步骤及时间安排": "2027年6月前出台办法。",
        "事权层级": "省级事权范围内",
        "征求意见的高等院校": "浙江大学",
    }
    row.update(extra)
    return row


def _upload(client, book, data, name="导入.xlsx", revision=None):
    return client.post(
        reverse("proposals:book_import", args=[book.pk]),
        {
            "file": SimpleUploadedFile(name, data, content_type=XLSX),
            "revision": book.version if revision is None else revision,
        },
    )


def _confirm(client, book, preview):
    form = preview.context["confirm_form"]
    return client.post(
        reverse("proposals:book_import", args=[book.pk]),
        {"payload": form["payload"].value(), "revision": form["revision"].value()},
    )


def _errors(response):
    plan = response.context.get("plan")
    return [str(e) for e in plan.errors] if plan else list(response.context.get("file_errors") or [])


def test_a_good_file_saves_every_row_with_its_results(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    zju = f.OrganizationFactory(name="浙江大学", kind=OrgKind.UNIVERSITY, region=region_a_drc.region)
    lab = f.OrganizationFactory(name="之江实验室", kind=OrgKind.INSTITUTE, region=region_a_drc.region)
    client.force_login(region_a_drc)
    data = _fill(
        _template(client, book),
        proposals=[
            _proposal(1, **{"实施主体（单位库）": "浙江大学、之江实验室", "其他实施主体": "某市科技局"}),
            _proposal(2, 事权层级="需国家层面协调", 需协调的国家部门="科技部"),
        ],
        results=[
            {"举措名称": "职务科技成果赋权改革1", "指标": "赋权成果", "单位": "项", "目标值": 120},
            {"举措名称": "职务科技成果赋权改革1", "指标": "转化金额", "单位": "亿元", "目标值": 3.5},
            {"举措名称": "职务科技成果赋权改革2", "指标": "试点单位", "单位": "家", "目标值": 10},
        ],
    )
    preview = _upload(client, book, data)
    assert preview.status_code == 200
    assert _errors(preview) == []
    assert MeasureProposal.objects.filter(book=book).count() == 0  # the preview saves nothing
    assert "新增" in preview.content.decode()
    done = _confirm(client, book, preview)
    assert done.status_code == 302
    first, second = book.proposals.order_by("position")
    assert (first.title, first.area, first.authority_level) == (
        "职务科技成果赋权改革1",
        "tech_market",
        "provincial",
    )
    assert [(r.indicator, r.unit, str(r.target)) for r in first.results.all()] == [
        ("赋权成果", "项", "120.00"),
        ("转化金额", "亿元", "3.50"),
    ]
    assert set(first.entities.all()) == {zju, lab} and first.new_entities == "某市科技局"
    assert second.coordination_departments == "科技部"
    book.refresh_from_db()
    assert book.history.first().history_change_reason == "从Excel导入举措：新增2项，修改0项"


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ({"举措名称": "很" * 61}, "举措名称", "60"),
        ({"改革任务领域": "随便什么领域"}, "改革任务领域", "选择一个有效的选项"),
        ({"改革内容": "含有私用区字符\ue000的内容"}, "改革内容", "U+E000"),
        ({"事权层级": "需国家层面协调"}, "需协调的国家部门", "请填写需协调的国家部门"),
        ({"实施主体（单位库）": "不存在的单位"}, "实施主体（单位库）", "单位库中没有“不存在的单位”"),
    ],
)
def test_one_bad_row_saves_nothing_and_names_row_and_column(
    client, cycle, region_a_drc, row, column, message
):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    data = _fill(_template(client, book), proposals=[_proposal(1), _proposal(2, **row)])
    preview = _upload(client, book, data)
    errors = _errors(preview)
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"「改革举措」表第3行「{column}」："), errors
    assert message in errors[0]
    assert "confirm_form" not in preview.context
    assert not MeasureProposal.objects.filter(book=book).exists()


def test_the_results_of_a_bad_proposal_row_get_no_second_error(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    data = _fill(
        _template(client, book),
        proposals=[_proposal(1, 改革任务领域="不存在的领域")],
        results=[{"举措名称": "职务科技成果赋权改革1", "指标": "赋权成果", "单位": "项", "目标值": 1}],
    )
    errors = _errors(_upload(client, book, data))
    assert [e.split("：")[0] for e in errors] == ["「改革举措」表第2行「改革任务领域」"]


def test_a_bad_result_value_names_its_row_and_column(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    data = _fill(
        _template(client, book),
        proposals=[_proposal(1)],
        results=[{"举措名称": "职务科技成果赋权改革1", "指标": "赋权成果", "单位": "项", "目标值": "一百"}],
    )
    errors = _errors(_upload(client, book, data))
    assert (
        errors[0] == "「预期成效」表第2行「目标值」：输入一个数字。"
    )  # Django's own message, as on the page
    assert not MeasureProposal.objects.filter(book=book).exists()


def test_a_formula_cell_is_refused_with_its_row_and_column(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    data = _fill(
        _template(client, book), proposals=[_proposal(1), _proposal(2, 关键词='=HYPERLINK("http://x","y")')]
    )
    errors = _errors(_upload(client, book, data))
    assert errors == ["「改革举措」表：第3行「关键词」是公式，请填写数值或文字"]
    assert not MeasureProposal.objects.filter(book=book).exists()


def test_importing_twice_updates_instead_of_duplicating(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=1)  # 科技成果赋权改革试点1, with one result
    client.force_login(region_a_drc)
    wb = _template(client, book)
    ws = wb[imports.PROPOSALS]
    assert (
        ws.cell(2, _columns(ws)["举措名称"]).value == "科技成果赋权改革试点1"
    )  # the book's content, prefilled
    ws.cell(2, _columns(ws)["改革内容"]).value = "改过的改革内容。"
    data = _fill(wb, proposals=[_proposal(1)])
    for _round in range(2):
        book.refresh_from_db()
        preview = _upload(client, book, data)
        assert _errors(preview) == []
        assert _confirm(client, book, preview).status_code == 302
    assert sorted(book.proposals.values_list("title", flat=True)) == [
        "科技成果赋权改革试点1",
        "职务科技成果赋权改革1",
    ]
    kept = book.proposals.get(title="科技成果赋权改革试点1")
    assert kept.content == "改过的改革内容。"
    assert kept.revision == 3
    # its results sheet rows (prefilled) were imported again: the same single result, not duplicated
    assert [(r.indicator, int(r.target)) for r in kept.results.all()] == [("赋权成果数", 100)]
    assert ExpectedResult.objects.filter(proposal__book=book).count() == 1


def test_an_import_beyond_the_maximum_is_refused(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=4)
    client.force_login(region_a_drc)
    data = _fill(_template(client, book), proposals=[_proposal(1), _proposal(2)])
    errors = _errors(_upload(client, book, data))
    assert any("超过每个地方每年5项的上限" in e for e in errors), errors
    assert book.proposals.count() == 4


def test_a_book_changed_since_the_preview_is_refused(client, cycle, region_a_drc, region_a_scitech):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    preview = _upload(client, book, _fill(_template(client, book), proposals=[_proposal(1)]))
    assert _errors(preview) == []
    services.proposal_create(
        book=book, fields=fp.proposal_fields(9), by=region_a_scitech
    )  # the other department
    response = _confirm(client, book, preview)
    assert response.status_code == 200
    assert "该建议书已被" in response.content.decode()
    assert list(book.proposals.values_list("title", flat=True)) == ["科技成果赋权改革试点9"]


def test_a_tampered_payload_is_refused(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    preview = _upload(client, book, _fill(_template(client, book), proposals=[_proposal(1)]))
    payload = preview.context["confirm_form"]["payload"].value()
    response = client.post(
        reverse("proposals:book_import", args=[book.pk]),
        {"payload": payload[:-2] + "xx", "revision": book.version},
    )
    assert "导入内容无效" in response.content.decode()
    assert not book.proposals.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "举措.xlsx",
            "举措名称\t改革内容\n试点\t内容\n".encode(),
            "不支持的文件类型：仅接受 XLSX",
        ),  # text renamed
        ("举措.xls", office_files.excel97(), "不支持的文件类型：仅接受 XLSX"),  # the old binary format
        ("举措.xlsx", office_files.ooxml("sheet", macros=True), "文件含有宏"),
        (  # a bomb-ish workbook: one part unpacks to 300 times its packed size
            "举措.xlsx",
            office_files.ooxml("sheet", extra={"xl/media/blob.bin": b"\0" * (3 * 1024 * 1024)}),
            "疑似压缩炸弹",
        ),
        ("举措.xlsx", office_files.ooxml("sheet"), "缺少工作表「改革举措」"),  # a workbook of other sheets
    ],
)
def test_a_file_that_is_not_xlsx_is_refused(client, cycle, region_a_drc, name, content, message):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    errors = _errors(_upload(client, book, content, name=name))
    assert any(message in e for e in errors), errors
    assert not book.proposals.exists()


def test_another_regions_book_is_not_found(client, cycle, region_a_drc, region_b_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_b_drc)
    assert client.get(reverse("proposals:book_import", args=[book.pk])).status_code == 404
    assert client.get(reverse("proposals:import_template", args=[book.pk])).status_code == 404
    assert _upload(client, book, b"x").status_code == 404


def test_a_submitted_book_is_refused(client, cycle, region_a_drc, region_a_scitech):
    book = fp.submitted_book(cycle, region_a_drc, region_a_scitech, n=3)
    assert book.state == BookState.SUBMITTED
    client.force_login(region_a_drc)
    data = _fill(_template(client, book), proposals=[_proposal(1)])
    assert _upload(client, book, data).status_code == 403
    assert book.proposals.count() == 3


def test_the_book_page_offers_template_and_import_to_editors(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    html = client.get(reverse("proposals:book_detail", args=[book.pk])).content.decode()
    assert reverse("proposals:import_template", args=[book.pk]) in html
    assert reverse("proposals:book_import", args=[book.pk]) in html
    page = client.get(reverse("proposals:book_import", args=[book.pk]))
    assert page.status_code == 200
    assert 'name="revision"' in page.content.decode()


def test_the_template_explains_each_column_and_offers_the_choices(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=0)
    client.force_login(region_a_drc)
    wb = _template(client, book)
    assert wb.sheetnames[:3] == ["填写说明", "改革举措", "预期成效"]
    guide = [str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value]
    assert "拟解决的痛点堵点" in guide and "从下拉列表中选择：省级事权范围内、需国家层面协调" in guide
    ws = wb["改革举措"]
    area_column = openpyxl.utils.get_column_letter(_columns(ws)["改革任务领域"])
    validations = {str(dv.sqref).split(":")[0]: dv for dv in ws.data_validations.dataValidation}
    assert validations[f"{area_column}2"].type == "list"
    options = wb["选项"]
    assert options.sheet_state == "hidden"
    assert [c.value for c in options["A"]] == [
        "构建高效运行的科研体系",
        "打好关键核心技术攻坚战",
        "促进技术要素市场体系建设",
        "包容审慎监管新产业新业态",
    ]
