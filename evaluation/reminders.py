"""Reminders for 第三方评估: the commissioned agency before the due date; when overdue, national reviewers too."""

from django.urls import reverse

from reform_portal.enums import CycleState, Role
from reform_portal.reminders import Due, due_offsets, reminder_title, users_with_role
from reform_portal.services import end_of_day
from reform_portal.years import with_year

from .enums import CommissionState
from .models import Commission


def evaluation_due_source(*, cycle, now):
    if cycle.state == CycleState.CLOSED:
        return  # the year is closed
    commissions = (
        Commission.objects.filter(cycle=cycle, state=CommissionState.ACTIVE)
        .select_related("agency")
        .order_by("pk")
    )
    reviewers = None
    for commission in commissions:
        deadline = end_of_day(commission.due_date)
        offsets = due_offsets(deadline, cycle.reminder_offsets or [], now=now)
        if not offsets:
            continue
        agency_users = users_with_role(Role.EVALUATOR, organization=commission.agency)
        for offset in offsets:
            recipients = list(agency_users)
            if offset < 0:
                reviewers = reviewers if reviewers is not None else users_with_role(Role.NATIONAL_REVIEWER)
                recipients += reviewers
            for user in recipients:
                yield Due(
                    kind="evaluation_due",
                    obj_pk=commission.pk,
                    obj_label=f"评估委托：{commission.agency}",
                    recipient=user,
                    due_at=deadline,
                    offset_days=offset,
                    title=reminder_title(f"{commission.agency}评估报告提交", offset),
                    body=(
                        f"受托评估的完成时限为{commission.due_date:%Y年%m月%d日}，请按时提交评估报告和评分。"
                        if offset >= 0
                        else f"{commission.agency}受托评估已超过完成时限（{commission.due_date:%Y年%m月%d日}），请督促提交。"
                    ),
                    url=with_year(
                        reverse(
                            "evaluation:assignments"
                            if user.has_role(Role.EVALUATOR)
                            else "evaluation:commissions"
                        ),
                        cycle.year,
                    ),
                )
