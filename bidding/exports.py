"""汇总揭榜结果 as an XLSX workbook: regions × entries, counts, regions under the minimum (written by
reform_portal.exports, which keeps the list titles as text)."""

from reform_portal import exports
from reform_portal.kept import kept_bytes
from reform_portal.models import Region

from . import selectors

HIGHLIGHT = "FDE2E2"
AWARDED = "DFF0D8"


def matrix_workbook(cycle, data) -> exports.Workbook:
    book = exports.Workbook()
    sheet = book.sheet("揭榜结果")
    sheet.title(f"{cycle.year}年度全面改革创新举措揭榜结果汇总")
    header = (
        ["地区"]
        + [f"{c['entry'].number} {c['entry'].title}" for c in data["columns"]]
        + ["揭榜数", "确认任务数", "备注"]
    )
    sheet.header(header, wrap=True)
    for row in data["rows"]:
        values = [row["region"].name]
        for cell in row["cells"]:
            values.append("已确认" if cell["awarded"] else ("揭榜" if cell["bid"] else None))
        note = f"少于{cycle.min_bids}项" if row["under_minimum"] else ""
        values += [row["n"], row["n_awarded"], note]
        if row["under_minimum"]:
            sheet.row(values, fill=HIGHLIGHT)
        else:
            number = sheet.row(values, sparse=True)  # no cell where a region did not bid (issue 19)
            for i, c in enumerate(row["cells"], start=2):
                if c["awarded"]:
                    sheet.fill(number, i, AWARDED)
    number = sheet.row(["揭榜地区数"] + [c["count"] for c in data["columns"]])
    sheet.row_bold(number, 1)
    sheet.widths({1: 14, **{i: 18 for i in range(2, len(header) + 1)}})
    unclaimed = book.sheet("无人揭榜条目")
    unclaimed.row(["编号", "举措名称"])
    for entry in data["unclaimed"]:
        unclaimed.row([entry.number, entry.title])
    return book


def matrix_xlsx_bytes(cycle, entries) -> bytes:
    """The matrix's workbook as bytes, written once per distinct content and kept in the cache: the key is a digest
    of everything the workbook prints (the year and its minimum, the entries, the active regions' names and the
    year's tally of bids and awards, ``selectors.matrix_cells``), so a download after any change gets a new key
    and nothing stale is served; a download after no change reads the cache instead of writing 31 × 60 cells
    (issue 19: that grew with the regions). The cache only holds what can be written again (it fails open)."""
    content = [
        cycle.year,
        cycle.min_bids,
        [(e.pk, str(e.number), e.title) for e in entries],
        list(Region.objects.filter(active=True).order_by("code").values_list("pk", "name")),
        selectors.matrix_cells(cycle),
    ]
    return kept_bytes(
        f"bidding:matrix-xlsx:{cycle.pk}",
        content,
        lambda: matrix_workbook(cycle, selectors.matrix(cycle, entries)).to_bytes(),
    )
