"""The stage 4 demo: acts only when tasks wait for evaluation, respects independence, and is idempotent."""

import io

import pytest

from bidding.enums import TaskState
from bidding.models import Task
from evaluation import demo
from evaluation.models import Assessment, Commission, Incentive, Outcome
from reform_portal.demo import seed_kernel

from . import scenarios as fe

pytestmark = pytest.mark.django_db


def test_without_tasks_waiting_the_demo_skips_quietly():
    cycle, _rows = seed_kernel(year=2031)
    out = io.StringIO()
    demo.seed(cycle=cycle, stdout=out)
    assert out.getvalue() == ""
    assert Commission.objects.count() == 0


def test_demo_commissions_assesses_and_promotes_once():
    cycle, _rows = seed_kernel(year=2031)
    from reform_portal.models import User

    reviewer = User.objects.get(username="ndrc_reviewer")
    for code, pos in [("330000", 1), ("320000", 2), ("440000", 3), ("110000", 4)]:
        fe.make_task(cycle, reviewer, region_code=code, position=pos)
    out = io.StringIO()
    demo.seed(cycle=cycle, stdout=out)
    assert (
        out.getvalue() == "评估激励：委托 2 家第三方机构评估 3 项任务，已提交评估报告 2 份，发布改革成果 1 项"
    )
    # the tasks go to the agencies in turn
    assert dict(
        Commission.objects.values_list("agency__name", "tasks__region__code").order_by("tasks__region__code")
    ) == {
        "国家科技评估中心": "440000",
        "中国国际工程咨询有限公司": "330000",
    }
    # 北京 agencies may not evaluate 北京's task: it stays 待评估
    assert Task.objects.get(region__code="110000").state == TaskState.PENDING_EVALUATION
    counts = (
        Commission.objects.count(),
        Assessment.objects.count(),
        Outcome.objects.count(),
        Incentive.objects.count(),
    )
    demo.seed(cycle=cycle, stdout=io.StringIO())
    assert (
        (
            Commission.objects.count(),
            Assessment.objects.count(),
            Outcome.objects.count(),
            Incentive.objects.count(),
        )
        == counts
        == (2, 2, 1, 1)
    )


def test_the_full_seed_leaves_each_demo_agency_one_task_to_assess():
    from django.core.management import call_command

    from evaluation import selectors
    from reform_portal.models import User

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    for username, rows_expected in [
        ("evaluator_ciecc", [("320000", "submitted"), ("320000", None)]),
        ("evaluator_ncste", [("320000", "submitted"), ("330000", None)]),
    ]:
        rows = selectors.assignments(User.objects.get(username=username))
        assert [
            (r["task"].region.code, r["assessment"].state if r["assessment"] else None) for r in rows
        ] == rows_expected
    assert Commission.objects.count() == 2
