"""Issue 7: each stage's reminder source — bidding deadline, milestones, evaluation due, expert review and
ministry consultation — reminds the right people on the right Beijing days, and stops when the work is done."""
import datetime
from zoneinfo import ZoneInfo

import pytest

from bidding.enums import MilestoneStatus
from bidding.reminders import bidding_deadline_source, milestone_source
from catalog import services as catalog_services
from catalog.reminders import consultation_source, expert_review_source
from evaluation.reminders import evaluation_due_source
from reform_portal.enums import OrgKind, Role, Stage

from . import factories as f
from . import factories_bidding as fb
from . import factories_catalog as fc
from . import factories_evaluation as fe

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=SH)


def who(source, cycle, now):
    return sorted((d.recipient.username, d.offset_days) for d in source(cycle=cycle, now=now))


def test_bidding_reminders_go_to_regions_not_yet_submitted(reviewer):
    cycle = fb.bidding_cycle()
    zj = (f.regional_user("330000", OrgKind.REGIONAL_DRC, username="zj1"),
          f.regional_user("330000", OrgKind.REGIONAL_STD, username="zj2"))
    js = (f.regional_user("320000", OrgKind.REGIONAL_DRC, username="js1"),)
    week_before = at(cycle.bidding_deadline - datetime.timedelta(days=7))
    assert who(bidding_deadline_source, cycle, week_before) == []  # no published list: bidding not open
    entries = fb.publish_list(cycle, n=4)
    assert who(bidding_deadline_source, cycle, week_before) == [("js1", 7), ("zj1", 7), ("zj2", 7)]
    fb.submitted_bid_set(cycle, *zj, entries[:3])
    assert who(bidding_deadline_source, cycle, week_before) == [("js1", 7)]
    (due,) = bidding_deadline_source(cycle=cycle, now=week_before)
    assert due.recipient == js[0]
    assert due.body.endswith("已认领0项（不少于3项），尚未联合报送。")


def test_milestone_reminders_before_and_after_the_due_day(reviewer):
    cycle = fb.bidding_cycle()
    drc, std = fb.region_pair("330000")
    entries = fb.publish_list(cycle, n=3)
    task = fb.allocated(cycle, reviewer, drc, std, entries)[0]
    fb.confirmed_plan(task, drc)
    milestone = task.milestones.get()
    impl_org = f.OrganizationFactory(name="之江实验室", kind=OrgKind.INSTITUTE, region=f.region("330000"))
    implementer = f.UserFactory(organization=impl_org, role=Role.IMPLEMENTER)
    task.entities.add(impl_org)
    due = milestone.due_date
    expected = sorted([(drc.username, 1), (std.username, 1), (implementer.username, 1)])
    assert who(milestone_source, cycle, at(due - datetime.timedelta(days=1))) == expected
    assert who(milestone_source, cycle, at(due)) == []
    assert [o for _u, o in who(milestone_source, cycle, at(due + datetime.timedelta(days=1)))] == [-1, -1, -1]
    milestone.status = MilestoneStatus.DONE
    milestone.save()
    assert who(milestone_source, cycle, at(due - datetime.timedelta(days=1))) == []


def test_evaluation_due_reminds_the_agency_and_when_overdue_the_reviewers(reviewer):
    cycle = f.CycleFactory(stage=Stage.EVALUATION)
    agency = fe.agency()
    evaluator = fe.evaluator_user(agency, username="ev")
    task = fe.make_task(cycle, reviewer)
    due = datetime.date.today() + datetime.timedelta(days=40)
    fe.commission(cycle, reviewer, agency, [task], due=due)
    assert who(evaluation_due_source, cycle, at(due - datetime.timedelta(days=7))) == [("ev", 7)]
    assert who(evaluation_due_source, cycle, at(due + datetime.timedelta(days=1))) == [("ev", -1), ("ndrc", -1)]
    assert evaluator.notifications.count() == 0  # sources only find what is due; the scan sends


def test_expert_and_consultation_reminders_until_answered(reviewer):
    cycle = f.CycleFactory(stage=Stage.REVIEW)
    book, _drc, _std = fc.submitted_region_book(cycle, "330000", fc.ZJ_ITEMS,
                                                now=at(cycle.proposal_deadline - datetime.timedelta(days=5)))
    proposal = book.proposals.first()
    measure = fc.measure_from(cycle, reviewer, [proposal])
    expert = fc.expert_in("110000", username="expert_bj")
    review = catalog_services.expert_assign(measure=measure, expert=expert, by=reviewer)
    liaison = fc.liaison_of("财政部", username="mof")
    measure_list = catalog_services.list_draft(cycle=cycle, by=reviewer)
    (consultation,) = catalog_services.consultation_send(measure_list=measure_list, ministries=[liaison.organization],
                                                          by=reviewer)
    week_before = at(cycle.review_deadline - datetime.timedelta(days=7))
    assert who(expert_review_source, cycle, week_before) == [("expert_bj", 7)]
    assert who(consultation_source, cycle, week_before) == [("mof", 7)]
    fc.score(review, expert)
    catalog_services.opinion_give(consultation=consultation, measure=measure, stance="agree", text="", by=liaison)
    assert who(expert_review_source, cycle, week_before) == []
    assert who(consultation_source, cycle, week_before) == []
