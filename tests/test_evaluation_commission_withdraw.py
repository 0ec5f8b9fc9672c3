"""撤回委托: a reviewer withdraws a commission the agency has not started; its tasks return to 待评估 and can be
commissioned again, the agency loses access and is told why; once an assessment is saved it cannot."""
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from bidding.enums import TaskState
from evaluation import rules, selectors, services
from evaluation.enums import CommissionState
from evaluation.models import Commission
from reform_portal.models import Notification

from . import factories_evaluation as fe

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org, username="ciecc")
    tasks = [fe.make_task(cycle, reviewer, region_code="330000", position=1),
             fe.make_task(cycle, reviewer, region_code="320000", position=2)]
    return org, user, tasks, fe.commission(cycle, reviewer, org, tasks)


def test_withdraw_returns_tasks_revokes_access_and_tells_the_agency(client, cycle, reviewer, setup):
    org, user, tasks, commission = setup
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:commission_detail", args=[commission.pk]))
    assert page.context["can_withdraw"] is True
    response = client.post(reverse("evaluation:commission_withdraw", args=[commission.pk]),
                           {"reason": "委托机构有误，改为委托国家科技评估中心。"})
    assert response.status_code == 302
    commission.refresh_from_db()
    assert commission.state == CommissionState.WITHDRAWN
    assert commission.history.first().history_change_reason == "撤回委托：委托机构有误，改为委托国家科技评估中心。"
    assert [t.state for t in (type(t).objects.get(pk=t.pk) for t in tasks)] == [TaskState.PENDING_EVALUATION] * 2
    assert user.has_perm(rules.VIEW_COMMISSION, commission) is False
    assert list(selectors.commissions_visible_to(user)) == []
    assert selectors.assignments(user) == []
    note = Notification.objects.get(recipient=user)
    assert note.title == "评估委托已撤回：2项任务"
    assert "委托机构有误，改为委托国家科技评估中心。" in note.body
    client.force_login(user)
    assert client.get(reverse("evaluation:commission_detail", args=[commission.pk])).status_code == 404
    assert client.get(reverse("evaluation:task_detail", args=[tasks[0].pk])).status_code == 404
    # the tasks can be commissioned again, to another agency
    other = fe.agency("国家科技评估中心")
    again = fe.commission(cycle, reviewer, other, tasks)
    assert again.state == CommissionState.ACTIVE
    assert Commission.objects.count() == 2


def test_no_withdraw_once_the_agency_saved_an_assessment(client, reviewer, setup):
    org, user, tasks, commission = setup
    services.assessment_save(commission=commission, task=tasks[0], by=user,
                             values={"conclusion": "写了一半。"}, upload=None)
    with pytest.raises(PermissionDenied) as exc:
        services.commission_withdraw(commission=commission, reason="改派。", by=reviewer)
    assert str(exc.value) == "评估机构已开始填写评估报告，不能撤回委托。"
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:commission_detail", args=[commission.pk]))
    assert page.context["can_withdraw"] is False
    assert 'data-testid="commission-withdraw"' not in page.content.decode()
    assert client.post(reverse("evaluation:commission_withdraw", args=[commission.pk]),
                       {"reason": "改派。"}).status_code == 403
    commission.refresh_from_db()
    assert commission.state == CommissionState.ACTIVE


def test_a_reason_is_required_and_typed_text_is_kept(client, reviewer, setup):
    _org, _user, _tasks, commission = setup
    client.force_login(reviewer)
    url = reverse("evaluation:commission_withdraw", args=[commission.pk])
    page = client.post(url, {"reason": "  "})
    assert page.status_code == 200
    assert page.context["withdraw_form"].errors["reason"] == ["请填写撤回理由。"]
    page = client.post(url, {"reason": "理" * 501})
    assert page.context["withdraw_form"].errors["reason"] == ["确保该变量包含不超过 500 字符 (目前字符数 501)。"]
    assert "理" * 501 in page.content.decode()
    commission.refresh_from_db()
    assert commission.state == CommissionState.ACTIVE


def test_only_reviewers_withdraw(client, setup):
    _org, user, _tasks, commission = setup
    with pytest.raises(PermissionDenied):
        services.commission_withdraw(commission=commission, reason="不想评了。", by=user)
    client.force_login(user)
    assert client.post(reverse("evaluation:commission_withdraw", args=[commission.pk]),
                       {"reason": "不想评了。"}).status_code == 403
