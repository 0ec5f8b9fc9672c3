"""Who may do what in stage 3. Each rule returns (allowed, reason) so a page can say why not.

Regional access is a django-guardian object permission granted to the region's 发展改革委 and 科技厅
groups (bid sets, tasks, notices); an implementing entity's group gets ``view_task`` on the tasks that
name it. National reviewers see everything once it has been submitted or awarded."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.enums import Role, Stage
from reform_portal.permissions import department_of  # noqa: F401 - the views ask rules.department_of
from reform_portal.services import deadline_for, last_deadline

from .enums import MilestoneStatus
from .transitions import BID_SET, TASK

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import Model

    from reform_portal.models import ReformCycle, Region, User

    from .models import BidSet, Milestone, Task

VIEW_BIDSET = "bidding.view_bidset"
CHANGE_BIDSET = "bidding.change_bidset"
VIEW_TASK = "bidding.view_task"
CHANGE_TASK = "bidding.change_task"
VIEW_NOTICE = "bidding.view_tasknotice"

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _fmt(at: datetime.datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M")


def bidding_opens_at(cycle: ReformCycle) -> datetime.datetime:
    """The first instant of ``bidding_opens`` in Asia/Shanghai."""
    return datetime.datetime.combine(cycle.bidding_opens, datetime.time.min, tzinfo=SHANGHAI)


def bidding_closed_for_all(cycle: ReformCycle, now: datetime.datetime | None = None) -> bool:
    """True once the bidding window has closed for every region (the latest extension included).
    Only then do regions see how many regions claimed each entry (赛马)."""
    now = now or timezone.now()
    return now >= last_deadline(cycle, Stage.BIDDING)


def window_open(bid_set: BidSet, now: datetime.datetime | None = None) -> tuple[bool, str]:
    now = now or timezone.now()
    opens = bidding_opens_at(bid_set.cycle)
    if now < opens:
        return False, _("揭榜尚未开始（%(at)s 开始）。") % {"at": _fmt(opens)}
    closes = deadline_for(bid_set.cycle, bid_set.region_id, Stage.BIDDING)
    if now >= closes:
        return False, _("已过揭榜截止时间（%(at)s），如需修改或报送请联系国家审核人员申请延期。") % {
            "at": _fmt(closes)
        }
    return True, ""


def may_start_bids(cycle: ReformCycle, region: Region, now: datetime.datetime | None = None) -> bool:
    """A region's bid set of ``cycle`` is made only inside its window (opened, deadline with extension not past)."""
    now = now or timezone.now()
    return now >= bidding_opens_at(cycle) and now < deadline_for(cycle, region, Stage.BIDDING)


def is_region_staff(user: User | AnonymousUser, obj: Model, perm: str) -> bool:
    return user.is_authenticated and user.has_role(Role.REGIONAL_STAFF) and user.has_perm(perm, obj)


def can_edit_bids(
    user: User | AnonymousUser, bid_set: BidSet, now: datetime.datetime | None = None
) -> tuple[bool, str]:
    if not is_region_staff(user, bid_set, CHANGE_BIDSET):
        return False, _("只有本地区发展改革委、科技厅的填报人员可以揭榜。")
    if not BID_SET.allows(bid_set.state, "edit"):
        return False, BID_SET.refusal(bid_set.state, "edit")
    return window_open(bid_set, now)


def can_withdraw_bids(
    user: User | AnonymousUser, bid_set: BidSet, now: datetime.datetime | None = None
) -> tuple[bool, str]:
    """撤回报送: while the window is open and before the reviewers have confirmed any of the claims."""
    if not is_region_staff(user, bid_set, CHANGE_BIDSET):
        return False, _("只有本地区发展改革委、科技厅的填报人员可以撤回报送。")
    if not BID_SET.allows(bid_set.state, "withdraw"):
        return False, BID_SET.refusal(bid_set.state, "withdraw")
    if bid_set.bids.filter(task__isnull=False).exists():
        return False, _("国家审核人员已确认揭榜，不能撤回报送。")
    return window_open(bid_set, now)


def can_sign(
    user: User | AnonymousUser, bid_set: BidSet, now: datetime.datetime | None = None
) -> tuple[bool, str]:
    allowed, reason = can_edit_bids(user, bid_set, now)
    if not allowed:
        return allowed, reason
    if department_of(user, bid_set.region_id) is None:
        return False, _("只有本地区发展改革委或科技厅（委、局）的人员可以确认联合报送。")
    return True, ""


def can_view_task(user: User | AnonymousUser, task: Task) -> bool:
    if not user.is_authenticated:
        return False
    if user.has_role(Role.NATIONAL_REVIEWER):
        return True
    return user.has_perm(VIEW_TASK, task)


def is_task_region_staff(user: User | AnonymousUser, task: Task) -> bool:
    return is_region_staff(user, task, CHANGE_TASK)


def can_edit_plan(user: User | AnonymousUser, task: Task) -> tuple[bool, str]:
    if not is_task_region_staff(user, task):
        return False, _("只有本地区发展改革委、科技厅的填报人员可以细化实施方案。")
    if not TASK.allows(task.state, "edit_plan"):
        return False, TASK.refusal(task.state, "edit_plan")
    return True, ""


def can_report(user: User | AnonymousUser, task: Task) -> tuple[bool, str]:
    implementer = user.is_authenticated and user.has_role(Role.IMPLEMENTER) and user.has_perm(VIEW_TASK, task)
    if not (is_task_region_staff(user, task) or implementer):
        return False, _("只有本地区填报人员或该任务的实施主体可以报送进展。")
    if not TASK.allows(task.state, "report"):
        return False, TASK.refusal(task.state, "report")
    return True, ""


def can_raise_coordination(user: User | AnonymousUser, task: Task) -> tuple[bool, str]:
    implementer = user.is_authenticated and user.has_role(Role.IMPLEMENTER) and user.has_perm(VIEW_TASK, task)
    if not (is_task_region_staff(user, task) or implementer):
        return False, _("只有本地区填报人员或该任务的实施主体可以提出协调事项。")
    if not TASK.allows(task.state, "coordinate"):
        return False, TASK.refusal(task.state, "coordinate")
    return True, ""


def can_file_summary(
    user: User | AnonymousUser, task: Task, milestones: Sequence[Milestone]
) -> tuple[bool, str]:
    if not is_task_region_staff(user, task):
        return False, _("只有本地区发展改革委、科技厅的填报人员可以报送完成总结。")
    if not TASK.allows(task.state, "file_summary"):
        return False, TASK.refusal(task.state, "file_summary")
    if not milestones or any(m.status != MilestoneStatus.DONE for m in milestones):
        return False, _("全部里程碑完成后方可报送完成总结。")
    return True, ""


def is_reviewer(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.has_role(Role.NATIONAL_REVIEWER)
