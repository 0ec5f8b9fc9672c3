"""XLSX exports: the yearly results table and an evaluator's task dossier (written by reform_portal.exports,
which keeps the regions' text as text)."""

from reform_portal import exports
from reform_portal.kept import kept_bytes


def _sheet(book, title, header, rows):
    sheet = book.sheet(title)
    sheet.header(header, width=16)
    for row in rows:
        sheet.row(row)
    return sheet


def results_workbook(cycle, rows) -> exports.Workbook:
    book = exports.Workbook()
    _sheet(
        book,
        f"{cycle.year}年度评估结果",
        [
            "排名",
            "地区",
            "揭榜任务数",
            "完成任务数（合格及以上）",
            "已评估任务数",
            "平均等次（优秀=4…不合格=1）",
            "优秀",
            "良好",
            "合格",
            "不合格",
            "已推广改革成果数",
        ],
        [_printed(r) for r in rows],
    )
    return book


def results_xlsx_bytes(cycle, rows) -> bytes:
    """The year's results workbook as bytes, written once per distinct content and kept in the cache, as the
    揭榜矩阵's is (``bidding.exports.matrix_xlsx_bytes``): the key is a digest of every value the workbook prints
    (the year and each ranked row, region names included), so a download after any change of a grade, a task,
    an outcome or a region's name gets a new key and nothing stale is served; a download after no change reads
    the cache instead of writing the workbook again (issue 19: that grew with the regions). The cache only holds
    what can be written again (``reform_portal.kept``)."""
    printed = [cycle.year, [_printed(r) for r in rows]]
    return kept_bytes(
        f"evaluation:results-xlsx:{cycle.pk}", printed, lambda: results_workbook(cycle, rows).to_bytes()
    )


def _printed(r):
    return [
        r["rank"],
        r["region"].name,
        r["tasks"],
        r["completed"],
        r["evaluated"],
        float(r["average_grade"]) if r["average_grade"] is not None else None,
        r["grades"]["excellent"],
        r["grades"]["good"],
        r["grades"]["pass"],
        r["grades"]["fail"],
        r["outcomes"],
    ]


def _num(value):
    return float(value) if value is not None else None


def task_workbook(task) -> exports.Workbook:
    book = exports.Workbook()
    _sheet(
        book,
        "量化目标",
        ["指标", "单位", "基期值", "目标值", "最新实际值", "完成度（%）"],
        [
            [
                t.indicator,
                t.unit,
                _num(t.baseline),
                _num(t.target),
                _num(t.latest_actual),
                round(t.attainment * 100, 2) if t.attainment is not None else None,
            ]
            for t in task.targets.all()
        ],
    )
    _sheet(
        book,
        "时间表路线图",
        ["节点", "完成时限", "标志性成果", "责任人", "状态"],
        [
            [m.title, m.due_date, m.deliverable, m.responsible_name, m.get_status_display()]
            for m in task.milestones.all()
        ],
    )
    _sheet(
        book,
        "进展报告",
        ["报告期截至", "进展情况", "报送人"],
        [[r.period_end, r.narrative, str(r.submitted_by)] for r in task.reports.all()],
    )
    return book
