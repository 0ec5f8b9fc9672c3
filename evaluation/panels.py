"""Dashboard panels: the evaluator's commissioned tasks; the reviewer's evaluation pipeline."""

from django.db.models import Count

from bidding.enums import TaskState
from bidding.models import Task

from . import rules, selectors
from .enums import AssessmentState, OutcomeState
from .models import Assessment, Outcome


def evaluation_panel(*, user, cycle, stage):
    if rules.is_evaluator(user):
        rows = selectors.assignments(user, cycle)
        states = [r["assessment"].state if r["assessment"] else "" for r in rows]
        due = min(
            (
                r["commission"].due_date
                for r in rows
                if not r["assessment"] or r["assessment"].state == AssessmentState.DRAFT
            ),
            default=None,
        )
        return {
            "template": "evaluation/panel_evaluator.html",
            "cycle": cycle,
            "total": len(rows),
            "open": sum(1 for s in states if s in ("", AssessmentState.DRAFT)),
            "submitted": sum(1 for s in states if s in selectors.SUBMITTED),
            "due": due,
        }
    if rules.is_reviewer(user):
        tasks = dict(Task.objects.filter(cycle=cycle).values_list("state").annotate(n=Count("pk")).order_by())
        return {
            "template": "evaluation/panel_reviewer.html",
            "cycle": cycle,
            "pending": tasks.get(TaskState.PENDING_EVALUATION, 0),
            "evaluating": tasks.get(TaskState.EVALUATING, 0),
            "evaluated": tasks.get(TaskState.EVALUATED, 0),
            "reopen": Assessment.objects.filter(
                task__cycle=cycle, state=AssessmentState.REOPEN_REQUESTED
            ).count(),
            "candidates": selectors.outcome_candidates(cycle).count(),
            "published": Outcome.objects.filter(cycle=cycle, state=OutcomeState.PUBLISHED).count(),
        }
    return None
