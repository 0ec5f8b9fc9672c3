"""Reminders for the bidding deadline (regions not yet submitted or under the minimum) and for milestones
due or overdue (时间表·路线图·责任人: the region's staff and the implementing organizations' users)."""

from django.db.models import Count, F
from django.urls import reverse

from catalog.enums import ListState
from catalog.models import MeasureList
from reform_portal.enums import CycleState, Role, Stage
from reform_portal.models import Region, User
from reform_portal.reminders import (
    Due,
    due_offsets,
    regional_staff_by_region,
    reminder_title,
    stage_due_offsets,
)
from reform_portal.services import deadline_for, end_of_day, last_day_of
from reform_portal.years import with_year

from .enums import BidSetState, MilestoneStatus, TaskState
from .models import BidSet, Milestone


def bidding_deadline_source(*, cycle, now):
    if cycle.state != CycleState.BIDDING:
        return  # 揭榜 is not open (not yet, or the results are confirmed): a bid can no longer be filed
    if not MeasureList.objects.filter(cycle=cycle, state=ListState.PUBLISHED).exists():
        return  # bidding has not opened for this cycle
    sets = {s.region_id: s for s in BidSet.objects.filter(cycle=cycle).annotate(n=Count("bids"))}
    regions = [
        r
        for r in Region.objects.filter(active=True).order_by("code")
        if not (sets.get(r.pk) and sets[r.pk].state == BidSetState.SUBMITTED)
    ]
    staff = regional_staff_by_region(r.pk for r in regions)
    for region in regions:
        offsets = stage_due_offsets(cycle, region, Stage.BIDDING, now=now)
        if not offsets or not staff.get(region.pk):
            continue
        deadline = deadline_for(cycle, region, Stage.BIDDING)
        bid_set = sets.get(region.pk)
        n = bid_set.n if bid_set else 0
        body = (
            f"{region.name}{cycle.year}年度揭榜截止时间为{last_day_of(deadline):%Y年%m月%d日} 23:59。"
            f"已认领{n}项（不少于{cycle.min_bids}项），尚未联合报送。"
        )
        for offset in offsets:
            for user in staff[region.pk]:
                yield Due(
                    kind="bidding_deadline",
                    obj_pk=f"{cycle.pk}-{region.pk}",
                    obj_label=f"{region.name}揭榜",
                    recipient=user,
                    due_at=deadline,
                    offset_days=offset,
                    title=reminder_title("揭榜", offset),
                    body=body,
                    url=with_year(reverse("bidding:bids"), cycle.year),
                )


def milestone_source(*, cycle, now):
    if cycle.state == CycleState.CLOSED:
        return  # the year is closed
    milestones = list(
        Milestone.objects.filter(
            task__cycle=cycle, task__state__in=[TaskState.PLANNING, TaskState.IN_PROGRESS]
        )
        .exclude(status=MilestoneStatus.DONE)
        .select_related("task__region", "task__entry")
        .order_by("due_date", "pk")
    )
    due = [
        (
            m,
            end_of_day(m.due_date),
            due_offsets(end_of_day(m.due_date), cycle.reminder_offsets or [], now=now),
        )
        for m in milestones
    ]
    due = [(m, deadline, offsets) for m, deadline, offsets in due if offsets]
    if not due:
        return
    staff = regional_staff_by_region({m.task.region_id for m, _d, _o in due})
    implementers = {}
    for user in (
        User.objects.filter(
            is_active=True,
            groups__name=Role.IMPLEMENTER,
            organization__tasks__in={m.task_id for m, _d, _o in due},
        )
        .annotate(task_id=F("organization__tasks"))
        .order_by("pk")
    ):
        implementers.setdefault(user.task_id, []).append(user)
    for milestone, deadline, offsets in due:
        task = milestone.task
        recipients = {u.pk: u for u in staff.get(task.region_id, []) + implementers.get(task.pk, [])}
        body = (
            f"揭榜任务“{task.entry.title}”的里程碑“{milestone.title}”完成时限为{milestone.due_date:%Y年%m月%d日}，"
            f"标志性成果：{milestone.deliverable}；责任人：{milestone.responsible_name}（{milestone.responsible_post}，"
            f"{milestone.responsible_phone}）。"
        )
        for offset in offsets:
            for user in recipients.values():
                yield Due(
                    kind="milestone",
                    obj_pk=milestone.pk,
                    obj_label=f"{task.region.name}：{milestone.title}",
                    recipient=user,
                    due_at=deadline,
                    offset_days=offset,
                    title=reminder_title(f"里程碑“{milestone.title}”", offset),
                    body=body,
                    url=reverse("bidding:task_detail", args=[task.pk]),
                )
