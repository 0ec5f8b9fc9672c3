"""Read querysets of stage 4, already filtered by permission."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet

from bidding.enums import TaskState
from bidding.models import Milestone, ProgressReport, ReportAttachment, Target, Task
from reform_portal import tallies
from reform_portal.enums import OrgKind
from reform_portal.models import Organization, ReformCycle, Region, User
from reform_portal.permissions import objects_for, read_once_memo
from reform_portal.selectors import row_count

from . import rules
from .enums import GRADE_POINTS, AssessmentState, CommissionState, Grade, OutcomeState
from .models import Assessment, Commission, Incentive, Outcome

if TYPE_CHECKING:
    # The through model Django creates for Commission.tasks (django-stubs gives it the same name).
    from .models import Commission_tasks

SUBMITTED = [AssessmentState.SUBMITTED, AssessmentState.REOPEN_REQUESTED]


def evaluation_agencies() -> QuerySet[Organization]:
    return Organization.objects.filter(kind=OrgKind.EVALUATOR).select_related("region").order_by("name")


def pending_tasks(cycle: ReformCycle) -> QuerySet[Task]:
    """Tasks in 待评估 with what the independence check needs."""
    return (
        Task.objects.filter(cycle=cycle, state=TaskState.PENDING_EVALUATION)
        .select_related("region", "entry")
        .prefetch_related("entities")
        .order_by("region__code", "entry__position")
    )


# the page read's memo of an evaluator's commission keys
VISIBLE_COMMISSIONS = "evaluation.visible_commissions"


def commissions_visible_to(user: User) -> QuerySet[Commission]:
    """Reviewers: every commission. Evaluators: those granted to their agency's group. Others: none."""
    if rules.is_reviewer(user):
        qs = Commission.objects.all()
    elif rules.is_evaluator(user):
        qs = (
            objects_for(user, rules.VIEW_COMMISSION, Commission)
            .filter(agency_id=user.organization_id)
            .exclude(state=CommissionState.WITHDRAWN)
        )
        memo = read_once_memo()
        if memo is not None:
            # A page read (GET): the agency's commissions are read once (a handful per year) and the page's
            # queries filter by their keys, instead of each carrying guardian's permission subqueries — three
            # queries on the 受托评估任务 page, each planned with them (issue 19).
            key = (VISIBLE_COMMISSIONS, user.pk)
            if key not in memo:
                memo[key] = list(qs.values_list("pk", flat=True))
            qs = Commission.objects.filter(pk__in=memo[key])
    else:
        return Commission.objects.none()
    return qs


def commission_list(user: User, cycle: ReformCycle) -> QuerySet[Commission]:
    """The cycle's commissions with ``n_tasks`` and ``n_done`` (submitted assessments), oldest first.

    The two figures are counted in subqueries: counting both over one join multiplied every task by every
    assessment (6,627 rows for 3 commissions at 31 regions, issue 19), and that GROUP BY also dropped the model's
    ordering, so the rows came in the aggregate's order — by pk. That order is now explicit."""
    tasks = Task.objects.select_related("region", "entry", "assessment").order_by(
        "region__code", "entry__position"
    )
    return (
        commissions_visible_to(user)
        .filter(cycle=cycle)
        .select_related("agency", "created_by")
        .prefetch_related(Prefetch("tasks", queryset=tasks))
        .annotate(
            n_tasks=row_count(Commission.tasks.through.objects.filter(commission_id=OuterRef("pk"))),
            n_done=row_count(Assessment.objects.filter(commission_id=OuterRef("pk"), state__in=SUBMITTED)),
        )
        .order_by("pk")
    )


def commission_task_labels(commission_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]:
    """Per commission, its tasks as (region name, list entry title), in ``commission_list``'s task order: only
    the two printed texts, not every task with its region, entry and assessment."""
    labels: defaultdict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = (
        Commission.tasks.through.objects.filter(commission_id__in=list(commission_ids))
        .order_by("task__region__code", "task__entry__position", "task_id")
        .values_list("commission_id", "task__region__name", "task__entry__title")
    )
    for commission_id, region, title in rows:
        labels[commission_id].append((region, title))
    return labels


def commission_detail(user: User, pk: int) -> Commission | None:
    return commission_list_all(user).filter(pk=pk).first()


def commission_list_all(user: User) -> QuerySet[Commission]:
    tasks = Task.objects.select_related("region", "entry", "assessment").order_by(
        "region__code", "entry__position"
    )
    return (
        commissions_visible_to(user)
        .select_related("agency", "created_by", "cycle")
        .prefetch_related(Prefetch("tasks", queryset=tasks))
    )


def tasks_visible_to(user: User) -> QuerySet[Task]:
    """Tasks the user may read in this app: reviewers every commissioned or pending task; evaluators
    only tasks in a commission to their agency."""
    if rules.is_reviewer(user):
        return Task.objects.filter(
            state__in=[TaskState.PENDING_EVALUATION, TaskState.EVALUATING, TaskState.EVALUATED]
        )
    if rules.is_evaluator(user):
        return Task.objects.filter(commissions__in=commissions_visible_to(user)).distinct()
    return Task.objects.none()


def assignments(user: User, cycle: ReformCycle | None = None) -> list[dict[str, Any]]:
    """The evaluator's tasks, one row per (commission, task), with the assessment if any."""
    commissions = commissions_visible_to(user)
    if cycle is not None:
        commissions = commissions.filter(cycle=cycle)
    commissions = commissions.select_related("agency").prefetch_related(
        Prefetch(
            "tasks",
            queryset=Task.objects.select_related("region", "entry", "assessment").order_by(
                "region__code", "entry__position"
            ),
        )
    )
    rows = []
    for commission in commissions.order_by("due_date", "pk"):
        for task in commission.tasks.all():
            assessment = getattr(task, "assessment", None)
            rows.append({"commission": commission, "task": task, "assessment": assessment})
    return rows


def assignment_figures(user: User, cycle: ReformCycle) -> dict[str, Any]:
    """The evaluator's (commission, task) links of ``cycle`` counted as the 工作台 prints them: ``total``, ``open``
    (no assessment yet, or 填写中), ``submitted`` and ``due``, the earliest due date of an open one (None when
    nothing is open): one query."""
    open_ = Q(task__assessment__isnull=True) | Q(task__assessment__state=AssessmentState.DRAFT)
    return Commission.tasks.through.objects.filter(
        commission__in=commissions_visible_to(user).filter(cycle=cycle)
    ).aggregate(
        total=Count("pk"),
        open=Count("pk", filter=open_),
        submitted=Count("pk", filter=Q(task__assessment__state__in=SUBMITTED)),
        due=Min("commission__due_date", filter=open_),
    )


def links_visible_to(user: User) -> QuerySet[Commission_tasks]:
    """The (commission, task) links of ``commissions_visible_to(user)``. In a page read the commissions' keys are
    a list read once: ``commission_id IN (…)`` on the links' own column lets PostgreSQL start from the index of
    the evaluator's few links — the 受托评估任务 page plans its joins as written (``planning.joins_as_written``),
    and a subquery on the commissions made it scan every year's links first (issue 19: growing with the data)."""
    visible = commissions_visible_to(user)  # in a page read, an evaluator's keys are in the memo after this
    memo = read_once_memo()
    keys = None if memo is None else memo.get((VISIBLE_COMMISSIONS, user.pk))
    return Commission.tasks.through.objects.filter(commission_id__in=keys if keys is not None else visible)


def assignment_links(user: User) -> QuerySet[Commission_tasks]:
    """The evaluator's tasks as (commission, task) links with the assessment if any: a queryset to page through,
    ordered like ``assignments``."""
    return (
        links_visible_to(user)
        .select_related("commission__agency", "task__region", "task__entry", "task__assessment")
        .order_by(
            "commission__due_date", "commission_id", "task__region__code", "task__entry__position", "pk"
        )
    )


def open_links(links: QuerySet[Commission_tasks]) -> QuerySet[Commission_tasks]:
    """Of ``links`` (see ``assignment_links``), those whose assessment is still to be written or finished (no
    assessment yet, or 填写中): the evaluator's 待提交. Written as "no assessment of the task past 填写中" on the
    link's own ``task_id``: joining the task and its assessment to filter made the count's plan (and its planning
    time, paid on every 受托评估任务 visit) grow with the evaluator's tasks (issue 19)."""
    return links.exclude(
        Exists(Assessment.objects.filter(task_id=OuterRef("task_id")).exclude(state=AssessmentState.DRAFT))
    )


def assignment_rows(links: Iterable[Commission_tasks]) -> list[dict[str, Any]]:
    """Rows of the assignments page for ``links`` (one page of ``assignment_links``)."""
    return [
        {
            "commission": link.commission,
            "task": link.task,
            "assessment": getattr(link.task, "assessment", None),
        }
        for link in links
    ]


def task_dossier(user: User, pk: int) -> Task | None:
    """The task with its plan, targets, reports (with attachments) and summary, or None if not visible."""
    reports = ProgressReport.objects.select_related("submitted_by").prefetch_related(
        Prefetch("attachments", queryset=ReportAttachment.objects.order_by("pk")),
        "actuals__target",
        "milestone_updates__milestone",
    )
    return (
        tasks_visible_to(user)
        .select_related("region", "entry", "cycle", "awarded_by")
        .prefetch_related(
            "entities",
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_date")),
            Prefetch("targets", queryset=Target.objects.order_by("pk")),
            Prefetch("reports", queryset=reports),
            "commissions__agency",
        )
        .filter(pk=pk)
        .first()
    )


def commission_of(user: User, task: Task) -> Commission | None:
    """The commission through which ``user`` reaches ``task`` (evaluators), else the task's latest one."""
    return commissions_visible_to(user).filter(tasks=task).select_related("agency").order_by("-pk").first()


def report_attachment_for(user: User, pk: int) -> ReportAttachment | None:
    return (
        ReportAttachment.objects.select_related("report__task")
        .filter(report__task__in=tasks_visible_to(user), pk=pk)
        .first()
    )


def assessments_visible_to(user: User) -> QuerySet[Assessment]:
    if rules.is_reviewer(user):
        return Assessment.objects.all()
    if rules.is_evaluator(user):
        return Assessment.objects.filter(commission__in=commissions_visible_to(user))
    return Assessment.objects.none()


def assessment_detail(user: User, pk: int) -> Assessment | None:
    return (
        assessments_visible_to(user)
        .select_related(
            "task__region",
            "task__entry",
            "task__cycle",
            "commission__agency",
            "submitted_by",
            "reopen_requested_by",
        )
        .filter(pk=pk)
        .first()
    )


def assessment_list(
    cycle: ReformCycle, *, grade: str = "", recommended: str = "", state: str = ""
) -> QuerySet[Assessment]:
    qs = Assessment.objects.filter(task__cycle=cycle).select_related(
        "task__region", "task__entry", "commission__agency", "task__outcome"
    )
    if state:
        qs = qs.filter(state=state)
    if grade:
        qs = qs.filter(grade=grade)
    if recommended == "1":
        qs = qs.filter(recommend_promotion=True, state__in=SUBMITTED)
    return qs.order_by("task__region__code", "task__entry__position", "pk")


# ---- outcomes ----------------------------------------------------------------------------------


def published_outcomes(
    *, q: str = "", area: str = "", region: str = "", year: int | str = ""
) -> QuerySet[Outcome]:
    qs = Outcome.objects.filter(state=OutcomeState.PUBLISHED).select_related("region", "cycle")
    if q:
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(summary__icontains=q)
            | Q(problem_solved__icontains=q)
            | Q(how_to_replicate__icontains=q)
        )
    if area:
        qs = qs.filter(area=area)
    if region:
        qs = qs.filter(region__code=region)
    if year:
        qs = qs.filter(cycle__year=year)
    return qs.order_by("-published_at", "-pk")


def outcome_list(cycle: ReformCycle) -> QuerySet[Outcome]:
    return Outcome.objects.filter(cycle=cycle).select_related("region", "task__entry", "published_by")


def outcome_candidates(cycle: ReformCycle | None) -> QuerySet[Task]:
    """Tasks (of ``cycle``; of every year when None) whose submitted assessment recommends promotion and that have
    no outcome yet: 待整理."""
    tasks = Task.objects.all() if cycle is None else Task.objects.filter(cycle=cycle)
    return (
        tasks.filter(
            assessment__state__in=SUBMITTED,
            assessment__recommend_promotion=True,
            outcome__isnull=True,
        )
        .select_related("region", "entry", "assessment")
        .order_by("region__code", "entry__position")
    )


REVIEWER_FIGURES = "evaluation.reviewer_figures"


def reviewer_figures(cycle: ReformCycle) -> dict[str, int]:
    """The reviewers' 工作台 figures of ``cycle`` in one query (issue 19: it was six): its tasks 待评估, 评估中 and
    已评估, the assessments whose correction is requested, the outcome candidates (``outcome_candidates``) and
    the published outcomes. The 工作台 reads them stored per cycle (``REVIEWER_FIGURES``, DECISIONS §19: the
    query cost ≈2.6 ms on every visit); a change of a task, an assessment or an outcome invalidates them
    (``watch_reviewer_figures``)."""
    tasks = Task.objects.filter(cycle=OuterRef("pk"))
    return (
        ReformCycle.objects.filter(pk=cycle.pk)
        .annotate(
            pending=row_count(tasks.filter(state=TaskState.PENDING_EVALUATION)),
            evaluating=row_count(tasks.filter(state=TaskState.EVALUATING)),
            evaluated=row_count(tasks.filter(state=TaskState.EVALUATED)),
            reopen=row_count(
                Assessment.objects.filter(task__cycle=OuterRef("pk"), state=AssessmentState.REOPEN_REQUESTED)
            ),
            candidates=row_count(outcome_candidates(None).filter(cycle=OuterRef("pk"))),
            published=row_count(Outcome.objects.filter(cycle=OuterRef("pk"), state=OutcomeState.PUBLISHED)),
        )
        .values("pending", "evaluating", "evaluated", "reopen", "candidates", "published")
        .get()
    )


def incentive_list(cycle: ReformCycle) -> QuerySet[Incentive]:
    return (
        Incentive.objects.filter(cycle=cycle)
        .order_by("-granted_at", "-pk")
        .select_related("region", "organization", "granted_by")
        .prefetch_related(Prefetch("tasks", queryset=Task.objects.select_related("region", "entry")))
    )


# ---- yearly results ----------------------------------------------------------------------------

COMPLETED_GRADES = [Grade.EXCELLENT, Grade.GOOD, Grade.PASS]


PUBLISHED = (
    "published"  # the results table's state once 公布评估结果 was pressed (evaluation.transitions.RESULTS)
)


def results_published(cycle: ReformCycle) -> bool:
    """The year's results are public (issue 17 §10): the reviewers pressed 公布评估结果 and have not withdrawn it."""
    return cycle.results_state == PUBLISHED


def published_result_years() -> list[int]:
    return list(ReformCycle.objects.filter(results_state=PUBLISHED).values_list("year", flat=True).order_by())


RANKING = "evaluation.ranking"


def _ranking_counts(cycle: ReformCycle) -> list[list[Any]]:
    """What the ranking counts per region, stored as the year's tally ``RANKING``: ``[region_id, tasks,
    completed, evaluated, points, outcomes, {grade: n}]`` for each region with tasks or outcomes in the cycle."""
    per_region: defaultdict[int, dict[str, Any]] = defaultdict(
        lambda: {
            "tasks": 0,
            "completed": 0,
            "evaluated": 0,
            "points": 0,
            "outcomes": 0,
            "grades": dict.fromkeys(Grade.values, 0),
        }
    )
    rows = (
        Task.objects.filter(cycle=cycle)
        .values("region_id", "assessment__state", "assessment__grade")
        .order_by()
    )
    for row in rows:
        r = per_region[row["region_id"]]
        r["tasks"] += 1
        grade = row["assessment__grade"]
        if row["assessment__state"] in SUBMITTED and grade:
            r["evaluated"] += 1
            r["points"] += GRADE_POINTS[Grade(grade)]
            r["grades"][grade] += 1
            if grade in COMPLETED_GRADES:
                r["completed"] += 1
    for region_id, n in (
        Outcome.objects.filter(cycle=cycle, state=OutcomeState.PUBLISHED)
        .values_list("region_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        per_region[region_id]["outcomes"] = n
    return [
        [region_id, r["tasks"], r["completed"], r["evaluated"], r["points"], r["outcomes"], r["grades"]]
        for region_id, r in sorted(per_region.items())
    ]


def ranking(cycle: ReformCycle) -> list[dict[str, Any]]:
    """One row per region with tasks in the cycle:
    - tasks: tasks awarded; completed: tasks whose submitted assessment is 合格 or better;
    - evaluated: tasks with a submitted assessment; average grade over those (优秀=4 … 不合格=1);
    - outcomes: published outcomes from the region's tasks of this cycle.
    Ordered by completed, then average grade, then outcomes (all descending), then region code.

    The counts are the year's stored tally (``RANKING``, invalidated by every change of a task, an assessment or
    an outcome: ``watch_reviewer_figures``): counting every task of the year on each visit of the results page
    and each download of its workbook grew with the regions (issue 19). The regions are read as they are now."""
    counts = tallies.read(cycle, RANKING, _ranking_counts)
    regions = Region.objects.in_bulk([row[0] for row in counts])
    out = []
    # every counted region is in ``regions``: its tasks and outcomes protect it from deletion
    for region_id, tasks, completed, evaluated, points, outcomes, grades in counts:
        avg = (
            (Decimal(points) / evaluated).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            if evaluated
            else None
        )
        out.append(
            {
                "region": regions[region_id],
                "tasks": tasks,
                "completed": completed,
                "evaluated": evaluated,
                "average_grade": avg,
                "outcomes": outcomes,
                "grades": grades,
            }
        )
    out.sort(key=lambda x: (-x["completed"], -(x["average_grade"] or 0), -x["outcomes"], x["region"].code))
    for i, placed in enumerate(out, start=1):
        placed["rank"] = i
    return out


def bar_chart(
    rows: Sequence[Mapping[str, Any]],
    *,
    key: str,
    label_width: int = 90,
    bar_height: int = 22,
    gap: int = 6,
    width: int = 560,
) -> dict[str, Any]:
    """A horizontal bar chart as plain numbers for an inline SVG (no JavaScript, no CDN)."""
    values = [float(row[key] or 0) for row in rows]
    top = max(values) if values and max(values) > 0 else 1
    plot = width - label_width - 60
    bars = []
    for i, (row, value) in enumerate(zip(rows, values, strict=True)):
        y = i * (bar_height + gap)
        w = round(plot * value / top, 1)
        bars.append(
            {
                "label": row["region"].name,
                "value": row[key] if row[key] is not None else "—",
                "y": y,
                "text_y": y + bar_height * 0.7,
                "width": w,
                "value_x": label_width + w + 6,
            }
        )
    return {
        "bars": bars,
        "width": width,
        "height": max(len(rows), 1) * (bar_height + gap),
        "label_width": label_width,
        "label_x": label_width - 6,
        "bar_height": bar_height,
    }


def watch_reviewer_figures() -> None:
    """Invalidate ``REVIEWER_FIGURES`` and ``RANKING`` of a cycle when what they count changes (called from
    ``ready``): both count the year's tasks, their assessments and its outcomes."""
    keys = (REVIEWER_FIGURES, RANKING)
    tallies.invalidate_on_change(keys, Task, lambda row: row.cycle_id)
    tallies.invalidate_on_change(keys, Outcome, lambda row: row.cycle_id)
    tallies.invalidate_on_change(keys, Assessment, tallies.parent_cycle(Task, "task"))
