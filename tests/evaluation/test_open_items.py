"""Stage 4's open items on the 工作台 (evaluation/open_items.py), each equal to what its page lists, in every year;
and the reviewers' evaluation pages of an older year (评估委托, 评估报告, 改革成果, 激励 used to show the latest
year only)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bidding.enums import TaskState
from evaluation import services as es
from evaluation.enums import AssessmentState, Grade
from evaluation.models import Commission, Incentive
from reform_portal.enums import CycleState, Stage
from reform_portal.models import ReformCycle
from reform_portal.services import local_today

from .. import factories as f
from . import scenarios as fe

pytestmark = pytest.mark.django_db


def two_years():
    """Year N (last year's tasks, being evaluated) and N+1, the latest year."""
    now = local_today().year
    return f.CycleFactory(year=now - 1, stage=Stage.EVALUATION), f.CycleFactory(
        year=now, stage=Stage.PROPOSAL
    )


def items(client, user, kind):
    client.force_login(user)
    return [(i.year, i.count) for i in client.get(reverse("dashboard")).context["items"] if i.kind == kind]


def item_urls(client, user, kind):
    client.force_login(user)
    return {i.year: i.url for i in client.get(reverse("dashboard")).context["items"] if i.kind == kind}


def dashboard_queries(client, user):
    client.force_login(user)
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("dashboard"))
    return len(ctx.captured_queries)


def test_evaluator_count_equals_the_assignments_page(client, reviewer, evaluator):
    n, n1 = two_years()
    t1, t2, t3 = (fe.make_task(n, reviewer, position=i) for i in (1, 2, 3))
    ours = fe.commission(
        n, reviewer, evaluator.organization, [t1, t2, t3], due=local_today() + datetime.timedelta(days=20)
    )
    fe.submitted_assessment(ours, t3, evaluator)  # done
    es.assessment_save(
        commission=ours, task=t2, values={"conclusion": "初稿"}, upload=None, by=evaluator
    )  # 填写中
    t4 = fe.make_task(n1, reviewer, position=1)
    fe.commission(n1, reviewer, evaluator.organization, [t4])
    other = fe.evaluator_user(fe.agency("国家科技评估中心"))
    fe.commission(
        n, reviewer, other.organization, [fe.make_task(n, reviewer, region_code="320000", position=1)]
    )

    assert items(client, evaluator, "assessment") == [(n.year, 2), (n1.year, 1)]
    page = client.get(reverse("dashboard"))
    html = page.content.decode()
    assert "暂无需要您办理的事项" not in html
    assert (
        page.context["cycle"] == n and "待提交 2" in html
    )  # the panel is the same year's, with the same count
    assert page.context["items"][0].due == local_today() + datetime.timedelta(days=20)
    for year, count in [(n.year, 2), (n1.year, 1)]:
        listed = client.get(item_urls(client, evaluator, "assessment")[year])
        assert listed.context["n_open"] == count and listed.context["cycle"].year == year
    assert client.get(reverse("evaluation:assignments")).context["cycle"] == n
    assert items(client, other, "assessment") == [(n.year, 1)]
    # the other agency's task is not reachable
    client.force_login(evaluator)
    theirs = Commission.objects.get(agency=other.organization).tasks.get()
    assert client.get(reverse("evaluation:task_detail", args=[theirs.pk])).status_code == 404
    one = dashboard_queries(client, evaluator)
    fe.commission(n1, reviewer, evaluator.organization, [fe.make_task(n1, reviewer, position=2)])
    assert items(client, evaluator, "assessment") == [(n.year, 2), (n1.year, 2)]
    assert dashboard_queries(client, evaluator) == one


def test_reviewer_counts_equal_the_evaluation_pages(client, reviewer, evaluator):
    n, n1 = two_years()
    pending = [fe.make_task(n, reviewer, position=i) for i in (1, 2)]
    fe.make_task(n1, reviewer, position=1)
    assessed = [fe.make_task(n, reviewer, position=i, region_code="320000") for i in (1, 2, 3)]
    commission = fe.commission(n, reviewer, evaluator.organization, assessed)
    a1 = fe.submitted_assessment(commission, assessed[0], evaluator)  # 建议推广, no outcome yet: 待整理
    a2 = fe.submitted_assessment(commission, assessed[1], evaluator)
    es.outcome_create(task=assessed[1], values=fe.OUTCOME_VALUES, by=reviewer)  # done
    a3 = fe.submitted_assessment(commission, assessed[2], evaluator, recommend=False)
    es.assessment_request_reopen(assessment=a3, reason="评分录入有误。", by=evaluator)

    assert items(client, reviewer, "commission") == [(n.year, 2), (n1.year, 1)]
    assert items(client, reviewer, "reopen") == [(n.year, 1)]
    assert items(client, reviewer, "outcome") == [(n.year, 1)]
    urls = {kind: item_urls(client, reviewer, kind) for kind in ("commission", "reopen", "outcome")}
    page = client.get(urls["commission"][n.year])
    assert page.context["n_pending"] == 2 and page.context["cycle"] == n
    page = client.get(urls["reopen"][n.year])
    assert [a.pk for a in page.context["assessments"]] == [a3.pk] and page.context["n_reopen"] == 1
    page = client.get(urls["outcome"][n.year])
    assert [t.pk for t in page.context["candidates"]] == [a1.task_id]
    assert a1.grade in (Grade.EXCELLENT, Grade.GOOD) and a2.state == AssessmentState.SUBMITTED

    one = dashboard_queries(client, reviewer)
    fe.commission(n, reviewer, evaluator.organization, pending[:1])
    assert items(client, reviewer, "commission") == [(n.year, 1), (n1.year, 1)]
    assert dashboard_queries(client, reviewer) == one
    ReformCycle.objects.filter(pk=n.pk).update(state=CycleState.CLOSED)  # 关闭年度: N waits for nobody
    assert items(client, reviewer, "commission") == [(n1.year, 1)]
    assert items(client, reviewer, "reopen") == [] and items(client, reviewer, "outcome") == []
    assert dashboard_queries(client, reviewer) == one


def test_last_years_evaluation_is_reachable_for_reviewers(client, reviewer, evaluator):
    """评估委托, 评估报告, 改革成果, 激励 of the previous year while a newer year runs; a task completed last year can
    be commissioned; one assessed 优秀/建议推广 reaches 待整理."""
    n, n1 = two_years()
    fe.make_task(n1, reviewer, position=1, state=TaskState.IN_PROGRESS)  # the newer year has tasks too
    done = fe.make_task(n, reviewer, position=1)
    waiting = fe.make_task(n, reviewer, position=2)
    commission = fe.commission(n, reviewer, evaluator.organization, [done])
    assessment = fe.submitted_assessment(
        commission, done, evaluator, scores=dict.fromkeys(fe.SCORES, Decimal("95"))
    )
    assert assessment.grade == Grade.EXCELLENT and assessment.recommend_promotion
    es.incentive_create(
        cycle=n, kind="commendation", reason="任务完成优秀。", region=done.region, by=reviewer
    )
    client.force_login(reviewer)

    page = client.get(reverse("evaluation:commissions"), {"year": n.year})
    assert [c.pk for c in page.context["commissions"]] == [commission.pk]
    page = client.get(reverse("evaluation:assessments"), {"year": n.year})
    assert [a.pk for a in page.context["assessments"]] == [assessment.pk]
    page = client.get(reverse("evaluation:outcomes"), {"year": n.year})
    assert [t.pk for t in page.context["candidates"]] == [done.pk]
    assert client.get(reverse("evaluation:outcomes")).context["cycle"] == n  # by default: where 待整理 waits
    page = client.get(reverse("evaluation:incentives"), {"year": n.year})
    assert [i.reason for i in page.context["incentives"]] == ["任务完成优秀。"]
    assert list(client.get(reverse("evaluation:incentives"), {"year": n1.year}).context["incentives"]) == []

    page = client.get(reverse("evaluation:commission_new"), {"year": n.year})
    assert [r["task"].pk for r in page.context["task_rows"]] == [waiting.pk]
    page = client.post(
        f"{reverse('evaluation:commission_new')}?year={n.year}",
        {
            "agency": evaluator.organization.pk,
            "tasks": [waiting.pk],
            "due_date": (local_today() + datetime.timedelta(days=30)).isoformat(),
            "terms": "对照任务目标开展第三方评估。",
        },
    )
    assert page.status_code == 302
    assert Commission.objects.filter(cycle=n, tasks=waiting).exists()
    # outcome: from the candidate, back to its year's page
    page = client.post(reverse("evaluation:outcome_new", args=[done.pk]), fe.OUTCOME_VALUES)
    assert page["Location"] == f"{reverse('evaluation:outcomes')}?year={n.year}"
    assert list(client.get(reverse("evaluation:outcomes"), {"year": n.year}).context["candidates"]) == []
    page = client.post(
        f"{reverse('evaluation:incentives')}?year={n.year}",
        {
            "kind": "priority_support",
            "reason": "优先支持承担重大项目。",
            "region": done.region.pk,
            "year": n.year,
        },
    )
    assert page["Location"] == f"{reverse('evaluation:incentives')}?year={n.year}"
    assert Incentive.objects.filter(cycle=n, kind="priority_support").exists()
    for name in ("commissions", "assessments", "outcomes", "incentives", "scheme", "results"):
        assert client.get(reverse(f"evaluation:{name}"), {"year": "1999"}).status_code == 404, name


def test_evaluator_panel_counts_equal_its_assignments(client, reviewer, evaluator):
    """The 工作台 panel's figures (one aggregate, issue 19) are those of the year's assignment rows: total, 待提交
    (no assessment or 填写中) with the earliest due date among them, 已提交 (submitted or 申请更正)."""
    from evaluation import selectors
    from evaluation.enums import AssessmentState

    n, n1 = two_years()
    today = local_today()
    tasks = [fe.make_task(n, reviewer, position=i) for i in (1, 2, 3, 4)]
    early = fe.commission(
        n, reviewer, evaluator.organization, tasks[:2], due=today + datetime.timedelta(days=9)
    )
    late = fe.commission(
        n, reviewer, evaluator.organization, tasks[2:], due=today + datetime.timedelta(days=30)
    )
    fe.submitted_assessment(early, tasks[0], evaluator)  # early's only open task is tasks[1]
    a = fe.submitted_assessment(late, tasks[2], evaluator, recommend=False)
    es.assessment_request_reopen(assessment=a, reason="评分录入有误。", by=evaluator)
    es.assessment_save(
        commission=late, task=tasks[3], values={"conclusion": "初稿"}, upload=None, by=evaluator
    )
    fe.commission(
        n1, reviewer, evaluator.organization, [fe.make_task(n1, reviewer, position=1)]
    )  # another year
    other = fe.evaluator_user(fe.agency("国家科技评估中心"))
    fe.commission(
        n, reviewer, other.organization, [fe.make_task(n, reviewer, region_code="320000", position=1)]
    )

    def expected(cycle):
        rows = selectors.assignments(evaluator, cycle)
        states = [r["assessment"].state if r["assessment"] else "" for r in rows]
        return {
            "total": len(rows),
            "open": sum(1 for s in states if s in ("", AssessmentState.DRAFT)),
            "submitted": sum(1 for s in states if s in selectors.SUBMITTED),
            "due": min(
                (
                    r["commission"].due_date
                    for r, s in zip(rows, states, strict=True)
                    if s in ("", AssessmentState.DRAFT)
                ),
                default=None,
            ),
        }

    assert (
        selectors.assignment_figures(evaluator, n)
        == expected(n)
        == {
            "total": 4,
            "open": 2,
            "submitted": 2,
            "due": today + datetime.timedelta(days=9),
        }
    )
    assert selectors.assignment_figures(evaluator, n1) == expected(n1)
    client.force_login(evaluator)
    html = client.get(reverse("dashboard"), {"year": n.year}).content.decode()
    assert "受托任务 4 · 待提交 2 · 已提交 2" in html


def test_reviewer_panel_figures_equal_the_direct_counts(client, reviewer, evaluator):
    """The reviewers' evaluation panel in one query (issue 19): each figure equals its own count of the year."""
    from bidding.models import Task
    from evaluation import selectors
    from evaluation.enums import OutcomeState
    from evaluation.models import Assessment, Outcome

    n, n1 = two_years()
    tasks = [fe.make_task(n, reviewer, position=i) for i in (1, 2, 3, 4, 5)]
    fe.make_task(n1, reviewer, position=1)  # another year's
    commission = fe.commission(n, reviewer, evaluator.organization, tasks[:4])
    a1 = fe.submitted_assessment(commission, tasks[0], evaluator)  # 建议推广: a candidate
    fe.submitted_assessment(commission, tasks[1], evaluator)
    es.outcome_create(task=tasks[1], values=fe.OUTCOME_VALUES, by=reviewer)
    a3 = fe.submitted_assessment(commission, tasks[2], evaluator, recommend=False)
    es.assessment_request_reopen(assessment=a3, reason="评分录入有误。", by=evaluator)
    Outcome.objects.filter(task=tasks[1]).update(state=OutcomeState.PUBLISHED)

    year = Task.objects.filter(cycle=n)
    expected = {
        "pending": year.filter(state=TaskState.PENDING_EVALUATION).count(),
        "evaluating": year.filter(state=TaskState.EVALUATING).count(),
        "evaluated": year.filter(state=TaskState.EVALUATED).count(),
        "reopen": Assessment.objects.filter(task__cycle=n, state=AssessmentState.REOPEN_REQUESTED).count(),
        "candidates": selectors.outcome_candidates(n).count(),
        "published": Outcome.objects.filter(cycle=n, state=OutcomeState.PUBLISHED).count(),
    }
    assert selectors.reviewer_figures(n) == expected
    assert expected["reopen"] == 1 and expected["candidates"] == 1 == expected["published"]
    assert a1.recommend_promotion and expected["pending"] >= 1
    assert (
        selectors.reviewer_figures(n1)["pending"]
        == Task.objects.filter(cycle=n1, state=TaskState.PENDING_EVALUATION).count()
    )
    client.force_login(reviewer)
    html = client.get(reverse("dashboard"), {"year": n.year}).content.decode()
    assert (
        f"待评估 {expected['pending']} · 评估中 {expected['evaluating']} · 已评估 {expected['evaluated']} · "
        "更正申请 1 · 待整理成果 1 · 已发布成果 1" in html
    )


def test_reviewer_figures_are_stored_and_follow_the_services(client, reviewer, evaluator):
    """Stored per year (DECISIONS §19): an assessment submitted, a correction requested and an outcome created —
    each through its service — invalidate the year's stored figures; another year's stay stored."""
    from evaluation import selectors
    from reform_portal.models import CycleTally

    n, n1 = two_years()
    tasks = [fe.make_task(n, reviewer, position=i) for i in (1, 2, 3)]
    fe.make_task(n1, reviewer, position=1)
    commission = fe.commission(n, reviewer, evaluator.organization, tasks)
    client.force_login(reviewer)

    def panel(year):
        return client.get(reverse("dashboard"), {"year": year}).content.decode()

    def fresh(cycle):
        row = CycleTally.objects.get(cycle=cycle, key=selectors.REVIEWER_FIGURES)
        return row.generation == row.data_generation and row.data == selectors.reviewer_figures(cycle)

    assert "更正申请 0 · 待整理成果 0 · 已发布成果 0" in panel(n.year)
    panel(n1.year)
    assert fresh(n) and fresh(n1)
    fe.submitted_assessment(commission, tasks[0], evaluator)  # 建议推广: a candidate
    assert not fresh(n) and fresh(n1)
    assert "待整理成果 1" in panel(n.year)
    a2 = fe.submitted_assessment(commission, tasks[1], evaluator, recommend=False)
    es.assessment_request_reopen(assessment=a2, reason="评分录入有误。", by=evaluator)
    assert "更正申请 1 · 待整理成果 1" in panel(n.year)
    es.outcome_create(task=tasks[0], values=fe.OUTCOME_VALUES, by=reviewer)
    assert "更正申请 1 · 待整理成果 0" in panel(n.year)
    assert fresh(n) and fresh(n1)


@pytest.mark.parametrize("page_size", [50, 2])
def test_assignments_page_counts_the_years_open_tasks_on_one_page_or_many(
    client, reviewer, evaluator, monkeypatch, page_size
):
    """待提交 on the 受托评估任务 page is the year's count whether the year's tasks fit one page or not."""
    from reform_portal import pagination

    monkeypatch.setattr(pagination, "PAGE_SIZE", page_size)
    n, _n1 = two_years()
    tasks = [fe.make_task(n, reviewer, position=i) for i in (1, 2, 3, 4, 5)]
    commission = fe.commission(n, reviewer, evaluator.organization, tasks)
    fe.submitted_assessment(commission, tasks[0], evaluator)
    es.assessment_save(
        commission=commission, task=tasks[1], values={"conclusion": "初稿"}, upload=None, by=evaluator
    )
    client.force_login(evaluator)
    page = client.get(reverse("evaluation:assignments"), {"year": n.year})
    assert page.context["page"].paginator.num_pages == (1 if page_size == 50 else 3)
    assert page.context["n_open"] == 4  # four without a submitted report: none yet ×3, 填写中 ×1
