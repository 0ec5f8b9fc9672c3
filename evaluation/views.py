"""Pages of stage 4. Thin: look up through a permission-filtered selector (404 when not visible), check
the rule, call a service, render. Reviewer-only pages answer 403 to other roles."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format, get_format
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bidding.models import Task
from reform_portal.actions import attempt, errors_onto_form
from reform_portal.enums import Role
from reform_portal.exports import xlsx_response
from reform_portal.forms import add_revision_field
from reform_portal.listing import Column, Sorting, export_response, may_build, page_query, with_query
from reform_portal.markup import esc, truncate_chars
from reform_portal.models import ReformCycle
from reform_portal.pagination import paginate
from reform_portal.permissions import role_required
from reform_portal.planning import joins_as_written
from reform_portal.uploads import clean_display_name
from reform_portal.years import cycle_or_404, parse_year, selected_cycle, show_switch, with_year

from . import exports, markup, rules, selectors, services
from . import open_items as oi
from .enums import INDICATORS, AssessmentState, Grade, OutcomeState
from .filters import IncentiveFilter, OutcomeFilter
from .forms import (
    AssessmentForm,
    CommissionForm,
    CommissionWithdrawForm,
    IncentiveForm,
    LibrarySearchForm,
    OutcomeForm,
    ReopenRequestForm,
    ResultsPublishForm,
    SchemeForm,
)
from .models import Assessment, Outcome
from .transitions import RESULTS


def _task_cycles():
    """The years with tasks: the only ones this stage has anything to show for."""
    return ReformCycle.objects.filter(pk__in=Task.objects.values("cycle"))


def _cycle_or_404(request, kinds=oi.REVIEWER_KINDS):
    """The page's year: ``?year=``, else the earliest year with open items of ``kinds``, else the latest year with
    tasks (else the latest year). A form posted without its year acts on the latest year, as before."""
    cycle = selected_cycle(request, kinds=kinds, cycles=None if request.method == "POST" else _task_cycles())
    return cycle or cycle_or_404(request, kinds=())


def _url(name, cycle, *args):
    return with_year(reverse(name, args=args), cycle.year)


# ---- commissions (reviewer) --------------------------------------------------------------------


COMMISSION_COLUMNS = [
    Column("agency", _lazy("评估机构"), ("agency__name",)),
    Column("due", _lazy("完成时限"), ("due_date",)),
    Column("progress", _lazy("进度"), ("n_done",)),
    Column("state", _lazy("状态"), ("state",)),
    Column("created", _lazy("委托人"), ("created_at",)),
]


def _commission_row(c) -> list:
    return [
        str(c.agency),
        "\n".join(f"{t.region}：{t.entry.title}" for t in c.tasks.all()),
        c.due_date,
        f"{c.n_done}/{c.n_tasks}",
        c.get_state_display(),
        f"{c.created_by} {c.created_at:%Y-%m-%d}",
    ]


# What a row of the commissions page prints; nothing else is loaded (issue 19).
COMMISSION_ROW_FIELDS = (
    "agency__name",
    "due_date",
    "state",
    "created_by__full_name",
    "created_by__username",
    "created_at",
)


def _commission_rows(commissions):
    """The commissions as a list, each with its table row as one piece of markup (``row_html``), made here rather
    than in a template loop: at 31 regions a commission lists ~47 tasks, and loading each with its region, entry
    and assessment to print two names, then the loop's lookups per task, made the page grow with the regions
    (issue 19). The same markup as the template wrote (tests/evaluation/test_lists.py compares them on hostile
    text); every value but the integers is escaped."""
    commissions = list(commissions)
    labels = selectors.commission_task_labels(c.pk for c in commissions)
    detail = reverse("evaluation:commission_detail", args=[987654321])
    view = esc(_("查看"))
    pad = "\n          "
    for c in commissions:
        tasks = "<br>".join(f"{esc(region)}：{esc(title)}" for region, title in labels.get(c.pk, ()))
        c.row_html = mark_safe(  # noqa: S308 - every text value escaped; the rest are integers
            f"<tr>{pad}<td>{esc(c.agency)}</td>"
            f"{pad}<td>{tasks}</td>"
            f"{pad}<td>{esc(date_format(c.due_date, 'DATE_FORMAT'))}</td>"
            f"{pad}<td>{int(c.n_done)}/{int(c.n_tasks)}</td>"
            f'{pad}<td><span class="badge">{esc(c.get_state_display())}</span></td>'
            f"{pad}<td>{esc(c.created_by)} {esc(date_format(template_localtime(c.created_at), 'Y-m-d'))}</td>"
            f'{pad}<td><a href="{detail.replace("987654321", str(int(c.pk)))}">{view}</a></td>'
            "\n        </tr>"
        )
    return commissions


@login_required
@require_GET
def commissions(request, fmt=None):
    """Reviewers: every commission of the cycle (``?sort=``; ``fmt`` exports them). Evaluators are sent to their
    own list."""
    if not rules.is_reviewer(request.user):
        if rules.is_evaluator(request.user) and not fmt:
            year = parse_year(request.GET.get("year"))
            url = reverse("evaluation:assignments")
            return redirect(with_year(url, year) if year else url)
        raise PermissionDenied
    cycle = _cycle_or_404(request, (oi.COMMISSION,))
    sorting = Sorting(request, COMMISSION_COLUMNS)
    rows = sorting.apply(selectors.commission_list(request.user, cycle))
    if fmt:
        count = rows.count()
        return export_response(
            request,
            fmt,
            title=_("第三方评估委托"),
            header=[_("评估机构"), _("评估任务"), _("完成时限"), _("进度"), _("状态"), _("委托人")],
            rows=(_commission_row(c) for c in (rows if may_build(request, count) else [])),
            count=count,
            filename=_("%(year)s年度第三方评估委托") % {"year": cycle.year},
            fallback=f"commissions-{cycle.year}",
            back=with_query(reverse("evaluation:commissions"), request),
        )
    return render(
        request,
        "evaluation/commissions.html",
        {
            "cycle": cycle,
            "commissions": _commission_rows(
                rows.prefetch_related(None).only(*COMMISSION_ROW_FIELDS),
            ),
            "n_pending": selectors.pending_tasks(cycle).count(),
            "sorting": sorting,
            "export_query": page_query(request),
        },
    )


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
    cycle = _cycle_or_404(request, (oi.COMMISSION,))
    form = CommissionForm(request.POST or None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            commission = services.commission_create(
                cycle=cycle,
                agency=data["agency"],
                tasks=list(data["tasks"]),
                due_date=data["due_date"],
                terms=data["terms"],
                by=request.user,
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("已委托%(a)s评估%(n)s项任务。") % {"a": commission.agency, "n": len(data["tasks"])}
            )
            return redirect("evaluation:commission_detail", pk=commission.pk)
    tasks = list(form.fields["tasks"].queryset)
    agencies = list(form.fields["agency"].queryset)
    rows = _independence_matrix(tasks, agencies)
    checkboxes = {str(cb.data["value"]): cb for cb in form["tasks"]}
    rows = [
        dict(row, checkbox=checkboxes[str(row["task"].pk)])
        for row in rows
        if str(row["task"].pk) in checkboxes
    ]
    return render(
        request, "evaluation/commission_form.html", {"cycle": cycle, "form": form, "task_rows": rows}
    )


@login_required
@require_GET
def commission_detail(request, pk):
    commission = selectors.commission_detail(request.user, pk)
    if commission is None:
        raise Http404
    return _commission_page(request, commission, CommissionWithdrawForm())


def _list_of(request):
    """Where an object's year switch leads: the reviewers' commissions, the evaluator's assignments."""
    return reverse("evaluation:commissions" if rules.is_reviewer(request.user) else "evaluation:assignments")


def _commission_page(request, commission, withdraw_form, status=200):
    show_switch(request, commission.cycle, url=_list_of(request), cycles=_task_cycles())
    return render(
        request,
        "evaluation/commission_detail.html",
        {
            "commission": commission,
            "tasks": list(commission.tasks.all()),
            "is_reviewer": rules.is_reviewer(request.user),
            "can_withdraw": rules.can_withdraw_commission(request.user, commission)[0],
            "withdraw_form": withdraw_form,
        },
        status=status,
    )


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
        ok, _commission = attempt(
            request,
            lambda: services.commission_withdraw(
                commission=commission, reason=form.cleaned_data["reason"], by=request.user
            ),
            success=_("已撤回委托，相关任务恢复为待评估，可重新委托。"),
            form=form,
        )
        if ok:
            return redirect("evaluation:commission_detail", pk=commission.pk)
    return _commission_page(request, commission, form)


# ---- evaluator ---------------------------------------------------------------------------------


ASSIGNMENT_COLUMNS = [
    Column("region", _lazy("地区"), ("task__region__code",)),
    Column("title", _lazy("任务"), ("task__entry__number",)),
    Column("due", _lazy("评估完成时限"), ("commission__due_date",)),
    Column("state", _lazy("评估报告"), ("task__assessment__state",)),
]


def _assignment_export(request, fmt, cycle, links):
    count = links.count()
    rows = selectors.assignment_rows(links if may_build(request, count) else [])

    def report(row):
        a = row["assessment"]
        if a is None:
            return _("未填写")
        return f"{a.get_state_display()} · {a.get_grade_display()}" if a.grade else a.get_state_display()

    return export_response(
        request,
        fmt,
        title=_("受托评估任务"),
        header=[str(c.label) for c in ASSIGNMENT_COLUMNS],
        rows=(
            [
                str(r["task"].region),
                f"{r['task'].entry.number} {r['task'].entry.title}",
                r["commission"].due_date,
                report(r),
            ]
            for r in rows
        ),
        count=count,
        filename=_("%(year)s年度受托评估任务") % {"year": cycle.year},
        fallback=f"assignments-{cycle.year}",
        back=with_query(reverse("evaluation:assignments"), request),
    )


def _assignment_row_fields(links):
    """What a row of the assignments page prints and nothing else (issue 19), as values rather than five models
    per row (the commission link, its commission, task, region, entry and assessment: ≈0.1 ms a row, the page's
    growth with the evaluator's tasks): the task's key, region name and entry number and title, the commission's
    due date, the assessment's key, state and grade."""
    return links.values(
        "task_id",
        due_date=F("commission__due_date"),
        region_name=F("task__region__name"),
        entry_number=F("task__entry__number"),
        entry_title=F("task__entry__title"),
        assessment_id=F("task__assessment__id"),
        assessment_state=F("task__assessment__state"),
        assessment_grade=F("task__assessment__grade"),
    )


def _assignment_rows(rows):
    """Each row (``_assignment_row_fields``) with its table row as one piece of markup (``html``), made here
    rather than in a template loop (issue 19). The same markup as the template wrote (tests/evaluation/
    test_lists.py compares them on hostile text); every value but the integers is escaped."""
    task_url = reverse("evaluation:task_detail", args=[987654321])
    edit_url = reverse("evaluation:assessment_edit", args=[987654321])
    detail_url = reverse("evaluation:assessment_detail", args=[987654321])
    states = dict(Assessment._meta.get_field("state").flatchoices)  # get_*_display without its per-call dict
    grades = dict(Assessment._meta.get_field("grade").flatchoices)
    unwritten = f'<span class="muted">{esc(_("未填写"))}</span>'
    write, view = esc(_("填写评估报告")), esc(_("查看"))
    pad = "\n          "
    dates: dict[Any, str] = {}  # a commission's due date, formatted once (a year's rows share a few)
    rows = list(rows)
    for row in rows:
        pk = str(int(row["task_id"]))
        due = dates.get(row["due_date"])
        if due is None:
            due = dates[row["due_date"]] = esc(date_format(row["due_date"], "DATE_FORMAT"))
        state, grade = row["assessment_state"], row["assessment_grade"]
        if row["assessment_id"] is None:
            report = unwritten
        else:
            report = esc(states.get(state, state))
            if grade:
                report += " · " + esc(grades.get(grade, grade))
        if row["assessment_id"] is None or state == "draft":
            action = f'<a class="button primary" href="{edit_url.replace("987654321", pk)}">{write}</a>'
        else:
            action = f'<a href="{detail_url.replace("987654321", str(int(row["assessment_id"])))}">{view}</a>'
        row["html"] = mark_safe(  # noqa: S308 - every text value escaped; the rest are integers
            f"<tr>{pad}<td>{esc(row['region_name'])}</td>"
            f'{pad}<td><a href="{task_url.replace("987654321", pk)}">'
            f"{esc(row['entry_number'])} {esc(row['entry_title'])}</a></td>"
            f"{pad}<td>{due}</td>"
            f"{pad}<td>{report}</td>"
            f"{pad}<td>{action}</td>"
            "\n        </tr>"
        )
    return rows


@role_required(Role.EVALUATOR)
@require_GET
@joins_as_written()  # its six-table joins planned as written (reform_portal.planning)
def assignments(request, fmt=None):
    """The evaluator's tasks of a year (``?sort=``); ``fmt`` exports them."""
    cycle = _cycle_or_404(request, (oi.ASSESSMENT,))
    links = selectors.assignment_links(request.user).filter(commission__cycle=cycle)
    sorting = Sorting(request, ASSIGNMENT_COLUMNS)
    links = sorting.apply(links)
    if fmt:
        return _assignment_export(request, fmt, cycle, links)
    page, query = paginate(request, _assignment_row_fields(links))
    return render(
        request,
        "evaluation/assignments.html",
        {
            "cycle": cycle,
            "page": page,
            "query": query,
            "rows": _assignment_rows(page.object_list),
            "n_open": selectors.open_links(links).count(),
            "sorting": sorting,
            "export_query": page_query(request),
        },
    )


def _task_or_404(request, pk):
    task = selectors.task_dossier(request.user, pk)
    if task is None:
        raise Http404
    show_switch(request, task.cycle, url=_list_of(request), cycles=_task_cycles())
    return task


@login_required
@require_GET
def task_detail(request, pk):
    """The dossier an evaluator works from: plan, targets, progress reports, summary, attachments."""
    task = _task_or_404(request, pk)
    targets = list(task.targets.all())
    assessment = getattr(task, "assessment", None)
    commission = selectors.commission_of(request.user, task)
    can_edit = commission is not None and rules.can_edit_assessment(request.user, commission, assessment)[0]
    return render(
        request,
        "evaluation/task_detail.html",
        {
            "task": task,
            "targets": targets,
            "attainment": rules.target_attainment(targets),
            "assessment": assessment,
            "commission": commission,
            "can_edit": can_edit,
        },
    )


@login_required
@require_GET
def task_export(request, pk):
    task = _task_or_404(request, pk)
    return xlsx_response(
        exports.task_workbook(task), f"揭榜任务{task.pk}评估档案.xlsx", fallback=f"task-{task.pk}.xlsx"
    )


@login_required
@require_GET
def report_attachment(request, pk):
    att = selectors.report_attachment_for(request.user, pk)
    if att is None:
        raise Http404
    return FileResponse(
        att.file.open("rb"), as_attachment=True, filename=clean_display_name(att.original_name)
    )


@login_required
def assessment_edit(request, pk):
    task = _task_or_404(request, pk)
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
        saved = None
        try:
            saved = services.assessment_save(
                commission=commission,
                task=task,
                values=values,
                upload=form.cleaned_data.get("report_file"),
                by=request.user,
                revision=form.cleaned_data["revision"],
            )
            if "submit" in request.POST:
                services.assessment_submit(assessment=saved, by=request.user)
        except ValidationError as exc:
            if saved is not None:
                # The draft was saved and only submitting it was refused: the page now edits the saved version
                # (else her next save would be refused as someone else's change — her own).
                assessment = saved
                data = form.data.copy()
                data["revision"] = str(saved.revision)
                form.data = data
            errors_onto_form(form, exc)
        else:
            if "submit" in request.POST:
                messages.success(request, _("评估报告已提交。"))
                return redirect("evaluation:assessment_detail", pk=saved.pk)
            messages.success(request, _("评估报告已保存（尚未提交）。"))
            return redirect("evaluation:assessment_edit", pk=task.pk)
    scheme = services.scheme_for(task.cycle)
    return render(
        request,
        "evaluation/assessment_form.html",
        {
            "task": task,
            "form": form,
            "assessment": assessment,
            "computed": computed,
            "targets": targets,
            "scheme": scheme,
            "commission": commission,
            "problems": services.submission_problems(assessment) if assessment else [],
        },
    )


def _assessment_or_404(request, pk):
    assessment = selectors.assessment_detail(request.user, pk)
    if assessment is None:
        raise Http404
    show_switch(
        request,
        assessment.task.cycle,
        url=reverse("evaluation:assessments") if rules.is_reviewer(request.user) else _list_of(request),
        cycles=_task_cycles(),
    )
    return assessment


@login_required
@require_GET
def assessment_detail(request, pk):
    assessment = _assessment_or_404(request, pk)
    scheme = services.scheme_for(assessment.task.cycle)
    weights = scheme.weights()
    scores = assessment.scores()
    indicators = [
        {"key": k, "label": label, "score": scores[k], "weight": weights[k]} for k, label in INDICATORS
    ]
    # One record per submitted version: written by ``assessment_submit`` (its change reason says so).
    versions = (
        assessment.history.filter(history_change_reason__startswith="提交评估报告")
        .select_related("history_user")
        .order_by("-history_date")
    )
    return render(
        request,
        "evaluation/assessment_detail.html",
        {
            "assessment": assessment,
            "indicators": indicators,
            "scheme": scheme,
            "versions": list(versions),
            "history": assessment.history.select_related("history_user").order_by("-history_date")[:50],
            "can_request_reopen": rules.can_request_reopen(request.user, assessment)[0],
            "can_decide_reopen": rules.can_decide_reopen(request.user, assessment)[0],
            "can_edit": rules.can_edit_assessment(request.user, assessment.commission, assessment)[0],
            "can_promote": rules.can_create_outcome(request.user, assessment.task)[0],
            "reopen_form": ReopenRequestForm(),
        },
    )


@login_required
@require_GET
def assessment_report(request, pk):
    assessment = _assessment_or_404(request, pk)
    if not assessment.report:
        raise Http404
    return FileResponse(
        assessment.report.open("rb"),
        as_attachment=True,
        filename=clean_display_name(assessment.report_name or "report.pdf"),
    )


@login_required
@require_POST
def assessment_request_reopen(request, pk):
    assessment = _assessment_or_404(request, pk)
    if not rules.is_commissioned_evaluator(request.user, assessment.commission):
        # who may ask is checked before the form, so nobody else learns anything from its errors
        raise PermissionDenied(_("只有受托评估机构的人员可以申请更正。"))
    form = ReopenRequestForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("reason", []):
            messages.error(request, error)
        return redirect("evaluation:assessment_detail", pk=assessment.pk)
    attempt(
        request,
        lambda: services.assessment_request_reopen(
            assessment=assessment, reason=form.cleaned_data["reason"], by=request.user
        ),
        success=_("更正申请已提交，待国家审核人员同意。"),
    )
    return redirect("evaluation:assessment_detail", pk=assessment.pk)


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def assessment_decide_reopen(request, pk):
    assessment = _assessment_or_404(request, pk)
    approve = request.POST.get("decision") == "approve"
    services.assessment_decide_reopen(assessment=assessment, approve=approve, by=request.user)
    messages.success(request, _("已同意更正，评估机构可修改后重新提交。") if approve else _("已不同意更正。"))
    return redirect("evaluation:assessment_detail", pk=assessment.pk)


# ---- reviewer: assessments, scheme --------------------------------------------------------------


ASSESSMENT_COLUMNS = [
    Column("region", _lazy("地区"), ("task__region__code",)),
    Column("title", _lazy("任务"), ("task__entry__title",)),
    Column("agency", _lazy("评估机构"), ("commission__agency__name",)),
    Column("state", _lazy("状态"), ("state",)),
    Column("score", _lazy("综合得分"), ("weighted_score",)),
    Column("grade", _lazy("等次"), ("grade",)),
    Column("recommended", _lazy("建议推广"), ("recommend_promotion",)),
]


def _assessment_export(request, fmt, cycle, rows):
    count = rows.count()
    return export_response(
        request,
        fmt,
        title=_("评估报告"),
        header=[str(c.label) for c in ASSESSMENT_COLUMNS],
        rows=(
            [
                str(a.task.region),
                a.task.entry.title,
                str(a.commission.agency),
                a.get_state_display(),
                a.weighted_score,
                a.get_grade_display(),
                _("是") if a.recommend_promotion else _("否"),
            ]
            for a in (rows if may_build(request, count) else [])
        ),
        count=count,
        filename=_("%(year)s年度评估报告") % {"year": cycle.year},
        fallback=f"assessments-{cycle.year}",
        back=with_query(reverse("evaluation:assessments"), request),
    )


def _assessment_row_fields(assessments):
    """What a row of the assessments page prints and nothing else (issue 19)."""
    return assessments.only(
        "state",
        "weighted_score",
        "grade",
        "recommend_promotion",
        "task__region__name",
        "task__entry__title",
        "commission__agency__name",
        "task__outcome__id",
    )


def _assessment_rows(assessments):
    """The assessments as a list, each with its table row as one piece of markup (``row_html``), made here rather
    than in a template loop (issue 19). The same markup as the template wrote (tests/evaluation/test_lists.py
    compares them on hostile text); every value but the integers is escaped."""
    assessments = list(assessments)
    detail = reverse("evaluation:assessment_detail", args=[987654321])
    states = dict(Assessment._meta.get_field("state").flatchoices)  # get_*_display without its per-call dict
    grades = dict(Assessment._meta.get_field("grade").flatchoices)
    yes, no, view = esc(_("是")), esc(_("否")), esc(_("查看"))
    promoted = f' · <span class="ok">{esc(_("已整理为成果"))}</span>'
    sep = get_format("DECIMAL_SEPARATOR")
    pad = "\n          "
    for a in assessments:
        score = "—" if a.weighted_score is None else markup.number(a.weighted_score, sep)
        grade = grades.get(a.grade, a.grade)
        outcome = getattr(a.task, "outcome", None)
        a.row_html = mark_safe(  # noqa: S308 - every text value escaped; the rest are integers
            f"<tr>{pad}<td>{esc(a.task.region)}</td><td>{esc(a.task.entry.title)}</td>"
            f"<td>{esc(a.commission.agency)}</td>"
            f"{pad}<td>{esc(states.get(a.state, a.state))}</td><td>{score}</td>"
            f"<td>{esc(grade) if grade else '—'}</td>"
            f"{pad}<td>{yes if a.recommend_promotion else no}</td>"
            f'{pad}<td><a href="{detail.replace("987654321", str(int(a.pk)))}">{view}</a>'
            f"{promoted if outcome else ''}</td>"
            "\n        </tr>"
        )
    return assessments


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
@joins_as_written()  # its six-table joins planned as written (reform_portal.planning)
def assessments(request, fmt=None):
    """The year's assessments (grade, 建议推广, state; ``?sort=``); ``fmt`` exports them."""
    cycle = _cycle_or_404(request, (oi.REOPEN, oi.OUTCOME))
    grade = request.GET.get("grade", "")
    grade = grade if grade in Grade.values else ""
    recommended = "1" if request.GET.get("recommended") == "1" else ""
    state = request.GET.get("state", "")
    state = state if state in AssessmentState.values else ""
    sorting = Sorting(request, ASSESSMENT_COLUMNS)
    rows = sorting.apply(selectors.assessment_list(cycle, grade=grade, recommended=recommended, state=state))
    if fmt:
        return _assessment_export(request, fmt, cycle, rows)
    page, query = paginate(request, _assessment_row_fields(rows))
    return render(
        request,
        "evaluation/assessments.html",
        {
            "cycle": cycle,
            "page": page,
            "query": query,
            "assessments": _assessment_rows(page.object_list),
            "grades": Grade.choices,
            "grade": grade,
            "recommended": recommended,
            "state": state,
            "states": AssessmentState.choices,
            "n_reopen": selectors.assessment_list(cycle, state=AssessmentState.REOPEN_REQUESTED).count(),
            "sorting": sorting,
            "export_query": page_query(request),
        },
    )


@role_required(Role.NATIONAL_REVIEWER)
def scheme(request):
    cycle = _cycle_or_404(request)
    current = services.scheme_for(cycle)
    form = SchemeForm(request.POST or None, instance=current)
    add_revision_field(form, current.revision if current.pk else 0)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "revision"}
        ok, _scheme = attempt(
            request,
            lambda: services.scheme_update(
                cycle=cycle, values=values, by=request.user, revision=form.cleaned_data["revision"]
            ),
            success=_("评估权重和等次分数线已保存。"),
            form=form,
        )
        if ok:
            return redirect(_url("evaluation:scheme", cycle))
    return render(request, "evaluation/scheme.html", {"cycle": cycle, "form": form})


# ---- outcomes ----------------------------------------------------------------------------------


OUTCOME_COLUMNS = [
    Column("title", _lazy("成果名称"), ("title",)),
    Column("region", _lazy("来源地区"), ("region__code",)),
    Column("task", _lazy("来源任务"), ("task__entry__title",)),
    Column("state", _lazy("状态"), ("state",)),
]


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def outcomes(request, fmt=None):
    """The year's outcomes (``?region=``, ``?state=``, ``?sort=``) and the tasks waiting to become one; ``fmt``
    exports the outcomes as filtered and sorted."""
    cycle = _cycle_or_404(request, (oi.OUTCOME,))
    filters = OutcomeFilter(request.GET or None, queryset=selectors.outcome_list(cycle))
    sorting = Sorting(request, OUTCOME_COLUMNS)
    rows = sorting.apply(filters.qs)
    if fmt:
        count = rows.count()
        return export_response(
            request,
            fmt,
            title=_("改革成果"),
            header=[_("成果名称"), _("来源地区"), _("来源任务"), _("改革任务领域"), _("状态"), _("发布时间")],
            rows=(
                [
                    o.title,
                    str(o.region),
                    o.task.entry.title,
                    o.get_area_display(),
                    o.get_state_display(),
                    o.published_at,
                ]
                for o in (rows if may_build(request, count) else [])
            ),
            count=count,
            filename=_("%(year)s年度可复制推广的改革成果") % {"year": cycle.year},
            fallback=f"outcomes-{cycle.year}",
            back=with_query(reverse("evaluation:outcomes"), request),
        )
    for message in filters.error_messages:
        messages.error(request, _("筛选条件无效，已忽略：%(error)s") % {"error": message})
    return render(
        request,
        "evaluation/outcomes.html",
        {
            "cycle": cycle,
            "outcomes": list(rows),
            "candidates": list(selectors.outcome_candidates(cycle)),
            "filters": filters,
            "sorting": sorting,
            "export_query": page_query(request),
        },
    )


@role_required(Role.NATIONAL_REVIEWER)
def outcome_new(request, task_pk):
    task = get_object_or_404(
        Task.objects.select_related("region", "entry", "cycle", "assessment"), pk=task_pk
    )
    allowed, reason = rules.can_create_outcome(request.user, task)
    if not allowed:
        raise PermissionDenied(reason)
    show_switch(request, task.cycle, url=reverse("evaluation:outcomes"), cycles=_task_cycles())
    initial = {"title": task.entry.title, "summary": task.summary_replicable, "applicable_scope": ""}
    form = OutcomeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        outcome = services.outcome_create(task=task, values=form.cleaned_data, by=request.user)
        messages.success(request, _("改革成果“%(t)s”已保存，尚未发布。") % {"t": outcome.title})
        return redirect(_url("evaluation:outcomes", task.cycle))
    return render(request, "evaluation/outcome_form.html", {"task": task, "form": form, "outcome": None})


@role_required(Role.NATIONAL_REVIEWER)
def outcome_edit(request, pk):
    outcome = get_object_or_404(
        Outcome.objects.select_related("cycle", "task__region", "task__entry", "task__assessment"), pk=pk
    )
    show_switch(request, outcome.cycle, url=reverse("evaluation:outcomes"), cycles=_task_cycles())
    form = OutcomeForm(request.POST or None, instance=outcome)
    add_revision_field(form, outcome.revision)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "revision"}
        ok, _outcome = attempt(
            request,
            lambda: services.outcome_update(
                outcome=outcome, values=values, by=request.user, revision=form.cleaned_data["revision"]
            ),
            success=_("改革成果已保存。"),
            form=form,
        )
        if ok:
            return redirect(_url("evaluation:outcomes", outcome.cycle))
    return render(
        request, "evaluation/outcome_form.html", {"task": outcome.task, "form": form, "outcome": outcome}
    )


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def outcome_publish(request, pk):
    outcome = get_object_or_404(Outcome.objects.select_related("cycle"), pk=pk)
    if request.POST.get("action") == "unpublish":
        services.outcome_unpublish(outcome=outcome, by=request.user)
        messages.success(request, _("已从改革成果库撤回。"))
    else:
        services.outcome_publish(outcome=outcome, by=request.user)
        messages.success(request, _("已发布到改革成果库。"))
    return redirect(_url("evaluation:outcomes", outcome.cycle))


LIBRARY_COLUMNS = [
    Column("year", _lazy("年度"), ("cycle__year",)),
    Column("region", _lazy("来源地区"), ("region__code",)),
    Column("title", _lazy("成果名称"), ("title",)),
]


def _library_row(o) -> list:
    return [
        o.title,
        str(o.region),
        o.cycle.year,
        o.get_area_display(),
        o.summary,
        o.problem_solved,
        o.how_to_replicate,
        o.applicable_scope,
        o.published_at,
    ]


def _library_item_fields(outcomes):
    """What an item of the library's list prints and nothing else (issue 19): the outcome's title, area and
    summary, its region's name and its year, without a region and a cycle object per item."""
    return (
        outcomes.select_related(None)
        .only("title", "area", "summary")
        .annotate(region_name=F("region__name"), year=F("cycle__year"))
    )


def _library_items(outcomes):
    """The outcomes as a list, each with its list item as one piece of markup (``item_html``), made here rather
    than in a template loop (issue 19: 50 items a page at full size against 16 at the small one). The same markup
    as the template wrote (tests/evaluation/test_lists.py compares them on hostile text); every value but the
    integers is escaped."""
    outcomes = list(outcomes)
    detail = reverse("evaluation:library_detail", args=[987654321])
    areas = dict(Outcome._meta.get_field("area").flatchoices)  # get_area_display, without its per-call dict
    for o in outcomes:
        o.item_html = mark_safe(  # noqa: S308 - every text value escaped; the rest are integers
            f'<li><a href="{detail.replace("987654321", str(int(o.pk)))}" data-testid="outcome-title">'
            f"{esc(o.title)}</a>"
            f'\n        <span class="muted">{esc(o.region_name)} · {int(o.year)}年度 · {esc(areas.get(o.area, o.area))}'
            "</span>"
            f"\n        <div>{esc(truncate_chars(o.summary, 120))}</div></li>\n      "
        )
    return outcomes


@require_GET
def library(request, fmt=None):
    """The public library of 可复制推广的改革成果: no login; only published outcomes (``?sort=``; ``fmt``
    exports what the search found)."""
    form = LibrarySearchForm(request.GET or None)
    filters = {}
    if form.is_valid():
        filters = {k: (v if v is not None else "") for k, v in form.cleaned_data.items()}
    sorting = Sorting(request, LIBRARY_COLUMNS)
    rows = sorting.apply(selectors.published_outcomes(**filters))
    if fmt:
        count = rows.count()
        return export_response(
            request,
            fmt,
            title=_("改革成果库"),
            header=[
                _("成果名称"),
                _("来源地区"),
                _("年度"),
                _("改革任务领域"),
                _("成果概要"),
                _("解决的问题"),
                _("复制推广方法"),
                _("适用范围"),
                _("发布时间"),
            ],
            rows=(_library_row(o) for o in (rows if may_build(request, count) else [])),
            count=count,
            filename=_("可复制推广的改革成果"),
            fallback="outcomes",
            back=with_query(reverse("evaluation:library"), request),
        )
    years = (
        ReformCycle.objects.filter(outcomes__state=OutcomeState.PUBLISHED)
        .values_list("year", flat=True)
        .distinct()
        .order_by("-year")
    )
    page, query = paginate(request, _library_item_fields(rows))
    return render(
        request,
        "evaluation/library.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "outcomes": _library_items(page.object_list),
            "years": list(years),
            "sorting": sorting,
            "export_query": page_query(request),
        },
    )


@require_GET
def library_detail(request, pk):
    outcome = get_object_or_404(
        Outcome.objects.select_related("region", "cycle", "task__entry"), pk=pk, state=OutcomeState.PUBLISHED
    )
    return render(request, "evaluation/library_detail.html", {"outcome": outcome})


# ---- incentives --------------------------------------------------------------------------------


@role_required(Role.NATIONAL_REVIEWER)
def incentives(request):
    cycle = _cycle_or_404(request, (oi.OUTCOME,))
    form = IncentiveForm(request.POST or None, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _incentive = attempt(
            request,
            lambda: services.incentive_create(
                cycle=cycle,
                kind=data["kind"],
                reason=data["reason"],
                region=data["region"],
                organization=data["organization"],
                tasks=list(data["tasks"]),
                by=request.user,
            ),
            success=_("激励已登记。"),
            form=form,
        )
        if ok:
            return redirect(_url("evaluation:incentives", cycle))
    filters, sorting, rows = _incentive_rows(request, cycle)
    page, query = paginate(request, rows)
    return render(
        request,
        "evaluation/incentives.html",
        {
            "cycle": cycle,
            "form": form,
            "page": page,
            "query": query,
            "incentives": page.object_list,
            "filters": filters,
            "sorting": sorting,
            "export_query": page_query(request),
        },
    )


INCENTIVE_COLUMNS = [
    Column("kind", _lazy("激励方式"), ("kind",)),
    Column("region", _lazy("地区"), ("region__code",)),
    Column("organization", _lazy("单位"), ("organization__name",)),
    Column("granted", _lazy("登记"), ("granted_at",)),
]


def _incentive_rows(request, cycle):
    filters = IncentiveFilter(request.GET or None, queryset=selectors.incentive_list(cycle))
    sorting = Sorting(request, INCENTIVE_COLUMNS)
    return filters, sorting, sorting.apply(filters.qs)


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def incentives_export(request, fmt):
    """The year's incentives, every row as filtered and sorted on 激励."""
    cycle = _cycle_or_404(request, (oi.OUTCOME,))
    _filters, _sorting, rows = _incentive_rows(request, cycle)
    count = rows.count()
    return export_response(
        request,
        fmt,
        title=_("激励"),
        header=[
            _("激励方式"),
            _("地区"),
            _("单位"),
            _("相关任务"),
            _("激励理由"),
            _("登记人"),
            _("登记时间"),
        ],
        rows=(
            [
                i.get_kind_display(),
                str(i.region) if i.region else "",
                str(i.organization) if i.organization else "",
                "\n".join(f"{t.region}：{t.entry.title}" for t in i.tasks.all()),
                i.reason,
                str(i.granted_by),
                i.granted_at,
            ]
            for i in (rows if may_build(request, count) else [])
        ),
        count=count,
        filename=_("%(year)s年度激励") % {"year": cycle.year},
        fallback=f"incentives-{cycle.year}",
        back=with_query(reverse("evaluation:incentives"), request),
    )


# ---- yearly results ----------------------------------------------------------------------------


def _results_cycle(request):
    """``?year=``, else the latest year with tasks (results are not anyone's open item)."""
    return _cycle_or_404(request, ())


def _results_context(cycle, *, detailed):
    """The ranking and its charts; their rows and bars as markup (evaluation.markup, issue 19)."""
    rows = selectors.ranking(cycle)
    charts = [
        {"title": _("完成任务数"), "chart": selectors.bar_chart(rows, key="completed")},
        {
            "title": _("平均评估等次（优秀=4，良好=3，合格=2，不合格=1）"),
            "chart": selectors.bar_chart(rows, key="average_grade"),
        },
        {"title": _("已推广改革成果数"), "chart": selectors.bar_chart(rows, key="outcomes")},
    ]
    for c in charts:
        c["chart"]["bars_html"] = markup.chart_bars(c["chart"])
    return {
        "cycle": cycle,
        "rows": rows,
        "ranking_html": markup.ranking_rows(rows, detailed=detailed),
        "charts": charts,
    }


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def results(request):
    cycle = _results_cycle(request)
    context = _results_context(cycle, detailed=True)
    context.update(
        published=selectors.results_published(cycle),
        history=cycle.history.filter(history_change_reason__contains="公布评估结果").select_related(
            "history_user"
        )[:10],
        unpublish_form=ResultsPublishForm(),
    )
    return render(request, "evaluation/results.html", context)


@role_required(Role.NATIONAL_REVIEWER)
@require_http_methods(["GET", "POST"])
def results_publish(request):
    """公布评估结果: a confirmation page listing the tasks still unassessed (a reason is required over them), then
    the year's results table moves to 已公布 and the public ranking and API show the year."""
    cycle = _results_cycle(request)
    form = ResultsPublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _cycle = attempt(
            request,
            lambda: services.results_publish(
                cycle=cycle, by=request.user, reason=form.cleaned_data["reason"]
            ),
            success=_("%(year)s年度评估结果已公布。") % {"year": cycle.year},
            form=form,
        )
        if ok:
            return redirect(_url("evaluation:results", cycle))
    allowed = RESULTS.allows(cycle.results_state, "publish")
    unassessed = services.results_unassessed(cycle) if allowed else []
    return render(
        request,
        "evaluation/results_publish.html",
        {
            "cycle": cycle,
            "form": form,
            "allowed": allowed,
            "refusal": "" if allowed else RESULTS.refusal(cycle.results_state, "publish"),
            "unassessed": unassessed,
        },
    )


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def results_unpublish(request):
    cycle = _results_cycle(request)
    form = ResultsPublishForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.results_unpublish(
                cycle=cycle, by=request.user, reason=form.cleaned_data["reason"]
            ),
            success=_("%(year)s年度评估结果已撤回公布。") % {"year": cycle.year},
        )
    else:
        for error in form.errors.get("reason", []):
            messages.error(request, error)
    return redirect(_url("evaluation:results", cycle))


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def results_export(request):
    cycle = _results_cycle(request)
    return xlsx_response(
        exports.results_xlsx_bytes(cycle, selectors.ranking(cycle)),
        f"{cycle.year}年度评估结果.xlsx",
        fallback=f"results-{cycle.year}.xlsx",
    )


@require_GET
def public_results(request):
    """A public summary: the same ranking, without the per-grade breakdown or the export; only once the reviewers
    have published the year's results (before that the page says they are not yet published)."""
    cycle = _results_cycle(request)
    if not selectors.results_published(cycle):
        return render(
            request, "evaluation/public_results.html", {"cycle": cycle, "published": False, "rows": []}
        )
    return render(
        request,
        "evaluation/public_results.html",
        {**_results_context(cycle, detailed=False), "published": True},
    )
