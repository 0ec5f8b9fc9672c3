"""The one reader of uploaded workbooks (reform_portal.sheet_import; DECISIONS §18): read-only, formulas refused,
header found by its labels, blank rows skipped, rows checked by a form with errors at row and column."""

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from reform_portal import sheet_import as si
from reform_portal.forms import CleanTextMixin

SPEC = si.SheetSpec(
    "清单",
    (
        si.Column("name", "名称", required=True),
        si.Column("kind", "类别", choices=(("a", "甲类"), ("b", "乙类"))),
        si.Column("when", "日期"),
        si.Column("amount", "金额"),
    ),
    max_rows=5,
)


class RowForm(CleanTextMixin, forms.Form):
    name = forms.CharField(max_length=10)
    kind = forms.ChoiceField(choices=(("a", "甲类"), ("b", "乙类")), required=False)
    when = forms.DateField(required=False)
    amount = forms.DecimalField(max_digits=8, decimal_places=2, required=False)


def _book(rows, title="清单"):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile("表.xlsx", out.getvalue())


def test_header_found_below_a_title_blank_rows_skipped_cells_as_form_text():
    upload = _book(
        [
            ["2027年度汇总表"],
            [],
            ["*名称", "其他列", "类别", "日期", "金额"],
            ["甲", "忽略", "乙类", datetime.datetime(2027, 6, 30), 12.5],
            [None, None, None, None, None],
            ["乙", "", "b", "2027-07-01", 3],
        ]
    )
    rows = si.read(upload, [SPEC])["清单"]
    assert [(r.number, r.data) for r in rows] == [
        (4, {"name": "甲", "kind": "b", "when": "2027-06-30", "amount": "12.5"}),
        (6, {"name": "乙", "kind": "b", "when": "2027-07-01", "amount": "3"}),
    ]
    assert si.validate(rows, SPEC, RowForm) == []
    assert rows[0].cleaned["amount"] == Decimal("12.5") and rows[0].cleaned["when"] == datetime.date(
        2027, 6, 30
    )


def test_every_bad_cell_is_named_by_row_and_column():
    upload = _book(
        [
            ["名称", "类别", "日期", "金额"],
            ["好", "甲类", "2027-01-01", 1],
            ["名" * 11, "丙类", "明年", "很多"],
            ["带\ue000字符", "", "", ""],
        ]
    )
    rows = si.read(upload, [SPEC])["清单"]
    errors = si.validate(rows, SPEC, RowForm)
    where = [(e.row, e.column) for e in errors]
    assert where == [(3, "名称"), (3, "类别"), (3, "日期"), (3, "金额"), (4, "名称")]
    assert str(errors[0]) == "「清单」表第3行「名称」：确保该变量包含不超过 10 字符 (目前字符数 11)。"
    assert "U+E000" in str(errors[-1])


def test_formula_cells_are_refused_not_evaluated():
    upload = _book([["名称", "金额"], ["甲", "=1+1"], ["乙", '=HYPERLINK("http://x","y")']])
    with pytest.raises(si.ImportRefused) as refused:
        si.read(upload, [SPEC])
    assert refused.value.errors == [
        "「清单」表：第2行「金额」是公式，请填写数值或文字",
        "「清单」表：第3行「金额」是公式，请填写数值或文字",
    ]


def test_the_workbook_is_opened_read_only_without_evaluating(monkeypatch):
    calls = []
    real = openpyxl.load_workbook

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(si.openpyxl, "load_workbook", spy)
    si.read(_book([["名称"], ["甲"]]), [SPEC])
    assert calls == [{"read_only": True, "data_only": False, "keep_links": False}]
    assert openpyxl.DEFUSEDXML  # openpyxl parses through defusedxml (pyproject.toml requires it)


def test_missing_header_too_many_rows_and_too_big_are_refused(settings):
    with pytest.raises(si.ImportRefused, match="缺少必填列「名称」"):
        si.read(_book([["类别", "日期"], ["甲类", ""]]), [SPEC])
    with pytest.raises(si.ImportRefused, match="一次最多导入5行"):
        si.read(_book([["名称"], *([f"行{i}"] for i in range(6))]), [SPEC])
    settings.PORTAL_IMPORT_MAX_BYTES = 1000
    with pytest.raises(si.ImportRefused, match="导入文件不能超过"):
        si.read(_book([["名称"], *([f"行{i}" * 50] for i in range(5))]), [SPEC])


def test_the_signed_rows_round_trip_and_a_forgery_is_refused():
    rows = {"清单": [si.Row("清单", 3, {"name": "甲"})]}
    token = si.sign_rows(rows, salt="a")
    assert si.unsign_rows(token, salt="a") == rows
    assert si.unsign_rows(token, salt="b") is None
    assert si.unsign_rows(token[:-1] + ("A" if token[-1] != "A" else "B"), salt="a") is None


def test_the_template_has_a_guide_dropdowns_and_the_rows_given():
    data = si.template([SPEC], title="模板", rows={"清单": [{"name": "=危险", "kind": "a"}]})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["填写说明", "清单", "选项"]
    ws = wb["清单"]
    assert [c.value for c in ws[1]] == ["*名称", "类别", "日期", "金额"]
    assert ws["A2"].value == "=危险" and ws["A2"].data_type == "s"  # user text stays text
    assert ws["B2"].value == "甲类"
    (validation,) = ws.data_validations.dataValidation
    assert str(validation.sqref) == "B2:B201" and validation.formula1 == "'选项'!$A$1:$A$2"
    # and the template reads back as it was written
    rows = si.read(SimpleUploadedFile("模板.xlsx", data), [SPEC])["清单"]
    assert [r.data["kind"] for r in rows] == ["a"]
