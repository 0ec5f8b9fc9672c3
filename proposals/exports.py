"""年度建议汇总 (issue 18 §4): every proposal of a year's submitted books, one row each, for national reviewers.
Written by the one safe export helper (reform_portal.exports)."""

from collections.abc import Iterable

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from reform_portal import exports

from .models import MeasureProposal


def summary_header() -> list[str]:
    return [
        _("序号"),
        _("地区"),
        _("建议书状态"),
        _("报送时间"),
        _("建议书内序号"),
        _("举措名称"),
        _("改革任务领域"),
        _("事权层级"),
        _("关键词"),
        _("拟解决的痛点堵点"),
        _("改革内容"),
        _("实施步骤及时间安排"),
        _("实施主体"),
        _("需协调的国家部门"),
        _("预期成效（指标：目标值%(unit)s）") % {"unit": pgettext("计量", "单位")},
        _("征求意见情况"),
    ]


def summary_row(number: int, p: MeasureProposal) -> list:
    # The library's organisations, then the names typed in 其他实施主体 as typed (one a line).
    entities = "\n".join(filter(None, ["、".join(o.name for o in p.entities.all()), p.new_entities]))
    results = "；".join(f"{r.indicator}：{r.target.normalize():f}{r.unit}" for r in p.results.all())
    consulted = "；".join(
        f"{p._meta.get_field(name).verbose_name}：{value}"
        for name in (
            "consulted_bases",
            "consulted_enterprises",
            "consulted_universities",
            "consulted_institutes",
            "consulted_departments",
        )
        if (value := getattr(p, name))
    )
    return [
        number,
        p.book.region.name,
        p.book.get_state_display(),
        p.book.submitted_at,
        p.position,
        p.title,
        p.get_area_display(),
        p.get_authority_level_display(),
        p.keywords,
        p.pain_points,
        p.content,
        p.steps,
        entities,
        p.coordination_departments,
        results,
        consulted,
    ]


def summary_workbook(cycle, proposals: Iterable[MeasureProposal]) -> exports.Workbook:
    book = exports.Workbook()
    sheet = book.sheet(_("%(year)s年度建议汇总") % {"year": cycle.year})
    sheet.header(summary_header(), wrap=True)
    for number, p in enumerate(proposals, start=1):
        sheet.row(summary_row(number, p), wrap=True)
    sheet.widths({1: 6, 2: 10, 3: 10, 4: 16, 5: 8, 6: 30, 7: 18, 8: 14, 9: 16})
    sheet.widths({column: 40 for column in range(10, 17)})
    sheet.freeze("C2")
    return book
