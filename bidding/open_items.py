"""The 工作台's open items of stage 3 (``reform_portal.years.register_open_items``), each counted as its page lists it:

- regional staff: the year's bids while the window is open for the region and the bid set is not reported (揭榜);
  tasks whose plan waits (细化方案中) and tasks being implemented (实施中: progress reports, then the summary) —
  揭榜任务 ``?state=``;
- implementers: the tasks naming their organisation that are being implemented;
- reviewers: regions whose reported bids wait for 确认揭榜 after the window closed, regions whose 通知书 is not
  issued (汇总揭榜结果), coordination requests not answered (任务进展)."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from catalog.enums import ListState
from catalog.models import MeasureList
from reform_portal import tallies
from reform_portal.enums import Role, Stage
from reform_portal.models import DeadlineExtension, ReformCycle, User
from reform_portal.prepared import Prepared
from reform_portal.services import local_today
from reform_portal.years import OpenItem, live_cycles, with_year

from . import panels, selectors
from .enums import BidSetState, TaskState
from .models import BidSet

BID_SET = "bid_set"
TASK_PLAN = "task_plan"
TASK_REPORT = "task_report"
AWARD = "award"
NOTICE = "notice"
COORDINATION = "coordination"


def _tasks_url(year: int, state: str) -> str:
    return with_year(reverse("bidding:tasks"), year) + f"&state={state}"


def _task_items(user: User, states: tuple[str, ...]) -> list[OpenItem]:
    """The user's tasks in ``states``, per (year, state), from ``selectors.live_task_counts`` (one query a page)."""
    items = []
    for row in selectors.live_task_counts(user):
        if row.state not in states:
            continue
        if row.state == TaskState.PLANNING:
            items.append(
                OpenItem(
                    year=row.year,
                    kind=TASK_PLAN,
                    title=_("细化揭榜任务的实施方案（时间表、路线图、责任人）并确认"),
                    url=_tasks_url(row.year, TaskState.PLANNING),
                    count=row.n,
                )
            )
        else:
            items.append(
                OpenItem(
                    year=row.year,
                    kind=TASK_REPORT,
                    title=_("推进揭榜任务实施，按期报送进展；里程碑全部完成后报送完成总结"),
                    url=_tasks_url(row.year, TaskState.IN_PROGRESS),
                    due=row.implementation_end,
                    count=row.n,
                )
            )
    return items


def _bid_set_query(region_id: int, today: datetime.date) -> QuerySet[ReformCycle]:
    extension = DeadlineExtension.objects.filter(
        cycle=OuterRef("pk"), region_id=region_id, stage=Stage.BIDDING
    ).values("until")[:1]
    reported = BidSet.objects.filter(cycle=OuterRef("pk"), region_id=region_id, state=BidSetState.SUBMITTED)
    published = MeasureList.objects.filter(cycle=OuterRef("pk"), state=ListState.PUBLISHED)
    return (
        live_cycles()
        .annotate(until=Subquery(extension))
        .filter(Exists(published), ~Exists(reported), bidding_opens__lte=today)
        .filter(Q(bidding_deadline__gte=today) | Q(until__gte=today))
        .order_by("year")
        .values_list("year", "bidding_deadline", "until", "min_bids", named=True)
    )


# compiled once per process (issue 19: building it was most of the query's cost on the 工作台 and 揭榜 pages)
BID_SETS_OPEN = Prepared(_bid_set_query, region_id=int, today=datetime.date)


def bid_set_items(user: User) -> list[OpenItem]:
    """The years whose 揭榜 window is open for the user's region and whose bid set is not reported yet."""
    if not user.region_id:
        return []
    return [
        OpenItem(
            year=cycle.year,
            kind=BID_SET,
            title=_("揭榜：认领%(y)s年度举措清单中不少于%(n)s项改革任务并联合报送")
            % {"y": cycle.year, "n": cycle.min_bids},
            url=with_year(reverse("bidding:bids"), cycle.year),
            due=max(cycle.bidding_deadline, cycle.until or cycle.bidding_deadline),
        )
        for cycle in BID_SETS_OPEN.rows(region_id=user.region_id, today=local_today())
    ]


def region_task_items(user: User) -> list[OpenItem]:
    """The region's tasks whose plan waits (细化方案中) or that are being implemented (实施中)."""
    return _task_items(user, (TaskState.PLANNING, TaskState.IN_PROGRESS))


def implementer_items(user: User) -> list[OpenItem]:
    return _task_items(user, (TaskState.IN_PROGRESS,))


def reviewer_items(user: User) -> list[OpenItem]:
    """Per live year: the regions whose reported bids wait for 确认揭榜 once the window (with its latest extension)
    has closed, the regions with confirmed tasks whose 通知书 is not issued (汇总揭榜结果), and the coordination
    requests not answered (任务进展). Counted from the reviewers' stored figures of each year
    (``panels.REVIEWER_FIGURES``: ``waiting_award``, ``without_notice``, ``unanswered``, ``bidding_until``), read for
    every live year in one query (issue 19: three queries on every visit); only the window's closing is worked
    out here, as it depends on today."""
    today = local_today()
    items = []
    for cycle, figures in tallies.read_for(live_cycles(), panels.REVIEWER_FIGURES, panels.reviewer_figures):
        until = datetime.date.fromisoformat(figures["bidding_until"]) if figures["bidding_until"] else None
        if max(cycle.bidding_deadline, until or cycle.bidding_deadline) < today:
            items.append(
                OpenItem(
                    year=cycle.year,
                    kind=AWARD,
                    title=_("确认揭榜结果：已报送揭榜申报、尚未确认揭榜的地区"),
                    url=with_year(reverse("bidding:matrix"), cycle.year),
                    count=figures["waiting_award"],
                )
            )
        items += [
            OpenItem(
                year=cycle.year,
                kind=NOTICE,
                title=_("下达揭榜任务通知书：已确认揭榜、尚未下达通知书的地区"),
                url=with_year(reverse("bidding:matrix"), cycle.year),
                count=figures["without_notice"],
            ),
            OpenItem(
                year=cycle.year,
                kind=COORDINATION,
                title=_("答复各地提出的协调解决事项"),
                url=with_year(reverse("bidding:progress"), cycle.year),
                count=figures["unanswered"],
            ),
        ]
    return items


# One provider per kind (or per kinds one query counts together): a page that asks for its own kinds runs only
# their queries (issue 19).
PROVIDERS = [
    (Role.REGIONAL_STAFF, bid_set_items, (BID_SET,)),
    (Role.REGIONAL_STAFF, region_task_items, (TASK_PLAN, TASK_REPORT)),
    (Role.IMPLEMENTER, implementer_items, (TASK_REPORT,)),
    (Role.NATIONAL_REVIEWER, reviewer_items, (AWARD, NOTICE, COORDINATION)),
]
