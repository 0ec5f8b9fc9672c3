"""The 工作台's open items of stage 4 (``reform_portal.years.register_open_items``), each counted as its page lists it:

- evaluators: the commissioned tasks whose assessment is not written or not submitted (受托评估任务 待提交);
- reviewers: tasks 待评估 to commission (评估委托), correction requests to decide (评估报告 ?state=申请更正), tasks
  recommended for promotion that have no outcome yet (改革成果 待整理).

And the public archive's links: each year's published outcomes and its results."""

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _

from reform_portal import tallies
from reform_portal.models import User
from reform_portal.navigation import ArchiveLink
from reform_portal.years import OpenItem, live_cycles, with_year

from . import selectors
from .enums import AssessmentState, OutcomeState
from .models import Outcome

ASSESSMENT = "assessment"
COMMISSION = "commission"
REOPEN = "reopen"
OUTCOME = "outcome"
REVIEWER_KINDS = (COMMISSION, REOPEN, OUTCOME)


def evaluator_items(user: User) -> list[OpenItem]:
    links = selectors.open_links(selectors.links_visible_to(user).filter(commission__cycle__in=live_cycles()))
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


def reviewer_items(user: User) -> list[OpenItem]:
    """Per live year: tasks 待评估 to commission, correction requests of assessments to decide, and tasks recommended
    for promotion that have no outcome yet. These are the counts of the reviewers' stored 工作台 figures
    (``selectors.REVIEWER_FIGURES``: ``pending``, ``reopen``, ``candidates``), read for every live year in one
    query (issue 19: three queries on every visit of the 工作台 and of each evaluation page's default year)."""
    items = []
    for cycle, figures in tallies.read_for(
        live_cycles(), selectors.REVIEWER_FIGURES, selectors.reviewer_figures
    ):
        items += [
            OpenItem(
                year=cycle.year,
                kind=COMMISSION,
                title=_("委托第三方机构评估已报送完成总结的任务"),
                url=with_year(reverse("evaluation:commissions"), cycle.year),
                due=cycle.evaluation_due,
                count=figures["pending"],
            ),
            OpenItem(
                year=cycle.year,
                kind=REOPEN,
                title=_("审核评估机构的评估报告更正申请"),
                url=with_year(reverse("evaluation:assessments"), cycle.year)
                + f"&state={AssessmentState.REOPEN_REQUESTED}",
                count=figures["reopen"],
            ),
            OpenItem(
                year=cycle.year,
                kind=OUTCOME,
                title=_("将评估建议推广的任务整理为可复制推广的改革成果"),
                url=with_year(reverse("evaluation:outcomes"), cycle.year),
                count=figures["candidates"],
            ),
        ]
    return items


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
