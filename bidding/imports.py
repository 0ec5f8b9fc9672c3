"""Excel import of a task's 实施方案: milestones (时间表·路线图·责任人) and quantified targets (issue 18 §5;
reform_portal.sheet_import).

Two sheets, 里程碑 and 量化目标, each row through the page's form (``MilestoneForm``, ``TargetForm``). A milestone
whose 节点 the task already has is updated (its status kept), a target whose 指标 it has is updated, any other
row is added; nothing is deleted. ``services.plan_import`` checks the plan rule and the plan's revision (every
saved change of a milestone or target is a history row) again when the import is confirmed.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reform_portal import sheet_import as si

from .forms import MilestoneForm, TargetForm
from .models import Milestone, Target, Task
from .services import MILESTONE_FIELDS, TARGET_FIELDS

MILESTONES = "里程碑"
TARGETS = "量化目标"
HELP = {
    "title": gettext_lazy("不超过100个字；与已有里程碑同名的将被更新，其余新增。"),
    "due_date": gettext_lazy("日期，如 2027-06-30；不早于揭榜确认日期。"),
    "deliverable": gettext_lazy("不超过200个字。"),
    "responsible_phone": gettext_lazy("数字、空格、+、-、括号，7—30位。"),
    "indicator": gettext_lazy("不超过100个字；与已有目标同名的将被更新，其余新增。"),
    "unit": gettext_lazy("计量单位，不超过20个字，如：项、家、亿元。"),
    "baseline": gettext_lazy("数值，最多两位小数。"),
    "target": gettext_lazy("数值，最多两位小数，须与基期值不同。"),
}


def _columns(model: type[Milestone] | type[Target], names: list[str]) -> tuple[si.Column, ...]:
    columns = []
    for name in names:
        field = model._meta.get_field(name)
        columns.append(
            si.Column(
                name,
                str(field.verbose_name),
                help=str(HELP.get(name, "")),
                required=not getattr(field, "blank", False),
                width=30 if name in ("title", "deliverable", "indicator") else 16,
            )
        )
    return tuple(columns)


def specs() -> tuple[si.SheetSpec, si.SheetSpec]:
    return (
        si.SheetSpec(
            MILESTONES,
            _columns(Milestone, MILESTONE_FIELDS),
            max_rows=100,
            note=_("每行一个里程碑：时间表·路线图·责任人。"),
        ),
        si.SheetSpec(
            TARGETS, _columns(Target, TARGET_FIELDS), max_rows=100, note=_("每行一个可量化、可考核的目标。")
        ),
    )


def template_bytes(task: Task) -> bytes:
    rows = {
        MILESTONES: [{k: getattr(m, k) for k in MILESTONE_FIELDS} for m in task.milestones.all()],
        TARGETS: [{k: getattr(t, k) for k in TARGET_FIELDS} for t in task.targets.all()],
    }
    return si.template(
        specs(),
        title=_("%(task)s 实施方案导入模板") % {"task": task},
        rows=rows,
        notes=[
            _("填写「里程碑」和「量化目标」两张表后，在任务页面“从Excel导入”上传；全部行无误才会保存。"),
            _("节点（指标）与已有里程碑（目标）相同的行更新它，其余行新增；导入不会删除。"),
        ],
    )


def check(task: Task, rows: dict[str, list[si.Row]]) -> si.Plan:
    milestone_spec, target_spec = specs()
    errors: list[si.RowError] = []
    awarded = timezone.localtime(task.awarded_at).date()
    existing_m = {m.title: m for m in task.milestones.all()}
    existing_t = {t.indicator: t for t in task.targets.all()}
    items: list[dict[str, Any]] = []
    actions: dict[tuple[str, int], str] = {}
    for spec, make_form, key, existing in (
        (milestone_spec, lambda d: MilestoneForm(d), "title", existing_m),
        (target_spec, lambda d: TargetForm(d), "indicator", existing_t),
    ):
        seen: dict[str, int] = {}
        for row in rows.get(spec.title, []):
            row_errors = si.validate([row], spec, make_form)
            errors += row_errors
            if row_errors:
                continue
            name = row.cleaned[key]
            if name in seen:
                errors.append(si.row_error(row, spec, key, _("与第%(n)s行重复。") % {"n": seen[name]}))
                continue
            seen[name] = row.number
            if spec is milestone_spec and row.cleaned["due_date"] < awarded:
                errors.append(si.row_error(row, spec, "due_date", _("完成时限不能早于揭榜确认日期。")))
                continue
            fields = {
                k: row.cleaned[k] for k in (MILESTONE_FIELDS if spec is milestone_spec else TARGET_FIELDS)
            }
            items.append(
                {"kind": "milestone" if spec is milestone_spec else "target", "key": name, "fields": fields}
            )
            actions[(spec.title, row.number)] = _("更新") if name in existing else _("新增")
    if not any(rows.get(s.title) for s in (milestone_spec, target_spec)) and not errors:
        errors.append(si.RowError(MILESTONES, None, None, _("表中没有填写任何里程碑或量化目标。")))
    return si.Plan(items=items, errors=errors, rows=rows, actions=actions)


def salt(task: Task, user: Any) -> str:
    return f"bidding.plan_import:{task.pk}:{user.pk}"
