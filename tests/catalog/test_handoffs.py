"""Hand-offs of stage 2 (catalog/handoffs.py): each kind tells exactly its next people once, and a refused action
tells nobody (issue 14 §4)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from catalog import services

from .. import factories as f
from ..reform_portal.handoff_scenarios import REVIEWERS, Handoff, check_refused, check_told, handoff_cast
from . import scenarios as fc

pytestmark = pytest.mark.django_db


def _measure(c):
    cycle = f.CycleFactory(stage="review")
    before = datetime.datetime.combine(
        cycle.proposal_deadline, datetime.time(9), tzinfo=ZoneInfo("Asia/Shanghai")
    )
    book, _drc, _kjt = fc.submitted_region_book(cycle, "330000", fc.ZJ_ITEMS, now=before)
    return cycle, fc.measure_from(cycle, c["ndrc"], [book.proposals.first()])


def _assign(c):
    _cycle, measure = _measure(c)
    return (
        lambda: services.expert_assign(measure=measure, expert=c["expert"], by=c["ndrc"]),
        lambda: services.expert_assign(measure=measure, expert=c["expert"], by=c["zj_drc"]),
    )


def _consult(c):
    cycle, _measure_obj = _measure(c)
    draft = services.list_draft(cycle=cycle, by=c["ndrc"])
    miit = c["liaison"].organization
    return (
        lambda: services.consultation_send(measure_list=draft, ministries=[miit], by=c["ndrc"]),
        lambda: services.consultation_send(measure_list=draft, ministries=[miit], by=c["liaison"]),
    )


def _consulted(c):
    cycle, measure = _measure(c)
    draft = services.list_draft(cycle=cycle, by=c["ndrc"])
    (consultation,) = services.consultation_send(
        measure_list=draft, ministries=[c["liaison"].organization], by=c["ndrc"]
    )
    return consultation, measure


def _opinion(c):
    consultation, measure = _consulted(c)
    return (
        lambda: services.opinion_give(
            consultation=consultation,
            measure=measure,
            stance="revise",
            text="建议明确试点范围。",
            by=c["liaison"],
        ),
        lambda: services.opinion_give(  # another ministry's liaison
            consultation=consultation, measure=measure, stance="agree", text="", by=c["liaison_mof"]
        ),
    )


def _answer(c):
    consultation, measure = _consulted(c)
    opinion = services.opinion_give(
        consultation=consultation,
        measure=measure,
        stance="revise",
        text="建议明确试点范围。",
        by=c["liaison"],
    )
    return (
        lambda: services.opinion_respond(opinion=opinion, response="已采纳，限定为省内高校。", by=c["ndrc"]),
        lambda: services.opinion_respond(opinion=opinion, response="自行答复", by=c["liaison"]),
    )


CASES = [
    Handoff("expert_assigned", _assign, {"expert"}, ("请论证", "前登录平台", "打分")),
    Handoff("consultation_sent", _consult, {"liaison"}, ("征求意见稿", "前逐项反馈")),
    Handoff("opinion_given", _opinion, REVIEWERS, ("工业和信息化部", "建议明确试点范围", "答复采纳情况")),
    Handoff("opinion_answered", _answer, {"liaison"}, ("已答复", "已采纳，限定为省内高校")),
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
