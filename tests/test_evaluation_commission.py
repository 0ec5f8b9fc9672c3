"""委托第三方评估: the independence rule, state changes and the object permission granted to the agency."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from bidding.enums import TaskState
from evaluation import rules, services
from evaluation.models import Commission
from reform_portal.enums import OrgKind

from . import factories as f
from . import factories_evaluation as fe

pytestmark = pytest.mark.django_db


@pytest.fixture
def zj_uni(db):
    return f.OrganizationFactory(name="浙江大学", kind=OrgKind.UNIVERSITY, region=f.region("330000"))


def test_an_agency_that_implements_the_task_cannot_be_commissioned(cycle, reviewer):
    implementing_agency = fe.agency("某咨询评估院", "110000")
    task = fe.make_task(cycle, reviewer, entities=[implementing_agency])
    with pytest.raises(ValidationError) as exc:
        fe.commission(cycle, reviewer, implementing_agency, [task])
    assert exc.value.message_dict == {"agency": [
        f"{task}：“某咨询评估院”是该任务的实施主体，不能评估自己承担的任务。"]}
    task.refresh_from_db()
    assert task.state == TaskState.PENDING_EVALUATION
    assert Commission.objects.count() == 0


def test_an_agency_based_in_the_tasks_region_cannot_be_commissioned(cycle, reviewer):
    local = fe.agency("浙江省科技评估中心", "330000")
    zj = fe.make_task(cycle, reviewer, region_code="330000", position=1)
    js = fe.make_task(cycle, reviewer, region_code="320000", position=2)
    assert rules.independence(local, js) == (True, "")
    with pytest.raises(ValidationError) as exc:
        fe.commission(cycle, reviewer, local, [zj, js])
    assert exc.value.message_dict["agency"] == [
        f"{zj}：“浙江省科技评估中心”位于任务所在地区（浙江省），不能评估本地区的任务。"]
    assert list(states_of(zj, js)) == [TaskState.PENDING_EVALUATION, TaskState.PENDING_EVALUATION]


def states_of(*tasks):
    for t in tasks:
        t.refresh_from_db()
        yield t.state


def test_a_non_evaluator_organization_cannot_be_commissioned(cycle, reviewer, zj_uni):
    task = fe.make_task(cycle, reviewer, region_code="320000")
    ok, reason = rules.independence(zj_uni, task)
    assert (ok, reason) == (False, "“浙江大学”不是第三方评估机构。")


def test_commissioning_moves_tasks_to_evaluating_and_grants_the_agency(cycle, reviewer):
    org = fe.agency()
    colleague = fe.evaluator_user(org)
    other = fe.evaluator_user(fe.agency("国家科技评估中心"))
    task = fe.make_task(cycle, reviewer)
    c = fe.commission(cycle, reviewer, org, [task])
    task.refresh_from_db()
    assert task.state == TaskState.EVALUATING
    assert list(c.tasks.all()) == [task]
    assert colleague.has_perm(rules.VIEW_COMMISSION, c) is True
    assert other.has_perm(rules.VIEW_COMMISSION, c) is False
    assert task.history.first().history_change_reason == "委托第三方评估：中国国际工程咨询有限公司"


def test_only_tasks_pending_evaluation_can_be_commissioned(cycle, reviewer):
    task = fe.make_task(cycle, reviewer, state=TaskState.IN_PROGRESS)
    with pytest.raises(PermissionDenied) as exc:
        fe.commission(cycle, reviewer, fe.agency(), [task])
    assert str(exc.value) == f"任务“{task}”不在“待评估”状态（当前：实施中）。"


def test_only_reviewers_commission(cycle, reviewer, region_a_drc):
    task = fe.make_task(cycle, reviewer)
    with pytest.raises(PermissionDenied):
        fe.commission(cycle, region_a_drc, fe.agency(), [task])


def test_the_page_says_why_an_agency_is_refused_per_task(client, cycle, reviewer):
    local = fe.agency("浙江省科技评估中心", "330000")
    fe.agency("国家科技评估中心", "110000")
    zj = fe.make_task(cycle, reviewer, region_code="330000", position=1, entities=[local])
    js = fe.make_task(cycle, reviewer, region_code="320000", position=2)
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:commission_new"))
    html = page.content.decode()
    assert "“浙江省科技评估中心”是该任务的实施主体，不能评估自己承担的任务。" in html
    rows = {r["task"].pk: r["blocked"] for r in page.context["task_rows"]}
    assert rows == {zj.pk: ["“浙江省科技评估中心”是该任务的实施主体，不能评估自己承担的任务。"], js.pk: []}
    response = client.post(reverse("evaluation:commission_new"), {
        "agency": local.pk, "tasks": [zj.pk, js.pk], "due_date": "2030-09-30", "terms": "按评估大纲开展评估。"})
    assert response.status_code == 200
    assert response.context["form"].errors["agency"] == [
        f"{zj}：“浙江省科技评估中心”是该任务的实施主体，不能评估自己承担的任务。"]
    assert "按评估大纲开展评估。" in response.content.decode()  # what was typed stays
    assert Commission.objects.count() == 0


def test_reviewer_commissions_through_the_page(client, cycle, reviewer):
    org = fe.agency()
    task = fe.make_task(cycle, reviewer)
    client.force_login(reviewer)
    response = client.post(reverse("evaluation:commission_new"), {
        "agency": org.pk, "tasks": [task.pk], "due_date": "2030-09-30", "terms": "按评估大纲开展评估。"})
    c = Commission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:commission_detail", args=[c.pk])
    assert (c.agency, c.due_date, c.terms, c.created_by) == (org, datetime.date(2030, 9, 30), "按评估大纲开展评估。",
                                                             reviewer)


def test_missing_fields_get_chinese_messages(client, cycle, reviewer):
    fe.make_task(cycle, reviewer)
    client.force_login(reviewer)
    response = client.post(reverse("evaluation:commission_new"), {"terms": ""})
    errors = response.context["form"].errors
    assert errors["agency"] == ["请选择评估机构。"]
    assert errors["tasks"] == ["请至少选择一项待评估任务。"]
    assert errors["due_date"] == ["请填写评估完成时限。"]
    assert errors["terms"] == ["请填写委托事项与评估要求。"]
    with pytest.raises(ValidationError):
        services.commission_create(cycle=cycle, agency=fe.agency("某评估院"), tasks=[], terms="x",
                                   due_date=datetime.date(2030, 1, 1), by=reviewer)
