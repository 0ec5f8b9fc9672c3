"""The seed adds stage 3 demo content on a past year with a published list (the year being implemented, or with
``evaluated`` the year being evaluated), idempotently, and skips when the year has no published list."""

import datetime
import io

import pytest
from django.core.management import call_command

from bidding import demo
from bidding.enums import TaskState
from bidding.models import Bid, BidSet, CoordinationRequest, ProgressReport, Task, TaskNotice
from reform_portal.demo import demo_cycle_year, seed_kernel
from reform_portal.models import ReformCycle, User
from reform_portal.services import local_today

from . import scenarios as fb

pytestmark = pytest.mark.django_db


def _counts():
    return [m.objects.count() for m in (BidSet, Bid, Task, TaskNotice, ProgressReport, CoordinationRequest)]


def test_demo_skips_without_a_published_list():
    cycle, _rows = seed_kernel()
    out = io.StringIO()
    demo.seed(cycle=cycle, stdout=out)
    assert out.getvalue() == "揭榜：尚无已公布的举措清单，跳过"
    assert _counts() == [0, 0, 0, 0, 0, 0]


def _past_year(cycle, years_back):
    year = cycle.year - years_back
    past = ReformCycle.objects.create(year=year, state="bidding", **ReformCycle.defaults_for(year))
    fb.publish_list(past, n=6)
    return past


def test_demo_in_the_year_being_implemented_awards_plans_reports_and_leaves_one_letter():
    cycle, _rows = seed_kernel()
    previous = _past_year(cycle, 1)
    out = io.StringIO()
    demo.seed(cycle=previous, stdout=out)
    assert out.getvalue() == "揭榜：5 个地区已报送，16 项揭榜任务"
    assert _counts() == [5, 16, 16, 4, 1, 1]
    previous.refresh_from_db()
    assert previous.state == "implementation"  # 确认揭榜结果, by the reviewers' action
    letters = TaskNotice.objects.all()
    assert sorted(letters.values_list("sequence", flat=True)) == [1, 2, 3, 4]
    assert "420000" not in set(letters.values_list("region__code", flat=True))  # the reviewers' work
    issued_on = min(local_today(), previous.bidding_deadline + datetime.timedelta(days=21))
    assert all(n.pdf and n.issued_on == issued_on for n in letters)
    assert not Task.objects.filter(state=TaskState.PENDING_EVALUATION).exists()
    running = Task.objects.get(state=TaskState.IN_PROGRESS)
    assert (running.region.code, running.milestones.count(), running.targets.count()) == ("330000", 3, 2)
    impl = User.objects.get(username="impl_zju")
    from bidding import selectors

    assert list(selectors.tasks_visible_to(impl)) == [running]
    demo.seed(cycle=previous, stdout=io.StringIO())
    assert _counts() == [5, 16, 16, 4, 1, 1]


def test_demo_in_the_year_being_evaluated_completes_every_task_with_every_letter():
    cycle, _rows = seed_kernel()
    past = _past_year(cycle, 2)
    out = io.StringIO()
    demo.seed(cycle=past, stdout=out, evaluated=True)
    assert out.getvalue() == "揭榜：4 个地区已报送，13 项揭榜任务"
    assert _counts() == [4, 13, 13, 4, 13, 0]
    assert set(Task.objects.values_list("state", flat=True)) == {TaskState.PENDING_EVALUATION}
    assert all(t.milestones.get().status == "done" and t.summary_achieved for t in Task.objects.all())
    demo.seed(cycle=past, stdout=io.StringIO(), evaluated=True)
    assert _counts() == [4, 13, 13, 4, 13, 0]


def test_the_full_seed_bids_on_the_catalog_demos_published_list():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())
    assert "揭榜：4 个地区已报送，13 项揭榜任务" in out.getvalue()  # the year being evaluated
    assert "揭榜：5 个地区已报送，16 项揭榜任务" in out.getvalue()  # the year being implemented
    year = demo_cycle_year() - 1
    # 浙江's task with its plan and report, 四川's implemented by its 基层 units
    running = Task.objects.filter(state=TaskState.IN_PROGRESS)
    assert sorted(running.values_list("cycle__year", "region__code")) == [(year, "330000"), (year, "510000")]
    sc_base = User.objects.get(username="sc_base")
    from bidding import selectors

    assert list(selectors.tasks_visible_to(sc_base)) == [running.get(region__code="510000")]
    assert TaskNotice.objects.exclude(pdf="").count() == 8
