"""Notice 四: after the letter the region details the plan (时间表·路线图·责任人, quantified targets), reports
progress append-only, raises coordination requests, and files a completion summary (→ 待评估)."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bidding import services
from bidding.enums import MilestoneStatus, TaskState
from bidding.models import ProgressReport
from reform_portal.enums import OrgKind

from . import factories as f
from . import factories_bidding as fb

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def task(region_a_drc, region_a_std, reviewer):
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    return fb.allocated(cycle, reviewer, region_a_drc, region_a_std, entries)[0]


@pytest.fixture
def running(task, region_a_drc):
    services.milestone_add(task=task, fields=fb.milestone_fields(days=30, title="出台办法"), by=region_a_drc)
    services.milestone_add(task=task, fields=fb.milestone_fields(days=90, title="首批试点"), by=region_a_drc)
    services.target_add(task=task, fields=fb.target_fields(), by=region_a_drc)
    return services.plan_confirm(task=task, by=region_a_drc)


def ids(task):
    return [m.pk for m in task.milestones.all()], [t.pk for t in task.targets.all()]


def report(task, by, *, days_ago=1, values=(Decimal("40"),), statuses=("on_track", "on_track"), **kwargs):
    milestones, targets = ids(task)
    return services.report_file(
        task=task, by=by, period_end=timezone.localdate() - datetime.timedelta(days=days_ago),
        narrative=kwargs.pop("narrative", "已出台办法征求意见稿。"),
        actuals=dict(zip(targets, values, strict=True)),
        statuses={pk: (s, "") for pk, s in zip(milestones, statuses, strict=True)}, **kwargs)


def test_the_plan_waits_for_the_letter(region_a_drc, region_a_std, reviewer):
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    task = fb.awarded_tasks(cycle, reviewer, region_a_drc, region_a_std, entries)[0]
    with pytest.raises(PermissionDenied) as err:
        services.milestone_add(task=task, fields=fb.milestone_fields(), by=region_a_drc)
    assert str(err.value) == "揭榜任务通知书下达后方可细化实施方案。"


def test_confirmation_needs_a_milestone_and_a_target(task, region_a_drc):
    with pytest.raises(ValidationError) as err:
        services.plan_confirm(task=task, by=region_a_drc)
    assert err.value.messages == ["请至少填写一个里程碑（时间表·路线图·责任人）。", "请至少填写一个可量化、可考核的目标。"]
    services.milestone_add(task=task, fields=fb.milestone_fields(), by=region_a_drc)
    with pytest.raises(ValidationError) as err:
        services.plan_confirm(task=task, by=region_a_drc)
    assert err.value.messages == ["请至少填写一个可量化、可考核的目标。"]
    services.target_add(task=task, fields=fb.target_fields(), by=region_a_drc)
    task = services.plan_confirm(task=task, by=region_a_drc)
    assert task.state == TaskState.IN_PROGRESS and task.plan_confirmed_at is not None


def test_a_confirmed_plan_is_frozen(running, region_a_drc):
    with pytest.raises(PermissionDenied) as err:
        services.target_add(task=running, fields=fb.target_fields(), by=region_a_drc)
    assert str(err.value) == "实施方案已确认，不能再修改。"


def test_the_plan_page_keeps_bad_input_with_chinese_errors(client, task, region_a_drc):
    client.force_login(region_a_drc)
    page = client.post(reverse("bidding:milestone_add", args=[task.pk]), {
        "m-title": "出台实施办法", "m-due_date": "明年", "m-deliverable": "办法", "m-responsible_name": "李明",
        "m-responsible_post": "处长", "m-responsible_phone": "abc"})
    assert page.status_code == 200
    form = page.context["milestone_form"]
    assert form.errors["due_date"] == ["输入一个有效的日期。"]
    assert form.errors["responsible_phone"] == ["请填写有效的电话号码（数字、空格、+、-、括号，7—30位）。"]
    assert 'value="出台实施办法"' in page.content.decode()
    page = client.post(reverse("bidding:target_add", args=[task.pk]), {
        "t-indicator": "赋权成果数", "t-unit": "项", "t-baseline": "10", "t-target": "10"})
    assert page.context["target_form"].errors["target"] == ["目标值须与基期值不同，才能考核。"]


def test_entities_must_be_implementing_organizations_of_the_region(task, region_a_drc):
    js_company = f.OrganizationFactory(name="南京某企业", kind=OrgKind.ENTERPRISE, region=f.region("320000"))
    with pytest.raises(ValidationError):
        services.plan_set_entities(task=task, organizations=[js_company], by=region_a_drc)
    with pytest.raises(ValidationError):
        services.plan_set_entities(task=task, organizations=[region_a_drc.organization], by=region_a_drc)


def test_a_report_sets_latest_values_and_statuses(running, region_a_drc):
    report(running, region_a_drc, values=(Decimal("40"),), statuses=("done", "at_risk"))
    target = running.targets.get()
    assert target.latest_actual == Decimal("40") and target.attainment == 0.4
    assert [m.status for m in running.milestones.all()] == [MilestoneStatus.DONE, MilestoneStatus.AT_RISK]


def test_reports_are_append_only(running, region_a_drc):
    first = report(running, region_a_drc, days_ago=10, statuses=("done", "on_track"))
    with pytest.raises(ValidationError) as err:
        report(running, region_a_drc, days_ago=10)
    assert err.value.message_dict["period_end"] == [
        f"报告期须晚于上一期报告（截至{first.period_end}），已报送的进展不能修改。"]
    with pytest.raises(ValidationError) as err:
        report(running, region_a_drc, days_ago=2, statuses=("late", "on_track"))
    assert err.value.message_dict["statuses"] == ["里程碑“出台办法”已报告完成，不能改变已报送的进展。"]
    report(running, region_a_drc, days_ago=2, values=(Decimal("55"),), statuses=("done", "late"))
    assert ProgressReport.objects.filter(task=running).count() == 2
    first.refresh_from_db()
    assert [a.value for a in first.actuals.all()] == [Decimal("40.00")]  # the earlier report is untouched


def test_report_dates_must_be_sane(running, region_a_drc):
    with pytest.raises(ValidationError) as err:
        report(running, region_a_drc, days_ago=-1)
    assert err.value.message_dict["period_end"] == ["报告期截至日期不能晚于今天。"]


def test_actual_values_must_be_numeric_on_the_form(client, running, region_a_drc):
    milestones, targets = ids(running)
    client.force_login(region_a_drc)
    data = {"period_end": timezone.localdate().isoformat(), "narrative": "进展顺利", f"actual_{targets[0]}": "四十",
            **{f"status_{pk}": "on_track" for pk in milestones}}
    page = client.post(reverse("bidding:report_new", args=[running.pk]), data)
    assert page.status_code == 200
    assert page.context["form"].errors[f"actual_{targets[0]}"] == ["实际值须为数字。"]
    assert "进展顺利" in page.content.decode()
    assert ProgressReport.objects.count() == 0


def test_the_report_form_offers_today_in_the_format_a_date_input_reads(client, running, region_a_drc):
    client.force_login(region_a_drc)
    page = client.get(reverse("bidding:report_new", args=[running.pk]))
    assert f'name="period_end" value="{timezone.localdate().isoformat()}"' in page.content.decode()


def test_attachments_are_checked_by_content(running, region_a_drc):
    fake = SimpleUploadedFile("进展.pdf", b"MZ\x90\x00 not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError) as err:
        report(running, region_a_drc, uploads=[fake])
    assert err.value.messages == ["不支持的文件类型：仅接受 PDF、DOCX、XLSX、PNG、JPG 文件（按文件内容识别，而不是文件名）。"]
    good = SimpleUploadedFile("进展.pdf", PDF, content_type="application/pdf")
    r = report(running, region_a_drc, uploads=[good])
    assert [(a.original_name, a.kind) for a in r.attachments.all()] == [("进展.pdf", "pdf")]


def test_an_implementer_named_in_the_plan_reports_progress(task, region_a_drc, implementer):
    services.plan_set_entities(task=task, organizations=[implementer.organization], by=region_a_drc)
    fb.confirmed_plan(task, region_a_drc)
    r = services.report_file(task=task, by=implementer, period_end=timezone.localdate(), narrative="学校完成赋权。",
                             actuals={task.targets.get().pk: Decimal("12")},
                             statuses={task.milestones.get().pk: ("on_track", "")})
    assert r.submitted_by == implementer


def test_coordination_requests_are_answered_by_reviewers(running, region_a_drc, reviewer):
    req = services.coordination_raise(task=running, subject="国有资产管理", detail="需财政部明确赋权成果管理口径。",
                                      by=region_a_drc)
    with pytest.raises(PermissionDenied):
        services.coordination_answer(request=req, answer="好", by=region_a_drc)
    req = services.coordination_answer(request=req, answer="已商财政部，按试点政策执行。", by=reviewer)
    assert (req.answer, req.answered_by) == ("已商财政部，按试点政策执行。", reviewer)


def test_completion_summary_needs_every_milestone_done(running, region_a_drc):
    with pytest.raises(PermissionDenied) as err:
        services.summary_file(task=running, achieved="完成", replicable="经验", by=region_a_drc)
    assert str(err.value) == "全部里程碑完成后方可报送完成总结。"
    report(running, region_a_drc, values=(Decimal("120"),), statuses=("done", "done"))
    task = services.summary_file(task=running, achieved="赋权成果120项，超额完成。", replicable="单列管理赋权成果。",
                                 by=region_a_drc)
    assert task.state == TaskState.PENDING_EVALUATION
    with pytest.raises(PermissionDenied):
        report(running, region_a_drc, days_ago=0, statuses=("done", "done"))
