"""Publishing the year's results explicitly (issue 17 §10; DECISIONS §17): the public 评估结果 page, the open API
and the archive show a year's grades only after national reviewers press 公布评估结果 on a confirmation page that
lists the tasks still unassessed; the press is a transition in the results table, kept in the year's history,
and the regions with tasks are told."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from evaluation import services as es
from evaluation.open_items import archive_links
from reform_portal.models import Notification, ReformCycle

from . import scenarios as fe

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_tasks(cycle, reviewer):
    """浙江 assessed and submitted; 江苏 commissioned, not yet assessed."""
    org = fe.agency()
    user = fe.evaluator_user(org)
    done = fe.make_task(cycle, reviewer)
    open_ = fe.make_task(cycle, reviewer, region_code="320000", position=2)
    commission = fe.commission(cycle, reviewer, org, [done, open_])
    fe.submitted_assessment(commission, done, user)
    return done, open_


def public(client, cycle):
    return client.get(reverse("evaluation:public_results"), {"year": cycle.year})


def test_a_submitted_assessment_is_not_public_before_publication(client, cycle, two_tasks):
    page = public(client, cycle)
    assert page.status_code == 200
    assert page.context["rows"] == []
    body = page.content.decode()
    assert "本年度评估结果尚未公布" in body
    assert "浙江省" not in body
    assert APIClient().get(f"/api/v1/results/{cycle.year}/").status_code == 404
    assert [link.year for link in archive_links() if link.testid == "archive-results"] == []


def test_the_confirmation_lists_the_unassessed_tasks_and_needs_a_reason_over_them(
    client, cycle, reviewer, two_tasks, region_a_drc, region_b_drc
):
    done, open_ = two_tasks
    client.force_login(reviewer)
    url = reverse("evaluation:results_publish") + f"?year={cycle.year}"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["unassessed"] == [f"{open_.region}{open_.entry.number}“{open_.entry.title}”"]
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 200
    assert "尚有1项任务未提交评估报告" in refused.content.decode()
    assert ReformCycle.objects.get(pk=cycle.pk).results_state == "unpublished"

    done_page = client.post(url, {"reason": "江苏一项任务延期评估，先公布已评估结果"}, follow=True)
    assert done_page.redirect_chain[-1][0].startswith(reverse("evaluation:results"))
    cycle.refresh_from_db()
    assert cycle.results_state == "published"
    assert "公布评估结果：江苏一项任务延期评估" in cycle.history.first().history_change_reason
    # the regions with tasks are told (once)
    assert Notification.objects.filter(kind="results_published", recipient=region_a_drc).count() == 1
    assert Notification.objects.filter(kind="results_published", recipient=region_b_drc).count() == 1

    client.logout()
    page = public(client, cycle)
    assert [row["region"].code for row in page.context["rows"]] == ["330000", "320000"]
    assert APIClient().get(f"/api/v1/results/{cycle.year}/").status_code == 200
    assert [link.year for link in archive_links() if link.testid == "archive-results"] == [cycle.year]


def test_publishing_twice_is_refused_by_the_table_and_withdrawal_needs_a_reason(cycle, reviewer, two_tasks):
    es.results_publish(cycle=cycle, by=reviewer, reason="先公布")
    with pytest.raises(ValidationError):
        es.results_publish(cycle=cycle, by=reviewer, reason="再公布")
    with pytest.raises(ValidationError):
        es.results_unpublish(cycle=cycle, by=reviewer, reason=" ")
    es.results_unpublish(cycle=cycle, by=reviewer, reason="更正评估报告")
    cycle.refresh_from_db()
    assert cycle.results_state == "unpublished"
    reasons = list(cycle.history.values_list("history_change_reason", flat=True)[:2])
    assert reasons == ["撤回公布评估结果：更正评估报告", "公布评估结果：先公布"]


def test_only_national_reviewers_publish(client, cycle, two_tasks, region_a_drc):
    with pytest.raises(PermissionDenied):
        es.results_publish(cycle=cycle, by=region_a_drc, reason="x")
    client.force_login(region_a_drc)
    url = reverse("evaluation:results_publish") + f"?year={cycle.year}"
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert ReformCycle.objects.get(pk=cycle.pk).results_state == "unpublished"


def test_a_year_without_tasks_has_nothing_to_publish(cycle, reviewer):
    with pytest.raises(ValidationError):
        es.results_publish(cycle=cycle, by=reviewer, reason="x")
