"""Every write of stage 4: one function per action, in a transaction, checking permission and state on
the server (views, admin and tests all call these)."""

import datetime
from collections.abc import Iterable, Mapping
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Field
from django.db.models.fields.files import FieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from bidding.enums import TaskState
from bidding.models import Task
from bidding.transitions import TASK
from reform_portal.enums import Role
from reform_portal.models import Organization, ReformCycle, Region, User
from reform_portal.notifications import notify
from reform_portal.services import check_revision, organization_group
from reform_portal.services import check_rule as _check
from reform_portal.services import save_with_history as _save
from reform_portal.transitions import transition
from reform_portal.uploads import same_stored_file, stored_name, validate_upload

from . import handoffs, rules
from .enums import AssessmentState, CommissionState, OutcomeState
from .models import Assessment, Commission, EvaluationScheme, Incentive, Outcome
from .transitions import ASSESSMENT, COMMISSION, OUTCOME, RESULTS

OUTCOME_FIELDS = ["title", "summary", "problem_solved", "how_to_replicate", "applicable_scope"]
SCORE_FIELDS = ["score_attainment", "score_breakthrough", "score_replicability", "score_satisfaction"]


def _task_transition(task: Task, action: str, by: User, reason: str) -> None:
    transition(task, action, by, flow=TASK)
    _save(task, by, reason)


# ---- scheme ------------------------------------------------------------------------------------


def scheme_for(cycle: ReformCycle) -> EvaluationScheme:
    """The cycle's weights and cut-offs (the defaults until a reviewer changes them)."""
    scheme = EvaluationScheme.objects.filter(cycle=cycle).first()
    return scheme or EvaluationScheme(cycle=cycle)


def scheme_update(
    *, cycle: ReformCycle, values: Mapping[str, Any], by: User, revision: int | None = None
) -> EvaluationScheme:
    """``revision``: the version the reviewer loaded (0 = the defaults, no row yet); a colleague's save in between
    is refused, not overwritten."""
    if not rules.is_reviewer(by):
        raise PermissionDenied(_("只有国家审核人员可以设置评估权重和等次分数线。"))
    with transaction.atomic():
        ReformCycle.objects.select_for_update().filter(pk=cycle.pk).first()  # two first saves: one row
        scheme = EvaluationScheme.objects.select_for_update().filter(cycle=cycle).first()
        if revision is not None:
            if scheme is None and int(revision) != 0:
                raise ValidationError(_("页面已过期，请刷新后重新修改。"), code="stale")
            if scheme is not None:
                check_revision(scheme, revision, _("评估权重和等次分数线"))
        if scheme is None:
            scheme = EvaluationScheme(cycle=cycle)
        else:
            scheme.revision += 1
        for name, value in values.items():
            if name == "revision":
                continue
            setattr(scheme, name, value)
        scheme.full_clean()
        _save(scheme, by, "设置评估权重和等次分数线")
    return scheme


# ---- commissions -------------------------------------------------------------------------------


def commission_create(
    *,
    cycle: ReformCycle,
    agency: Organization,
    tasks: Iterable[Task],
    due_date: datetime.date,
    terms: str,
    by: User,
) -> Commission:
    """委托: tasks in 待评估 go to 评估中; the agency's users may then read them (guardian grant)."""
    if not terms or not terms.strip():
        raise ValidationError({"terms": _("请填写委托事项与评估要求。")})
    task_ids = [t.pk for t in tasks]
    if not task_ids:
        raise ValidationError({"tasks": _("请至少选择一项待评估任务。")})
    with transaction.atomic():
        locked = list(Task.objects.select_for_update().filter(pk__in=task_ids).order_by("pk"))
        locked = list(
            Task.objects.filter(pk__in=[t.pk for t in locked])
            .select_related("region", "entry")
            .prefetch_related("entities")
            .order_by("region__code", "entry__position")
        )
        for task in locked:
            _check(rules.can_commission(by, task))
            if task.cycle_id != cycle.pk:
                raise ValidationError({"tasks": _("任务“%(t)s”不属于本年度。") % {"t": task}})
        problems = rules.conflicts(agency, locked)
        if problems:
            raise ValidationError({"agency": [f"{task}：{reason}" for task, reason in problems]})
        commission = Commission(
            cycle=cycle, agency=agency, due_date=due_date, terms=terms.strip(), created_by=by
        )
        _save(commission, by, f"委托{agency}评估{len(locked)}项任务")
        commission.tasks.set(locked)
        assign_perm(rules.VIEW_COMMISSION, organization_group(agency), commission)
        for task in locked:
            _task_transition(task, "commission", by, f"委托第三方评估：{agency}")
        handoffs.commissioned(commission, locked, by=by)
    return commission


def commission_withdraw(*, commission: Commission, reason: str, by: User) -> Commission:
    """撤回委托 (wrong agency, changed terms): its tasks return to 待评估 to be commissioned again, the agency
    loses access and its users are told why. Refused once the agency has saved an assessment."""
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("请填写撤回理由。")})
    with transaction.atomic():
        commission = (
            Commission.objects.select_for_update(of=("self",)).select_related("agency").get(pk=commission.pk)
        )
        _check(rules.can_withdraw_commission(by, commission))
        tasks = list(
            Task.objects.select_for_update()
            .filter(commissions=commission, state=TaskState.EVALUATING)
            .order_by("pk")
        )
        transition(commission, "withdraw", by, flow=COMMISSION)
        _save(commission, by, f"撤回委托：{reason.strip()}")
        remove_perm(rules.VIEW_COMMISSION, organization_group(commission.agency), commission)
        for task in tasks:
            _task_transition(task, "withdraw_commission", by, f"撤回委托{commission.agency}")
        recipients = User.objects.filter(
            organization=commission.agency, groups__name=Role.EVALUATOR, is_active=True
        )
        notify(
            recipients=recipients,
            kind="commission_withdrawn",
            key=f"commission_withdrawn:evaluation.commission-{commission.pk}:withdrawn",
            title=_("评估委托已撤回：%(n)s项任务") % {"n": len(tasks)},
            body=_("国家审核人员撤回了%(d)s委托贵单位的评估（%(t)s）。理由：%(r)s")
            % {
                "d": timezone.localtime(commission.created_at).date(),
                "t": "、".join(str(t) for t in tasks) or "—",
                "r": reason.strip(),
            },
            url=reverse("evaluation:assignments"),
        )
    return commission


# ---- assessments -------------------------------------------------------------------------------


def _locked_assessment(pk: int) -> Assessment:
    return (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("commission", "task__cycle")
        .get(pk=pk)
    )


def assessment_save(
    *,
    commission: Commission,
    task: Task,
    values: Mapping[str, Any],
    upload: UploadedFile | None = None,
    by: User,
    revision: int | None = None,
) -> Assessment:
    """Save the draft: scores, conclusion, recommendation and (optionally) a new PDF report.
    The attainment computed from the task's targets, the weighted score and the grade are derived here.
    ``revision``: the version the evaluator loaded (0 = none yet; the form sends it); a colleague's save in
    between is refused, not overwritten. The task row is locked, so two first saves cannot both create one."""
    if upload is not None:
        validate_upload(upload, kinds=("pdf",))
    with transaction.atomic():
        if not commission.tasks.filter(pk=task.pk).exists():
            raise PermissionDenied(_("该任务不在本次委托范围内。"))
        Task.objects.select_for_update().get(pk=task.pk)
        assessment = Assessment.objects.select_for_update().filter(task=task).first()
        if assessment is not None and assessment.commission_id != commission.pk:
            raise PermissionDenied(_("该任务的评估属于另一项委托。"))
        _check(rules.can_edit_assessment(by, commission, assessment))
        if revision is not None:
            if assessment is None and int(revision) != 0:
                raise ValidationError(_("页面已过期，请刷新后重新修改。"), code="stale")
            if assessment is not None:
                check_revision(assessment, revision, _("评估报告"))
        if assessment is None:
            assessment = Assessment(commission=commission, task=task)
        else:
            assessment.revision += 1
        for name in [*SCORE_FIELDS, "conclusion", "recommend_promotion"]:
            if name in values:
                setattr(assessment, name, values[name])
        _derive(assessment, task)
        if upload is not None:
            # validate_upload accepted the file, so it has a name and a size.
            assert upload.name is not None and upload.size is not None
            # The earlier file is kept: the history of a submitted version still points at it. The same file
            # uploaded again (this version's or an earlier version's) is not stored twice: the row points at it.
            earlier = [assessment.report] if assessment.report else []
            if assessment.pk:
                names = assessment.history.exclude(report="").values_list("report", flat=True).distinct()
                field = Assessment._meta.get_field("report")
                earlier += [
                    FieldFile(assessment, field, name)  # the history keeps the names
                    for name in sorted(set(names))
                    if name != assessment.report.name
                ]
            same = same_stored_file(upload, earlier)
            if same is not None:
                assessment.report.name = same.name
            else:
                assessment.report.save(stored_name(f"assessments/{task.pk}", upload.name), upload, save=False)
            assessment.report_name = upload.name[:200]
            assessment.report_size = upload.size
        _save(assessment, by, "保存评估报告" + ("（上传报告文件）" if upload is not None else ""))
    return assessment


def _derive(assessment: Assessment, task: Task) -> None:
    scheme = scheme_for(task.cycle)
    assessment.computed_attainment = rules.target_attainment(task.targets.all())
    assessment.weighted_score = rules.weighted_score(assessment.scores(), scheme.weights())
    assessment.grade = rules.grade_for(assessment.weighted_score, scheme)


def submission_problems(assessment: Assessment) -> list[str]:
    problems = []
    if not assessment.report:
        problems.append(_("请上传评估报告（PDF）。"))
    for name in SCORE_FIELDS:
        if getattr(assessment, name) is None:
            label = cast(Field, Assessment._meta.get_field(name)).verbose_name  # SCORE_FIELDS are concrete
            problems.append(_("请填写“%(f)s”得分。") % {"f": label})
    if not assessment.conclusion.strip():
        problems.append(_("请填写评估结论。"))
    return problems


def assessment_submit(*, assessment: Assessment, by: User) -> Assessment:
    """提交: the assessment is locked and the task becomes 已评估."""
    with transaction.atomic():
        assessment = _locked_assessment(assessment.pk)
        _check(rules.can_edit_assessment(by, assessment.commission, assessment))
        _derive(assessment, assessment.task)
        problems = submission_problems(assessment)
        if problems:
            raise ValidationError(problems)
        transition(assessment, "submit", by, flow=ASSESSMENT)
        assessment.submitted_at, assessment.submitted_by = timezone.now(), by
        assessment.reopen_reason, assessment.reopen_requested_by = "", None
        _save(assessment, by, f"提交评估报告（第{assessment.version}版，{assessment.get_grade_display()}）")
        task = Task.objects.select_for_update().get(pk=assessment.task_id)
        _task_transition(task, "assess", by, "第三方评估完成")
        commission = Commission.objects.select_for_update().get(pk=assessment.commission_id)
        open_tasks = commission.tasks.exclude(pk=task.pk).exclude(
            assessment__state__in=[AssessmentState.SUBMITTED, AssessmentState.REOPEN_REQUESTED]
        )
        if not open_tasks.exists() and commission.state != CommissionState.COMPLETED:
            transition(commission, "complete", by, flow=COMMISSION)
            _save(commission, by, "全部任务评估完成")
        handoffs.assessment_submitted(assessment, by=by)
    return assessment


def assessment_request_reopen(*, assessment: Assessment, reason: str, by: User) -> Assessment:
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("请说明需要更正的内容和理由。")})
    with transaction.atomic():
        assessment = _locked_assessment(assessment.pk)
        _check(rules.can_request_reopen(by, assessment))
        transition(assessment, "request_reopen", by, flow=ASSESSMENT)
        assessment.reopen_reason, assessment.reopen_requested_by = reason.strip(), by
        _save(assessment, by, f"申请更正：{reason.strip()[:80]}")
    return assessment


def assessment_decide_reopen(*, assessment: Assessment, approve: bool, by: User) -> Assessment:
    """The reviewer approves (back to 填写中 as a new version; the task returns to 评估中) or refuses."""
    with transaction.atomic():
        assessment = _locked_assessment(assessment.pk)
        _check(rules.can_decide_reopen(by, assessment))
        if approve:
            transition(assessment, "approve_reopen", by, flow=ASSESSMENT)
            assessment.version += 1
            _save(assessment, by, f"同意更正，开始第{assessment.version}版")
            task = Task.objects.select_for_update().get(pk=assessment.task_id)
            _task_transition(task, "reopen_assessment", by, "评估报告更正中")
            commission = Commission.objects.select_for_update().get(pk=assessment.commission_id)
            if commission.state != CommissionState.ACTIVE:
                transition(commission, "reopen", by, flow=COMMISSION)
                _save(commission, by, "评估报告更正中")
        else:
            transition(assessment, "refuse_reopen", by, flow=ASSESSMENT)
            _save(assessment, by, "不同意更正")
    return assessment


# ---- outcomes ----------------------------------------------------------------------------------


def outcome_create(*, task: Task, values: Mapping[str, Any], by: User) -> Outcome:
    with transaction.atomic():
        task = (
            Task.objects.select_for_update(of=("self",))
            .select_related("entry", "region", "cycle")
            .get(pk=task.pk)
        )
        _check(rules.can_create_outcome(by, task))
        outcome = Outcome(
            task=task, cycle=task.cycle, region=task.region, area=task.entry.area, created_by=by
        )
        for name in OUTCOME_FIELDS:
            setattr(outcome, name, values[name])
        _save(outcome, by, "整理可复制推广的改革成果")
    return outcome


def outcome_update(
    *, outcome: Outcome, values: Mapping[str, Any], by: User, revision: int | None = None
) -> Outcome:
    """``revision``: the version the reviewer loaded (the form sends it); a colleague's save in between wins."""
    if not rules.is_reviewer(by):
        raise PermissionDenied(_("只有国家审核人员可以修改改革成果。"))
    with transaction.atomic():
        outcome = Outcome.objects.select_for_update().get(pk=outcome.pk)
        if revision is not None:
            check_revision(outcome, revision, _("改革成果"))
        transition(outcome, "edit", by, flow=OUTCOME)
        outcome.revision += 1
        for name in OUTCOME_FIELDS:
            if name in values:
                setattr(outcome, name, values[name])
        _save(outcome, by, "修改改革成果")
    return outcome


def outcome_publish(*, outcome: Outcome, by: User) -> Outcome:
    if not rules.is_reviewer(by):
        raise PermissionDenied(_("只有国家审核人员可以发布改革成果。"))
    with transaction.atomic():
        outcome = Outcome.objects.select_for_update().get(pk=outcome.pk)
        if outcome.state == OutcomeState.PUBLISHED:
            return outcome
        transition(outcome, "publish", by, flow=OUTCOME)
        outcome.published_at, outcome.published_by = timezone.now(), by
        _save(outcome, by, "发布到改革成果库")
        handoffs.outcome_published(outcome, by=by)
    return outcome


def outcome_unpublish(*, outcome: Outcome, by: User) -> Outcome:
    if not rules.is_reviewer(by):
        raise PermissionDenied(_("只有国家审核人员可以撤回改革成果。"))
    with transaction.atomic():
        outcome = Outcome.objects.select_for_update().get(pk=outcome.pk)
        if outcome.state == OutcomeState.DRAFT:
            return outcome
        transition(outcome, "unpublish", by, flow=OUTCOME)
        outcome.published_at = outcome.published_by = None
        _save(outcome, by, "从改革成果库撤回")
    return outcome


# ---- incentives --------------------------------------------------------------------------------


def incentive_create(
    *,
    cycle: ReformCycle,
    kind: str,
    reason: str,
    region: Region | None = None,
    organization: Organization | None = None,
    tasks: Iterable[Task] = (),
    by: User,
) -> Incentive:
    if not rules.is_reviewer(by):
        raise PermissionDenied(_("只有国家审核人员可以登记激励。"))
    if region is None and organization is None:
        raise ValidationError({"region": _("请选择受激励的地区或单位（至少一项）。")})
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("请填写激励理由。")})
    tasks = list(tasks)
    for task in tasks:
        if task.cycle_id != cycle.pk:
            raise ValidationError({"tasks": _("任务“%(t)s”不属于本年度。") % {"t": task}})
    with transaction.atomic():
        if (
            Incentive.objects.select_for_update()
            .filter(cycle=cycle, kind=kind, reason=reason.strip(), region=region, organization=organization)
            .exists()
        ):
            raise ValidationError(_("该激励已登记，请勿重复登记。"))
        incentive = Incentive(
            cycle=cycle,
            kind=kind,
            reason=reason.strip(),
            region=region,
            organization=organization,
            granted_by=by,
        )
        _save(incentive, by, f"登记激励：{incentive.get_kind_display()}")
        incentive.tasks.set(tasks)
        handoffs.incentive_granted(incentive, by=by)
    return incentive


# ---- publishing the year's results (issue 17 §10) ------------------------------------------------------------


def results_unassessed(cycle: ReformCycle) -> list[str]:
    """The year's tasks without a submitted assessment (listed on the 公布评估结果 confirmation page)."""
    from .selectors import SUBMITTED

    tasks = (
        Task.objects.filter(cycle=cycle)
        .exclude(assessment__state__in=SUBMITTED)
        .select_related("region", "entry")
        .order_by("region__code", "entry__number", "pk")
        .distinct()
    )
    return [f"{t.region}{t.entry.number}“{t.entry.title}”" for t in tasks]


def results_publish(*, cycle: ReformCycle, by: User, reason: str = "") -> ReformCycle:
    """公布评估结果: the public ranking and API show the year from now on. Tasks still unassessed (listed on the
    confirmation page) need a reason, kept in the year's history; the regions with tasks are told."""
    if not rules.is_reviewer(by):
        raise PermissionDenied(_("只有国家审核人员可以公布评估结果。"))
    reason = (reason or "").strip()
    with transaction.atomic():
        cycle = ReformCycle.objects.select_for_update().get(pk=cycle.pk)
        transition(cycle, "publish", by, flow=RESULTS)
        if not Task.objects.filter(cycle=cycle).exists():
            raise ValidationError(_("该年度没有揭榜任务，没有可公布的评估结果。"))
        unassessed = results_unassessed(cycle)
        if unassessed and not reason:
            raise ValidationError(
                {"reason": _("尚有%(n)s项任务未提交评估报告，请填写理由后再公布。") % {"n": len(unassessed)}}
            )
        _save(cycle, by, "公布评估结果" + (f"：{reason}" if reason else ""))
        handoffs.results_published(cycle, by=by)
    return cycle


def results_unpublish(*, cycle: ReformCycle, by: User, reason: str) -> ReformCycle:
    """撤回公布 (a correction): the public pages show the year as not published again; the reason is kept."""
    if not rules.is_reviewer(by):
        raise PermissionDenied(_("只有国家审核人员可以撤回公布。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤回理由。")})
    with transaction.atomic():
        cycle = ReformCycle.objects.select_for_update().get(pk=cycle.pk)
        transition(cycle, "unpublish", by, flow=RESULTS)
        _save(cycle, by, f"撤回公布评估结果：{reason}")
    return cycle
