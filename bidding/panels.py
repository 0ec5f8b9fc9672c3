"""Dashboard panels: the region's bid set and tasks; for reviewers, bidding and implementation at a glance."""

from typing import Any

from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from reform_portal import tallies
from reform_portal.enums import Role, Stage
from reform_portal.models import DeadlineExtension, ReformCycle, Region
from reform_portal.selectors import row_count

from . import selectors, services
from .enums import BidSetState, MilestoneStatus, TaskState
from .models import BidSet, CoordinationRequest, Milestone, Task, TaskNotice


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
        counts = selectors.task_counts(user, cycle)  # the open items' query when the year is live
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
        n = sum(selectors.task_counts(user, cycle).values())
        return {"template": "bidding/panel_implementer.html", "n_tasks": n, "year": cycle.year} if n else None
    return None


REVIEWER_FIGURES = "bidding.reviewer_figures.2"  # a new name when the stored shape changes


def reviewer_figures(cycle: ReformCycle) -> dict[str, Any]:
    """The reviewers' figures of ``cycle``: for the 工作台 panel, bid sets submitted, tasks, tasks 待评估, tasks
    with a late milestone, 通知书 issued; for their open items (``open_items.reviewer_items``), the active regions
    whose reported bid set has no task yet (``waiting_award``), the regions with tasks whose 通知书 is not stored
    (``without_notice``), coordination requests not answered (``unanswered``) and the latest 揭榜 extension
    (``bidding_until``, ISO date or None). Stored per cycle (``REVIEWER_FIGURES``; issue 19, DECISIONS §19):
    counted on every visit these subqueries cost ≈2.5 ms on the 工作台 and one query per open-item kind; a change of
    what they count invalidates them (``watch_reviewer_figures``)."""
    # a task is late when one of its milestones is (EXISTS, not a DISTINCT over the join of every milestone)
    tasks = Task.objects.filter(cycle=OuterRef("pk"))
    awarded = Task.objects.filter(cycle=OuterRef("cycle"), region=OuterRef("region"))
    stored_notice = TaskNotice.objects.filter(cycle=OuterRef("cycle"), region=OuterRef("region")).exclude(
        pdf=""
    )
    figures: dict[str, Any] = (
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
            waiting_award=row_count(
                BidSet.objects.filter(
                    cycle=OuterRef("pk"), state=BidSetState.SUBMITTED, region__active=True
                ).exclude(Exists(awarded))
            ),
            without_notice=Coalesce(
                Subquery(
                    Task.objects.filter(cycle=OuterRef("pk"))
                    .exclude(Exists(stored_notice))
                    .order_by()
                    .annotate(
                        n=Func(F("region"), function="COUNT", template="COUNT(DISTINCT %(expressions)s)")
                    )
                    .values("n"),
                    output_field=IntegerField(),
                ),
                0,
            ),
            unanswered=row_count(
                CoordinationRequest.objects.filter(task__cycle=OuterRef("pk"), answered_at__isnull=True)
            ),
            bidding_until=Subquery(
                DeadlineExtension.objects.filter(cycle=OuterRef("pk"), stage=Stage.BIDDING)
                .order_by("-until")
                .values("until")[:1]
            ),
        )
        .values(
            "submitted",
            "n_tasks",
            "pending",
            "late",
            "n_notices",
            "waiting_award",
            "without_notice",
            "unanswered",
            "bidding_until",
        )
        .get()
    )
    until = figures["bidding_until"]
    figures["bidding_until"] = until.isoformat() if until is not None else None
    return figures


def watch_reviewer_figures() -> None:
    """Invalidate ``REVIEWER_FIGURES`` of a cycle when what it counts changes (called from ``ready``)."""
    for model in (BidSet, Task, TaskNotice, DeadlineExtension):
        tallies.invalidate_on_change(REVIEWER_FIGURES, model, lambda row: row.cycle_id)
    for model in (Milestone, CoordinationRequest):
        tallies.invalidate_on_change(REVIEWER_FIGURES, model, tallies.parent_cycle(Task, "task"))
    tallies.invalidate_on_change(
        REVIEWER_FIGURES, Region, lambda row: None
    )  # 参与本轮改革 (active): every year
