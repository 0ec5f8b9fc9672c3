"""Read querysets of stage 3, already filtered by permission and with what their pages show."""

import datetime
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import ListEntry
from reform_portal import tallies
from reform_portal.enums import CycleState, Role
from reform_portal.models import ReformCycle, Region, User
from reform_portal.permissions import objects_for, read_once_memo
from reform_portal.prepared import Prepared
from reform_portal.years import live_cycles

from . import rules
from .enums import BidSetState, MilestoneStatus
from .models import (
    Bid,
    BidSet,
    CoordinationRequest,
    Milestone,
    MilestoneUpdate,
    ProgressReport,
    ReportAttachment,
    Target,
    TargetActual,
    Task,
    TaskNotice,
    attainment_of,
)


def bid_sets_visible_to(user: User) -> QuerySet[BidSet]:
    """Regional staff: their region's bid set (guardian). Reviewers: every submitted bid set."""
    if user.has_role(Role.NATIONAL_REVIEWER):
        return BidSet.objects.filter(state=BidSetState.SUBMITTED)
    return objects_for(user, rules.VIEW_BIDSET, BidSet)


def tasks_visible_to(user: User) -> QuerySet[Task]:
    """Reviewers: every task. Regional staff: their region's tasks. Implementers: tasks naming their
    organization (guardian grants to the organization's group)."""
    if user.has_role(Role.NATIONAL_REVIEWER):
        return Task.objects.all()
    return objects_for(user, rules.VIEW_TASK, Task)


@dataclass(frozen=True)
class LiveTaskCount:
    cycle_id: int
    year: int
    implementation_end: datetime.date
    state: str
    n: int


def _live_task_counts(tasks: QuerySet[Task]) -> QuerySet[Any, Any]:
    return (
        tasks.filter(cycle__in=live_cycles())
        .values_list("cycle_id", "cycle__year", "cycle__implementation_end", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )


def _granted_live_task_counts(user_id: int) -> QuerySet[Any, Any]:
    # guardian's queryset reads the user's pk and is_superuser only (objects_for)
    return _live_task_counts(objects_for(User(pk=user_id, is_superuser=False), rules.VIEW_TASK, Task))


# compiled once per process (issue 19): the count over guardian's grants was built and compiled on every 工作台
LIVE_TASK_COUNTS_ALL = Prepared(lambda: _live_task_counts(Task.objects.all()))
LIVE_TASK_COUNTS_GRANTED = Prepared(_granted_live_task_counts, user_id=int)


def live_task_counts(user: User) -> list[LiveTaskCount]:
    """How many of the tasks ``user`` may see each live year (``years.live_cycles``) holds in each state: one query,
    read once per page (``read_once_memo``) — the 工作台 asks it for the open items (细化方案中 / 实施中 by year) and
    again for the selected year's panel, each a count over guardian's grants (issue 19)."""
    memo = read_once_memo()
    key = ("bidding.live_task_counts", user.pk)
    if memo is not None and key in memo:
        found: list[LiveTaskCount] = memo[key]
        return found
    if user.has_role(Role.NATIONAL_REVIEWER):
        found_rows = LIVE_TASK_COUNTS_ALL.rows()
    elif user.is_superuser:
        found_rows = list(_live_task_counts(tasks_visible_to(user)))
    else:
        found_rows = LIVE_TASK_COUNTS_GRANTED.rows(user_id=user.pk)
    rows = [LiveTaskCount(*row) for row in found_rows]
    if memo is not None:
        memo[key] = rows
    return rows


def task_counts(user: User, cycle: ReformCycle) -> dict[str, int]:
    """State → how many of ``cycle``'s tasks ``user`` may see; a live year's from ``live_task_counts``."""
    if cycle.state != CycleState.CLOSED:
        return {c.state: c.n for c in live_task_counts(user) if c.cycle_id == cycle.pk}
    return dict(tasks_visible_to(user).filter(cycle=cycle).values_list("state").annotate(n=Count("pk")))


def notices_visible_to(user: User) -> QuerySet[TaskNotice]:
    if user.has_role(Role.NATIONAL_REVIEWER):
        return TaskNotice.objects.all()
    if not user.has_role(Role.REGIONAL_STAFF):
        return TaskNotice.objects.none()
    return objects_for(user, rules.VIEW_NOTICE, TaskNotice)


def bid_page(
    bid_set: BidSet | None, entries: Sequence[ListEntry], *, show_counts: bool
) -> list[dict[str, Any]]:
    """Per entry: the region's own bid (or None; no bid set: a year the region did not bid in) and, after the
    window has closed for every region, how many regions claimed it (submitted bid sets only)."""
    own = {b.entry_id: b for b in bid_set.bids.all()} if bid_set is not None else {}
    counts: dict[int, int] = {}
    if show_counts:
        counts = dict(
            Bid.objects.filter(entry__in=entries, bid_set__state=BidSetState.SUBMITTED)
            .values_list("entry")
            .annotate(n=Count("pk"))
        )
    return [{"entry": e, "bid": own.get(e.pk), "count": counts.get(e.pk, 0)} for e in entries]


@dataclass(frozen=True)
class BidRef:
    """A submitted bid as the matrix needs it: its pk (the checkbox that confirms it)."""

    pk: int


MATRIX_TALLY = "bidding.matrix"


def _matrix_cells(cycle: ReformCycle) -> dict[str, list[list[int]]]:
    """The matrix's cells as stored in its tally: the submitted sets' bids as [region, entry, bid] and the
    awarded [region, entry] pairs. Invalidated by the services that submit, withdraw or award bids (a draft set is not shown)."""
    return {
        "bids": [
            [region_id, entry_id, pk]
            for pk, region_id, entry_id in Bid.objects.filter(
                bid_set__cycle=cycle, bid_set__state=BidSetState.SUBMITTED
            )
            .order_by("pk")
            .values_list("pk", "bid_set__region_id", "entry_id")
        ],
        "awarded": [
            list(pair)
            for pair in Task.objects.filter(cycle=cycle).order_by("pk").values_list("region_id", "entry_id")
        ],
    }


def matrix_cells(cycle: ReformCycle) -> dict[str, list[list[int]]]:
    """The year's stored tally of submitted bids and awards (``_matrix_cells``), computed when stale."""
    cells: dict[str, list[list[int]]] = tallies.read(cycle, MATRIX_TALLY, _matrix_cells)
    return cells


def matrix(cycle: ReformCycle, entries: Sequence[ListEntry]) -> dict[str, Any]:
    """汇总揭榜结果: regions × entries of submitted bid sets, with counts and awards. The cells come from the
    cycle's stored tally (``reform_portal.tallies``: one row read instead of every bid and task of the year) and
    are built from plain ids: at 31 regions × 60 entries loading each bid with its set, region and entry was a
    third of the page's time (issue 19)."""
    stored = matrix_cells(cycle)
    by_cell = {(region_id, entry_id): BidRef(pk) for region_id, entry_id, pk in stored["bids"]}
    awarded = {(region_id, entry_id) for region_id, entry_id in stored["awarded"]}
    per_entry = Counter(entry_id for _region_id, entry_id in by_cell)
    # what the rows print of a region's bid set and letter (its state; the letter's number and file), not their
    # sign-offs and dates: read for each of 31 regions, the rest was a third of these queries' time
    submitted = {bs.region_id: bs for bs in BidSet.objects.filter(cycle=cycle).only("region_id", "state")}
    letters = list(TaskNotice.objects.filter(cycle=cycle).only("region_id", "doc_number", "pdf"))
    notices = {n.region_id: n for n in letters}
    # A region claims a few of the entries: its row starts as the shared empty cells (one dict per entry, read
    # only) and only its claimed cells are made — building every cell (31 × 62 dicts) was the part of the page
    # that grew with the regions (issue 19).
    column = {e.pk: i for i, e in enumerate(entries)}
    empty: list[dict[str, Any]] = [{"entry": e, "bid": None, "awarded": False} for e in entries]
    claimed: dict[int, list[tuple[int, BidRef | None, bool]]] = {}
    for region_id, entry_id in by_cell.keys() | awarded:
        if entry_id in column:
            claimed.setdefault(region_id, []).append(
                (column[entry_id], by_cell.get((region_id, entry_id)), (region_id, entry_id) in awarded)
            )
    rows: list[dict[str, Any]] = []
    for region in Region.objects.filter(active=True).order_by("code"):
        rid = region.pk
        cells = list(empty)
        mine = claimed.get(rid, ())
        for i, ref, is_awarded in mine:
            cells[i] = {"entry": entries[i], "bid": ref, "awarded": is_awarded}
        n = sum(1 for _i, ref, _awarded in mine if ref is not None)
        bid_set = submitted.get(rid)
        rows.append(
            {
                "region": region,
                "cells": cells,
                "n": n,
                "bid_set": bid_set,
                "under_minimum": n < cycle.min_bids,
                "notice": notices.get(rid),
                "n_awarded": sum(1 for _i, _ref, is_awarded in mine if is_awarded),
                "claimed": mine,  # (column, bid, awarded) of the region's claimed cells: the rest are empty
            }
        )
    columns = [{"entry": e, "count": per_entry.get(e.pk, 0)} for e in entries]
    # 下达: the regions with tasks whose letter is not stored (``services.regions_to_notify``), from what is read
    # above; None when one of them is not shown (a region that left the round): the caller asks the database.
    waiting = {region_id for region_id, _entry_id in awarded} - {n.region_id for n in letters if n.pdf}
    shown = [row["region"] for row in rows if row["region"].pk in waiting]
    return {
        "rows": rows,
        "columns": columns,
        "unclaimed": [c["entry"] for c in columns if not c["count"]],
        "to_notify": shown if len(shown) == len(waiting) else None,
    }


def _per_task_count(queryset: QuerySet) -> Coalesce:
    """How many rows of ``queryset`` (milestones, requests…) belong to the outer task: a correlated subquery. The
    task lists counted with ``Count(…, distinct=True)`` over joins of milestones, reports and requests, whose
    product grows with each task's history; a subquery counts each relation on its own and only for the rows
    shown when no sort needs it (issue 19)."""
    return Coalesce(
        Subquery(
            queryset.filter(task=OuterRef("pk"))
            .order_by()
            .values("task")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _last_report() -> Subquery:
    """``Max("reports__period_end")`` of the outer task as a subquery (None without a report)."""
    return Subquery(
        ProgressReport.objects.filter(task=OuterRef("pk")).order_by("-period_end").values("period_end")[:1]
    )


def task_list(user: User) -> QuerySet[Task]:
    return (
        tasks_visible_to(user)
        .select_related("cycle", "region", "entry")
        .annotate(
            n_milestones=_per_task_count(Milestone.objects.all()),
            n_done=_per_task_count(Milestone.objects.filter(status=MilestoneStatus.DONE)),
            last_report=_last_report(),
        )
        .order_by("-cycle__year", "region__code", "entry__position")
    )


def task_visible(user: User, pk: int) -> Task | None:
    """``user``'s task ``pk`` (None when they may not read it) with what its pages print beside it, and no
    relation loaded: the task's page reads its rows with :func:`task_rows`; its documents and forms read the
    relations they use."""
    return (
        tasks_visible_to(user)
        .select_related("cycle", "region", "entry", "bid__bid_set")
        .filter(pk=pk)
        .first()
    )


@dataclass
class TaskRows:
    """What the task's page lists under the task. Each report carries ``actual_rows`` (its target actuals, their
    ``target`` one of ``targets``), ``update_rows`` (milestone updates, their ``milestone`` one of ``milestones``)
    and ``attachment_rows``."""

    entities: list[Any]
    milestones: list[Milestone]
    targets: list[Target]
    reports: list[ProgressReport]
    requests: list[CoordinationRequest]


def task_rows(task: Task) -> TaskRows:
    """The rows of ``task``'s page, one query per kind by the task's (or its reports') key, in the page's order.
    ``prefetch_related`` did the same in as many queries but ≈3 ms slower at national size (issue 19): it builds an
    ``IN`` filter per relation, and the default ordering of milestones, targets and reports (``"task", …``) joined
    the task, its cycle, region and list entry to sort one task's rows; a report's actuals and updates joined
    their target and milestone again, which the page has already read."""
    milestones = list(Milestone.objects.filter(task_id=task.pk).order_by("due_date", "pk"))
    targets = list(Target.objects.filter(task_id=task.pk).order_by("pk"))
    reports = list(
        ProgressReport.objects.filter(task_id=task.pk)
        .select_related("submitted_by")
        .order_by("-period_end", "-pk")
    )
    by_report: dict[int, dict[str, list[Any]]] = {
        r.pk: {"actual_rows": [], "update_rows": [], "attachment_rows": []} for r in reports
    }
    if reports:
        target_of = {t.pk: t for t in targets}
        milestone_of = {m.pk: m for m in milestones}
        for actual in TargetActual.objects.filter(report_id__in=by_report).order_by("pk"):
            actual.target = target_of[actual.target_id]
            by_report[actual.report_id]["actual_rows"].append(actual)
        for update in MilestoneUpdate.objects.filter(report_id__in=by_report).order_by("pk"):
            update.milestone = milestone_of[update.milestone_id]
            by_report[update.report_id]["update_rows"].append(update)
        for attachment in ReportAttachment.objects.filter(report_id__in=by_report).order_by("pk"):
            by_report[attachment.report_id]["attachment_rows"].append(attachment)
    for report in reports:
        for name, rows in by_report[report.pk].items():
            setattr(report, name, rows)
    return TaskRows(
        entities=list(task.entities.all()),
        milestones=milestones,
        targets=targets,
        reports=reports,
        requests=list(
            CoordinationRequest.objects.filter(task_id=task.pk).select_related("raised_by", "answered_by")
        ),
    )


def task_detail(user: User, pk: int) -> Task | None:
    reports = ProgressReport.objects.select_related("submitted_by").prefetch_related(
        Prefetch("actuals", queryset=TargetActual.objects.select_related("target")),
        Prefetch("milestone_updates", queryset=MilestoneUpdate.objects.select_related("milestone")),
        "attachments",
    )
    return (
        tasks_visible_to(user)
        .select_related("cycle", "region", "entry", "bid__bid_set")
        .prefetch_related(
            "entities",
            "milestones",
            "targets",
            Prefetch("reports", queryset=reports),
            Prefetch(
                "coordination_requests",
                queryset=CoordinationRequest.objects.select_related("raised_by", "answered_by"),
            ),
        )
        .filter(pk=pk)
        .first()
    )


def progress_tasks(
    cycle: ReformCycle,
    *,
    region: str = "",
    state: str = "",
    overdue_only: bool = False,
    level: str = "",
    today: datetime.date | None = None,
) -> QuerySet[Task]:
    """The reviewers' progress dashboard: the cycle's tasks (filtered), without per-task figures. ``level``:
    tasks with an implementing entity of that 分层推进 level (省级 / 重点城市 / 试点单位 / 其他)."""
    tasks = Task.objects.filter(cycle=cycle)
    if level:
        tasks = tasks.filter(
            Exists(Task.entities.through.objects.filter(task=OuterRef("pk"), organization__level=level))
        )
    if region:
        tasks = tasks.filter(region__code=region)
    if state:
        tasks = tasks.filter(state=state)
    if overdue_only:
        tasks = tasks.filter(Exists(Milestone.objects.filter(task=OuterRef("pk"), **_overdue(today))))
    return tasks


def _overdue(today: datetime.date | None = None, prefix: str = "") -> dict[str, object]:
    today = today or timezone.localdate()
    open_statuses = [s for s in MilestoneStatus.values if s != MilestoneStatus.DONE]
    return {f"{prefix}due_date__lt": today, f"{prefix}status__in": open_statuses}


def progress_rows(tasks: QuerySet[Task], *, today: datetime.date | None = None) -> QuerySet[Task]:
    """One row per task of ``tasks`` (e.g. ``progress_tasks``) with milestone counts, last report, open
    coordination requests and target attainment: an ordered queryset, figures in a constant number of queries.
    ``with_attainment`` adds the attainment to the rows of one page.

    Only the printed columns are loaded (the task's state, the region's name, the entry's title: not the
    entries' descriptions and goals). The five milestone counts are ``Count(filter=)`` over one join of the
    milestones (a task has a handful) rather than five correlated subqueries, whose building and compiling
    cost ≈2 ms of CPU a request (issue 19); reports and requests, which would multiply the join, stay
    subqueries."""
    milestone = "milestones"
    return (
        tasks.select_related("region", "entry")
        .only("pk", "state", "region__code", "region__name", "entry__position", "entry__title")
        .annotate(
            n_milestones=Count(milestone),
            n_done=Count(milestone, filter=Q(milestones__status=MilestoneStatus.DONE)),
            n_late=Count(milestone, filter=Q(milestones__status=MilestoneStatus.LATE)),
            n_risk=Count(milestone, filter=Q(milestones__status=MilestoneStatus.AT_RISK)),
            n_overdue=Count(milestone, filter=Q(**_overdue(today, "milestones__"))),
            last_report=_last_report(),
            n_open_requests=_per_task_count(CoordinationRequest.objects.filter(answered_at__isnull=True)),
        )
        .order_by("region__code", "entry__position", "pk")
    )


def with_attainment(tasks: Iterable[Task]) -> list[Task]:
    """The tasks with their mean target attainment (None without an actual value): the targets' three values read
    in one query, not the targets loaded as objects (issue 19)."""
    tasks = list(tasks)
    per_task: dict[int, list[float]] = {t.pk: [] for t in tasks}
    # ordered by task_id, not "task": that follows Task's default ordering and joins its cycle, region and entry
    for task_id, baseline, target, latest in (
        Target.objects.filter(task__in=list(per_task), latest_actual__isnull=False)
        .order_by("task_id", "pk")
        .values_list("task_id", "baseline", "target", "latest_actual")
    ):
        per_task[task_id].append(attainment_of(baseline, target, latest))
    for t in tasks:
        values = per_task[t.pk]
        t.attainment = sum(values) / len(values) if values else None
    return tasks


def progress_regions(tasks: QuerySet[Task], *, today: datetime.date | None = None) -> list[dict[str, Any]]:
    """Per region, over every task of ``tasks`` (not only one page): tasks, milestones, done and overdue
    milestones. One aggregate query."""
    rows = list(
        Task.objects.filter(pk__in=tasks.values("pk"))
        .values("region_id", "region__code", "region__name", "region__active")
        .annotate(
            n_tasks=Count("pk", distinct=True),
            n_milestones=Count("milestones", distinct=True),
            n_done=Count("milestones", filter=Q(milestones__status=MilestoneStatus.DONE), distinct=True),
            n_overdue=Count("milestones", filter=Q(**_overdue(today, "milestones__")), distinct=True),
        )
        .order_by("region__code")
    )
    return [
        {
            # the region read in the same query (its whole row: id, code, name, active)
            "region": Region(
                pk=r["region_id"], code=r["region__code"], name=r["region__name"], active=r["region__active"]
            ),
            "tasks": r["n_tasks"],
            "milestones": r["n_milestones"],
            "done": r["n_done"],
            "overdue": r["n_overdue"],
        }
        for r in rows
    ]


PROGRESS_REGIONS = "bidding.progress_regions.1"  # a new name when the stored shape changes


def progress_region_figures(cycle: ReformCycle) -> dict[str, list[list[Any]]]:
    """What ``stored_progress_regions`` reads, stored per cycle (``PROGRESS_REGIONS``; issue 19): per region with
    tasks in ``cycle`` (by code), ``[id, code, name, active, tasks, milestones, done milestones, due dates of the
    milestones not done]`` (ISO dates, sorted: the overdue ones are counted on reading, so the stored figures do
    not depend on the day); and the active regions' ``[code, name]`` (the page's 地区 filter). Invalidated by a
    change of a task, a milestone or a region (``watch_progress_regions``)."""
    open_statuses = [s for s in MilestoneStatus.values if s != MilestoneStatus.DONE]
    due: dict[int, list[str]] = {}
    for region_id, due_date in (
        Milestone.objects.filter(task__cycle=cycle, status__in=open_statuses)
        .order_by("due_date", "pk")
        .values_list("task__region_id", "due_date")
    ):
        due.setdefault(region_id, []).append(due_date.isoformat())
    rows = (
        Task.objects.filter(cycle=cycle)
        .values("region_id", "region__code", "region__name", "region__active")
        .annotate(
            n_tasks=Count("pk", distinct=True),
            n_milestones=Count("milestones"),
            n_done=Count("milestones", filter=Q(milestones__status=MilestoneStatus.DONE)),
        )
        .order_by("region__code")
    )
    return {
        "regions": [
            [
                r["region_id"],
                r["region__code"],
                r["region__name"],
                r["region__active"],
                r["n_tasks"],
                r["n_milestones"],
                r["n_done"],
                due.get(r["region_id"], []),
            ]
            for r in rows
        ],
        "active": [
            [code, name]
            for code, name in Region.objects.filter(active=True).order_by("code").values_list("code", "name")
        ],
    }


def stored_progress_regions(
    cycle: ReformCycle, *, region: str = "", today: datetime.date | None = None
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """``progress_regions(progress_tasks(cycle, region=region))`` read from the stored figures (one query, none
    when the page read them already), and the active regions' ``(code, name)``, by code. The state, level and
    overdue filters are not stored: ``progress_regions`` counts those."""
    data = tallies.read(cycle, PROGRESS_REGIONS, progress_region_figures)
    today_iso = (today or timezone.localdate()).isoformat()
    rows = [
        {
            "region": Region(pk=region_id, code=code, name=name, active=active),
            "tasks": n_tasks,
            "milestones": n_milestones,
            "done": n_done,
            "overdue": bisect_left(due, today_iso),  # the open milestones due before today
        }
        for region_id, code, name, active, n_tasks, n_milestones, n_done, due in data["regions"]
        if not region or code == region
    ]
    return rows, [(code, name) for code, name in data["active"]]


def watch_progress_regions() -> None:
    """Invalidate ``PROGRESS_REGIONS`` of a cycle when what it reads changes (called from ``ready``): its tasks,
    their milestones; a region (its name, code or 参与本轮改革) every cycle's."""
    tallies.invalidate_on_change(PROGRESS_REGIONS, Task, lambda row: row.cycle_id)
    tallies.invalidate_on_change(PROGRESS_REGIONS, Milestone, tallies.parent_cycle(Task, "task"))
    tallies.invalidate_on_change(PROGRESS_REGIONS, Region, lambda row: None)


def overdue_of(milestones: Iterable[Milestone], today: datetime.date | None = None) -> list[Milestone]:
    today = today or timezone.localdate()
    return [m for m in milestones if m.due_date < today and m.status != MilestoneStatus.DONE]


def typed_entity_names(region_id: int) -> list[tuple[str, str]]:
    """The 拟定实施主体 typed in the region's 揭榜 (one name a line), with where: the library page offers them."""
    rows = (
        Bid.objects.filter(bid_set__region_id=region_id)
        .exclude(entity_names="")
        .select_related("bid_set__cycle", "entry")
        .order_by("-bid_set__cycle__year", "entry__position", "pk")
    )
    return [
        (line.strip(), f"{b.bid_set.cycle.year}年度揭榜：{b.entry.number} {b.entry.title}")
        for b in rows
        for line in b.entity_names.splitlines()
        if line.strip()
    ]


def awaits_award(row: dict[str, Any]) -> bool:
    """A row of ``matrix``: the region reported its bids and none is confirmed yet (确认揭榜 waits)."""
    bid_set = row["bid_set"]
    return bid_set is not None and bid_set.state == BidSetState.SUBMITTED and row["n_awarded"] == 0
