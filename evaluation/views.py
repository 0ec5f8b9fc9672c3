"""Pages of stage 4. Thin: look up through a permission-filtered selector (404 when not visible), check
the rule, call a service, render. Reviewer-only pages answer 403 to other roles."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bidding.models import Task
from reform_portal.enums import Role
from reform_portal.forms import add_revision_field, parse_id
from reform_portal.models import ReformCycle
from reform_portal.pagination import paginate
from reform_portal.permissions import role_required
from reform_portal.services import current_cycle
from reform_portal.uploads import clean_display_name

from . import exports, rules, selectors, services
from .enums import INDICATORS, Grade, OutcomeState
from .forms import (
    AssessmentForm,
    CommissionForm,
    CommissionWithdrawForm,
    IncentiveForm,
    LibrarySearchForm,
    OutcomeForm,
    ReopenRequestForm,
    SchemeForm,
)
from .models import Outcome

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cycle_or_404():
    cycle = current_cycle()
    if cycle is None:
        raise Http404
    return cycle


def _errors_to_form(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                for message in error.messages:
                    form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _messages(request, exc):
    for message in exc.messages:
        messages.error(request, message)


# ---- commissions (reviewer) --------------------------------------------------------------------

@login_required
@require_GET
def commissions(request):
    """Reviewers: every commission of the cycle. Evaluators are sent to their own list."""
    if not rules.is_reviewer(request.user):
        if rules.is_evaluator(request.user):
            return redirect("evaluation:assignments")
        raise PermissionDenied
    cycle = _cycle_or_404()
    return render(request, "evaluation/commissions.html", {
        "cycle": cycle,
        "commissions": list(selectors.commission_list(request.user, cycle)),
        "n_pending": selectors.pending_tasks(cycle).count(),
    })


def _independence_matrix(tasks, agencies):
    """Per task, the agencies that may not evaluate it and why (shown beside the form)."""
    rows = []
    for task in tasks:
        blocked = []
        for agency in agencies:
            ok, reason = rules.independence(agency, task)
            if not ok:
                blocked.append(reason)
        rows.append({"task": task, "blocked": blocked})
    return rows


@role_required(Role.NATIONAL_REVIEWER)
def commission_new(request):
    cycle = _cycle_or_404()
    form = CommissionForm(request.POST or None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            commission = services.commission_create(cycle=cycle, agency=data["agency"], tasks=list(data["tasks"]),
                                                    due_date=data["due_date"], terms=data["terms"], by=request.user)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已委托%(a)s评估%(n)s项任务。") % {
                "a": commission.agency, "n": len(data["tasks"])})
            return redirect("evaluation:commission_detail", pk=commission.pk)
    tasks = list(form.fields["tasks"].queryset)
    agencies = list(form.fields["agency"].queryset)
    rows = _independence_matrix(tasks, agencies)
    checkboxes = {str(cb.data["value"]): cb for cb in form["tasks"]}
    rows = [dict(row, checkbox=checkboxes[str(row["task"].pk)]) for row in rows if str(row["task"].pk) in checkboxes]
    return render(request, "evaluation/commission_form.html", {"cycle": cycle, "form": form, "task_rows": rows})


@login_required
@require_GET
def commission_detail(request, pk):
    commission = selectors.commission_detail(request.user, pk)
    if commission is None:
        raise Http404
    return _commission_page(request, commission, CommissionWithdrawForm())


def _commission_page(request, commission, withdraw_form, status=200):
    return render(request, "evaluation/commission_detail.html", {
        "commission": commission, "tasks": list(commission.tasks.all()),
        "is_reviewer": rules.is_reviewer(request.user),
        "can_withdraw": rules.can_withdraw_commission(request.user, commission)[0], "withdraw_form": withdraw_form,
    }, status=status)


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def commission_withdraw(request, pk):
    commission = selectors.commission_detail(request.user, pk)
    if commission is None:
        raise Http404
    allowed, reason = rules.can_withdraw_commission(request.user, commission)
    if not allowed:
        raise PermissionDenied(reason)
    form = CommissionWithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.commission_withdraw(commission=commission, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("已撤回委托，相关任务恢复为待评估，可重新委托。"))
            return redirect("evaluation:commission_detail", pk=commission.pk)
    return _commission_page(request, commission, form)


# ---- evaluator ---------------------------------------------------------------------------------

@role_required(Role.EVALUATOR)
@require_GET
def assignments(request):
    page, query = paginate(request, selectors.assignment_links(request.user))
    return render(request, "evaluation/assignments.html", {
        "page": page, "query": query, "rows": selectors.assignment_rows(page.object_list)})


def _task_or_404(user, pk):
    task = selectors.task_dossier(user, pk)
    if task is None:
        raise Http404
    return task


@login_required
@require_GET
def task_detail(request, pk):
    """The dossier an evaluator works from: plan, targets, progress reports, summary, attachments."""
    task = _task_or_404(request.user, pk)
    targets = list(task.targets.all())
    assessment = getattr(task, "assessment", None)
    commission = selectors.commission_of(request.user, task)
    can_edit = commission is not None and rules.can_edit_assessment(request.user, commission, assessment)[0]
    return render(request, "evaluation/task_detail.html", {
        "task": task, "targets": targets, "attainment": rules.target_attainment(targets),
        "assessment": assessment, "commission": commission, "can_edit": can_edit,
    })


@login_required
@require_GET
def task_export(request, pk):
    task = _task_or_404(request.user, pk)
    response = HttpResponse(exports.task_workbook(task), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="task-{task.pk}.xlsx"'
    return response


@login_required
@require_GET
def report_attachment(request, pk):
    att = selectors.report_attachment_for(request.user, pk)
    if att is None:
        raise Http404
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=clean_display_name(att.original_name))


@login_required
def assessment_edit(request, pk):
    task = _task_or_404(request.user, pk)
    commission = selectors.commission_of(request.user, task)
    assessment = getattr(task, "assessment", None)
    if commission is None:
        raise PermissionDenied(_("只有受托评估机构的人员可以填写评估报告。"))
    allowed, reason = rules.can_edit_assessment(request.user, commission, assessment)
    if not allowed:
        raise PermissionDenied(reason)
    targets = list(task.targets.all())
    computed = rules.target_attainment(targets)
    initial = {"score_attainment": computed} if assessment is None and computed is not None else None
    form = AssessmentForm(request.POST or None, request.FILES or None, instance=assessment, initial=initial)
    add_revision_field(form, assessment.revision if assessment else 0)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in AssessmentForm.Meta.fields}
        try:
            saved = services.assessment_save(commission=commission, task=task, values=values,
                                             upload=form.cleaned_data.get("report_file"), by=request.user,
                                             revision=form.cleaned_data["revision"])
            if "submit" in request.POST:
                services.assessment_submit(assessment=saved, by=request.user)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            if "submit" in request.POST:
                messages.success(request, _("评估报告已提交。"))
                return redirect("evaluation:assessment_detail", pk=saved.pk)
            messages.success(request, _("评估报告已保存（尚未提交）。"))
            return redirect("evaluation:assessment_edit", pk=task.pk)
    scheme = services.scheme_for(task.cycle)
    return render(request, "evaluation/assessment_form.html", {
        "task": task, "form": form, "assessment": assessment, "computed": computed, "targets": targets,
        "scheme": scheme, "commission": commission,
        "problems": services.submission_problems(assessment) if assessment else [],
    })


def _assessment_or_404(user, pk):
    assessment = selectors.assessment_detail(user, pk)
    if assessment is None:
        raise Http404
    return assessment


@login_required
@require_GET
def assessment_detail(request, pk):
    assessment = _assessment_or_404(request.user, pk)
    scheme = services.scheme_for(assessment.task.cycle)
    weights = scheme.weights()
    scores = assessment.scores()
    indicators = [{"key": k, "label": label, "score": scores[k], "weight": weights[k]} for k, label in INDICATORS]
    # One record per submitted version: written by ``assessment_submit`` (its change reason says so).
    versions = (assessment.history.filter(history_change_reason__startswith="提交评估报告")
                .select_related("history_user").order_by("-history_date"))
    return render(request, "evaluation/assessment_detail.html", {
        "assessment": assessment, "indicators": indicators, "scheme": scheme,
        "versions": list(versions),
        "history": assessment.history.select_related("history_user").order_by("-history_date")[:50],
        "can_request_reopen": rules.can_request_reopen(request.user, assessment)[0],
        "can_decide_reopen": rules.can_decide_reopen(request.user, assessment)[0],
        "can_edit": rules.can_edit_assessment(request.user, assessment.commission, assessment)[0],
        "can_promote": rules.can_create_outcome(request.user, assessment.task)[0],
        "reopen_form": ReopenRequestForm(),
    })


@login_required
@require_GET
def assessment_report(request, pk):
    assessment = _assessment_or_404(request.user, pk)
    if not assessment.report:
        raise Http404
    return FileResponse(assessment.report.open("rb"), as_attachment=True,
                        filename=clean_display_name(assessment.report_name or "report.pdf"))


@login_required
@require_POST
def assessment_request_reopen(request, pk):
    assessment = _assessment_or_404(request.user, pk)
    if not rules.is_commissioned_evaluator(request.user, assessment.commission):
        # who may ask is checked before the form, so nobody else learns anything from its errors
        raise PermissionDenied(_("只有受托评估机构的人员可以申请更正。"))
    form = ReopenRequestForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("reason", []):
            messages.error(request, error)
        return redirect("evaluation:assessment_detail", pk=assessment.pk)
    try:
        services.assessment_request_reopen(assessment=assessment, reason=form.cleaned_data["reason"],
                                           by=request.user)
    except ValidationError as exc:
        _messages(request, exc)
    else:
        messages.success(request, _("更正申请已提交，待国家审核人员同意。"))
    return redirect("evaluation:assessment_detail", pk=assessment.pk)


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def assessment_decide_reopen(request, pk):
    assessment = _assessment_or_404(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    services.assessment_decide_reopen(assessment=assessment, approve=approve, by=request.user)
    messages.success(request, _("已同意更正，评估机构可修改后重新提交。") if approve else _("已不同意更正。"))
    return redirect("evaluation:assessment_detail", pk=assessment.pk)


# ---- reviewer: assessments, scheme --------------------------------------------------------------

@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def assessments(request):
    cycle = _cycle_or_404()
    grade = request.GET.get("grade", "")
    grade = grade if grade in Grade.values else ""
    recommended = "1" if request.GET.get("recommended") == "1" else ""
    page, query = paginate(request, selectors.assessment_list(cycle, grade=grade, recommended=recommended))
    return render(request, "evaluation/assessments.html", {
        "cycle": cycle, "page": page, "query": query, "assessments": page.object_list,
        "grades": Grade.choices, "grade": grade, "recommended": recommended,
    })


@role_required(Role.NATIONAL_REVIEWER)
def scheme(request):
    cycle = _cycle_or_404()
    current = services.scheme_for(cycle)
    form = SchemeForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.scheme_update(cycle=cycle, values=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("评估权重和等次分数线已保存。"))
            return redirect("evaluation:scheme")
    return render(request, "evaluation/scheme.html", {"cycle": cycle, "form": form})


# ---- outcomes ----------------------------------------------------------------------------------

@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def outcomes(request):
    cycle = _cycle_or_404()
    return render(request, "evaluation/outcomes.html", {
        "cycle": cycle, "outcomes": list(selectors.outcome_list(cycle)),
        "candidates": list(selectors.outcome_candidates(cycle)),
    })


@role_required(Role.NATIONAL_REVIEWER)
def outcome_new(request, task_pk):
    task = get_object_or_404(Task.objects.select_related("region", "entry", "cycle", "assessment"), pk=task_pk)
    allowed, reason = rules.can_create_outcome(request.user, task)
    if not allowed:
        raise PermissionDenied(reason)
    initial = {"title": task.entry.title, "summary": task.summary_replicable, "applicable_scope": ""}
    form = OutcomeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        outcome = services.outcome_create(task=task, values=form.cleaned_data, by=request.user)
        messages.success(request, _("改革成果“%(t)s”已保存，尚未发布。") % {"t": outcome.title})
        return redirect("evaluation:outcomes")
    return render(request, "evaluation/outcome_form.html", {"task": task, "form": form, "outcome": None})


@role_required(Role.NATIONAL_REVIEWER)
def outcome_edit(request, pk):
    outcome = get_object_or_404(Outcome.objects.select_related("task__region", "task__entry", "task__assessment"),
                                pk=pk)
    form = OutcomeForm(request.POST or None, instance=outcome)
    add_revision_field(form, outcome.revision)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "revision"}
        try:
            services.outcome_update(outcome=outcome, values=values, by=request.user,
                                    revision=form.cleaned_data["revision"])
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("改革成果已保存。"))
            return redirect("evaluation:outcomes")
    return render(request, "evaluation/outcome_form.html", {"task": outcome.task, "form": form, "outcome": outcome})


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def outcome_publish(request, pk):
    outcome = get_object_or_404(Outcome, pk=pk)
    if request.POST.get("action") == "unpublish":
        services.outcome_unpublish(outcome=outcome, by=request.user)
        messages.success(request, _("已从改革成果库撤回。"))
    else:
        services.outcome_publish(outcome=outcome, by=request.user)
        messages.success(request, _("已发布到改革成果库。"))
    return redirect("evaluation:outcomes")


@require_GET
def library(request):
    """The public library of 可复制推广的改革成果: no login; only published outcomes."""
    form = LibrarySearchForm(request.GET or None)
    filters = {}
    if form.is_valid():
        filters = {k: (v if v is not None else "") for k, v in form.cleaned_data.items()}
    years = (ReformCycle.objects.filter(outcomes__state=OutcomeState.PUBLISHED).values_list("year", flat=True)
             .distinct().order_by("-year"))
    page, query = paginate(request, selectors.published_outcomes(**filters))
    return render(request, "evaluation/library.html", {
        "form": form, "page": page, "query": query, "outcomes": page.object_list, "years": list(years),
    })


@require_GET
def library_detail(request, pk):
    outcome = get_object_or_404(Outcome.objects.select_related("region", "cycle", "task__entry"),
                                pk=pk, state=OutcomeState.PUBLISHED)
    return render(request, "evaluation/library_detail.html", {"outcome": outcome})


# ---- incentives --------------------------------------------------------------------------------

@role_required(Role.NATIONAL_REVIEWER)
def incentives(request):
    cycle = _cycle_or_404()
    form = IncentiveForm(request.POST or None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.incentive_create(cycle=cycle, kind=data["kind"], reason=data["reason"], region=data["region"],
                                      organization=data["organization"], tasks=list(data["tasks"]),
                                      by=request.user)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("激励已登记。"))
            return redirect("evaluation:incentives")
    page, query = paginate(request, selectors.incentive_list(cycle))
    return render(request, "evaluation/incentives.html", {
        "cycle": cycle, "form": form, "page": page, "query": query, "incentives": page.object_list,
    })


# ---- yearly results ----------------------------------------------------------------------------

def _results_cycle(request):
    year = parse_id(request.GET.get("year"))
    if year is not None:
        return get_object_or_404(ReformCycle, year=year)
    return _cycle_or_404()


def _results_context(cycle):
    rows = selectors.ranking(cycle)
    return {
        "cycle": cycle, "rows": rows, "cycles": list(ReformCycle.objects.order_by("-year")),
        "charts": [
            {"title": _("完成任务数"), "chart": selectors.bar_chart(rows, key="completed")},
            {"title": _("平均评估等次（优秀=4，良好=3，合格=2，不合格=1）"),
             "chart": selectors.bar_chart(rows, key="average_grade")},
            {"title": _("已推广改革成果数"), "chart": selectors.bar_chart(rows, key="outcomes")},
        ],
    }


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def results(request):
    return render(request, "evaluation/results.html", _results_context(_results_cycle(request)))


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def results_export(request):
    cycle = _results_cycle(request)
    response = HttpResponse(exports.results_workbook(cycle, selectors.ranking(cycle)), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="results-{cycle.year}.xlsx"'
    return response


@require_GET
def public_results(request):
    """A public summary: the same ranking, without the per-grade breakdown or the export."""
    return render(request, "evaluation/public_results.html", _results_context(_results_cycle(request)))
