"""The one way to write a spreadsheet (docs/architecture.md, "Exports"): every XLSX and CSV the portal serves.

Text that users typed reaches exports (titles, milestones, targets, progress narratives …). A spreadsheet
program evaluates a cell that *looks* like a formula: ``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``, and, when a
user edits the cell or opens a CSV, ``+1``, ``-1+1``, ``@SUM(1)`` or those behind a tab or CR. So:

- XLSX: every ``str`` value is written as a string cell, never a formula (openpyxl's ``data_type = "s"``), and a
  cell that starts with one of ``= + - @ \\t \\r`` also gets Excel's ``quotePrefix`` style, so editing it keeps it
  text. The text reads back exactly as typed: no visible apostrophe. Numbers (int, float, Decimal) stay numeric
  cells, dates date cells. Characters XML cannot hold (control characters other than tab, LF, CR) are dropped.
  (CR survives the file only with lxml installed, which the project requires; without it XML turns CR into LF.)
- CSV has no string type: such a leading character is prefixed with an apostrophe (OWASP's advice).

    from reform_portal import exports

    book = exports.Workbook()
    sheet = book.sheet("量化目标")
    sheet.header(["指标", "目标值"])
    for t in targets:
        sheet.row([t.indicator, t.target])      # str → text cell, Decimal → number
    return exports.xlsx_response(book, "任务档案-12.xlsx", fallback="task-12.xlsx")

Only this module imports openpyxl's writer or ``csv`` (an import-linter contract in pyproject.toml).
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook as _OpenpyxlWorkbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
SPREADSHEET_CONTENT_TYPES = (XLSX_CONTENT_TYPE, "text/csv")

# A spreadsheet reads a cell starting with one of these as a formula (or a DDE call).
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
# Characters an XML 1.0 document cannot contain (openpyxl refuses them).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
MAX_CELL_TEXT = 32767  # Excel's limit per cell
_SHEET_TITLE_BAD = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_LEADS)


def _text(value) -> str:
    return _ILLEGAL.sub("", str(value))[:MAX_CELL_TEXT]


def _date_value(value):
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(tzinfo=None)
    return value


class Sheet:
    """One worksheet. Rows are appended; columns are 1-based."""

    def __init__(self, ws):
        self._ws = ws
        self._rows = 0
        self._styles: dict[tuple, StyleArray] = {}

    def _style(self, cell, name: str, key: str, make) -> None:
        """``setattr(cell, name, make())`` for one cell (``fill``, ``row_bold``), through openpyxl once per distinct
        result: the 揭榜矩阵 XLSX fills hundreds of single cells (issue 19; ``row`` does the same per row). A cell
        whose style indices were the same before gets a copy of the indices the first such cell ended with, which
        is what the assignment would have given it."""
        before = (name, key, tuple(cell._style) if cell._style is not None else None)
        after = self._styles.get(before)
        if after is None:
            setattr(cell, name, make())
            self._styles[before] = copy(cell._style)
        else:
            cell._style = copy(after)

    @property
    def last_row(self) -> int:
        return self._rows

    def _write(self, row: int, column: int, value):
        cell = self._ws.cell(row=row, column=column)
        if value is None:
            return cell
        if isinstance(value, bool | int | float | Decimal):
            cell.value = value
        elif isinstance(value, datetime.datetime | datetime.date):
            cell.value = _date_value(value)
            cell.number_format = "yyyy-mm-dd hh:mm" if isinstance(value, datetime.datetime) else "yyyy-mm-dd"
        else:
            text = _text(value)
            # A string cell, whatever it starts with: never a formula. Set as openpyxl's ``value`` setter would
            # leave it after ``data_type = "s"``, without the setter's type sniffing and illegal-character scan
            # (``_text`` already dropped those characters and cut the text to Excel's limit): at 31 regions × 60
            # entries (揭榜矩阵 XLSX) that scan was a third of the time spent writing cells (issue 19).
            cell._value = text
            cell.data_type = "s"
            if is_formula_like(text):
                cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
        return cell

    def row(
        self,
        values: Sequence,
        *,
        bold: bool = False,
        wrap: bool = False,
        fill: str | None = None,
        sparse: bool = False,
    ) -> int:
        """Append a row; returns its number. ``fill`` is a background colour (hex, e.g. ``"FDE2E2"``). ``sparse``:
        a None value writes no cell at all rather than an empty one (the same blank to a reader; a wide sheet of
        mostly blank cells, like the 揭榜矩阵's, writes and saves much faster)."""
        self._rows += 1
        number = self._rows
        first = None  # the row's first cell, styled through openpyxl; the others get the same style ids
        for column, value in enumerate(values, start=1):
            if value is None and sparse and not (bold or wrap or fill):
                continue
            cell = self._write(number, column, value)
            if not (bold or wrap or fill):
                continue
            if first is None:
                if bold:
                    cell.font = _BOLD
                if wrap:
                    cell.alignment = _WRAP
                if fill:
                    cell.fill = PatternFill("solid", fgColor=fill)
                first = cell._style
            else:
                # Setting a style object looks it up in the workbook's list of styles by value (hashing every
                # attribute): per cell, that was most of a long export's time (issue 19). The ids are the ones
                # the lookup gives; the cell's own number format and quote prefix are kept.
                style = cell._style
                if style is None:  # a cell not styled yet (openpyxl makes the array on first use)
                    style = cell._style = StyleArray()
                if bold:
                    style.fontId = first.fontId
                if wrap:
                    style.alignmentId = first.alignmentId
                if fill:
                    style.fillId = first.fillId
        return number

    def title(self, text: str, *, size: int = 14) -> int:
        """A title line (one bold cell)."""
        number = self.row([text])
        self._ws.cell(number, 1).font = Font(bold=True, size=size)
        return number

    def header(self, labels: Sequence, *, wrap: bool = False, width: float | None = None) -> int:
        number = self.row(labels, bold=True, wrap=wrap)
        if width:
            self.widths({column: width for column in range(1, len(labels) + 1)})
        return number

    def row_bold(self, row: int, column: int) -> None:
        self._style(self._ws.cell(row, column), "font", "bold", lambda: _BOLD)

    def fill(self, row: int, column: int, color: str) -> None:
        self._style(self._ws.cell(row, column), "fill", color, lambda: PatternFill("solid", fgColor=color))

    def widths(self, widths: dict[int, float]) -> None:
        for column, width in widths.items():
            self._ws.column_dimensions[get_column_letter(column)].width = width

    def freeze(self, cell: str) -> None:
        """Keep the rows above and the columns left of ``cell`` (e.g. ``"C2"``) in view when scrolling."""
        self._ws.freeze_panes = cell

    def wrap(self, *, from_row: int = 1) -> None:
        for cells in self._ws.iter_rows(min_row=from_row):
            for cell in cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")


class Workbook:
    """An XLSX workbook whose cells are written by :class:`Sheet` (user text as text)."""

    def __init__(self):
        self._wb = _OpenpyxlWorkbook()
        self._fresh = True  # the first sheet() reuses openpyxl's default sheet

    def sheet(self, title: str) -> Sheet:
        title = _SHEET_TITLE_BAD.sub("", _text(title)).strip("'")[:31] or "Sheet"
        if self._fresh:
            ws, self._fresh = self._wb.active, False
            ws.title = title
        else:
            ws = self._wb.create_sheet(title)
        return Sheet(ws)

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self._wb.save(out)
        return out.getvalue()


# ---- CSV -----------------------------------------------------------------------------------------------


def csv_value(value):
    """A CSV field: text starting like a formula gets a leading apostrophe; numbers stay as they are."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime | datetime.date):
        return (
            _date_value(value).isoformat(sep=" ")
            if isinstance(value, datetime.datetime)
            else value.isoformat()
        )
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text right."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ---- responses --------------------------------------------------------------------------------------------


def content_disposition(filename: str, *, fallback: str, disposition: str = "attachment") -> str:
    """``attachment; filename="<ASCII fallback>"; filename*=UTF-8''<the Chinese name>`` (RFC 6266 / 5987)."""
    name = "".join(ch for ch in filename if ch.isprintable() and ch not in '\\/"') or fallback
    ascii_name = "".join(ch for ch in fallback if 32 <= ord(ch) < 127 and ch not in '\\"')
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def _response(data: bytes, content_type: str, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition(filename, fallback=fallback)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def xlsx_response(book: "Workbook | bytes", filename: str, *, fallback: str) -> HttpResponse:
    data = book.to_bytes() if isinstance(book, Workbook) else book
    return _response(data, XLSX_CONTENT_TYPE, filename, fallback)


def csv_response(rows: Iterable[Sequence], filename: str, *, fallback: str) -> HttpResponse:
    return _response(csv_bytes(rows), CSV_CONTENT_TYPE, filename, fallback)


# ---- import templates (reform_portal.sheet_import) -----------------------------------------------------------


@dataclass
class TemplateSheet:
    """A sheet of an import template: its header, rows already filled in, column widths and, per column
    (1-based), the labels its dropdown offers on the first ``dropdown_rows`` rows below the header."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence] = ()
    widths: Sequence[float] = ()
    dropdowns: dict[int, Sequence[str]] = field(default_factory=dict)
    dropdown_rows: int = 200


def template_workbook(
    guide: Sequence[Sequence], sheets: Sequence[TemplateSheet], *, guide_title: str
) -> bytes:
    """An import template: the 填写说明 sheet (``guide`` rows), then each sheet with its header (bold, frozen),
    its rows and dropdowns; the dropdowns' options are listed on a hidden sheet 选项 (a list of labels in the
    validation formula itself would break on a comma and is limited to 255 characters)."""
    book = Workbook()
    notes = book.sheet(guide_title)
    for values in guide:
        notes.row(values, wrap=True)
    notes.row_bold(1, 1)
    notes.widths({1: 28, 2: 12, 3: 80})
    options_ws = None
    option_column = 0
    for spec in sheets:
        sheet = book.sheet(spec.title)
        sheet.header(spec.header)
        for values in spec.rows:
            sheet.row(values, wrap=True)
        sheet.widths(dict(enumerate(spec.widths, start=1)))
        ws = sheet._ws
        ws.freeze_panes = "A2"
        for column, labels in spec.dropdowns.items():
            if options_ws is None:
                options_ws = book._wb.create_sheet("选项")
                options_ws.sheet_state = "hidden"
            option_column += 1
            letter = get_column_letter(option_column)
            for i, label in enumerate(labels, start=1):
                options_ws.cell(row=i, column=option_column, value=_text(label)).data_type = "s"
            validation = DataValidation(
                type="list",
                formula1=f"'选项'!${letter}$1:${letter}${max(len(labels), 1)}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="请从下拉列表中选择",
                error="请从下拉列表中选择，或留空。",
            )
            ws.add_data_validation(validation)
            target = get_column_letter(column)
            validation.add(f"{target}2:{target}{spec.dropdown_rows + 1}")
    if options_ws is not None:
        book._wb.move_sheet(options_ws, offset=len(book._wb.sheetnames) - 1 - book._wb.index(options_ws))
    return book.to_bytes()
