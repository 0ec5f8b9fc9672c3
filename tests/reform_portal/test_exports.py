"""The export helper (reform_portal/exports.py): user text as text cells, numbers and dates typed, CSV with an
apostrophe, Chinese file names."""

import datetime
import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from reform_portal import exports

HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-1+1",
    "@SUM(1)",
    "\t=1",
    "\r=1",
]


def _read(book):
    return load_workbook(io.BytesIO(book.to_bytes()))


def test_hostile_text_is_a_string_cell_that_reads_back_exactly():
    book = exports.Workbook()
    sheet = book.sheet("里程碑")
    for text in HOSTILE:
        sheet.row([text])
    ws = _read(book).active
    cells = [row[0] for row in ws.iter_rows()]
    assert [c.value for c in cells] == HOSTILE
    assert {c.data_type for c in cells} == {"s"}
    assert all(c.quotePrefix for c in cells)  # Excel keeps them text when someone edits the cell


def test_plain_text_numbers_and_dates_keep_their_types():
    book = exports.Workbook()
    sheet = book.sheet("量化目标")
    sheet.row(["研发投入强度", 3, 2.5, Decimal("80.50"), datetime.date(2027, 6, 30), None, "-"])
    row = next(_read(book).active.iter_rows())
    assert [c.value for c in row] == [
        "研发投入强度",
        3,
        2.5,
        80.5,
        datetime.datetime(2027, 6, 30),
        None,
        "-",
    ]
    assert [c.data_type for c in row] == ["s", "n", "n", "n", "d", "n", "s"]
    assert row[0].quotePrefix is False
    assert row[4].number_format == "yyyy-mm-dd"


def test_an_aware_datetime_is_written_in_beijing_time():
    book = exports.Workbook()
    book.sheet("x").row([datetime.datetime(2027, 4, 30, 16, 0, tzinfo=datetime.UTC)])
    assert next(_read(book).active.iter_rows())[0].value == datetime.datetime(2027, 5, 1, 0, 0)


def test_characters_xml_cannot_hold_are_dropped_not_a_500():
    book = exports.Workbook()
    book.sheet("x").row(["试点\x00\x07方案\x1f"])
    assert next(_read(book).active.iter_rows())[0].value == "试点方案"


def test_sheet_titles_are_made_valid():
    book = exports.Workbook()
    book.sheet("2027/2028年度[清单]:*?" + "长" * 40)
    assert _read(book).sheetnames == ["20272028年度清单" + "长" * 19]  # 31 characters at most


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ('=HYPERLINK("http://x","y")', '"\'=HYPERLINK(""http://x"",""y"")"'),
        ("+1", "'+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", '"\'\r=1"'),
        ("普通文本", "普通文本"),
        (-1, "-1"),  # a number stays a number
        (Decimal("2.50"), "2.50"),
        (None, '""'),  # the csv module quotes a row that is one empty field
        (datetime.date(2027, 4, 30), "2027-04-30"),
    ],
)
def test_csv_prefixes_formula_like_text_with_an_apostrophe(value, field):
    data = exports.csv_bytes([[value]])
    assert data == ("\ufeff" + field + "\r\n").encode("utf-8")


def test_responses_carry_the_chinese_name_and_an_ascii_fallback():
    book = exports.Workbook()
    book.sheet("x").row(["a"])
    response = exports.xlsx_response(book, "2027年度揭榜结果汇总.xlsx", fallback="bidding-matrix-2027.xlsx")
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        "attachment; filename=\"bidding-matrix-2027.xlsx\"; filename*=UTF-8''"
        + quote("2027年度揭榜结果汇总.xlsx")
    )
    csv = exports.csv_response([["编号"], ["=1"]], "清单.csv", fallback="list.csv")
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.content == "\ufeff编号\r\n'=1\r\n".encode()
    assert csv["Content-Disposition"] == "attachment; filename=\"list.csv\"; filename*=UTF-8''" + quote(
        "清单.csv"
    )


def test_a_quote_or_slash_in_the_name_cannot_break_the_header():
    header = exports.content_disposition('报告"/\\\r\n.xlsx', fallback='r"e\\port.xlsx')
    assert header == "attachment; filename=\"report.xlsx\"; filename*=UTF-8''" + quote("报告.xlsx")


def test_a_rows_style_is_looked_up_once_and_every_cell_keeps_its_own_format(monkeypatch):
    """Sheet.row styles its first cell through openpyxl and gives the others the same style ids (issue 19: the
    per-cell lookup, hashing every attribute of the style, was most of a long export's time). Each cell still
    reads back bold / wrapped / filled, with its own date format and quote prefix, as when styled cell by cell."""
    from openpyxl.utils.indexed_list import IndexedList

    lookups = []
    add = IndexedList.add

    def counted(self, value):
        lookups.append(type(value).__name__)
        return add(self, value)

    monkeypatch.setattr(IndexedList, "add", counted)
    book = exports.Workbook()
    sheet = book.sheet("样式")
    when = datetime.datetime(2027, 3, 1, 9, 30)
    lookups.clear()  # the workbook's defaults
    for _ in range(10):
        sheet.row(["甲", "=1+2", when, 3, None, "+1"], bold=True, wrap=True, fill="FDE2E2")
    sheet.row(["乙", "-1", datetime.date(2027, 3, 2)])
    assert (
        lookups.count("Alignment") == 10
        and lookups.count("Font") == 10
        and lookups.count("PatternFill") == 10
    )
    monkeypatch.undo()
    ws = _read(book).active
    for row in ws.iter_rows(min_row=1, max_row=10):
        assert [c.value for c in row] == ["甲", "=1+2", when, 3, None, "+1"]
        assert [c.data_type for c in row][:2] == ["s", "s"]
        for c in row:
            assert c.font.b and c.alignment.wrap_text and c.alignment.vertical == "top"
            assert c.fill.fgColor.rgb == "00FDE2E2"
        assert [c.quotePrefix for c in row] == [False, True, False, False, False, True]
        assert row[2].number_format == "yyyy-mm-dd hh:mm" and row[3].number_format == "General"
    last = [c for c in ws[11]][:3]
    assert [c.value for c in last] == ["乙", "-1", datetime.datetime(2027, 3, 2)]
    assert not last[0].font.b and not last[0].alignment.wrap_text and last[1].quotePrefix
    assert last[2].number_format == "yyyy-mm-dd"


def _xml_parts(data):
    """The workbook's parts but its timestamps (docProps)."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist() if not name.startswith("docProps/")}


def test_styles_set_once_per_distinct_style_write_what_setting_each_cell_wrote(monkeypatch):
    """Issue 19: a row's style is set once per row, a single cell's fill or bold once per distinct (cell style
    before, style), the ids copied to the other cells, and a text cell's value is set without openpyxl's
    sniffing; the file is byte for byte the one setting every cell through openpyxl wrote (texts that look like
    formulas or error codes included)."""
    from openpyxl import Workbook as OpenpyxlWorkbook
    from openpyxl.styles import Alignment, Font, PatternFill

    texts = ["甲", *HOSTILE, "#N/A", "", "x" * 40000]
    rows = [(["标题", *texts], {"bold": True, "wrap": True})]
    rows += [
        ([f"行{i}", *texts, i, Decimal("1.5")], {"fill": "FDE2E2"} if i % 3 == 0 else {}) for i in range(6)
    ]

    reference = OpenpyxlWorkbook()
    ws = reference.active
    ws.title = "表"
    for r, (values, style) in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            if isinstance(value, str):
                cell.value = exports._text(value)
                cell.data_type = "s"
                if exports.is_formula_like(cell.value):
                    cell.quotePrefix = True
            else:
                cell.value = value
            if style.get("bold"):
                cell.font = Font(bold=True)
            if style.get("wrap"):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if style.get("fill"):
                cell.fill = PatternFill("solid", fgColor=style["fill"])
        if not style:
            for c in (2, 5):
                ws.cell(r, c).fill = PatternFill("solid", fgColor="DFF0D8")
            ws.cell(r, 1).font = Font(bold=True)
    out = io.BytesIO()
    reference.save(out)

    made = []
    real_fill = exports.PatternFill
    monkeypatch.setattr(exports, "PatternFill", lambda *a, **k: made.append(k) or real_fill(*a, **k))
    book = exports.Workbook()
    sheet = book.sheet("表")
    for values, style in rows:
        number = sheet.row(values, **style)
        if not style:
            for c in (2, 5):
                sheet.fill(number, c, "DFF0D8")
            sheet.row_bold(number, 1)
    assert _xml_parts(book.to_bytes()) == _xml_parts(out.getvalue())
    assert len(made) == 2 + 2  # once per highlighted row, then once per cell style before the awarded fill


def test_a_sparse_row_writes_no_cell_for_none():
    book = exports.Workbook()
    sheet = book.sheet("表")
    sheet.row(["甲", None, "乙", None, 3], sparse=True)
    sheet.row(["甲", None, "乙"])
    sheet.row(["甲", None], sparse=True, fill="FDE2E2")  # a styled cell is written, blank
    ws = book._wb.active
    assert [c.coordinate for c in ws._cells.values()] == ["A1", "C1", "E1", "A2", "B2", "C2", "A3", "B3"]
    read = _read(book).active
    assert [c.value for c in read[1]] == ["甲", None, "乙", None, 3]
