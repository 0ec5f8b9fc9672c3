"""Dashboard panels: the region's bid set and tasks; for reviewers, bidding and implementation at a glance."""

from django.db.models import Count, Exists, OuterRef

from reform_portal import tallies
from reform_portal.enums import Role
from reform_portal.models import ReformCycle
from reform_portal.selectors import row_count

from . import selectors, services
from .enums import BidSetState, MilestoneStatus, TaskState
from .models import BidSet, Milestone, Task, TaskNotice


def bidding_panel(*, user, cycle, stage):
    """The dashboard's year (``cycle``) when its list is published; tasks of that year."""
    bid_cycle = cycle if services.published_list(cycle) is not None else None
    if user.has_role(Role.REGIONAL_STAFF) and user.region_id:
        bid_set = None
        if bid_cycle is not None:
            bid_set = (
                BidSet.objects.filter(cycle=bid_cycle, region_id=user.region_id)
                .annotate(n=Count("bids"))
                .first()
            )  # its state and count only: no join of the cycle (known) or the signers (issue 19)
            if bid_set is not None:
                bid_set.cycle = bid_cycle
        counts = dict(
            selectors.tasks_visible_to(user).filter(cycle=cycle).values_list("state").annotate(n=Count("pk"))
        )
        if bid_cycle is None and not counts:
            return None
        return {
            "template": "bidding/panel_region.html",
            "cycle": bid_cycle,
            "bid_set": bid_set,
            "task_counts": [(label, counts[v]) for v, label in TaskState.choices if counts.get(v)],
            "n_tasks": sum(counts.values()),
            "year": cycle.year,
        }
    if user.has_role(Role.NATIONAL_REVIEWER):
        if bid_cycle is None:
            return None
        figures = tallies.read(bid_cycle, REVIEWER_FIGURES, reviewer_figures)
        return {"template": "bidding/panel_reviewer.html", "cycle": bid_cycle, **figures}
    if user.has_role(Role.IMPLEMENTER):
        n = selectors.tasks_visible_to(user).filter(cycle=cycle).count()
        return {"template": "bidding/panel_implementer.html", "n_tasks": n, "year": cycle.year} if n else None
    return None


REVIEWER_FIGURES = "bidding.reviewer_figures"


def reviewer_figures(cycle: ReformCycle) -> dict[str, int]:
    """The reviewers' 工作台 figures of ``cycle``: bid sets submitted, tasks, tasks 待评估, tasks with a late
    milestone, 通知书 issued. Stored per cycle (``REVIEWER_FIGURES``; issue 19, DECISIONS §19): the query of five
    counting subqueries cost ≈2.5 ms on every visit of the 工作台; a change of a bid set, task, milestone or
    通知书 invalidates it (``watch_reviewer_figures``)."""
    # a task is late when one of its milestones is (EXISTS, not a DISTINCT over the join of every milestone)
    tasks = Task.objects.filter(cycle=OuterRef("pk"))
    figures: dict[str, int] = (
        ReformCycle.objects.filter(pk=cycle.pk)
        .annotate(
            submitted=row_count(BidSet.objects.filter(cycle=OuterRef("pk"), state=BidSetState.SUBMITTED)),
            n_tasks=row_count(tasks),
            pending=row_count(tasks.filter(state=TaskState.PENDING_EVALUATION)),
            late=row_count(
                tasks.filter(
                    Exists(Milestone.objects.filter(task=OuterRef("pk"), status=MilestoneStatus.LATE))
                )
            ),
            n_notices=row_count(TaskNotice.objects.filter(cycle=OuterRef("pk")).exclude(pdf="")),
        )
        .values("submitted", "n_tasks", "pending", "late", "n_notices")
        .get()
    )
    return figures


def task_cycle(task_id: int | None) -> int | None:
    """The cycle of task ``task_id`` (None when it is gone)."""
    return Task.objects.filter(pk=task_id).values_list("cycle_id", flat=True).first() if task_id else None


def watch_reviewer_figures() -> None:
    """Invalidate ``REVIEWER_FIGURES`` of a cycle when what it counts changes (called from ``ready``)."""
    for model in (BidSet, Task, TaskNotice):
        tallies.invalidate_on_change(REVIEWER_FIGURES, model, lambda row: row.cycle_id)
    tallies.invalidate_on_change(REVIEWER_FIGURES, Milestone, lambda row: task_cycle(row.task_id))
