"""Hand-offs of stage 4 (evaluation/handoffs.py): each kind tells exactly its next people once, and a refused
action tells nobody (issue 14 §4)."""

import pytest

from bidding.enums import TaskState
from evaluation import services

from .. import factories as f
from ..reform_portal.handoff_scenarios import REVIEWERS, ZJ, Handoff, check_refused, check_told, handoff_cast
from . import scenarios as fe

pytestmark = pytest.mark.django_db


def _task(c, **kwargs):
    cycle = f.CycleFactory(stage="evaluation")
    return cycle, fe.make_task(cycle, c["ndrc"], **kwargs)


def _commission(c):
    cycle, task = _task(c)
    agency = c["evaluator"].organization
    return (
        lambda: fe.commission(cycle, c["ndrc"], agency, [task]),
        lambda: fe.commission(cycle, c["zj_drc"], agency, [task]),
    )


def _commissioned(c):
    cycle, task = _task(c)
    return cycle, task, fe.commission(cycle, c["ndrc"], c["evaluator"].organization, [task])


def _assessment(c):
    _cycle, task, commission = _commissioned(c)
    return (
        lambda: fe.submitted_assessment(commission, task, c["evaluator"]),
        lambda: fe.submitted_assessment(commission, task, c["evaluator_b"]),  # not the commissioned agency
    )


def _outcome(c):
    _cycle, task, commission = _commissioned(c)
    fe.submitted_assessment(commission, task, c["evaluator"])
    outcome = services.outcome_create(task=task, values=fe.OUTCOME_VALUES, by=c["ndrc"])
    return (
        lambda: services.outcome_publish(outcome=outcome, by=c["ndrc"]),
        lambda: services.outcome_publish(outcome=outcome, by=c["zj_drc"]),
    )


def _incentive(c):
    cycle, task = _task(c, state=TaskState.EVALUATED)
    zju = c["impl_zju"].organization

    def grant(by):
        return services.incentive_create(
            cycle=cycle,
            kind="commendation",
            reason="赋权改革成效显著。",
            organization=zju,
            tasks=[task],
            by=by,
        )

    return (lambda: grant(c["ndrc"]), lambda: grant(c["zj_drc"]))


CASES = [
    Handoff("commissioned", _commission, {"evaluator"}, ("委托贵单位评估1项", "前提交评估报告")),
    Handoff("assessment_submitted", _assessment, REVIEWERS, ("提交了", "评估报告", "整理改革成果")),
    Handoff("outcome_published", _outcome, ZJ, ("已发布到成果库", "推广")),
    # the unit (its users, whatever their role) and its region's two departments
    Handoff("incentive_granted", _incentive, ZJ | {"impl_zju"}, ("浙江大学获通报表扬", "赋权改革成效显著")),
]
IDS = [c.kind for c in CASES]


@pytest.fixture
def cast():
    return handoff_cast()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_next_people_are_told_once(case, cast, django_capture_on_commit_callbacks, mailoutbox):
    check_told(case, cast, django_capture_on_commit_callbacks, mailoutbox)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_a_refused_action_tells_nobody(case, cast):
    check_refused(case, cast)
