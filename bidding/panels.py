"""Dashboard panels: the region's bid set and tasks; for reviewers, bidding and implementation at a glance."""

from django.db.models import Count, Exists, OuterRef

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
        # the year's figures in one query (issue 19: four); a task is late when one of its milestones is (EXISTS,
        # not a DISTINCT over the join of every milestone)
        tasks = Task.objects.filter(cycle=OuterRef("pk"))
        figures = (
            ReformCycle.objects.filter(pk=bid_cycle.pk)
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
        return {"template": "bidding/panel_reviewer.html", "cycle": bid_cycle, **figures}
    if user.has_role(Role.IMPLEMENTER):
        n = selectors.tasks_visible_to(user).filter(cycle=cycle).count()
        return {"template": "bidding/panel_implementer.html", "n_tasks": n, "year": cycle.year} if n else None
    return None
