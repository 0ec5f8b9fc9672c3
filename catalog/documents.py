"""The published 《年度全面改革创新举措清单》 as a PDF (GB/T 9704 style) and an XLSX workbook."""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from reform_portal.pdf import render_pdf

XLSX_HEADERS = ["编号", "举措名称", "改革任务领域", "改革内容", "改革目标", "事权层级", "国家协调部门", "建议来源地区"]


def render_list_pdf(measure_list, entries) -> bytes:
    return render_pdf("catalog/list_pdf.html", {
        "title": measure_list.title,
        "measure_list": measure_list,
        "entries": entries,
        "head_issuers": ["国家发展改革委", "科技部"],
        "signatories": ["国家发展改革委", "科技部"],
        "date": measure_list.published_at,
    })


def _cell(value):
    """Text a spreadsheet will not evaluate: a leading =, +, - or @ is kept as text."""
    value = str(value or "")
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def list_xlsx(measure_list, entries) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = f"{measure_list.cycle.year}年度清单"[:31]
    ws.append([f"{measure_list.title}（第{measure_list.version}版）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(XLSX_HEADERS)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for e in entries:
        ws.append([_cell(v) for v in (e.number, e.title, e.get_area_display(), e.description, e.goals,
                                      e.get_authority_level_display(), e.coordination_departments,
                                      e.source_regions)])
    for column, width in zip("ABCDEFGH", (10, 36, 24, 60, 40, 16, 30, 24), strict=True):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
