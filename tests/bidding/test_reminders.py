"""Issue 7: bidding/reminders.py's sources (the bidding deadline, milestones) remind the right people on the right Beijing
days, and stop when the work is done."""

import datetime

import pytest

from bidding.enums import MilestoneStatus
from bidding.reminders import bidding_deadline_source, milestone_source
from reform_portal.enums import OrgKind, Role

from .. import factories as f
from ..reform_portal.reminder_scenarios import at, who
from . import scenarios as fb

pytestmark = pytest.mark.django_db


def test_bidding_reminders_go_to_regions_not_yet_submitted(reviewer):
    cycle = fb.bidding_cycle()
    zj = (
        f.regional_user("330000", OrgKind.REGIONAL_DRC, username="zj1"),
        f.regional_user("330000", OrgKind.REGIONAL_SCITECH, username="zj2"),
    )
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
    drc, scitech = fb.region_pair("330000")
    entries = fb.publish_list(cycle, n=3)
    task = fb.allocated(cycle, reviewer, drc, scitech, entries)[0]
    fb.confirmed_plan(task, drc)
    milestone = task.milestones.get()
    impl_org = f.OrganizationFactory(name="之江实验室", kind=OrgKind.INSTITUTE, region=f.region("330000"))
    implementer = f.UserFactory(organization=impl_org, role=Role.IMPLEMENTER)
    task.entities.add(impl_org)
    due = milestone.due_date
    expected = sorted([(drc.username, 1), (scitech.username, 1), (implementer.username, 1)])
    assert who(milestone_source, cycle, at(due - datetime.timedelta(days=1))) == expected
    assert who(milestone_source, cycle, at(due)) == []
    assert [o for _u, o in who(milestone_source, cycle, at(due + datetime.timedelta(days=1)))] == [-1, -1, -1]
    milestone.status = MilestoneStatus.DONE
    milestone.save()
    assert who(milestone_source, cycle, at(due - datetime.timedelta(days=1))) == []


def test_bidding_reminders_stop_once_the_results_are_confirmed(reviewer):
    """After 确认揭榜结果 (组织实施) a bid can no longer be filed: the region still out is not chased."""
    from reform_portal.cycles import cycle_act

    cycle = fb.bidding_cycle()
    f.regional_user("320000", OrgKind.REGIONAL_DRC, username="js1")
    fb.publish_list(cycle, n=4)
    week_before = at(cycle.bidding_deadline - datetime.timedelta(days=7))
    assert who(bidding_deadline_source, cycle, week_before) == [("js1", 7)]
    cycle_act(cycle=cycle, action="confirm_bidding", by=reviewer, reason="按期确认", confirmed=True)
    cycle.refresh_from_db()
    assert who(bidding_deadline_source, cycle, week_before) == []
