"""evaluation/services.py: commissions (independence, withdrawal) and assessments (reports, locking, reopen)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bidding.enums import TaskState
from evaluation import rules, selectors, services
from evaluation.enums import AssessmentState, CommissionState, Grade
from evaluation.models import Commission
from reform_portal.enums import OrgKind
from reform_portal.models import Notification

from .. import factories as f
from . import scenarios as fe

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------------------------
# 委托第三方评估: the independence rule, state changes and the object permission granted to the agency.


@pytest.fixture
def zj_uni(db):
    return f.OrganizationFactory(name="浙江大学", kind=OrgKind.UNIVERSITY, region=f.region("330000"))


def test_an_agency_that_implements_the_task_cannot_be_commissioned(cycle, reviewer):
    implementing_agency = fe.agency("某咨询评估院", "110000")
    task = fe.make_task(cycle, reviewer, entities=[implementing_agency])
    with pytest.raises(ValidationError) as exc:
        fe.commission(cycle, reviewer, implementing_agency, [task])
    assert exc.value.message_dict == {
        "agency": [f"{task}：“某咨询评估院”是该任务的实施主体，不能评估自己承担的任务。"]
    }
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
        f"{zj}：“浙江省科技评估中心”位于任务所在地区（浙江省），不能评估本地区的任务。"
    ]
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
    response = client.post(
        reverse("evaluation:commission_new"),
        {
            "agency": local.pk,
            "tasks": [zj.pk, js.pk],
            "due_date": "2030-09-30",
            "terms": "按评估大纲开展评估。",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["agency"] == [
        f"{zj}：“浙江省科技评估中心”是该任务的实施主体，不能评估自己承担的任务。"
    ]
    assert "按评估大纲开展评估。" in response.content.decode()  # what was typed stays
    assert Commission.objects.count() == 0


def test_reviewer_commissions_through_the_page(client, cycle, reviewer):
    org = fe.agency()
    task = fe.make_task(cycle, reviewer)
    client.force_login(reviewer)
    response = client.post(
        reverse("evaluation:commission_new"),
        {"agency": org.pk, "tasks": [task.pk], "due_date": "2030-09-30", "terms": "按评估大纲开展评估。"},
    )
    c = Commission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:commission_detail", args=[c.pk])
    assert (c.agency, c.due_date, c.terms, c.created_by) == (
        org,
        datetime.date(2030, 9, 30),
        "按评估大纲开展评估。",
        reviewer,
    )


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
        services.commission_create(
            cycle=cycle,
            agency=fe.agency("某评估院"),
            tasks=[],
            terms="x",
            due_date=datetime.date(2030, 1, 1),
            by=reviewer,
        )


# ------------------------------------------------------------------------------------------------------------
# 撤回委托: a reviewer withdraws a commission the agency has not started; its tasks return to 待评估 and can be
# commissioned again, the agency loses access and is told why; once an assessment is saved it cannot.


@pytest.fixture
def setup_withdraw(cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org, username="ciecc")
    tasks = [
        fe.make_task(cycle, reviewer, region_code="330000", position=1),
        fe.make_task(cycle, reviewer, region_code="320000", position=2),
    ]
    return org, user, tasks, fe.commission(cycle, reviewer, org, tasks)


def test_withdraw_returns_tasks_revokes_access_and_tells_the_agency(client, cycle, reviewer, setup_withdraw):
    org, user, tasks, commission = setup_withdraw
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:commission_detail", args=[commission.pk]))
    assert page.context["can_withdraw"] is True
    response = client.post(
        reverse("evaluation:commission_withdraw", args=[commission.pk]),
        {"reason": "委托机构有误，改为委托国家科技评估中心。"},
    )
    assert response.status_code == 302
    commission.refresh_from_db()
    assert commission.state == CommissionState.WITHDRAWN
    assert (
        commission.history.first().history_change_reason
        == "撤回委托：委托机构有误，改为委托国家科技评估中心。"
    )
    assert [t.state for t in (type(t).objects.get(pk=t.pk) for t in tasks)] == [
        TaskState.PENDING_EVALUATION
    ] * 2
    assert user.has_perm(rules.VIEW_COMMISSION, commission) is False
    assert list(selectors.commissions_visible_to(user)) == []
    assert selectors.assignments(user) == []
    note = Notification.objects.get(recipient=user, kind="commission_withdrawn")
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


def test_no_withdraw_once_the_agency_saved_an_assessment(client, reviewer, setup_withdraw):
    org, user, tasks, commission = setup_withdraw
    services.assessment_save(
        commission=commission, task=tasks[0], by=user, values={"conclusion": "写了一半。"}, upload=None
    )
    with pytest.raises(PermissionDenied) as exc:
        services.commission_withdraw(commission=commission, reason="改派。", by=reviewer)
    assert str(exc.value) == "评估机构已开始填写评估报告，不能撤回委托。"
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:commission_detail", args=[commission.pk]))
    assert page.context["can_withdraw"] is False
    assert 'data-testid="commission-withdraw"' not in page.content.decode()
    assert (
        client.post(
            reverse("evaluation:commission_withdraw", args=[commission.pk]), {"reason": "改派。"}
        ).status_code
        == 403
    )
    commission.refresh_from_db()
    assert commission.state == CommissionState.ACTIVE


def test_a_reason_is_required_and_typed_text_is_kept(client, reviewer, setup_withdraw):
    _org, _user, _tasks, commission = setup_withdraw
    client.force_login(reviewer)
    url = reverse("evaluation:commission_withdraw", args=[commission.pk])
    page = client.post(url, {"reason": "  "})
    assert page.status_code == 200
    assert page.context["withdraw_form"].errors["reason"] == ["请填写撤回理由。"]
    page = client.post(url, {"reason": "理" * 501})
    assert page.context["withdraw_form"].errors["reason"] == [
        "确保该变量包含不超过 500 字符 (目前字符数 501)。"
    ]
    assert "理" * 501 in page.content.decode()
    commission.refresh_from_db()
    assert commission.state == CommissionState.ACTIVE


def test_only_reviewers_withdraw(client, setup_withdraw):
    _org, user, _tasks, commission = setup_withdraw
    with pytest.raises(PermissionDenied):
        services.commission_withdraw(commission=commission, reason="不想评了。", by=user)
    client.force_login(user)
    assert (
        client.post(
            reverse("evaluation:commission_withdraw", args=[commission.pk]), {"reason": "不想评了。"}
        ).status_code
        == 403
    )


# ------------------------------------------------------------------------------------------------------------
# Assessments: PDF-only report checked by content and size, submission locks, reopen only with a
# reviewer's approval, and history keeps every submitted version.

D = fe.Decimal


@pytest.fixture
def setup(cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org, username="ciecc")
    task = fe.make_task(cycle, reviewer)
    c = fe.commission(cycle, reviewer, org, [task])
    return {"org": org, "user": user, "task": task, "commission": c}


def form_data(**overrides):
    data = {
        "score_attainment": "90",
        "score_breakthrough": "85",
        "score_replicability": "88",
        "score_satisfaction": "92",
        "conclusion": "任务完成较好，经验可复制。",
        "recommend_promotion": "on",
    }
    data.update(overrides)
    return data


def test_a_non_pdf_report_is_refused_by_content_with_a_chinese_message(client, setup):
    client.force_login(setup["user"])
    disguised = SimpleUploadedFile("评估报告.pdf", fe.PNG, "application/pdf")  # a PNG named .pdf
    page = client.post(
        reverse("evaluation:assessment_edit", args=[setup["task"].pk]),
        dict(form_data(), report_file=disguised),
    )
    assert page.status_code == 200
    assert page.context["form"].errors["report_file"] == [
        "不支持的文件类型：仅接受 PDF 文件（按文件内容识别，而不是文件名）。"
    ]
    assert "任务完成较好，经验可复制。" in page.content.decode()  # the typed conclusion stays
    assert not hasattr(setup["task"], "assessment") or setup["task"].assessment is None


def test_an_oversized_report_is_refused_with_a_chinese_message(client, setup, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024
    client.force_login(setup["user"])
    big = SimpleUploadedFile("评估报告.pdf", fe.PDF.ljust(2200, b"0"), "application/pdf")
    page = client.post(
        reverse("evaluation:assessment_edit", args=[setup["task"].pk]), dict(form_data(), report_file=big)
    )
    assert page.context["form"].errors["report_file"] == [
        "文件过大（2.1\xa0KB），单个附件不能超过 1.0\xa0KB。"
    ]
    with pytest.raises(ValidationError) as exc:
        services.assessment_save(
            commission=setup["commission"],
            task=setup["task"],
            values={},
            upload=SimpleUploadedFile("r.pdf", fe.PDF.ljust(2200, b"0")),
            by=setup["user"],
        )
    assert exc.value.messages == ["文件过大（2.1\xa0KB），单个附件不能超过 1.0\xa0KB。"]


def test_scores_outside_0_to_100_get_chinese_messages(client, setup):
    client.force_login(setup["user"])
    page = client.post(
        reverse("evaluation:assessment_edit", args=[setup["task"].pk]),
        form_data(score_breakthrough="101", score_satisfaction="-1"),
    )
    errors = page.context["form"].errors
    assert errors["score_breakthrough"] == ["确保该值小于或等于100。"]
    assert errors["score_satisfaction"] == ["确保该值大于或等于0。"]


def test_the_evaluator_saves_uploads_and_submits_through_the_page(client, setup):
    client.force_login(setup["user"])
    url = reverse("evaluation:assessment_edit", args=[setup["task"].pk])
    page = client.get(url)
    assert page.context["form"].initial["score_attainment"] == D(
        "80.00"
    )  # computed first, offered as the score
    response = client.post(url, dict(form_data(), report_file=fe.pdf_upload(), submit="1"))
    a = setup["task"].__class__.objects.get(pk=setup["task"].pk).assessment
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:assessment_detail", args=[a.pk])
    assert (a.state, a.weighted_score, a.grade, a.recommend_promotion) == (
        AssessmentState.SUBMITTED,
        D("88.80"),
        Grade.GOOD,
        True,
    )  # 90×.4+85×.2+88×.25+92×.15
    assert a.report_name == "评估报告.pdf"
    setup["task"].refresh_from_db()
    setup["commission"].refresh_from_db()
    assert setup["task"].state == TaskState.EVALUATED
    assert setup["commission"].state == CommissionState.COMPLETED
    download = client.get(reverse("evaluation:assessment_report", args=[a.pk]))
    assert b"".join(download.streaming_content) == fe.PDF


def test_submission_needs_a_report_every_score_and_a_conclusion(setup):
    a = services.assessment_save(
        commission=setup["commission"],
        task=setup["task"],
        values={"score_attainment": D("80")},
        by=setup["user"],
    )
    with pytest.raises(ValidationError) as exc:
        services.assessment_submit(assessment=a, by=setup["user"])
    assert exc.value.messages == [
        "请上传评估报告（PDF）。",
        "请填写“改革突破性”得分。",
        "请填写“可复制推广性”得分。",
        "请填写“相关方满意度”得分。",
        "请填写评估结论。",
    ]


def test_a_submitted_assessment_cannot_be_edited(client, setup):
    a = fe.submitted_assessment(setup["commission"], setup["task"], setup["user"])
    with pytest.raises(PermissionDenied) as exc:
        services.assessment_save(
            commission=setup["commission"],
            task=setup["task"],
            values={"score_attainment": D("10")},
            by=setup["user"],
        )
    assert str(exc.value) == "评估报告已提交并锁定；如需更正，请申请更正并经国家审核人员同意。"
    client.force_login(setup["user"])
    assert (
        client.post(
            reverse("evaluation:assessment_edit", args=[setup["task"].pk]), form_data(score_attainment="10")
        ).status_code
        == 403
    )
    a.refresh_from_db()
    assert a.score_attainment == D("90.00")


def test_reopen_needs_the_reviewers_approval_and_history_keeps_both_versions(client, setup, reviewer):
    user, task, c = setup["user"], setup["task"], setup["commission"]
    a = fe.submitted_assessment(c, task, user)
    first_file = a.report.name
    with pytest.raises(PermissionDenied):  # the evaluator cannot reopen on their own
        services.assessment_decide_reopen(assessment=a, approve=True, by=user)
    a = services.assessment_request_reopen(assessment=a, reason="满意度调查样本有误，需更正。", by=user)
    with pytest.raises(PermissionDenied):  # still locked while the request waits
        services.assessment_save(commission=c, task=task, values={}, by=user)
    a = services.assessment_decide_reopen(assessment=a, approve=True, by=reviewer)
    task.refresh_from_db()
    assert (a.state, a.version, task.state) == (AssessmentState.DRAFT, 2, TaskState.EVALUATING)
    a = services.assessment_save(
        commission=c,
        task=task,
        values={"score_satisfaction": D("60")},
        upload=fe.pdf_upload(
            "评估报告（更正）.pdf", content=fe.PDF + b"\n% corrected\n"
        ),  # a corrected report
        by=user,
    )
    a = services.assessment_submit(assessment=a, by=user)
    versions = [
        (h.version, h.score_satisfaction, h.weighted_score, h.report_name, h.report == first_file)
        for h in a.history.filter(history_change_reason__startswith="提交评估报告").order_by("history_date")
    ]
    assert versions == [
        (1, D("92.00"), D("88.80"), "评估报告.pdf", True),
        (2, D("60.00"), D("84.00"), "评估报告（更正）.pdf", False),
    ]
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:assessment_detail", args=[a.pk]))
    assert [v.version for v in page.context["versions"]] == [2, 1]


def test_a_refused_reopen_leaves_the_assessment_locked(setup, reviewer):
    a = fe.submitted_assessment(setup["commission"], setup["task"], setup["user"])
    services.assessment_request_reopen(assessment=a, reason="想改一下。", by=setup["user"])
    a = services.assessment_decide_reopen(assessment=a, approve=False, by=reviewer)
    assert (a.state, a.version) == (AssessmentState.SUBMITTED, 1)
    with pytest.raises(PermissionDenied):
        services.assessment_save(
            commission=setup["commission"], task=setup["task"], values={}, by=setup["user"]
        )


def test_reopen_through_the_pages(client, setup, reviewer):
    a = fe.submitted_assessment(setup["commission"], setup["task"], setup["user"])
    client.force_login(setup["user"])
    client.post(reverse("evaluation:assessment_request_reopen", args=[a.pk]), {"reason": "更正满意度得分。"})
    a.refresh_from_db()
    assert (a.state, a.reopen_reason) == (AssessmentState.REOPEN_REQUESTED, "更正满意度得分。")
    assert (
        client.post(
            reverse("evaluation:assessment_decide_reopen", args=[a.pk]), {"decision": "approve"}
        ).status_code
        == 403
    )
    client.force_login(reviewer)
    client.post(reverse("evaluation:assessment_decide_reopen", args=[a.pk]), {"decision": "approve"})
    a.refresh_from_db()
    assert (a.state, a.version) == (AssessmentState.DRAFT, 2)


def _stored(settings, folder):
    import os

    root = os.path.join(settings.MEDIA_ROOT, folder)
    return sorted(os.path.join(d, n) for d, _s, names in os.walk(root) for n in names)


def test_the_same_report_uploaded_twice_is_stored_once(cycle, reviewer, settings):
    """Issue 17 §10: a double upload stores one copy; an earlier version's file uploaded again is reused too."""
    org = fe.agency()
    user = fe.evaluator_user(org)
    task = fe.make_task(cycle, reviewer)
    c = fe.commission(cycle, reviewer, org, [task])
    values = {"conclusion": "草稿"}
    first = services.assessment_save(commission=c, task=task, values=values, upload=fe.pdf_upload(), by=user)
    again = services.assessment_save(
        commission=c, task=task, values=values, upload=fe.pdf_upload("评估报告（重发）.pdf"), by=user
    )
    assert again.report.name == first.report.name
    assert len(_stored(settings, "assessments")) == 1
    other_pdf = fe.PDF.replace(b"trailer", b"%second\ntrailer")
    second = services.assessment_save(
        commission=c, task=task, values=values, upload=fe.pdf_upload(content=other_pdf), by=user
    )
    assert second.report.name != first.report.name
    back = services.assessment_save(commission=c, task=task, values=values, upload=fe.pdf_upload(), by=user)
    assert back.report.name == first.report.name
    assert len(_stored(settings, "assessments")) == 2
    with back.report.open("rb") as handle:
        assert handle.read() == fe.PDF
