"""The seed adds stage 3 demo content on the latest cycle with a published list, idempotently, and skips
when no list has been published yet."""

import io

import pytest
from django.core.management import call_command

from bidding import demo
from bidding.enums import TaskState
from bidding.models import Bid, BidSet, CoordinationRequest, ProgressReport, Task, TaskNotice
from reform_portal.demo import seed_kernel
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


def test_demo_bids_awards_letters_plan_and_report_on_last_years_list():
    cycle, _rows = seed_kernel()
    previous = ReformCycle.objects.create(year=cycle.year - 1, **ReformCycle.defaults_for(cycle.year - 1))
    fb.publish_list(previous, n=6)
    out = io.StringIO()
    demo.seed(cycle=cycle, stdout=out)
    assert out.getvalue() == "揭榜：3 个地区已报送，10 项揭榜任务"
    assert _counts() == [4, 12, 10, 2, 4, 1]
    assert sorted(TaskNotice.objects.values_list("sequence", flat=True)) == [1, 2]
    assert all(n.pdf and n.year == local_today().year for n in TaskNotice.objects.all())
    waiting = Task.objects.filter(state=TaskState.PENDING_EVALUATION).order_by(
        "region__code", "entry__position"
    )
    assert [(t.region.code, t.milestones.get().status, bool(t.summary_achieved)) for t in waiting] == [
        ("320000", "done", True),
        ("320000", "done", True),
        ("330000", "done", True),
    ]
    running = Task.objects.get(state=TaskState.IN_PROGRESS)
    assert (running.region.code, running.milestones.count(), running.targets.count()) == ("330000", 3, 2)
    impl = User.objects.get(username="impl_zju")
    from bidding import selectors

    assert list(selectors.tasks_visible_to(impl)) == [running]
    demo.seed(cycle=cycle, stdout=io.StringIO())
    assert _counts() == [4, 12, 10, 2, 4, 1]
    assert Task.objects.filter(state=TaskState.PENDING_EVALUATION).count() == 3


def test_the_full_seed_bids_on_the_catalog_demos_published_list():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=io.StringIO())
    assert "揭榜：3 个地区已报送，10 项揭榜任务" in out.getvalue()
    assert Task.objects.filter(state=TaskState.IN_PROGRESS).count() == 1
    assert TaskNotice.objects.exclude(pdf="").count() == 2
