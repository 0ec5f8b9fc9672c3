"""Hand-offs of stage 3 (bidding/handoffs.py): each kind tells exactly its next people once, and a refused action
tells nobody (issue 14 §4)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from bidding import services

from ..reform_portal.handoff_scenarios import REVIEWERS, ZJ, Handoff, check_refused, check_told, handoff_cast
from . import scenarios as fb

pytestmark = pytest.mark.django_db

ALL_REVIEWERS = REVIEWERS | {"list_author"}


def _world(c, n=3):
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=n)
    author = entries[0].measure_list.published_by  # a national reviewer too: told like the others
    author.username = "list_author"
    author.save()
    c["list_author"] = author
    return cycle, entries


def _sign(c):
    cycle, entries = _world(c)
    bid_set = fb.make_bid_set(cycle, c["zj_drc"], entries)
    return (
        lambda: services.bid_set_sign(bid_set=bid_set, by=c["zj_drc"]),
        lambda: services.bid_set_sign(bid_set=bid_set, by=c["js_drc"]),
    )


def _submit(c):
    cycle, entries = _world(c)
    bid_set = fb.signed_bid_set(cycle, c["zj_drc"], c["zj_kjt"], entries)
    too_few = fb.signed_bid_set(cycle, c["js_drc"], c["js_kjt"], entries[:2])
    return (
        lambda: services.bid_set_submit(bid_set=bid_set, by=c["zj_drc"]),
        lambda: services.bid_set_submit(bid_set=too_few, by=c["js_drc"]),
    )


def _award(c):
    cycle, entries = _world(c)
    bids = list(fb.submitted_bid_set(cycle, c["zj_drc"], c["zj_kjt"], entries).bids.all())
    return (
        lambda: services.tasks_award(cycle=cycle, bids=bids, by=c["ndrc"]),
        lambda: services.tasks_award(cycle=cycle, bids=bids, by=c["zj_drc"]),
    )


def _notice(c):
    cycle, entries = _world(c)
    fb.awarded_tasks(cycle, c["ndrc"], c["zj_drc"], c["zj_kjt"], entries)
    return (
        lambda: services.notice_allocate(cycle=cycle, region=c["zj_drc"].region, by=c["ndrc"]),
        lambda: services.notice_allocate(cycle=cycle, region=c["js_drc"].region, by=c["ndrc"]),  # no tasks
    )


def _tasks(c):
    cycle, entries = _world(c)
    return fb.allocated(cycle, c["ndrc"], c["zj_drc"], c["zj_kjt"], entries)


def _entities(c):
    task = _tasks(c)[0]
    zju = c["impl_zju"].organization
    return (
        lambda: services.plan_set_entities(task=task, organizations=[zju], by=c["zj_drc"]),
        lambda: services.plan_set_entities(task=task, organizations=[zju], by=c["js_drc"]),
    )


def _plan(c):
    task, bare, _third = _tasks(c)
    services.milestone_add(task=task, fields=fb.milestone_fields(), by=c["zj_drc"])
    services.target_add(task=task, fields=fb.target_fields(), by=c["zj_drc"])
    return (
        lambda: services.plan_confirm(task=task, by=c["zj_drc"]),
        lambda: services.plan_confirm(task=bare, by=c["zj_drc"]),  # no milestone, no target
    )


def _running(c):
    task = _tasks(c)[0]
    services.plan_set_entities(task=task, organizations=[c["impl_zju"].organization], by=c["zj_drc"])
    return fb.confirmed_plan(task, c["zj_drc"])


def _report(task, by, status="on_track"):
    return services.report_file(
        task=task,
        by=by,
        period_end=timezone.localdate() - datetime.timedelta(days=1),
        narrative="已出台办法征求意见稿。",
        actuals={t.pk: Decimal("40") for t in task.targets.all()},
        statuses={m.pk: (status, "") for m in task.milestones.all()},
    )


def _progress(c):
    task = _running(c)
    return (lambda: _report(task, c["impl_zju"]), lambda: _report(task, c["js_drc"]))


def _raise(c):
    task = _running(c)
    return (
        lambda: services.coordination_raise(
            task=task, subject="赋权成果评估备案", detail="需财政部明确国有资产管理口径。", by=c["impl_zju"]
        ),
        lambda: services.coordination_raise(task=task, subject="越权", detail="他省提出。", by=c["js_drc"]),
    )


def _answer(c):
    task = _running(c)
    request = services.coordination_raise(
        task=task, subject="赋权成果评估备案", detail="需财政部明确国有资产管理口径。", by=c["impl_zju"]
    )
    return (
        lambda: services.coordination_answer(
            request=request, answer="已商财政部，按试点办法执行。", by=c["ndrc"]
        ),
        lambda: services.coordination_answer(request=request, answer="自行答复", by=c["zj_drc"]),
    )


def _summary(c):
    task = _running(c)
    other = fb.confirmed_plan(task.__class__.objects.get(pk=_tasks_other(task)), c["zj_drc"])
    _report(task, c["zj_drc"], status="done")
    return (
        lambda: services.summary_file(
            task=task, achieved="超额完成。", replicable="单列管理。", by=c["zj_drc"]
        ),
        lambda: services.summary_file(task=other, achieved="完成。", replicable="经验。", by=c["zj_drc"]),
    )


def _tasks_other(task):
    return task.__class__.objects.filter(cycle=task.cycle, region=task.region).exclude(pk=task.pk).first().pk


CASES = [
    Handoff("bid_set_signed", _sign, {"zj_kjt"}, ("待贵单位确认联合报送", "揭榜截止时间为")),
    Handoff("bids_submitted", _submit, ALL_REVIEWERS, ("浙江省已报送", "3项", "确认揭榜结果")),
    Handoff("tasks_awarded", _award, ZJ, ("揭榜结果已确认", "3项任务", "细化实施方案")),
    Handoff("notice_issued", _notice, ZJ, ("通知书已下达", "发改高技", "确认实施方案")),
    Handoff("entities_named", _entities, {"impl_zju"}, ("实施主体", "报送进展")),
    Handoff("plan_confirmed", _plan, ALL_REVIEWERS, ("确认了", "实施方案", "里程碑1个")),
    Handoff("progress_reported", _progress, ALL_REVIEWERS, ("进展", "截至")),
    Handoff("coordination_raised", _raise, ALL_REVIEWERS, ("协调事项", "国有资产管理口径", "答复")),
    Handoff("coordination_answered", _answer, ZJ | {"impl_zju"}, ("已答复", "按试点办法执行")),
    Handoff("summary_filed", _summary, ALL_REVIEWERS, ("完成总结", "委托第三方机构评估")),
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
