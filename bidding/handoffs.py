"""Who is told when a 揭榜 or a task changes hands (docs/architecture.md, "Hand-offs: who is told"): called by
the services inside their transaction; each is once per occurrence (``notify``'s key)."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from reform_portal.enums import Role, Stage
from reform_portal.models import Organization, User
from reform_portal.notifications import (
    date_cn,
    idempotency_key,
    notify,
    organization_users,
    region_staff,
    reviewers,
)
from reform_portal.services import deadline_for, last_day_of

from .models import BidSet, CoordinationRequest, ProgressReport, Task, TaskNotice


def _implementers(tasks: Iterable[Task]) -> list[User]:
    org_ids = {org.pk for task in tasks for org in task.entities.all()}
    return organization_users(org_ids, Role.IMPLEMENTER)


def bid_set_signed(bid_set: BidSet, *, by: User) -> None:
    """确认联合报送 by one department → the other department's staff."""
    due = date_cn(last_day_of(deadline_for(bid_set.cycle, bid_set.region, Stage.BIDDING)))
    label = _("%(region)s%(year)s年度揭榜申报") % {"region": bid_set.region, "year": bid_set.cycle.year}
    if bid_set.fully_signed:
        title = _("%(s)s双方均已确认，可以报送") % {"s": label}
        body = _("%(org)s（%(by)s）已确认第%(v)s版。双方均已确认当前版本，请于%(due)s 23:59前报送。")
    else:
        title = _("%(s)s待贵单位确认联合报送") % {"s": label}
        body = _(
            "%(org)s（%(by)s）已确认第%(v)s版。请审阅认领事项后确认联合报送，揭榜截止时间为%(due)s 23:59。"
        )
    notify(
        recipients=region_staff(bid_set.region_id, exclude_organization_id=by.organization_id),
        kind="bid_set_signed",
        key=idempotency_key("bid_set_signed", bid_set),
        title=title,
        body=body % {"org": by.organization, "by": by, "v": bid_set.version, "due": due},
        url=reverse("bidding:bids"),
    )


def bids_submitted(bid_set: BidSet, *, by: User) -> None:
    """报送揭榜 → national reviewers: confirm the results."""
    n = bid_set.bids.count()
    notify(
        recipients=reviewers(),
        kind="bids_submitted",
        key=idempotency_key("bids_submitted", bid_set),
        title=_("%(region)s已报送%(year)s年度揭榜申报（%(n)s项）")
        % {"region": bid_set.region, "year": bid_set.cycle.year, "n": n},
        body=_(
            "%(region)s发展改革委、科技厅（委、局）联合报送了揭榜申报（报送人：%(by)s）。请在揭榜结束后汇总确认揭榜结果。"
        )
        % {"region": bid_set.region, "by": by},
        url=reverse("bidding:matrix"),
    )


def tasks_awarded(tasks: list[Task], *, by: User) -> None:
    """确认揭榜 → each region's staff (one message per region, naming its tasks)."""
    by_region: dict[int, list[Task]] = {}
    for task in tasks:
        by_region.setdefault(task.region_id, []).append(task)
    for region_id, mine in by_region.items():
        first = mine[0]
        names = "、".join(f"{t.entry.number}“{t.entry.title}”" for t in mine)
        notify(
            recipients=region_staff(region_id),
            kind="tasks_awarded",
            key=f"tasks_awarded:region-{region_id}:task-{min(t.pk for t in mine)}-{max(t.pk for t in mine)}",
            title=_("%(region)s%(year)s年度揭榜结果已确认：%(n)s项任务")
            % {"region": first.region, "year": first.cycle.year, "n": len(mine)},
            body=_(
                "国家审核人员（%(by)s）确认了贵地区揭榜的改革任务：%(names)s。揭榜任务通知书下达后，请组织实施主体细化实施方案。"
            )
            % {"by": by, "names": names},
            url=reverse("bidding:tasks"),
        )


def notice_issued(notice: TaskNotice, tasks: list[Task], *, by: User) -> None:
    """下达通知书 → the region's staff and the users of the tasks' named implementing entities."""
    names = "、".join(f"{t.entry.number}“{t.entry.title}”" for t in tasks)
    notify(
        recipients=region_staff(notice.region_id) + _implementers(tasks),
        kind="notice_issued",
        key=idempotency_key("notice_issued", notice, "issued"),
        title=_("揭榜任务通知书已下达（%(no)s）") % {"no": notice.doc_number},
        body=_(
            "国家发展改革委、科技部下达了%(region)s%(year)s年度揭榜任务通知书（%(no)s），任务：%(names)s。"
            "请组织实施主体细化时间表、路线图、责任人，明确可量化、可考核的目标，并确认实施方案。"
        )
        % {"region": notice.region, "year": notice.cycle.year, "no": notice.doc_number, "names": names},
        url=reverse("bidding:tasks"),
    )


def entities_named(task: Task, organizations: Iterable[Organization], *, by: User) -> None:
    """确定实施主体 → the users of the entities newly named (the others knew already)."""
    orgs = list(organizations)
    if not orgs:
        return
    notify(
        recipients=organization_users([o.pk for o in orgs], Role.IMPLEMENTER),
        kind="entities_named",
        key=idempotency_key("entities_named", task),
        title=_("贵单位已被确定为揭榜任务“%(t)s”的实施主体") % {"t": task.entry.title},
        body=_("%(region)s（%(by)s）确定贵单位承担揭榜任务%(no)s“%(t)s”。请查看实施方案，按里程碑报送进展。")
        % {"region": task.region, "by": by, "no": task.entry.number, "t": task.entry.title},
        url=reverse("bidding:task_detail", args=[task.pk]),
    )


def _task_to_reviewers(task: Task, *, kind: str, key: str, title: str, body: str) -> None:
    notify(
        recipients=reviewers(),
        kind=kind,
        key=key,
        title=title,
        body=body,
        url=reverse("bidding:task_detail", args=[task.pk]),
    )


def plan_confirmed(task: Task, *, by: User) -> None:
    """确认实施方案 → national reviewers."""
    _task_to_reviewers(
        task,
        kind="plan_confirmed",
        key=idempotency_key("plan_confirmed", task),
        title=_("%(region)s确认了“%(t)s”的实施方案") % {"region": task.region, "t": task.entry.title},
        body=_(
            "%(region)s（%(by)s）确认了揭榜任务%(no)s的实施方案（里程碑%(m)s个、量化目标%(g)s个），任务进入实施。请查阅。"
        )
        % {
            "region": task.region,
            "by": by,
            "no": task.entry.number,
            "m": task.milestones.count(),
            "g": task.targets.count(),
        },
    )


def progress_reported(report: ProgressReport, *, by: User) -> None:
    """报送进展 → national reviewers."""
    task = report.task
    _task_to_reviewers(
        task,
        kind="progress_reported",
        key=idempotency_key("progress_reported", report),
        title=_("%(region)s报送了“%(t)s”的进展（截至%(d)s）")
        % {"region": task.region, "t": task.entry.title, "d": date_cn(report.period_end)},
        body=_("%(by)s报送了揭榜任务%(no)s的进展报告。请查阅进展，必要时协调解决困难和问题。")
        % {"by": by, "no": task.entry.number},
    )


def coordination_raised(request: CoordinationRequest, *, by: User) -> None:
    """提出协调事项 → national reviewers: answer it."""
    task = request.task
    _task_to_reviewers(
        task,
        kind="coordination_raised",
        key=idempotency_key("coordination_raised", request),
        title=_("%(region)s提出协调事项：%(s)s") % {"region": task.region, "s": request.subject},
        body=_("%(by)s就揭榜任务%(no)s“%(t)s”提出需协调解决的困难：%(d)s。请协调有关部门后答复。")
        % {"by": by, "no": task.entry.number, "t": task.entry.title, "d": request.detail},
    )


def coordination_answered(request: CoordinationRequest, *, by: User) -> None:
    """答复协调事项 → the region's staff and whoever raised it."""
    task = request.task
    notify(
        recipients=[*region_staff(task.region_id), request.raised_by],
        kind="coordination_answered",
        key=idempotency_key("coordination_answered", request),
        title=_("协调事项“%(s)s”已答复") % {"s": request.subject},
        body=_("国家审核人员（%(by)s）答复：%(a)s") % {"by": by, "a": request.answer},
        url=reverse("bidding:task_detail", args=[task.pk]),
    )


def summary_filed(task: Task, *, by: User) -> None:
    """完成总结 → national reviewers: commission the evaluation."""
    _task_to_reviewers(
        task,
        kind="summary_filed",
        key=idempotency_key("summary_filed", task),
        title=_("%(region)s报送了“%(t)s”的完成总结") % {"region": task.region, "t": task.entry.title},
        body=_("揭榜任务%(no)s的全部里程碑已完成（报送人：%(by)s），任务待评估。请委托第三方机构评估。")
        % {"no": task.entry.number, "by": by},
    )
