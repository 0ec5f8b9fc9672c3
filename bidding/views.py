"""Pages of stage 3. Thin: look up through a permission-filtered selector (404 when not visible), check
the rule, call a service, render."""

from collections.abc import Iterable
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from catalog.enums import ListState
from catalog.models import ListEntry
from proposals.enums import ReformArea
from reform_portal import charts, tallies
from reform_portal.actions import attempt, errors_onto_form, form_errors_as_messages
from reform_portal.enums import OrgLevel, Role, Stage
from reform_portal.exports import xlsx_response
from reform_portal.forms import add_revision_field, parse_id, parse_region_code
from reform_portal.import_views import import_flow
from reform_portal.listing import Column, Sorting, export_response, may_build, page_query, with_query
from reform_portal.markup import html_join, options
from reform_portal.models import ReformCycle, Region
from reform_portal.pagination import paginate
from reform_portal.permissions import role_required
from reform_portal.selectors import attach_users
from reform_portal.services import (
    check_revision,
    days_left,
    deadline_for,
    extension_grant,
    last_day_of,
)
from reform_portal.uploads import clean_display_name
from reform_portal.years import selected_cycle, show_switch, with_year

from . import exports, imports, markup, panels, rules, selectors, services, tasks
from . import open_items as oi
from .enums import TaskState
from .filters import DocNumberFilter, TaskFilter
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
from .models import Bid, BidSet, CoordinationRequest, Milestone, NoticeBatch, ReportAttachment, Target
from .sections import task_sections

# ---- 揭榜 (regional staff) -------------------------------------------------------------------------


def _bid_cycles():
    """The years with a published list: the ones a region bids in and reviewers aggregate."""
    return ReformCycle.objects.filter(measure_lists__state=ListState.PUBLISHED)


def _bids_url(cycle):
    return with_year(reverse("bidding:bids"), cycle.year)


def _region_bid_set(request, *, create=False, queryset=None):
    """The selected year (``?year=``, by default the earliest year in which the region's bids wait) and the region's
    bid set of that year: made on the first visit while the region may still bid (``create``), else None. With
    ``queryset`` the bid set is read through it (the page's joins and permission filter) in the same query."""
    cycle = selected_cycle(request, kinds=(oi.BID_SET,), cycles=_bid_cycles())
    region_id = request.user.region_id
    if cycle is None or region_id is None:
        return None, None
    # the region joined to its bid set (not a query of its own, issue 19)
    lookup = (queryset if queryset is not None else BidSet.objects.all()).select_related("region")
    bid_set = lookup.filter(cycle=cycle, region_id=region_id).first()
    if bid_set is None and create and _may_start(cycle, request.user.region):
        bid_set = services.bid_set_get_or_create(cycle=cycle, region=request.user.region, by=request.user)
        bid_set = lookup.get(pk=bid_set.pk)
    if bid_set is not None:
        bid_set.cycle = cycle  # the one just read: not joined again
    return cycle, bid_set


def _may_start(cycle, region):
    return rules.may_start_bids(cycle, region)


BID_COLUMNS = [
    Column("number", _lazy("编号"), value=lambda r: r["entry"].position),
    Column("title", _lazy("举措名称"), value=lambda r: r["entry"].title),
    Column("area", _lazy("改革任务领域"), value=lambda r: r["entry"].area),
    Column("bid", _lazy("本地区揭榜"), value=lambda r: 1 if r["bid"] else 0),
    Column("count", _lazy("揭榜地区数"), value=lambda r: r["count"]),
]
BID_FILTERS = [("yes", _lazy("已揭榜")), ("no", _lazy("未揭榜"))]


def _bid_rows(request, bid_set, entries, show_counts):
    """The entries with the region's own bids, as ``?area=`` and ``?bid=`` (已揭榜/未揭榜) narrow them and
    ``?sort=`` orders them (in Python: the list is one published version, a few dozen entries)."""
    area = request.GET.get("area", "")
    area = area if area in ReformArea.values else ""
    bid = request.GET.get("bid", "")
    bid = bid if bid in dict(BID_FILTERS) else ""
    rows = selectors.bid_page(bid_set, entries, show_counts=show_counts)
    if area:
        rows = [r for r in rows if r["entry"].area == area]
    if bid:
        rows = [r for r in rows if bool(r["bid"]) == (bid == "yes")]
    sorting = Sorting(request, BID_COLUMNS if show_counts else BID_COLUMNS[:-1])
    rows = sorting.apply_rows(rows, pk=lambda r: r["entry"].position)
    context = {
        "sorting": sorting,
        "area": area,
        "bid_filter": bid,
        "areas": ReformArea.choices,
        "bid_filters": BID_FILTERS,
        "export_query": page_query(request),
    }
    return rows, context


def _bids_export(request, fmt, cycle, rows, show_counts):
    header = [
        _("编号"),
        _("举措名称"),
        _("改革任务领域"),
        _("本地区揭榜"),
        _("改革思路"),
        _("联系人"),
        _("联系电话"),
    ]
    return export_response(
        request,
        fmt,
        title=_("揭榜"),
        header=[*header, _("揭榜地区数")] if show_counts else header,
        rows=(
            [
                r["entry"].number,
                r["entry"].title,
                r["entry"].get_area_display(),
                _("已揭榜") if r["bid"] else _("未揭榜"),
                r["bid"].approach if r["bid"] else "",
                r["bid"].contact_name if r["bid"] else "",
                r["bid"].contact_phone if r["bid"] else "",
                *([r["count"]] if show_counts else []),
            ]
            for r in rows
        ),
        count=len(rows),
        filename=_("%(year)s年度本地区揭榜") % {"year": cycle.year},
        fallback=f"bids-{cycle.year}",
        back=with_query(_bids_url(cycle), request),
    )


@role_required(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER)
@require_GET
def bids(request, fmt=None):
    """A region's 揭榜 page: the published list's entries with its own bids (``?area=``, ``?bid=``, ``?sort=``);
    ``fmt`` exports them, the region's own staff only (reviewers read the 汇总 matrix)."""
    user = request.user
    if not user.has_role(Role.REGIONAL_STAFF):
        if fmt:
            raise PermissionDenied
        return redirect("bidding:matrix")
    cycle, bid_set = _region_bid_set(
        request,
        create=not fmt,
        queryset=selectors.bid_sets_visible_to(user).prefetch_related("bids"),
    )
    if bid_set is not None:
        attach_users([bid_set], "drc_signed_by", "scitech_signed_by", "submitted_by")
    if cycle is None:
        if fmt:
            raise Http404
        return render(request, "bidding/bids.html", {"cycle": None})
    entries = services.published_entries(cycle)
    show_counts = rules.bidding_closed_for_all(cycle)
    rows, listing_context = _bid_rows(request, bid_set, entries, show_counts)
    if fmt:
        return _bids_export(request, fmt, cycle, rows, show_counts)
    if bid_set is None:  # a year the region did not bid in, now closed: the list only
        return render(
            request,
            "bidding/bids.html",
            {
                "cycle": cycle,
                "bid_set": None,
                "rows": markup.bid_list_rows(rows, show_counts=show_counts),
                "show_counts": show_counts,
                **listing_context,
            },
        )
    deadline = deadline_for(cycle, bid_set.region_id, Stage.BIDDING)
    editable, edit_reason = rules.can_edit_bids(user, bid_set)
    sign_ok, _reason = rules.can_sign(user, bid_set)
    already = bid_set.signed_by_department(rules.department_of(user, bid_set.region_id))
    return render(
        request,
        "bidding/bids.html",
        {
            "cycle": cycle,
            "bid_set": bid_set,
            "rows": markup.bid_rows(
                rows,
                show_counts=show_counts,
                editable=editable,
                csrf_token=get_token(request) if editable and any(r["bid"] for r in rows) else "",
            ),
            "n_bids": len(bid_set.bids.all()),
            "show_counts": show_counts,
            "opens_at": rules.bidding_opens_at(cycle),
            "deadline_last_day": last_day_of(deadline),
            "days_left": days_left(deadline),
            "extended": deadline != cycle.closes_at(Stage.BIDDING),
            "editable": editable,
            "edit_reason": edit_reason,
            "can_sign": sign_ok and not already,
            "problems": services.bid_set_problems(bid_set),
            "can_withdraw": rules.can_withdraw_bids(user, bid_set)[0],
            **listing_context,
        },
    )


def _entry_for_bid(request, entry_pk):
    """An entry of the latest published version of its year's list and the region's bid set of that year."""
    entry = get_object_or_404(
        ListEntry.objects.select_related("measure_list__cycle"),
        pk=entry_pk,
        measure_list__state=ListState.PUBLISHED,
    )
    cycle = entry.measure_list.cycle
    current = services.published_list(cycle)
    region = request.user.region
    bid_set = BidSet.objects.filter(cycle=cycle, region=region).first() if region else None
    if bid_set is None and region is not None and _may_start(cycle, region):
        bid_set = services.bid_set_get_or_create(cycle=cycle, region=region, by=request.user)
    if bid_set is None or current is None or entry.measure_list_id != current.pk:
        raise Http404
    show_switch(request, cycle, url=reverse("bidding:bids"), cycles=_bid_cycles())
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
        ok, _bid = attempt(
            request,
            lambda: services.bid_save(
                bid_set=bid_set,
                entry=entry,
                by=request.user,
                revision=form.cleaned_data["revision"],
                fields={k: form.cleaned_data[k] for k in services.BID_FIELDS},
            ),
            success=_("已揭榜“%(t)s”。") % {"t": entry.title},
            form=form,
        )
        if ok:
            return redirect(_bids_url(bid_set.cycle))
    return render(
        request, "bidding/bid_form.html", {"form": form, "entry": entry, "bid": bid, "bid_set": bid_set}
    )


@role_required(Role.REGIONAL_STAFF)
@require_POST
def bid_delete(request, entry_pk):
    bid_set, entry = _entry_for_bid(request, entry_pk)
    bid = bid_set.bids.filter(entry=entry).first()
    if bid is None:
        raise Http404
    attempt(
        request,
        lambda: services.bid_delete(bid=bid, by=request.user),
        success=_("已取消揭榜“%(t)s”。") % {"t": entry.title},
    )
    return redirect(_bids_url(bid_set.cycle))


def _bid_set_action(request, action, success):
    _cycle, bid_set = _region_bid_set(request)  # the year is in the URL the page's form posts to
    if bid_set is None:
        raise Http404
    attempt(request, lambda: action(bid_set), success=success)
    return redirect(_bids_url(bid_set.cycle))


@role_required(Role.REGIONAL_STAFF)
@require_POST
def bid_set_sign(request):
    version = parse_id(request.POST.get("version"))  # the version the page showed; junk counts as unknown
    return _bid_set_action(
        request,
        lambda b: services.bid_set_sign(bid_set=b, by=request.user, version=version),
        _("已确认联合报送。"),
    )


@role_required(Role.REGIONAL_STAFF)
@require_POST
def bid_set_submit(request):
    return _bid_set_action(
        request,
        lambda b: services.bid_set_submit(bid_set=b, by=request.user),
        _("揭榜申报已报送国家发展改革委、科技部。"),
    )


@role_required(Role.REGIONAL_STAFF)
@require_POST
def bid_set_withdraw(request):
    return _bid_set_action(
        request,
        lambda b: services.bid_set_withdraw(bid_set=b, by=request.user),
        _("已撤回揭榜申报，可修改后重新确认并报送。"),
    )


# ---- 汇总揭榜结果 (national reviewers) ------------------------------------------------------------------


def _review_cycle(request, kinds=(oi.AWARD, oi.NOTICE)):
    """The year of a reviewer's page (``?year=``; by default the earliest year with open items of ``kinds``, else
    the latest year with a published list)."""
    return selected_cycle(request, kinds=kinds, cycles=_bid_cycles())


def _no_cycle(request):
    return render(request, "bidding/no_list.html")


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def matrix(request):
    cycle = _review_cycle(request)
    if cycle is None:
        return _no_cycle(request)
    entries = services.published_entries(cycle, only=services.ENTRY_HEADINGS)
    data = selectors.matrix(cycle, entries)
    markup.matrix_cells(data["rows"])
    columns = data["columns"]
    batch = NoticeBatch.objects.filter(cycle=cycle).first()
    return render(
        request,
        "bidding/matrix.html",
        {
            "cycle": cycle,
            "entries": entries,
            **data,
            # the entries' header and count cells, one per entry, joined here as the cells are
            "columns_head": html_join(
                '<th title="{}">{}</th>', ((c["entry"].title, c["entry"].number) for c in columns)
            ),
            "columns_foot": html_join(
                '<td data-testid="entry-count">{}</td>', ((int(c["count"]),) for c in columns)
            ),
            # 无人揭榜的条目: up to every entry of the list, joined here as the header is
            "unclaimed_items": html_join("<li>{} {}</li>", ((e.number, e.title) for e in data["unclaimed"])),
            "heat_map": _matrix_chart(cycle, data),
            "batch": batch,
            "progress": services.batch_progress(batch) if batch else None,
            "extension_form": ExtensionForm(),
            "closed": rules.bidding_closed_for_all(cycle),
            "to_notify": data["to_notify"]
            if data["to_notify"] is not None
            else services.regions_to_notify(cycle),
            "to_award": [r for r in data["rows"] if selectors.awaits_award(r)],
        },
    )


def _milestone_chart(title, rows):
    """Stacked bars of milestones: done, overdue, the rest (issue 18 §9)."""
    done, overdue, rest = _("已完成"), _("逾期"), _("未到期")
    return charts.stacked_bars(
        title,
        [
            (
                label,
                [
                    (n_done, "done", f"{label}：{done} {n_done}"),
                    (n_overdue, "overdue", f"{label}：{overdue} {n_overdue}"),
                    (
                        max(total - n_done - n_overdue, 0),
                        "open",
                        f"{label}：{rest} {max(total - n_done - n_overdue, 0)}",
                    ),
                ],
            )
            for label, n_done, n_overdue, total in rows
        ],
        legend=[(done, "done"), (overdue, "overdue"), (rest, "open")],
        desc=_("每行一项：已完成 / 逾期 / 未到期的里程碑数，与下表数字一致。"),
    )


def _matrix_chart(cycle, data):
    """The heat map of the matrix, drawn once per distinct content (``charts.drawn_heat_map``): the key holds the
    year, the entries' numbers, the regions' names in order and every cell's state (bid, confirmed), everything
    the chart prints."""
    content = [
        cycle.year,
        [str(c["entry"].number) for c in data["columns"]],
        [[str(row["region"]), _cell_states(row)] for row in data["rows"]],
    ]
    return charts.drawn_heat_map("bidding-matrix", content, lambda: _draw_matrix_chart(cycle, data))


def _cell_states(row):
    """A row's cells as one letter each (a confirmed, b claimed, - empty), written from its claimed cells only."""
    states = ["-"] * len(row["cells"])
    for i, ref, is_awarded in row["claimed"]:
        states[i] = "a" if is_awarded else "b" if ref else "-"
    return "".join(states)


def _draw_matrix_chart(cycle, data):
    bid, awarded, none = _("已揭榜"), _("已确认"), _("未揭榜")
    numbers = [str(c["entry"].number) for c in data["columns"]]
    cells = []
    for row in data["rows"]:
        region = str(row["region"])
        cells.append(
            [
                ("awarded", f"{region} · {number}：{awarded}")
                if c["awarded"]
                else ("bid", f"{region} · {number}：{bid}")
                if c["bid"]
                else ("none", f"{region} · {number}：{none}")
                for c, number in zip(row["cells"], numbers, strict=True)
            ]
        )
    return charts.heat_map(
        _("%(y)s年度揭榜热力图") % {"y": cycle.year},
        [str(row["region"]) for row in data["rows"]],
        [number.rsplit("-", 1)[-1] for number in numbers],  # 2026-07 → 07: the year is the title's
        cells,
        legend=[(awarded, "awarded"), (bid, "bid"), (none, "none")],
        desc=_("行为地区，列为清单条目编号；颜色表示已确认、已揭榜或未揭榜，与下表一致。"),
    )


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def matrix_xlsx(request):
    cycle = _review_cycle(request)  # the year of the page it is downloaded from
    if cycle is None:
        return _no_cycle(request)
    entries = services.published_entries(cycle, only=services.ENTRY_HEADINGS)
    return xlsx_response(
        exports.matrix_xlsx_bytes(cycle, entries),
        f"{cycle.year}年度揭榜结果汇总.xlsx",
        fallback=f"bidding-matrix-{cycle.year}.xlsx",
    )


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
        attempt(
            request,
            lambda: services.tasks_award(cycle=cycle, bids=chosen, by=request.user),
            success=lambda created: _("已确认%(n)s项揭榜任务。") % {"n": len(created)},
        )
    return redirect(_matrix_url(cycle))


def _matrix_url(cycle):
    return with_year(reverse("bidding:matrix"), cycle.year)


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def extend(request):
    cycle = _review_cycle(request)
    if cycle is None:
        raise Http404
    form = ExtensionForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: extension_grant(
                cycle=cycle,
                region=form.cleaned_data["region"],
                stage=Stage.BIDDING,
                by=request.user,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
            ),
            success=_("已批准%(r)s揭榜延期至%(d)s。")
            % {"r": form.cleaned_data["region"], "d": form.cleaned_data["until"]},
        )
    else:
        form_errors_as_messages(request, form)
    return redirect(_matrix_url(cycle))


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def notices_issue(request):
    cycle = _review_cycle(request)
    if cycle is None:
        raise Http404
    ok, batch = attempt(request, lambda: tasks.issue_all(cycle=cycle, by=request.user))
    if not ok:
        return redirect(_matrix_url(cycle))
    return redirect("bidding:notice_progress", pk=batch.pk)


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def notice_progress(request, pk):
    batch = get_object_or_404(NoticeBatch.objects.select_related("cycle"), pk=pk)
    show_switch(request, batch.cycle, url=reverse("bidding:matrix"), cycles=_bid_cycles())
    progress = services.batch_progress(batch)
    return render(
        request,
        "bidding/notice_progress.html",
        {"batch": batch, "progress": progress, "matrix_url": _matrix_url(batch.cycle)},
    )


@login_required
@require_GET
def notice_download(request, pk):
    notice = selectors.notices_visible_to(request.user).select_related("region").filter(pk=pk).first()
    if notice is None or not notice.pdf:
        raise Http404
    data = services.notice_pdf_bytes(notice)
    response = HttpResponse(data, content_type="application/pdf")
    name = clean_display_name(f"揭榜任务通知书-{notice.region.name}-{notice.doc_number}.pdf")
    response["Content-Disposition"] = (
        f"attachment; filename=\"notice-{notice.year}-{notice.sequence}.pdf\"; filename*=UTF-8''{quote(name)}"
    )
    return response


@login_required
@require_GET
def notice_docx(request, pk):
    """The issued 通知书 as Word (.docx), from the letter's data (its 发文字号 and date): whoever may download its
    PDF, once the letter is issued (its PDF stored); another region's letter answers 404."""
    from reform_portal.docx import docx_response

    from .documents import render_notice_docx

    notice = (
        selectors.notices_visible_to(request.user).select_related("region", "cycle").filter(pk=pk).first()
    )
    if notice is None or not notice.pdf:
        raise Http404
    return docx_response(
        render_notice_docx(notice, services.notice_tasks(notice)),
        f"揭榜任务通知书-{notice.region.name}-{notice.doc_number}.docx",
        fallback=f"notice-{notice.year}-{notice.sequence}.docx",
    )


# ---- 揭榜任务: plan, progress, coordination, summary -------------------------------------------------


TASK_COLUMNS = [
    Column("year", _lazy("年度"), ("cycle__year",)),
    Column("region", _lazy("地区"), ("region__code",)),
    Column("title", _lazy("任务"), ("entry__title",)),
    Column("state", _lazy("状态"), ("state",)),
    Column("done", _lazy("里程碑完成"), ("n_done",)),
    Column("report", _lazy("最近报告"), ("last_report",)),
]


def _task_rows(request):
    """The tasks of one year (``?year=``; by default the earliest year in which a task waits for the user), as
    the filters (region, state, 领域, 分层推进层级, title words) narrow them and ``?sort=`` orders them."""
    user = request.user
    cycle = selected_cycle(request, kinds=(oi.TASK_PLAN, oi.TASK_REPORT), cycles=_bid_cycles())
    visible = selectors.task_list(user).filter(cycle=cycle)
    # Reviewers choose among every region; the others among the regions of the tasks they see (their own).
    regions = (
        Region.objects.order_by("code")
        if user.has_role(Role.NATIONAL_REVIEWER)
        else Region.objects.filter(pk__in=visible.values("region")).order_by("code")
    )
    filters = TaskFilter(request.GET or None, queryset=visible, cycle=cycle, regions=regions)
    sorting = Sorting(request, TASK_COLUMNS)
    return cycle, filters, sorting, sorting.apply(filters.qs)


def _attach_notices(user, items):
    notices = {
        (n.cycle_id, n.region_id): n
        for n in selectors.notices_visible_to(user).filter(cycle__in={t.cycle_id for t in items})
    }
    for t in items:
        t.notice = notices.get((t.cycle_id, t.region_id))
    return items


@role_required(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER, Role.IMPLEMENTER)
@require_GET
def task_list(request, fmt=None):
    """The 揭榜任务 list; ``fmt`` (xlsx or csv, from the URL) exports every row of it as filtered and sorted."""
    cycle, filters, sorting, tasks = _task_rows(request)
    if fmt:
        return _task_export(request, fmt, cycle, tasks)
    for message in filters.error_messages:
        messages.error(request, _("筛选条件无效，已忽略：%(error)s") % {"error": message})
    page, query = paginate(request, tasks)
    items = _attach_notices(request.user, list(page.object_list))
    return render(
        request,
        "bidding/task_list.html",
        {
            "cycle": cycle,
            "tasks": items,
            "page": page,
            "query": query,
            "filters": filters,
            "region_filter": request.user.has_role(Role.NATIONAL_REVIEWER),
            "sorting": sorting,
            "export_query": page_query(request),
        },
    )


def task_export_row(t) -> list:
    notice = t.notice.doc_number if t.notice and t.notice.pdf else ""
    return [
        t.cycle.year,
        str(t.region),
        t.entry.title,
        t.get_state_display(),
        f"{t.n_done} / {t.n_milestones}",
        t.last_report,
        notice,
    ]


TASK_EXPORT_HEADER = [
    _lazy("年度"),
    _lazy("地区"),
    _lazy("任务"),
    _lazy("状态"),
    _lazy("里程碑完成"),
    _lazy("最近报告"),
    _lazy("通知书"),
]


def _task_export(request, fmt, cycle, tasks):
    year = cycle.year if cycle else ""
    count = tasks.count()
    items = _attach_notices(request.user, list(tasks)) if may_build(request, count) else []
    return export_response(
        request,
        fmt,
        title=_("揭榜任务"),
        header=[str(h) for h in TASK_EXPORT_HEADER],
        rows=(task_export_row(t) for t in items),
        count=count,
        filename=_("%(year)s年度揭榜任务") % {"year": year},
        fallback=f"tasks-{year}",
        back=with_query(reverse("bidding:tasks"), request),
    )


def _task_or_404(request, pk):
    task = selectors.task_visible(request.user, pk)
    if task is None:
        raise Http404
    show_switch(request, task.cycle, url=reverse("bidding:tasks"), cycles=_bid_cycles())
    return task


def _task_page(request, task, **forms):
    user = request.user
    rows = selectors.task_rows(task)
    milestones = rows.milestones
    notice = selectors.notices_visible_to(user).filter(cycle=task.cycle, region=task.region).first()
    plan_ok, plan_reason = rules.can_edit_plan(user, task)
    context = {
        "task": task,
        "entities": rows.entities,
        "milestones": milestones,
        "targets": rows.targets,
        "notice": notice,
        "reports": markup.report_articles(rows.reports),
        "requests": rows.requests,
        "overdue": {m.pk for m in selectors.overdue_of(milestones)},
        "can_edit_plan": plan_ok,
        "plan_reason": plan_reason,
        "plan_problems": services.plan_problems_of(milestones, rows.targets),
        "can_report": rules.can_report(user, task)[0],
        "can_raise": rules.can_raise_coordination(user, task)[0],
        "can_summarise": rules.can_file_summary(user, task, milestones)[0],
        "is_reviewer": rules.is_reviewer(user),
        "entities_form": forms.get("entities_form") or _entities_form(task, rows.entities),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(prefix="m"),
        "target_form": forms.get("target_form") or TargetForm(prefix="t"),
        "coordination_form": forms.get("coordination_form") or CoordinationForm(prefix="c"),
        "answer_form": forms.get("answer_form") or AnswerForm(),
        "sections": task_sections(user, task),
    }
    refused = forms.get("answer_form")
    for req in context["requests"]:
        # the reviewers' answer form: open requests, and a refused answer (its text kept) even if answered since
        req.answer_form_here = refused is not None and refused.request_pk == req.pk
    return render(request, "bidding/task_detail.html", context)


def _entities_form(task, entities):
    form = EntitiesForm(initial={"entities": entities}, region=task.region)
    add_revision_field(form, task.revision)
    return form


@login_required
@require_GET
def task_detail(request, pk):
    return _task_page(request, _task_or_404(request, pk))


@login_required
@require_GET
def plan_pdf(request, pk):
    """The task's 实施方案 as a PDF (an attachment of the region's plan, no 版头): whoever may open the task's page;
    another region's task answers 404."""
    from .documents import plan_title, render_plan_pdf

    task = _task_or_404(request, pk)
    name = clean_display_name(f"{task.region.name}-{plan_title(task)}.pdf")
    response = HttpResponse(render_plan_pdf(task), content_type="application/pdf")
    response["Content-Disposition"] = (
        f"attachment; filename=\"plan-{task.region.code}-{task.pk}.pdf\"; filename*=UTF-8''{quote(name)}"
    )
    return response


@login_required
@require_GET
def plan_docx(request, pk):
    """The task's 实施方案 as Word (.docx), with the PDF's permissions."""
    from reform_portal.docx import docx_response

    from .documents import plan_title, render_plan_docx

    task = _task_or_404(request, pk)
    return docx_response(
        render_plan_docx(task),
        f"{task.region.name}-{plan_title(task)}.docx",
        fallback=f"plan-{task.region.code}-{task.pk}.docx",
    )


def _plan_form_action(request, pk, form_name, form, action, success):
    task = _task_or_404(request, pk)
    allowed, reason = rules.can_edit_plan(request.user, task)
    if form_name != "coordination_form" and not allowed:
        raise PermissionDenied(reason)
    if form.is_valid():
        ok, _result = attempt(request, lambda: action(task, form), success=success, form=form)
        if ok:
            return redirect("bidding:task_detail", pk=task.pk)
    return _task_page(request, task, **{form_name: form})


@login_required
@require_POST
def task_entities(request, pk):
    task = _task_or_404(request, pk)
    form = EntitiesForm(request.POST, region=task.region)
    add_revision_field(form, task.revision)
    return _plan_form_action(
        request,
        pk,
        "entities_form",
        form,
        lambda t, f: services.plan_set_entities(
            task=t,
            organizations=list(f.cleaned_data["entities"]),
            by=request.user,
            revision=f.cleaned_data["revision"],
        ),
        _("实施主体已保存。"),
    )


@login_required
@require_POST
def milestone_add(request, pk):
    return _plan_form_action(
        request,
        pk,
        "milestone_form",
        MilestoneForm(request.POST, prefix="m"),
        lambda t, f: services.milestone_add(task=t, fields=f.cleaned_data, by=request.user),
        _("里程碑已添加。"),
    )


@login_required
@require_POST
def target_add(request, pk):
    return _plan_form_action(
        request,
        pk,
        "target_form",
        TargetForm(request.POST, prefix="t"),
        lambda t, f: services.target_add(task=t, fields=f.cleaned_data, by=request.user),
        _("量化目标已添加。"),
    )


@login_required
@require_GET
def plan_template(request, pk):
    """下载Excel模板 of the 实施方案, filled with the task's milestones and targets as they stand."""
    task = _task_or_404(request, pk)
    return xlsx_response(
        imports.template_bytes(task),
        f"{task.region.name}揭榜任务{task.entry.number}实施方案导入模板.xlsx",
        fallback=f"task-{task.pk}-plan-import.xlsx",
    )


@login_required
def plan_import(request, pk):
    """从Excel导入 milestones and targets: upload, preview with every error at its row and column, confirm."""
    task = _task_or_404(request, pk)
    allowed, reason = rules.can_edit_plan(request.user, task)
    if not allowed:
        raise PermissionDenied(reason)
    result = import_flow(
        request,
        specs=imports.specs(),
        check=lambda rows: imports.check(task, rows),
        save=lambda plan, revision: services.plan_import(
            task=task, items=plan.items, revision=revision, by=request.user
        ),
        salt=imports.salt(task, request.user),
        revision=services.plan_revision(task),
        success=lambda counts: (
            _("已从Excel导入：新增%(a)s项，更新%(u)s项。") % {"a": counts[0], "u": counts[1]}
        ),
        done_url=reverse("bidding:task_detail", args=[task.pk]),
    )
    if not isinstance(result, dict):
        return result
    result.update(
        task=task,
        template_url=reverse("bidding:plan_template", args=[task.pk]),
        back_url=reverse("bidding:task_detail", args=[task.pk]),
    )
    return render(request, "bidding/plan_import.html", result)


@login_required
@require_POST
def milestone_delete(request, pk):
    milestone = get_object_or_404(Milestone, pk=pk)
    task = _task_or_404(request, milestone.task_id)
    attempt(request, lambda: services.milestone_delete(milestone=milestone, by=request.user))
    return redirect("bidding:task_detail", pk=task.pk)


@login_required
@require_POST
def target_delete(request, pk):
    target = get_object_or_404(Target, pk=pk)
    task = _task_or_404(request, target.task_id)
    attempt(request, lambda: services.target_delete(target=target, by=request.user))
    return redirect("bidding:task_detail", pk=task.pk)


@login_required
@require_POST
def plan_confirm(request, pk):
    task = _task_or_404(request, pk)
    attempt(
        request,
        lambda: services.plan_confirm(task=task, by=request.user),
        success=_("实施方案已确认，任务进入实施阶段。"),
    )
    return redirect("bidding:task_detail", pk=task.pk)


@login_required
def report_new(request, pk):
    task = _task_or_404(request, pk)
    allowed, reason = rules.can_report(request.user, task)
    if not allowed:
        raise PermissionDenied(reason)
    form = ReportForm(
        request.POST or None, request.FILES or None, task=task, initial={"period_end": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("attachment")
        ok, _report = attempt(
            request,
            lambda: services.report_file(
                task=task,
                period_end=form.cleaned_data["period_end"],
                narrative=form.cleaned_data["narrative"],
                actuals=form.actuals(),
                statuses=form.statuses(),
                uploads=[upload] if upload else [],
                by=request.user,
            ),
            success=_("进展报告已报送。"),
            form=form,
        )
        if ok:
            return redirect("bidding:task_detail", pk=task.pk)
    return render(request, "bidding/report_form.html", {"task": task, "form": form})


@login_required
@require_GET
def report_attachment(request, pk):
    att = get_object_or_404(ReportAttachment.objects.select_related("report"), pk=pk)
    _task_or_404(request, att.report.task_id)
    return FileResponse(
        att.file.open("rb"), as_attachment=True, filename=clean_display_name(att.original_name)
    )


@login_required
@require_POST
def coordination_new(request, pk):
    task = _task_or_404(request, pk)
    allowed, reason = rules.can_raise_coordination(request.user, task)
    if not allowed:
        raise PermissionDenied(reason)
    return _plan_form_action(
        request,
        pk,
        "coordination_form",
        CoordinationForm(request.POST, prefix="c"),
        lambda t, f: services.coordination_raise(task=t, by=request.user, **f.cleaned_data),
        _("协调事项已提交国家发展改革委、科技部。"),
    )


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def coordination_answer(request, pk):
    req = get_object_or_404(CoordinationRequest, pk=pk)
    form = AnswerForm(request.POST)
    add_revision_field(form, req.revision)
    form.request_pk = req.pk
    if form.is_valid():
        ok, _answered = attempt(
            request,
            lambda: services.coordination_answer(
                request=req,
                answer=form.cleaned_data["answer"],
                by=request.user,
                revision=form.cleaned_data["revision"],
            ),
            success=_("已答复。"),
            form=form,
        )
        if ok:
            return redirect("bidding:task_detail", pk=req.task_id)
    # refused: the task page again, this request's form keeping the answer the reviewer typed
    return _task_page(request, _task_or_404(request, req.task_id), answer_form=form)


@login_required
def summary(request, pk):
    task = _task_or_404(request, pk)
    allowed, reason = rules.can_file_summary(request.user, task, list(task.milestones.all()))
    form = SummaryForm(request.POST or None)
    add_revision_field(form, task.revision)
    if not allowed:
        stale = request.method == "POST" and form.is_valid() and form.cleaned_data["revision"] is not None
        if not stale or form.cleaned_data["revision"] == task.revision:
            raise PermissionDenied(reason)
        # a colleague filed the summary since this page was loaded: say who and when, keep the typed text
        try:
            check_revision(task, form.cleaned_data["revision"], _("揭榜任务"))
        except ValidationError as exc:
            errors_onto_form(form, exc)
        return render(request, "bidding/summary_form.html", {"task": task, "form": form})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        ok, _task = attempt(
            request,
            lambda: services.summary_file(task=task, by=request.user, **data),
            success=_("完成总结已报送，任务进入待评估。"),
            form=form,
        )
        if ok:
            return redirect("bidding:task_detail", pk=task.pk)
    return render(request, "bidding/summary_form.html", {"task": task, "form": form})


# ---- 进展监测 (national reviewers) ------------------------------------------------------------------


PROGRESS_COLUMNS = [
    Column("region", _lazy("地区"), ("region__code",)),
    Column("title", _lazy("任务"), ("entry__title",)),
    Column("state", _lazy("状态"), ("state",)),
    Column("done", _lazy("里程碑（完成/滞后/风险/总数）"), ("n_done",)),
    Column("overdue", _lazy("逾期"), ("n_overdue",)),
    Column("report", _lazy("最近报告"), ("last_report",)),
    Column("requests", _lazy("待答复协调事项"), ("n_open_requests",)),
]


def _progress_export(request, fmt, cycle, task_rows):
    count = task_rows.count()
    items = selectors.with_attainment(task_rows) if may_build(request, count) else []
    header = [str(c.label) for c in PROGRESS_COLUMNS]
    header.insert(6, _("目标完成度"))
    return export_response(
        request,
        fmt,
        title=_("实施进展"),
        header=header,
        rows=(
            [
                str(t.region),
                t.entry.title,
                t.get_state_display(),
                f"{t.n_done} / {t.n_late} / {t.n_risk} / {t.n_milestones}",
                t.n_overdue,
                t.last_report,
                f"{round(t.attainment * 100)}%" if t.attainment is not None else "",
                t.n_open_requests,
            ]
            for t in items
        ),
        count=count,
        filename=_("%(year)s年度实施进展") % {"year": cycle.year},
        fallback=f"progress-{cycle.year}",
        back=with_query(reverse("bidding:progress"), request),
    )


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def progress(request, fmt=None):
    """The reviewers' progress dashboard (filters, ``?sort=``); ``fmt`` exports every task row of it."""
    cycle = _review_cycle(request, kinds=(oi.COORDINATION,))
    if cycle is None:
        return _no_cycle(request)
    region = parse_region_code(request.GET.get("region"))
    state = request.GET.get("state", "")
    state = state if state in TaskState.values else ""
    overdue_only = request.GET.get("overdue") == "1"
    level = request.GET.get("level", "")
    level = level if level in OrgLevel.values else ""
    tasks = selectors.progress_tasks(
        cycle, region=region, state=state, overdue_only=overdue_only, level=level
    )
    sorting = Sorting(request, PROGRESS_COLUMNS)
    task_rows = sorting.apply(selectors.progress_rows(tasks))
    if fmt:
        return _progress_export(request, fmt, cycle, task_rows)
    page, query = paginate(request, task_rows)
    if state or overdue_only or level:
        region_rows = selectors.progress_regions(tasks)
        active_regions: Iterable[tuple[str, str]] = (
            Region.objects.filter(active=True).order_by("code").values_list("code", "name")
        )
    else:  # the year's (or a region's) figures and the regions, stored (issue 19)
        region_rows, active_regions = selectors.stored_progress_regions(cycle, region=region)
    regions = markup.progress_region_rows(region_rows)
    rows = markup.progress_task_rows(selectors.with_attainment(page.object_list))
    return render(
        request,
        "bidding/progress.html",
        {
            "cycle": cycle,
            "page": page,
            "query": query,
            "rows": rows,
            "regions": regions,
            "region_chart": _milestone_chart(
                _("各地区里程碑完成情况"),
                [(str(r["region"]), r["done"], r["overdue"], r["milestones"]) for r in regions],
            ),
            "task_chart": _milestone_chart(
                _("本页任务里程碑完成情况"),
                [(f"{t.region} {t.entry.title}", t.n_done, t.n_overdue, t.n_milestones) for t in rows],
            ),
            "region": region,
            "state": state,
            "overdue_only": overdue_only,
            "level": level,
            "levels": OrgLevel.choices,
            "states": TaskState.choices,
            # the regions' columns, not 31 models in a template loop (issue 19)
            "region_options": options(active_regions, region),
            # the reviewers' stored figures of the year (read already on this page when the year was the default)
            "open_requests": tallies.read(cycle, panels.REVIEWER_FIGURES, panels.reviewer_figures)[
                "unanswered"
            ],
            "sorting": sorting,
            "export_query": page_query(request),
        },
    )


@role_required(Role.NATIONAL_REVIEWER)
def notice_issue_one(request):
    """下达 one region's letter with the number typed from the office's registry (refused at the field when taken)."""
    from django.conf import settings

    from reform_portal.services import local_today

    from .forms import NoticeIssueForm

    cycle = _review_cycle(request)
    if cycle is None:
        raise Http404
    year, prefix = local_today().year, settings.PORTAL_NOTICE_NUMBER_PREFIX
    regions = services.regions_to_notify(cycle)
    form = NoticeIssueForm(request.POST or None, regions=regions, year=year, doc_prefix=prefix)
    if request.method == "POST" and form.is_valid():
        ok, notice = attempt(
            request,
            lambda: services.notice_issue(
                cycle=cycle,
                region=form.cleaned_data["region"],
                by=request.user,
                typed=form.cleaned_data["number"],
            ),
            success=lambda n: (
                _("已下达%(r)s的揭榜任务通知书（%(no)s）。") % {"r": n.region, "no": n.doc_number}
            ),
        )
        if ok:
            return redirect(_matrix_url(cycle))
    return render(
        request,
        "bidding/notice_issue_one.html",
        {"form": form, "cycle": cycle, "year": year, "prefix": prefix, "matrix_url": _matrix_url(cycle)},
    )


@role_required(Role.NATIONAL_REVIEWER)
def doc_number_register(request):
    """The 发文字号 register of this year's prefix: the numbers taken (with what they number) and the next number,
    which the office sets to follow its own registry."""
    from django.conf import settings

    from reform_portal import docnumbers
    from reform_portal.services import local_today

    from .forms import RegisterNextForm

    year, prefix = local_today().year, settings.PORTAL_NOTICE_NUMBER_PREFIX
    register = docnumbers.register(year, prefix)
    form = RegisterNextForm(request.POST or None, initial={"next_number": register.next_number})
    add_revision_field(form, register.revision)
    if request.method == "POST" and form.is_valid():
        ok, _register = attempt(
            request,
            lambda: docnumbers.set_next(
                year=year,
                prefix=prefix,
                next_number=form.cleaned_data["next_number"],
                by=request.user,
                revision=form.cleaned_data["revision"],
            ),
            success=_("已设置下一个序号。"),
            form=form,
        )
        if ok:
            return redirect("bidding:doc_number_register")
    filters, sorting, numbers = _doc_number_rows(request, register)
    page, query = paginate(request, numbers)
    return render(
        request,
        "bidding/doc_number_register.html",
        {
            "form": form,
            "register": register,
            "numbers": page.object_list,
            "page": page,
            "query": query,
            "filters": filters,
            "sorting": sorting,
            "export_query": page_query(request),
        },
    )


DOC_NUMBER_COLUMNS = [
    Column("number", _lazy("发文字号"), ("number",)),
    Column("kind", _lazy("公文种类"), ("kind",)),
    Column("state", _lazy("状态"), ("state",)),
    Column("taken", _lazy("取号"), ("taken_at",)),
]


def _doc_number_rows(request, register):
    """The register's numbers (newest first), as ``?state=``/``?kind=``/``?q=`` narrow and ``?sort=`` orders them."""
    numbers = register.numbers.select_related("taken_by").order_by("-number")
    filters = DocNumberFilter(request.GET or None, queryset=numbers)
    sorting = Sorting(request, DOC_NUMBER_COLUMNS)
    return filters, sorting, sorting.apply(filters.qs)


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def doc_number_export(request, fmt):
    """This year's 发文字号 register, every number as filtered and sorted on its page."""
    from django.conf import settings

    from reform_portal import docnumbers
    from reform_portal.services import local_today

    register = docnumbers.register(local_today().year, settings.PORTAL_NOTICE_NUMBER_PREFIX)
    _filters, _sorting, numbers = _doc_number_rows(request, register)
    count = numbers.count()
    return export_response(
        request,
        fmt,
        title=_("发文字号登记簿"),
        header=[
            _("发文字号"),
            _("公文种类"),
            _("事由"),
            _("状态"),
            _("取号方式"),
            _("取号人"),
            _("取号时间"),
        ],
        rows=(
            [
                n.text,
                n.kind,
                n.subject,
                n.get_state_display(),
                _("按登记号填写") if n.typed else _("自动"),
                str(n.taken_by) if n.taken_by else "",
                n.taken_at,
            ]
            for n in (numbers if may_build(request, count) else [])
        ),
        count=count,
        filename=_("发文字号登记簿%(register)s") % {"register": register},
        fallback=f"doc-numbers-{register.year}",
        back=with_query(reverse("bidding:doc_number_register"), request),
    )
