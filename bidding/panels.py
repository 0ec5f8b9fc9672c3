"""Dashboard panels: the region's bid set and tasks; for reviewers, bidding and implementation at a glance."""

from django.db.models import Count, Exists, OuterRef, Q

from reform_portal.enums import Role

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
                .select_related("cycle", "drc_signed_by", "scitech_signed_by")
                .annotate(n=Count("bids"))
                .first()
            )
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
        submitted = BidSet.objects.filter(cycle=bid_cycle, state=BidSetState.SUBMITTED).count()
        # one pass over the year's tasks: a task is late when one of its milestones is (EXISTS, not a DISTINCT
        # over the join of every milestone)
        late_milestone = Milestone.objects.filter(task=OuterRef("pk"), status=MilestoneStatus.LATE)
        tasks = Task.objects.filter(cycle=bid_cycle).aggregate(
            n=Count("pk"),
            pending=Count("pk", filter=Q(state=TaskState.PENDING_EVALUATION)),
            late=Count("pk", filter=Q(Exists(late_milestone))),
        )
        return {
            "template": "bidding/panel_reviewer.html",
            "cycle": bid_cycle,
            "submitted": submitted,
            "n_tasks": tasks["n"],
            "pending": tasks["pending"],
            "late": tasks["late"],
            "notices": TaskNotice.objects.filter(cycle=bid_cycle).exclude(pdf="").count(),
        }
    if user.has_role(Role.IMPLEMENTER):
        n = selectors.tasks_visible_to(user).filter(cycle=cycle).count()
        return {"template": "bidding/panel_implementer.html", "n_tasks": n, "year": cycle.year} if n else None
    return None
