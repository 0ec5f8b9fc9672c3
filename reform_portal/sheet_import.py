"""Excel import (issue 18 §5, DECISIONS §18): the one place that reads a spreadsheet users upload.

A stage describes its sheets (:class:`SheetSpec`: a title and its :class:`Column`\\ s, each named by the label
its header cell carries and the form field it feeds). ``template(...)`` writes the downloadable template through
the export helper (a 填写说明 sheet, dropdowns for choices). ``read(upload, specs)`` reads an upload:

* checked by content like every upload (``uploads.validate_upload``: an .xlsx, no macros, zip size and ratio
  limits), at most ``PORTAL_IMPORT_MAX_BYTES``;
* opened read-only, not evaluating anything (``read_only=True, data_only=False``; openpyxl parses through
  defusedxml, which the project requires: no entities, no DTDs). A formula cell is refused, naming its row and
  column: the portal stores what a user typed, never what a formula computed;
* the header row found by the columns' labels (a leading ``*`` marks a required column and is ignored), blank
  rows skipped, cells turned into the text a form field takes (dates ``YYYY-MM-DD``, a choice's label into its
  value).

``validate(rows, spec, make_form)`` then runs every row through the SAME Django form the page uses, so lengths,
the character validator (``text.TextValidator`` via ``CleanTextMixin``), choices and dates are identical, and
collects every error as a :class:`RowError` (sheet, row, column, message in Chinese). The caller saves nothing
unless there is no error, in one transaction (its service).

Only this module calls ``openpyxl.load_workbook`` (an import-linter contract in pyproject.toml); the template is
written by ``reform_portal.exports``.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import openpyxl
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from . import exports
from .uploads import validate_upload

# openpyxl parses the workbook's XML through defusedxml when it is installed (pyproject.toml requires it).
if not openpyxl.DEFUSEDXML:  # pragma: no cover - a broken installation
    raise ImportError("defusedxml is required to read uploaded workbooks (DECISIONS §18)")

MAX_BYTES_DEFAULT = 5 * 1024 * 1024
HEADER_SEARCH_ROWS = 10  # the header row may follow a title line or two
TEMPLATE_ROWS = 200  # rows of the template that carry the dropdowns
PAYLOAD_MAX_AGE = 2 * 60 * 60  # a preview can be confirmed for two hours


@dataclass(frozen=True)
class Column:
    key: str  # the form field the cell feeds
    label: str  # the header cell's text
    help: str = ""  # a line of the 填写说明 sheet
    required: bool = False
    choices: tuple[
        tuple[str, str], ...
    ] = ()  # (value, label): the cell holds the label, a dropdown offers them
    width: float = 18


@dataclass(frozen=True)
class SheetSpec:
    title: str
    columns: tuple[Column, ...]
    max_rows: int = 200
    note: str = ""  # what the sheet is for, the first line of its part of 填写说明

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


@dataclass
class Row:
    sheet: str
    number: int  # the row's number in the spreadsheet (1-based, as Excel shows it)
    data: dict[str, str]
    cleaned: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RowError:
    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = _("「%(s)s」表") % {"s": self.sheet}
        if self.row is not None:
            where += _("第%(n)s行") % {"n": self.row}
        if self.column:
            where += f"「{self.column}」"
        return f"{where}：{self.message}"


class ImportRefused(Exception):
    """The file cannot be read as the template (not an .xlsx, a formula, a missing column …)."""

    def __init__(self, errors: Sequence[RowError | str]):
        super().__init__("; ".join(map(str, errors)))
        self.errors = [str(e) for e in errors]


# ---- the template ---------------------------------------------------------------------------------------


def _header(column: Column) -> str:
    return f"*{column.label}" if column.required else str(column.label)


def template(
    specs: Sequence[SheetSpec],
    *,
    title: str,
    rows: Mapping[str, Iterable[Mapping[str, Any]]] | None = None,
    notes: Sequence[str] = (),
) -> bytes:
    """The downloadable template: a 填写说明 sheet, then one sheet per spec with its header row, the ``rows`` given
    (the current content, so that download → edit → upload round-trips) and dropdowns for choice columns."""
    rows = rows or {}
    guide: list[list[str]] = [[title], [], *([n] for n in notes)]
    guide.append([_("带 * 的列为必填；空行会被跳过；不要使用公式，请直接填写数值或文字。")])
    sheets = []
    for spec in specs:
        guide += [[], [spec.title, spec.note], [_("列名"), _("是否必填"), _("填写说明")]]
        for column in spec.columns:
            help_text = str(column.help)
            if column.choices:
                help_text = (help_text + " " if help_text else "") + _("从下拉列表中选择：%(c)s") % {
                    "c": "、".join(str(label) for _value, label in column.choices)
                }
            guide.append([str(column.label), _("必填") if column.required else _("选填"), help_text])
        labels = {c.key: {value: str(label) for value, label in c.choices} for c in spec.columns}
        body = [
            [labels[c.key].get(str(row.get(c.key) or ""), row.get(c.key)) for c in spec.columns]
            for row in rows.get(spec.title, ())
        ]
        sheets.append(
            exports.TemplateSheet(
                title=spec.title,
                header=[_header(c) for c in spec.columns],
                rows=body,
                widths=[c.width for c in spec.columns],
                dropdowns={
                    i: [str(label) for _value, label in c.choices]
                    for i, c in enumerate(spec.columns, start=1)
                    if c.choices
                },
                dropdown_rows=max(TEMPLATE_ROWS, len(body) + 50),
            )
        )
    return exports.template_workbook(guide, sheets, guide_title=_("填写说明"))


# ---- reading -----------------------------------------------------------------------------------------------


def _max_bytes() -> int:
    return int(getattr(settings, "PORTAL_IMPORT_MAX_BYTES", MAX_BYTES_DEFAULT))


def _check_file(upload: Any) -> None:
    limit = _max_bytes()
    if upload.size > limit:
        raise ImportRefused(
            [
                _("文件过大（%(size)s），导入文件不能超过 %(max)s。")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(limit)}
            ]
        )
    try:
        validate_upload(upload, kinds=("xlsx",), max_bytes=limit)
    except ValidationError as exc:
        hint = _(
            "请使用下载的Excel模板（.xlsx 格式）；.xls 等旧格式请在 Excel 或 WPS 中另存为 .xlsx 后再导入。"
        )
        raise ImportRefused([*exc.messages, hint]) from exc


def _normal_label(value: Any) -> str:
    return "".join(str(value or "").split()).strip("*＊")


def _cell_text(value: Any) -> str:
    """A cell's value as the text a form field takes."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        try:
            return format(Decimal(repr(value)), "f")
        except InvalidOperation:
            return repr(value)
    return str(value)


def _find_header(
    lines: list[tuple[int, list[tuple[Any, bool]]]], spec: SheetSpec
) -> tuple[int, dict[int, Column]]:
    """(index in ``lines`` of the header row, {cell index: column}): the first lines' one naming most columns."""
    wanted = {_normal_label(c.label): c for c in spec.columns}
    best: tuple[int, dict[int, Column]] = (-1, {})
    for index, (_number, values) in enumerate(lines[:HEADER_SEARCH_ROWS]):
        found = {
            i: wanted[_normal_label(v)] for i, (v, _f) in enumerate(values) if _normal_label(v) in wanted
        }
        if len(found) > len(best[1]):
            best = (index, found)
    index, found = best
    present = {c.key for c in found.values()}
    missing = [c for c in spec.columns if c.required and c.key not in present]
    if index < 0 or missing:
        raise ImportRefused(
            [
                RowError(
                    spec.title,
                    None,
                    None,
                    _("缺少必填列%(cols)s；请使用下载的模板，不要修改表头。")
                    % {"cols": "、".join(f"「{c.label}」" for c in missing or spec.columns)},
                )
            ]
        )
    return index, found


def _too_many(spec: SheetSpec, count: int) -> ImportRefused:
    return ImportRefused(
        [
            RowError(
                spec.title,
                None,
                None,
                _("超过%(max)s行，一次最多导入%(max)s行。") % {"max": spec.max_rows}
                if count < 0
                else _("共%(n)s行，一次最多导入%(max)s行。") % {"n": count, "max": spec.max_rows},
            )
        ]
    )


def _read_sheet(ws: Any, spec: SheetSpec) -> list[Row]:
    """The sheet's non-blank rows below the header, as form data; formula cells refused, each named."""
    lines: list[tuple[int, list[tuple[Any, bool]]]] = []
    for number, cells in enumerate(ws.iter_rows(), start=1):
        values = [(getattr(c, "value", None), getattr(c, "data_type", None) == "f") for c in cells]
        if not any(_cell_text(v).strip() for v, _f in values):
            continue
        lines.append((number, values))
        if len(lines) > spec.max_rows + HEADER_SEARCH_ROWS:
            raise _too_many(spec, -1)
    header_at, columns = _find_header(lines, spec)
    rows: list[Row] = []
    formulas: list[RowError] = []
    for number, values in lines[header_at + 1 :]:
        data: dict[str, str] = {}
        for i, column in columns.items():
            value, formula = values[i] if i < len(values) else (None, False)
            if formula:
                formulas.append(_formula_error(spec, number, column))
                continue
            text = _cell_text(value)
            if column.choices and text.strip():
                by_label = {str(label): v for v, label in column.choices}
                text = by_label.get(text.strip(), text.strip())
            data[column.key] = text
        if any(v.strip() for v in data.values()) or any(f.row == number for f in formulas):
            rows.append(Row(spec.title, number, data))
    if formulas:
        raise ImportRefused(formulas)
    if len(rows) > spec.max_rows:
        raise _too_many(spec, len(rows))
    return rows


def _formula_error(spec: SheetSpec, number: int, column: Column) -> RowError:
    return RowError(
        spec.title,
        None,
        None,
        _("第%(n)s行「%(col)s」是公式，请填写数值或文字") % {"n": number, "col": column.label},
    )


def read(upload: Any, specs: Sequence[SheetSpec]) -> dict[str, list[Row]]:
    """Rows of each spec's sheet (a sheet found by its title, else by its header among the workbook's sheets)."""
    _check_file(upload)
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign workbook
        raise ImportRefused([_("无法读取该Excel文件，请使用下载的模板填写后再导入。")]) from exc
    try:
        result: dict[str, list[Row]] = {}
        errors: list[str] = []
        for spec in specs:
            if spec.title in book.sheetnames:
                worksheet = book[spec.title]
            elif len(specs) == 1 and book.sheetnames:
                worksheet = book[book.sheetnames[-1]]
            else:
                errors.append(
                    _("缺少工作表「%(s)s」；请使用下载的模板，不要修改工作表名称。") % {"s": spec.title}
                )
                continue
            try:
                result[spec.title] = _read_sheet(worksheet, spec)
            except ImportRefused as refused:
                errors += refused.errors
        if errors:
            raise ImportRefused(errors)
        return result
    finally:
        book.close()


# ---- validating -------------------------------------------------------------------------------------------


def row_error(row: Row, spec: SheetSpec, key: str | None, message: str) -> RowError:
    column = spec.column(key) if key else None
    return RowError(row.sheet, row.number, str(column.label) if column else None, message)


def validate(
    rows: Iterable[Row],
    spec: SheetSpec,
    make_form: Callable[[dict[str, str]], Any],
    *,
    field_columns: Mapping[str, str] | None = None,
) -> list[RowError]:
    """Each row through ``make_form(data)`` (the page's form); the cleaned data lands in ``row.cleaned``.
    ``field_columns`` names the column of a form field fed by another column (entities ← 实施主体)."""
    field_columns = field_columns or {}
    errors: list[RowError] = []
    for row in rows:
        form = make_form(dict(row.data))
        if form.is_valid():
            row.cleaned = dict(form.cleaned_data)
            continue
        for name, messages in form.errors.items():
            key = None if name == "__all__" else field_columns.get(name, name)
            for message in messages:
                errors.append(row_error(row, spec, key, message))
    return errors


@dataclass
class Plan:
    """What an import would do: the items its service saves, every error, and per (sheet, row) what happens
    to the row (新增, 更新) for the preview."""

    items: list[Any]
    errors: list[RowError]
    rows: dict[str, list[Row]]
    actions: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def general_errors(self) -> list[RowError]:
        return [e for e in self.errors if e.row is None]

    def tables(self, specs: Sequence[SheetSpec]) -> list[dict[str, Any]]:
        """The preview: per sheet, its columns and rows, each cell with the errors at its row and column."""
        at: dict[tuple[str, int, str | None], list[str]] = {}
        for e in self.errors:
            if e.row is not None:
                at.setdefault((e.sheet, e.row, e.column), []).append(e.message)
        tables = []
        for spec in specs:
            labels = {c.key: {v: str(label) for v, label in c.choices} for c in spec.columns}
            rows = []
            for row in self.rows.get(spec.title, []):
                cells = []
                for c in spec.columns:
                    value = row.data.get(c.key, "")
                    shown = labels[c.key].get(value, value)
                    cells.append(
                        {
                            "text": shown if len(shown) <= 60 else shown[:60] + "…",
                            "errors": at.get((spec.title, row.number, str(c.label)), []),
                        }
                    )
                rows.append(
                    {
                        "number": row.number,
                        "cells": cells,
                        "row_errors": at.get((spec.title, row.number, None), []),
                        "action": self.actions.get((spec.title, row.number), ""),
                    }
                )
            tables.append(
                {"title": spec.title, "columns": [str(c.label) for c in spec.columns], "rows": rows}
            )
        return tables


# ---- carrying the rows from the preview to the confirmation -------------------------------------------


def sign_rows(rows: Mapping[str, Iterable[Row]], *, salt: str) -> str:
    """The rows read at the preview, signed, for the confirmation form (the file is not kept on the server)."""
    payload = {sheet: [[r.number, r.data] for r in items] for sheet, items in rows.items()}
    return signing.dumps(payload, salt=salt, compress=True)


def unsign_rows(token: str, *, salt: str) -> dict[str, list[Row]] | None:
    try:
        payload = signing.loads(token or "", salt=salt, max_age=PAYLOAD_MAX_AGE)
    except signing.BadSignature:
        return None
    return {
        sheet: [Row(sheet, int(number), {str(k): str(v) for k, v in data.items()}) for number, data in items]
        for sheet, items in payload.items()
    }
