"""Assessments: PDF-only report checked by content and size, submission locks, reopen only with a
reviewer's approval, and history keeps every submitted version."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bidding.enums import TaskState
from evaluation import services
from evaluation.enums import AssessmentState, CommissionState, Grade

from . import factories_evaluation as fe

pytestmark = pytest.mark.django_db
D = fe.Decimal


@pytest.fixture
def setup(cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org, username="ciecc")
    task = fe.make_task(cycle, reviewer)
    c = fe.commission(cycle, reviewer, org, [task])
    return {"org": org, "user": user, "task": task, "commission": c}


def form_data(**overrides):
    data = {"score_attainment": "90", "score_breakthrough": "85", "score_replicability": "88",
            "score_satisfaction": "92", "conclusion": "任务完成较好，经验可复制。", "recommend_promotion": "on"}
    data.update(overrides)
    return data


def test_a_non_pdf_report_is_refused_by_content_with_a_chinese_message(client, setup):
    client.force_login(setup["user"])
    disguised = SimpleUploadedFile("评估报告.pdf", fe.PNG, "application/pdf")  # a PNG named .pdf
    page = client.post(reverse("evaluation:assessment_edit", args=[setup["task"].pk]),
                       dict(form_data(), report_file=disguised))
    assert page.status_code == 200
    assert page.context["form"].errors["report_file"] == [
        "不支持的文件类型：仅接受 PDF 文件（按文件内容识别，而不是文件名）。"]
    assert "任务完成较好，经验可复制。" in page.content.decode()  # the typed conclusion stays
    assert not hasattr(setup["task"], "assessment") or setup["task"].assessment is None


def test_an_oversized_report_is_refused_with_a_chinese_message(client, setup, settings):
    settings.PORTAL_MAX_UPLOAD_BYTES = 1024
    client.force_login(setup["user"])
    big = SimpleUploadedFile("评估报告.pdf", fe.PDF.ljust(2200, b"0"), "application/pdf")
    page = client.post(reverse("evaluation:assessment_edit", args=[setup["task"].pk]),
                       dict(form_data(), report_file=big))
    assert page.context["form"].errors["report_file"] == ["文件过大（2.1\xa0KB），单个附件不能超过 1.0\xa0KB。"]
    with pytest.raises(ValidationError) as exc:
        services.assessment_save(commission=setup["commission"], task=setup["task"], values={},
                                 upload=SimpleUploadedFile("r.pdf", fe.PDF.ljust(2200, b"0")), by=setup["user"])
    assert exc.value.messages == ["文件过大（2.1\xa0KB），单个附件不能超过 1.0\xa0KB。"]


def test_scores_outside_0_to_100_get_chinese_messages(client, setup):
    client.force_login(setup["user"])
    page = client.post(reverse("evaluation:assessment_edit", args=[setup["task"].pk]),
                       form_data(score_breakthrough="101", score_satisfaction="-1"))
    errors = page.context["form"].errors
    assert errors["score_breakthrough"] == ["确保该值小于或等于100。"]
    assert errors["score_satisfaction"] == ["确保该值大于或等于0。"]


def test_the_evaluator_saves_uploads_and_submits_through_the_page(client, setup):
    client.force_login(setup["user"])
    url = reverse("evaluation:assessment_edit", args=[setup["task"].pk])
    page = client.get(url)
    assert page.context["form"].initial["score_attainment"] == D("80.00")  # computed first, offered as the score
    response = client.post(url, dict(form_data(), report_file=fe.pdf_upload(), submit="1"))
    a = setup["task"].__class__.objects.get(pk=setup["task"].pk).assessment
    assert response.status_code == 302
    assert response["Location"] == reverse("evaluation:assessment_detail", args=[a.pk])
    assert (a.state, a.weighted_score, a.grade, a.recommend_promotion) == (
        AssessmentState.SUBMITTED, D("88.80"), Grade.GOOD, True)  # 90×.4+85×.2+88×.25+92×.15
    assert a.report_name == "评估报告.pdf"
    setup["task"].refresh_from_db()
    setup["commission"].refresh_from_db()
    assert setup["task"].state == TaskState.EVALUATED
    assert setup["commission"].state == CommissionState.COMPLETED
    download = client.get(reverse("evaluation:assessment_report", args=[a.pk]))
    assert b"".join(download.streaming_content) == fe.PDF


def test_submission_needs_a_report_every_score_and_a_conclusion(setup):
    a = services.assessment_save(commission=setup["commission"], task=setup["task"],
                                 values={"score_attainment": D("80")}, by=setup["user"])
    with pytest.raises(ValidationError) as exc:
        services.assessment_submit(assessment=a, by=setup["user"])
    assert exc.value.messages == ["请上传评估报告（PDF）。", "请填写“改革突破性”得分。", "请填写“可复制推广性”得分。",
                                  "请填写“相关方满意度”得分。", "请填写评估结论。"]


def test_a_submitted_assessment_cannot_be_edited(client, setup):
    a = fe.submitted_assessment(setup["commission"], setup["task"], setup["user"])
    with pytest.raises(PermissionDenied) as exc:
        services.assessment_save(commission=setup["commission"], task=setup["task"],
                                 values={"score_attainment": D("10")}, by=setup["user"])
    assert str(exc.value) == "评估报告已提交并锁定；如需更正，请申请更正并经国家审核人员同意。"
    client.force_login(setup["user"])
    assert client.post(reverse("evaluation:assessment_edit", args=[setup["task"].pk]),
                       form_data(score_attainment="10")).status_code == 403
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
    a = services.assessment_save(commission=c, task=task, values={"score_satisfaction": D("60")},
                                 upload=fe.pdf_upload("评估报告（更正）.pdf"), by=user)
    a = services.assessment_submit(assessment=a, by=user)
    versions = [(h.version, h.score_satisfaction, h.weighted_score, h.report_name, h.report == first_file)
                for h in a.history.filter(history_change_reason__startswith="提交评估报告").order_by("history_date")]
    assert versions == [(1, D("92.00"), D("88.80"), "评估报告.pdf", True),
                        (2, D("60.00"), D("84.00"), "评估报告（更正）.pdf", False)]
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:assessment_detail", args=[a.pk]))
    assert [v.version for v in page.context["versions"]] == [2, 1]


def test_a_refused_reopen_leaves_the_assessment_locked(setup, reviewer):
    a = fe.submitted_assessment(setup["commission"], setup["task"], setup["user"])
    services.assessment_request_reopen(assessment=a, reason="想改一下。", by=setup["user"])
    a = services.assessment_decide_reopen(assessment=a, approve=False, by=reviewer)
    assert (a.state, a.version) == (AssessmentState.SUBMITTED, 1)
    with pytest.raises(PermissionDenied):
        services.assessment_save(commission=setup["commission"], task=setup["task"], values={}, by=setup["user"])


def test_reopen_through_the_pages(client, setup, reviewer):
    a = fe.submitted_assessment(setup["commission"], setup["task"], setup["user"])
    client.force_login(setup["user"])
    client.post(reverse("evaluation:assessment_request_reopen", args=[a.pk]), {"reason": "更正满意度得分。"})
    a.refresh_from_db()
    assert (a.state, a.reopen_reason) == (AssessmentState.REOPEN_REQUESTED, "更正满意度得分。")
    assert client.post(reverse("evaluation:assessment_decide_reopen", args=[a.pk]),
                       {"decision": "approve"}).status_code == 403
    client.force_login(reviewer)
    client.post(reverse("evaluation:assessment_decide_reopen", args=[a.pk]), {"decision": "approve"})
    a.refresh_from_db()
    assert (a.state, a.version) == (AssessmentState.DRAFT, 2)
