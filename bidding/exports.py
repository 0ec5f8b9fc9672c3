"""汇总揭榜结果 as an XLSX workbook (openpyxl): regions × entries, counts, regions under the minimum."""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

HIGHLIGHT = PatternFill("solid", fgColor="FDE2E2")
AWARDED = PatternFill("solid", fgColor="DFF0D8")


def matrix_workbook(cycle, data) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "揭榜结果"
    ws.append([f"{cycle.year}年度全面改革创新举措揭榜结果汇总"])
    ws["A1"].font = Font(bold=True, size=14)
    header = ["地区"] + [f"{c['entry'].number} {c['entry'].title}" for c in data["columns"]] + ["揭榜数", "确认任务数", "备注"]
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in data["rows"]:
        values = [row["region"].name]
        for cell in row["cells"]:
            values.append("已确认" if cell["awarded"] else ("揭榜" if cell["bid"] else ""))
        note = f"少于{cycle.min_bids}项" if row["under_minimum"] else ""
        values += [row["n"], row["n_awarded"], note]
        ws.append(values)
        if row["under_minimum"]:
            for cell in ws[ws.max_row]:
                cell.fill = HIGHLIGHT
        else:
            for i, c in enumerate(row["cells"], start=2):
                if c["awarded"]:
                    ws.cell(row=ws.max_row, column=i).fill = AWARDED
    ws.append(["揭榜地区数"] + [c["count"] for c in data["columns"]])
    ws[ws.max_row][0].font = Font(bold=True)
    ws.column_dimensions["A"].width = 14
    for i in range(2, len(header) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 18
    unclaimed = wb.create_sheet("无人揭榜条目")
    unclaimed.append(["编号", "举措名称"])
    for entry in data["unclaimed"]:
        unclaimed.append([entry.number, entry.title])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
