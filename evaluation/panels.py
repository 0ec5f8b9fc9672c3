"""Dashboard panels: the evaluator's commissioned tasks; the reviewer's evaluation pipeline."""

from reform_portal import tallies

from . import rules, selectors


def evaluation_panel(*, user, cycle, stage):
    if rules.is_evaluator(user):
        # counted in one aggregate over the (commission, task) links of the year, not by loading every task with
        # its region, entry and assessment (issue 19); the same rows as ``selectors.assignments``
        figures = selectors.assignment_figures(user, cycle)
        return {"template": "evaluation/panel_evaluator.html", "cycle": cycle, **figures}
    if rules.is_reviewer(user):
        return {
            "template": "evaluation/panel_reviewer.html",
            "cycle": cycle,
            **tallies.read(cycle, selectors.REVIEWER_FIGURES, selectors.reviewer_figures),
        }
    return None
