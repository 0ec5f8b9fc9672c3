"""Issue 7: evaluation/reminders.py's source (evaluation due) remind the right people on the right Beijing
days, and stop when the work is done."""

import datetime

import pytest

from evaluation.reminders import evaluation_due_source
from reform_portal.enums import Stage

from .. import factories as f
from ..reform_portal.reminder_scenarios import at, who
from . import scenarios as fe

pytestmark = pytest.mark.django_db


def test_evaluation_due_reminds_the_agency_and_when_overdue_the_reviewers(reviewer):
    cycle = f.CycleFactory(stage=Stage.EVALUATION)
    agency = fe.agency()
    evaluator = fe.evaluator_user(agency, username="ev")
    task = fe.make_task(cycle, reviewer)
    due = datetime.date.today() + datetime.timedelta(days=40)
    fe.commission(cycle, reviewer, agency, [task], due=due)
    assert who(evaluation_due_source, cycle, at(due - datetime.timedelta(days=7))) == [("ev", 7)]
    assert who(evaluation_due_source, cycle, at(due + datetime.timedelta(days=1))) == [
        ("ev", -1),
        ("ndrc", -1),
    ]
    assert (
        evaluator.notifications.exclude(kind="commissioned").count() == 0
    )  # sources find what is due; the scan sends
