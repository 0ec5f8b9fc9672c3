"""The 工作台's open items of stage 4 (``reform_portal.years.register_open_items``), each counted as its page lists it:

- evaluators: the commissioned tasks whose assessment is not written or not submitted (受托评估任务 待提交);
- reviewers: tasks 待评估 to commission (评估委托), correction requests to decide (评估报告 ?state=申请更正), tasks
  recommended for promotion that have no outcome yet (改革成果 待整理).

And the public archive's links: each year's published outcomes and its results."""

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _

from bidding.enums import TaskState
from bidding.models import Task
from reform_portal.models import User
from reform_portal.navigation import ArchiveLink
from reform_portal.selectors import built_once
from reform_portal.years import OpenItem, live_cycles, with_year

from . import selectors
from .enums import AssessmentState, OutcomeState
from .models import Assessment, Commission, Outcome

ASSESSMENT = "assessment"
COMMISSION = "commission"
REOPEN = "reopen"
OUTCOME = "outcome"
REVIEWER_KINDS = (COMMISSION, REOPEN, OUTCOME)


def evaluator_items(user: User) -> list[OpenItem]:
    links = selectors.open_links(
        Commission.tasks.through.objects.filter(
            commission__in=selectors.commissions_visible_to(user), commission__cycle__in=live_cycles()
        )
    )
    rows = (
        links.values("commission__cycle__year")
        .annotate(n=Count("pk"), due=Min("commission__due_date"))
        .order_by()
    )
    return [
        OpenItem(
            year=row["commission__cycle__year"],
            kind=ASSESSMENT,
            title=_("对受托任务开展评估，填写并提交评估报告"),
            url=with_year(reverse("evaluation:assignments"), row["commission__cycle__year"]),
            due=row["due"],
            count=row["n"],
        )
        for row in rows
    ]


@built_once
def _tasks_to_commission():
    return (
        Task.objects.filter(state=TaskState.PENDING_EVALUATION, cycle__in=live_cycles())
        .values("cycle__year", "cycle__evaluation_due")
        .annotate(n=Count("pk"))
        .order_by()
    )


@built_once
def _reopen_requests():
    return (
        Assessment.objects.filter(state=AssessmentState.REOPEN_REQUESTED, task__cycle__in=live_cycles())
        .values("task__cycle__year")
        .annotate(n=Count("pk"))
        .order_by()
    )


@built_once
def _outcomes_to_write():
    return (
        selectors.outcome_candidates(None)
        .filter(cycle__in=live_cycles())
        .values("cycle__year")
        .annotate(n=Count("pk"))
        .order_by()
    )


def commission_items(user: User) -> list[OpenItem]:
    """Per year: tasks 待评估, to commission."""
    return [
        OpenItem(
            year=row["cycle__year"],
            kind=COMMISSION,
            title=_("委托第三方机构评估已报送完成总结的任务"),
            url=with_year(reverse("evaluation:commissions"), row["cycle__year"]),
            due=row["cycle__evaluation_due"],
            count=row["n"],
        )
        for row in _tasks_to_commission()
    ]


def reopen_items(user: User) -> list[OpenItem]:
    """Per year: correction requests of assessments to decide."""
    return [
        OpenItem(
            year=row["task__cycle__year"],
            kind=REOPEN,
            title=_("审核评估机构的评估报告更正申请"),
            url=with_year(reverse("evaluation:assessments"), row["task__cycle__year"])
            + f"&state={AssessmentState.REOPEN_REQUESTED}",
            count=row["n"],
        )
        for row in _reopen_requests()
    ]


def outcome_items(user: User) -> list[OpenItem]:
    """Per year: tasks recommended for promotion that have no outcome yet."""
    return [
        OpenItem(
            year=row["cycle__year"],
            kind=OUTCOME,
            title=_("将评估建议推广的任务整理为可复制推广的改革成果"),
            url=with_year(reverse("evaluation:outcomes"), row["cycle__year"]),
            count=row["n"],
        )
        for row in _outcomes_to_write()
    ]


# One provider per kind: a page that asks for its own kinds runs only their queries (issue 19).
REVIEWER_PROVIDERS = [(commission_items, COMMISSION), (reopen_items, REOPEN), (outcome_items, OUTCOME)]


def archive_links() -> list[ArchiveLink]:
    """Per year: its published outcomes (in the library) and its results (two queries)."""
    links = [
        ArchiveLink(
            year=row["cycle__year"],
            label=_("%(y)s年度可复制推广的改革成果（%(n)s项）") % {"y": row["cycle__year"], "n": row["n"]},
            url=with_year(reverse("evaluation:library"), row["cycle__year"]),
            order=100,
            testid="archive-outcomes",
        )
        for row in Outcome.objects.filter(state=OutcomeState.PUBLISHED)
        .values("cycle__year")
        .annotate(n=Count("pk"))
        .order_by()
    ]
    links += [
        ArchiveLink(
            year=year,
            label=_("%(y)s年度评估结果") % {"y": year},
            url=with_year(reverse("evaluation:public_results"), year),
            order=110,
            testid="archive-results",
        )
        for year in selectors.published_result_years()
    ]
    return links
