"""Excel import of a 建议书's proposals and their expected results (issue 18 §5; reform_portal.sheet_import).

Two sheets: 改革举措 (a row per proposal, the columns of the proposal form) and 预期成效 (a row per result,
naming its proposal by 举措名称). Every row goes through the page's forms (``ProposalForm``, ``ResultForm``);
a proposal whose 举措名称 the book already has is updated, any other is added; nothing is deleted. A proposal
that has rows in 预期成效 gets exactly those results (as the page's form replaces them); one without keeps its
results. The book's rules (editable state, deadline, region's staff, at most ``max_proposals``) and its
revision are checked again by ``services.proposals_import`` when the import is confirmed.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from reform_portal import sheet_import as si
from reform_portal.selectors import entity_library

from .enums import AuthorityLevel, ReformArea
from .forms import ProposalForm, ResultForm
from .models import MeasureProposal, ProposalBook

PROPOSALS = "改革举措"
RESULTS = "预期成效"
MAX_RESULTS = 10  # the page's formset (forms.ResultFormSet max_num)
NAME_SEPARATORS = "、，,；;\n"


def _label(name: str) -> str:
    return str(MeasureProposal._meta.get_field(name).verbose_name)


def _text(name: str, help: str = "", width: float = 24.0, required: bool = False) -> si.Column:
    """A text column labelled like the proposal form's field."""
    return si.Column(name, _label(name), help=help, width=width, required=required)


def specs() -> tuple[si.SheetSpec, si.SheetSpec]:
    text = _text
    proposals = si.SheetSpec(
        PROPOSALS,
        (
            text("title", _("不超过60个字；与建议书中已有举措同名的将被更新，其余新增。"), 30, True),
            si.Column("area", _label("area"), choices=tuple(ReformArea.choices), width=26),
            text("keywords", _("以逗号或空格分隔，不超过100个字。")),
            text("pain_points", _("不超过3000字。"), 40),
            text("content", _("不超过5000字。"), 40),
            text("steps", _("不超过3000字，例：2027年6月前出台实施办法。"), 40),
            si.Column(
                "entities",
                _("实施主体（单位库）"),
                help=_("本地区单位库中的单位名称，多个用顿号或换行分隔。"),
                width=30,
            ),
            text("new_entities", _("单位库中没有的实施主体，每行一个，不超过1000字。"), 30),
            si.Column("authority_level", _label("authority_level"), choices=tuple(AuthorityLevel.choices)),
            text("coordination_departments", _("事权层级为“需国家层面协调”时必填。")),
            text("consulted_bases"),
            text("consulted_enterprises"),
            text("consulted_universities"),
            text("consulted_institutes"),
            text("consulted_departments"),
        ),
        max_rows=50,
        note=_("每行一项改革举措建议。"),
    )
    results = si.SheetSpec(
        RESULTS,
        (
            si.Column(
                "proposal",
                _label("title"),
                help=_("与「改革举措」表中的举措名称一致。"),
                required=True,
                width=30,
            ),
            si.Column("indicator", _("指标"), help=_("不超过100个字。"), required=True, width=30),
            si.Column(
                "unit",
                _("单位"),
                help=_("计量单位，不超过20个字，如：项、家、亿元。"),
                required=True,
                width=12,
            ),
            si.Column(
                "target", _("目标值"), help=_("数值，最多两位小数，不小于0。"), required=True, width=12
            ),
        ),
        max_rows=50 * MAX_RESULTS,
        note=_("每行一项预期成效（可量化、可考核），每项举措最多%(n)s项。") % {"n": MAX_RESULTS},
    )
    return proposals, results


def template_bytes(book: ProposalBook) -> bytes:
    """The template, filled with the book's proposals and results as they stand."""
    proposals = list(book.proposals.prefetch_related("entities", "results"))
    rows = {
        PROPOSALS: [
            {
                **{name: getattr(p, name) for name in _proposal_keys()},
                "entities": "、".join(o.name for o in p.entities.all()),
            }
            for p in proposals
        ],
        RESULTS: [
            {"proposal": p.title, "indicator": r.indicator, "unit": r.unit, "target": r.target}
            for p in proposals
            for r in p.results.all()
        ],
    }
    return si.template(
        specs(),
        title=_("%(book)s 导入模板") % {"book": book},
        rows=rows,
        notes=[
            _("填写「改革举措」和「预期成效」两张表后，在建议书页面“从Excel导入”上传；全部行无误才会保存。"),
            _("举措名称与建议书中已有举措相同的行更新该举措，其余行新增举措；导入不会删除举措。"),
            _("某项举措在「预期成效」表中有行时，其预期成效以表中为准；没有行时保留原有预期成效。"),
            _("每个地方每年提出%(min)s—%(max)s项改革举措建议。")
            % {"min": book.cycle.min_proposals, "max": book.cycle.max_proposals},
        ],
    )


def _proposal_keys() -> list[str]:
    return [c.key for c in specs()[0].columns if c.key != "entities"]


def _split_names(value: str) -> list[str]:
    for sep in NAME_SEPARATORS[1:]:
        value = value.replace(sep, NAME_SEPARATORS[0])
    return [n.strip() for n in value.split(NAME_SEPARATORS[0]) if n.strip()]


def check(book: ProposalBook, rows: dict[str, list[si.Row]]) -> si.Plan:
    """Validates every row of both sheets (nothing is saved here)."""
    proposal_spec, result_spec = specs()
    errors: list[si.RowError] = []
    library = {o.name: o for o in entity_library(book.region_id)}
    existing = {p.title: p for p in book.proposals.all()}
    items: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for row in rows.get(PROPOSALS, []):
        data: dict[str, Any] = dict(row.data)
        names = _split_names(data.pop("entities", ""))
        unknown = [n for n in names if n not in library]
        for name in unknown:
            errors.append(
                si.row_error(
                    row,
                    proposal_spec,
                    "entities",
                    _("单位库中没有“%(n)s”；请先在单位库中添加，或填入「其他实施主体」。") % {"n": name[:60]},
                )
            )
        data["entities"] = [str(library[n].pk) for n in names if n in library]
        checked = si.Row(row.sheet, row.number, data)
        row_errors = si.validate([checked], proposal_spec, lambda d: ProposalForm(d, region=book.region))
        errors += row_errors
        if row_errors or unknown:
            continue
        form_data = {
            "fields": {k: v for k, v in checked.cleaned.items() if k not in ("entities", "revision")},
            "entities": list(checked.cleaned["entities"]),
        }
        title = form_data["fields"]["title"]
        if title in seen:
            errors.append(
                si.row_error(
                    row, proposal_spec, "title", _("与第%(n)s行的举措名称重复。") % {"n": seen[title]}
                )
            )
            continue
        seen[title] = row.number
        items.append({**form_data, "row": row.number, "existing": existing.get(title), "results": None})
    by_title = {item["fields"]["title"]: item for item in items}
    # every title of the sheet, valid or not: a result of a bad row gets no second error of its own
    titles = {r.data.get("title", "").strip() for r in rows.get(PROPOSALS, [])}
    for row in rows.get(RESULTS, []):
        result_errors = si.validate([row], result_spec, lambda d: ResultForm(d))
        errors += result_errors
        if result_errors:
            continue
        cleaned = row.cleaned
        title = row.data.get("proposal", "").strip()
        if not cleaned.get("indicator"):
            errors.append(si.row_error(row, result_spec, "indicator", _("请填写指标、单位和目标值。")))
        elif title not in titles:
            errors.append(
                si.row_error(
                    row, result_spec, "proposal", _("「改革举措」表中没有举措“%(t)s”。") % {"t": title[:60]}
                )
            )
        elif title in by_title:
            results = by_title[title]["results"] = by_title[title]["results"] or []
            if len(results) >= MAX_RESULTS:
                errors.append(
                    si.row_error(
                        row, result_spec, "proposal", _("每项举措最多%(n)s项预期成效。") % {"n": MAX_RESULTS}
                    )
                )
            else:
                results.append({k: cleaned[k] for k in ("indicator", "unit", "target")})
    if not rows.get(PROPOSALS) and not errors:
        errors.append(si.RowError(PROPOSALS, None, None, _("表中没有填写任何举措。")))
    new = sum(1 for item in items if item["existing"] is None)
    total = len(existing) + new
    if new and total > book.cycle.max_proposals:
        errors.append(
            si.RowError(
                PROPOSALS,
                None,
                None,
                _("导入后将有%(n)s项举措，超过每个地方每年%(max)s项的上限（已有%(e)s项，新增%(new)s项）。")
                % {"n": total, "max": book.cycle.max_proposals, "e": len(existing), "new": new},
            )
        )
    actions = {
        (PROPOSALS, item["row"]): _("更新") if item["existing"] is not None else _("新增") for item in items
    }
    return si.Plan(items=items, errors=errors, rows=rows, actions=actions)


def salt(book: ProposalBook, user: Any) -> str:
    return f"proposals.import:{book.pk}:{user.pk}"
