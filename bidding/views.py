"""Pages of stage 3. Thin: look up through a permission-filtered selector (404 when not visible), check
the rule, call a service, render."""
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalog.models import ListEntry
from reform_portal.enums import Role, Stage
from reform_portal.forms import add_revision_field, parse_id
from reform_portal.models import ReformCycle, Region
from reform_portal.pagination import paginate
from reform_portal.permissions import role_required
from reform_portal.services import days_left, deadline_for, extension_grant, last_day_of
from reform_portal.uploads import clean_display_name

from . import exports, rules, selectors, services, tasks
from .enums import TaskState
from .forms import (
    AnswerForm,
    BidForm,
    CoordinationForm,
    EntitiesForm,
    ExtensionForm,
    MilestoneForm,
    ReportForm,
    SummaryForm,
    TargetForm,
)
from .models import Bid, CoordinationRequest, Milestone, NoticeBatch, ReportAttachment, Target


def _errors(request, exc):
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in exc.messages:
            form.add_error(None, message)


# ---- 揭榜 (regional staff) -------------------------------------------------------------------------

def _region_bid_set(request):
    cycle = services.bidding_cycle()
    region = request.user.region
    if cycle is None or region is None:
        return None, None
    return cycle, services.bid_set_get_or_create(cycle=cycle, region=region, by=request.user)


@role_required(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER)
@require_GET
def bids(request):
    user = request.user
    if not user.has_role(Role.REGIONAL_STAFF):
        return redirect("bidding:matrix")
    cycle, bid_set = _region_bid_set(request)
    if bid_set is None:
        return render(request, "bidding/bids.html", {"cycle": None})
    bid_set = (selectors.bid_sets_visible_to(user).select_related("cycle", "region", "drc_signed_by",
                                                                    "std_signed_by", "submitted_by")
               .prefetch_related("bids").get(pk=bid_set.pk))
    entries = services.entries_of(cycle)
    show_counts = rules.bidding_closed_for_all(cycle)
    deadline = deadline_for(cycle, bid_set.region, Stage.BIDDING)
    editable, edit_reason = rules.can_edit_bids(user, bid_set)
    sign_ok, _reason = rules.can_sign(user, bid_set)
    dept = rules.department_of(user, bid_set.region_id)
    already = (dept == "regional_drc" and bid_set.drc_signed_by_id) or (dept == "regional_std" and bid_set.std_signed_by_id)
    return render(request, "bidding/bids.html", {
        "cycle": cycle, "bid_set": bid_set, "rows": selectors.bid_page(bid_set, entries, show_counts=show_counts),
        "n_bids": len(bid_set.bids.all()), "show_counts": show_counts, "opens_at": rules.bidding_opens_at(cycle),
        "deadline_last_day": last_day_of(deadline), "days_left": days_left(deadline),
        "extended": deadline != cycle.closes_at(Stage.BIDDING), "editable": editable, "edit_reason": edit_reason,
        "can_sign": sign_ok and not already, "problems": services.bid_set_problems(bid_set),
        "can_withdraw": rules.can_withdraw_bids(user, bid_set)[0],
    })


def _entry_for_bid(request, entry_pk):
    cycle, bid_set = _region_bid_set(request)
    current = services.published_list(cycle)
    if bid_set is None or current is None:
        raise Http404
    entry = get_object_or_404(ListEntry, pk=entry_pk, measure_list=current)
    return bid_set, entry


@role_required(Role.REGIONAL_STAFF)
def bid_edit(request, entry_pk):
    bid_set, entry = _entry_for_bid(request, entry_pk)
    allowed, reason = rules.can_edit_bids(request.user, bid_set)
    if not allowed:
        raise PermissionDenied(reason)
    bid = bid_set.bids.filter(entry=entry).first()
    initial = {} if bid else {"contact_name": request.user.full_name, "contact_phone": request.user.phone}
    form = BidForm(request.POST or None, instance=bid, initial=initial)
    add_revision_field(form, bid.revision if bid else 0)
    if request.method == "POST" and form.is_valid():
        try:
            services.bid_save(bid_set=bid_set, entry=entry, by=request.user, revision=form.cleaned_data["revision"],
                              fields={k: form.cleaned_data[k] for k in services.BID_FIELDS})
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("已揭榜“%(t)s”。") % {"t": entry.title})
            return redirect("bidding:bids")
    return render(request, "bidding/bid_form.html", {"form": form, "entry": entry, "bid": bid, "bid_set": bid_set})


@role_required(Role.REGIONAL_STAFF)
@require_POST
def bid_delete(request, entry_pk):
    bid_set, entry = _entry_for_bid(request, entry_pk)
    bid = bid_set.bids.filter(entry=entry).first()
    if bid is None:
        raise Http404
    try:
        services.bid_delete(bid=bid, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已取消揭榜“%(t)s”。") % {"t": entry.title})
    return redirect("bidding:bids")


def _bid_set_action(request, action, success):
    _cycle, bid_set = _region_bid_set(request)
    if bid_set is None:
        raise Http404
    try:
        action(bid_set)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, success)
    return redirect("bidding:bids")


@role_required(Role.REGIONAL_STAFF)
@require_POST
def bid_set_sign(request):
    version = parse_id(request.POST.get("version"))  # the version the page showed; junk counts as unknown
    return _bid_set_action(request, lambda b: services.bid_set_sign(bid_set=b, by=request.user, version=version),
                           _("已确认联合报送。"))


@role_required(Role.REGIONAL_STAFF)
@require_POST
def bid_set_submit(request):
    return _bid_set_action(request, lambda b: services.bid_set_submit(bid_set=b, by=request.user),
                           _("揭榜申报已报送国家发展改革委、科技部。"))


@role_required(Role.REGIONAL_STAFF)
@require_POST
def bid_set_withdraw(request):
    return _bid_set_action(request, lambda b: services.bid_set_withdraw(bid_set=b, by=request.user),
                           _("已撤回揭榜申报，可修改后重新确认并报送。"))


# ---- 汇总揭榜结果 (national reviewers) ------------------------------------------------------------------

def _review_cycle(request):
    year = request.GET.get("year") or request.POST.get("year")
    if year:
        year = parse_id(year)
        return get_object_or_404(ReformCycle, year=year) if year is not None else None
    return services.bidding_cycle()


def _no_cycle(request):
    return render(request, "bidding/no_list.html")


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def matrix(request):
    cycle = _review_cycle(request)
    if cycle is None:
        return _no_cycle(request)
    entries = services.entries_of(cycle)
    data = selectors.matrix(cycle, entries)
    batch = NoticeBatch.objects.filter(cycle=cycle).first()
    return render(request, "bidding/matrix.html", {
        "cycle": cycle, "entries": entries, **data, "batch": batch,
        "progress": services.batch_progress(batch) if batch else None,
        "extension_form": ExtensionForm(), "closed": rules.bidding_closed_for_all(cycle),
        "to_notify": services.regions_to_notify(cycle),
        "cycles": ReformCycle.objects.filter(measure_lists__state="published").distinct().order_by("-year"),
    })


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def matrix_xlsx(request):
    cycle = _review_cycle(request)
    if cycle is None:
        return _no_cycle(request)
    entries = services.entries_of(cycle)
    content = exports.matrix_workbook(cycle, selectors.matrix(cycle, entries))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="bidding-matrix-{cycle.year}.xlsx"'
    return response


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def award(request):
    cycle = _review_cycle(request)
    if cycle is None:
        raise Http404
    chosen = list(Bid.objects.filter(pk__in=[pk for pk in map(parse_id, request.POST.getlist("bid")) if pk]))
    if not chosen:
        messages.error(request, _("请勾选要确认的揭榜事项。"))
    else:
        try:
            created = services.tasks_award(cycle=cycle, bids=chosen, by=request.user)
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已确认%(n)s项揭榜任务。") % {"n": len(created)})
    return redirect(_matrix_url(cycle))


def _matrix_url(cycle):
    return f"{reverse('bidding:matrix')}?year={cycle.year}"


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def extend(request):
    cycle = _review_cycle(request)
    if cycle is None:
        raise Http404
    form = ExtensionForm(request.POST)
    if form.is_valid():
        try:
            extension_grant(cycle=cycle, region=form.cleaned_data["region"], stage=Stage.BIDDING, by=request.user,
                            until=form.cleaned_data["until"], reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("已批准%(r)s揭榜延期至%(d)s。") % {
                "r": form.cleaned_data["region"], "d": form.cleaned_data["until"]})
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}：{error}")
    return redirect(_matrix_url(cycle))


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def notices_issue(request):
    cycle = _review_cycle(request)
    if cycle is None:
        raise Http404
    try:
        batch = tasks.issue_all(cycle=cycle, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect(_matrix_url(cycle))
    return redirect("bidding:notice_progress", pk=batch.pk)


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def notice_progress(request, pk):
    batch = get_object_or_404(NoticeBatch.objects.select_related("cycle"), pk=pk)
    progress = services.batch_progress(batch)
    return render(request, "bidding/notice_progress.html", {"batch": batch, "progress": progress,
                                                            "matrix_url": _matrix_url(batch.cycle)})


@login_required
@require_GET
def notice_download(request, pk):
    notice = selectors.notices_visible_to(request.user).select_related("region").filter(pk=pk).first()
    if notice is None or not notice.pdf:
        raise Http404
    data = services.notice_pdf_bytes(notice)
    response = HttpResponse(data, content_type="application/pdf")
    name = clean_display_name(f"揭榜任务通知书-{notice.region.name}-{notice.doc_number}.pdf")
    response["Content-Disposition"] = (f"attachment; filename=\"notice-{notice.year}-{notice.sequence}.pdf\"; "
                                       f"filename*=UTF-8''{quote(name)}")
    return response


# ---- 揭榜任务: plan, progress, coordination, summary -------------------------------------------------

@role_required(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER, Role.IMPLEMENTER)
@require_GET
def task_list(request):
    user = request.user
    page, query = paginate(request, selectors.task_list(user))  # ten years of tasks: a page at a time
    items = list(page.object_list)
    notices = {(n.cycle_id, n.region_id): n for n in selectors.notices_visible_to(user).filter(
        cycle__in={t.cycle_id for t in items})}
    for t in items:
        t.notice = notices.get((t.cycle_id, t.region_id))
    return render(request, "bidding/task_list.html", {"tasks": items, "page": page, "query": query})


def _task_or_404(request, pk):
    task = selectors.task_detail(request.user, pk)
    if task is None:
        raise Http404
    return task


def _task_page(request, task, **forms):
    user = request.user
    milestones = list(task.milestones.all())
    notice = selectors.notices_visible_to(user).filter(cycle=task.cycle, region=task.region).first()
    plan_ok, plan_reason = rules.can_edit_plan(user, task)
    context = {
        "task": task, "milestones": milestones, "targets": list(task.targets.all()), "notice": notice,
        "reports": list(task.reports.all()), "requests": list(task.coordination_requests.all()),
        "overdue": {m.pk for m in selectors.overdue_milestones(task)},
        "can_edit_plan": plan_ok, "plan_reason": plan_reason, "plan_problems": services.plan_problems(task),
        "can_report": rules.can_report(user, task)[0],
        "can_raise": rules.can_raise_coordination(user, task)[0],
        "can_summarise": rules.can_file_summary(user, task, milestones)[0],
        "is_reviewer": rules.is_reviewer(user),
        "entities_form": forms.get("entities_form") or EntitiesForm(
            initial={"entities": list(task.entities.all())}, region=task.region),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(prefix="m"),
        "target_form": forms.get("target_form") or TargetForm(prefix="t"),
        "coordination_form": forms.get("coordination_form") or CoordinationForm(prefix="c"),
        "answer_form": AnswerForm(),
    }
    return render(request, "bidding/task_detail.html", context)


@login_required
@require_GET
def task_detail(request, pk):
    return _task_page(request, _task_or_404(request, pk))


def _plan_form_action(request, pk, form_name, form, action, success):
    task = _task_or_404(request, pk)
    allowed, reason = rules.can_edit_plan(request.user, task)
    if form_name != "coordination_form" and not allowed:
        raise PermissionDenied(reason)
    if form.is_valid():
        try:
            action(task, form)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("bidding:task_detail", pk=task.pk)
    return _task_page(request, task, **{form_name: form})


@login_required
@require_POST
def task_entities(request, pk):
    task = _task_or_404(request, pk)
    form = EntitiesForm(request.POST, region=task.region)
    return _plan_form_action(request, pk, "entities_form", form, lambda t, f: services.plan_set_entities(
        task=t, organizations=list(f.cleaned_data["entities"]), by=request.user), _("实施主体已保存。"))


@login_required
@require_POST
def milestone_add(request, pk):
    return _plan_form_action(request, pk, "milestone_form", MilestoneForm(request.POST, prefix="m"),
                             lambda t, f: services.milestone_add(task=t, fields=f.cleaned_data, by=request.user),
                             _("里程碑已添加。"))


@login_required
@require_POST
def target_add(request, pk):
    return _plan_form_action(request, pk, "target_form", TargetForm(request.POST, prefix="t"),
                             lambda t, f: services.target_add(task=t, fields=f.cleaned_data, by=request.user),
                             _("量化目标已添加。"))


@login_required
@require_POST
def milestone_delete(request, pk):
    milestone = get_object_or_404(Milestone, pk=pk)
    task = _task_or_404(request, milestone.task_id)
    try:
        services.milestone_delete(milestone=milestone, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("bidding:task_detail", pk=task.pk)


@login_required
@require_POST
def target_delete(request, pk):
    target = get_object_or_404(Target, pk=pk)
    task = _task_or_404(request, target.task_id)
    try:
        services.target_delete(target=target, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("bidding:task_detail", pk=task.pk)


@login_required
@require_POST
def plan_confirm(request, pk):
    task = _task_or_404(request, pk)
    try:
        services.plan_confirm(task=task, by=request.user)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("实施方案已确认，任务进入实施阶段。"))
    return redirect("bidding:task_detail", pk=task.pk)


@login_required
def report_new(request, pk):
    task = _task_or_404(request, pk)
    allowed, reason = rules.can_report(request.user, task)
    if not allowed:
        raise PermissionDenied(reason)
    form = ReportForm(request.POST or None, request.FILES or None, task=task,
                      initial={"period_end": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("attachment")
        try:
            services.report_file(task=task, period_end=form.cleaned_data["period_end"],
                                 narrative=form.cleaned_data["narrative"], actuals=form.actuals(),
                                 statuses=form.statuses(), uploads=[upload] if upload else [], by=request.user)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("进展报告已报送。"))
            return redirect("bidding:task_detail", pk=task.pk)
    return render(request, "bidding/report_form.html", {"task": task, "form": form})


@login_required
@require_GET
def report_attachment(request, pk):
    att = get_object_or_404(ReportAttachment.objects.select_related("report"), pk=pk)
    _task_or_404(request, att.report.task_id)
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=clean_display_name(att.original_name))


@login_required
@require_POST
def coordination_new(request, pk):
    task = _task_or_404(request, pk)
    allowed, reason = rules.can_raise_coordination(request.user, task)
    if not allowed:
        raise PermissionDenied(reason)
    return _plan_form_action(request, pk, "coordination_form", CoordinationForm(request.POST, prefix="c"),
                             lambda t, f: services.coordination_raise(task=t, by=request.user, **f.cleaned_data),
                             _("协调事项已提交国家发展改革委、科技部。"))


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def coordination_answer(request, pk):
    req = get_object_or_404(CoordinationRequest, pk=pk)
    form = AnswerForm(request.POST)
    if form.is_valid():
        services.coordination_answer(request=req, answer=form.cleaned_data["answer"], by=request.user)
        messages.success(request, _("已答复。"))
    else:
        for error in form.errors["answer"]:
            messages.error(request, f"{form.fields['answer'].label}：{error}")
    return redirect("bidding:task_detail", pk=req.task_id)


@login_required
def summary(request, pk):
    task = _task_or_404(request, pk)
    allowed, reason = rules.can_file_summary(request.user, task, list(task.milestones.all()))
    if not allowed:
        raise PermissionDenied(reason)
    form = SummaryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.summary_file(task=task, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("完成总结已报送，任务进入待评估。"))
            return redirect("bidding:task_detail", pk=task.pk)
    return render(request, "bidding/summary_form.html", {"task": task, "form": form})


# ---- 进展监测 (national reviewers) ------------------------------------------------------------------

@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def progress(request):
    cycle = _review_cycle(request)
    if cycle is None:
        return _no_cycle(request)
    region = request.GET.get("region", "")
    state = request.GET.get("state", "")
    state = state if state in TaskState.values else ""
    overdue_only = request.GET.get("overdue") == "1"
    tasks = selectors.progress_tasks(cycle, region=region, state=state, overdue_only=overdue_only)
    page, query = paginate(request, selectors.progress_rows(tasks))
    return render(request, "bidding/progress.html", {
        "cycle": cycle, "page": page, "query": query, "rows": selectors.with_attainment(page.object_list),
        "regions": selectors.progress_regions(tasks), "region": region, "state": state,
        "overdue_only": overdue_only, "states": TaskState.choices,
        "all_regions": Region.objects.filter(active=True).order_by("code"),
    })
