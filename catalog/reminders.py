"""Reminders for 专家论证 and 征求有关部门意见: both are due by the cycle's review deadline."""

from django.urls import reverse

from reform_portal.enums import CycleState, Role, Stage
from reform_portal.reminders import Due, due_offsets, reminder_title, users_with_role
from reform_portal.services import last_day_of
from reform_portal.years import with_year

from .enums import ListState
from .models import Consultation, ExpertReview, MeasureList

# The year's stored states in which 专家论证 and 征求意见 can still change the list.
OPEN_STATES = (CycleState.PROPOSAL, CycleState.REVIEW)


def expert_review_source(*, cycle, now):
    """Open reviews of the cycle's measures, until the list is published: after that a review changes nothing
    (a withdrawn assignment has no row, so it is never chased)."""
    if (
        cycle.state not in OPEN_STATES
        or MeasureList.objects.filter(cycle=cycle, state=ListState.PUBLISHED).exists()
    ):
        return
    deadline = cycle.closes_at(Stage.REVIEW)
    offsets = due_offsets(deadline, cycle.reminder_offsets or [], now=now)
    if not offsets:
        return
    pending = (
        ExpertReview.objects.filter(measure__cycle=cycle, submitted_at__isnull=True)
        .select_related("expert", "measure")
        .order_by("pk")
    )
    for review in pending:
        for offset in offsets:
            yield Due(
                kind="expert_review",
                obj_pk=review.pk,
                obj_label=f"专家论证：{review.measure.title}",
                recipient=review.expert,
                due_at=deadline,
                offset_days=offset,
                title=reminder_title("专家论证", offset),
                body=(
                    f"请于{last_day_of(deadline):%Y年%m月%d日}前完成对举措“{review.measure.title}”的论证打分"
                    "（含金量、大胆闯·自主改、小切口·大作为、易操作·可考核、出经验·做示范）。"
                ),
                url=with_year(reverse("catalog:my_reviews"), cycle.year),
            )


def consultation_source(*, cycle, now):
    if cycle.state not in OPEN_STATES:
        return  # the list is published (悬榜揭榜 and later): an opinion changes nothing any more
    deadline = cycle.closes_at(Stage.REVIEW)
    offsets = due_offsets(deadline, cycle.reminder_offsets or [], now=now)
    if not offsets:
        return
    waiting = (
        Consultation.objects.filter(
            measure_list__cycle=cycle, measure_list__state=ListState.CONSULTING, opinions__isnull=True
        )
        .select_related("ministry", "measure_list")
        .order_by("pk")
        .distinct()
    )
    for consultation in waiting:
        for user in users_with_role(Role.MINISTRY_LIAISON, organization=consultation.ministry):
            for offset in offsets:
                yield Due(
                    kind="consultation",
                    obj_pk=consultation.pk,
                    obj_label=str(consultation),
                    recipient=user,
                    due_at=deadline,
                    offset_days=offset,
                    title=reminder_title("部门意见反馈", offset),
                    body=(
                        f"《{consultation.measure_list.title}》征求意见稿请贵部门于"
                        f"{last_day_of(deadline):%Y年%m月%d日}前逐项反馈意见。"
                    ),
                    url=with_year(reverse("catalog:consultations"), cycle.year),
                )
