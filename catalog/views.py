"""Pages of stage 2. Thin: look up through a selector (404 when not visible), check the rule, call a
service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from proposals import exports as proposal_exports
from proposals import selectors as proposal_selectors
from proposals.enums import ReformArea
from proposals.models import MeasureProposal
from reform_portal import exports, listing, markup
from reform_portal.actions import attempt, errors_onto_form, form_errors_as_messages
from reform_portal.enums import CycleState, Role
from reform_portal.forms import add_revision_field, parse_id, parse_region_code
from reform_portal.models import Region, User
from reform_portal.pagination import paginate
from reform_portal.permissions import role_required
from reform_portal.years import cycle_or_404, parse_year, show_switch, with_year

from . import fragments, rules, selectors, services
from . import open_items as oi
from .enums import ListState
from .filters import ConsultationFilter, ListFilter, ReviewFilter, SynonymFilter
from .forms import (
    InclusionForm,
    ListTitleForm,
    MeasureForm,
    OpinionForm,
    RejectForm,
    ResponseForm,
    ReviewForm,
    RevisionForm,
    SendForm,
    SynonymForm,
)
from .models import DepartmentOpinion, ExpertReview, ListEntry, Measure, MeasureList, SynonymGroup

REVIEWER = Role.NATIONAL_REVIEWER
STATUSES = [
    ("open", gettext_lazy("待处理")),
    ("merged", gettext_lazy("已合并")),
    ("rejected", gettext_lazy("未采纳")),
]


def _cycle(request, kinds):
    """The year of a reviewer's page (``?year=``; by default the earliest year with open items of ``kinds``)."""
    return cycle_or_404(request, kinds=kinds)


def _with_year(name, cycle, *args):
    return with_year(reverse(name, args=args), cycle.year)


# ---- 汇总与合并 ----------------------------------------------------------------------------------


@role_required(REVIEWER)
@require_GET
def proposal_summary(request):
    """年度建议汇总: all proposals of the year's submitted books (drafts and returned books left out), one row
    each, as a spreadsheet (``?year=``)."""
    cycle = _cycle(request, (oi.MERGE,))
    proposals = proposal_selectors.summary_proposals(cycle)
    count = proposals.count()
    refused = listing.over_limit(request, count, _with_year("catalog:merge", cycle))
    if refused is not None:
        return refused
    filename = _("%(year)s年度建议汇总.xlsx") % {"year": cycle.year}
    response = exports.xlsx_response(
        proposal_exports.summary_workbook(cycle, proposals), filename, fallback=f"proposals-{cycle.year}.xlsx"
    )
    return listing.mark_export(response, filename, count)


MERGE_COLUMNS = [
    listing.Column("region", gettext_lazy("地区"), ("book__region__code",)),
    listing.Column("area", gettext_lazy("改革任务领域"), ("area",)),
    listing.Column("title", gettext_lazy("举措名称"), ("title",)),
]


def _merge_state(p) -> str:
    source = getattr(p, "measure_source", None)
    if source is not None:
        return _("已合并：%(t)s") % {"t": source.measure.title}
    rejection = getattr(p, "rejection", None)
    if rejection is not None:
        return _("未采纳：%(r)s") % {"r": rejection.reason}
    return _("待处理")


def _merge_export(request, fmt, cycle, proposals):
    count = proposals.count()
    return listing.export_response(
        request,
        fmt,
        title=_("汇总与合并"),
        header=[_("地区"), _("改革任务领域"), _("举措名称"), _("改革内容"), _("处理情况")],
        rows=(
            [p.book.region.name, p.get_area_display(), p.title, p.content, _merge_state(p)]
            for p in (proposals if listing.may_build(request, count) else [])
        ),
        count=count,
        filename=_("%(year)s年度改革举措建议汇总与合并") % {"year": cycle.year},
        fallback=f"merge-{cycle.year}",
        back=listing.with_query(reverse("catalog:merge"), request),
    )


@require_GET
@role_required(REVIEWER)
def merge_export(request, fmt):
    """The merge page's proposals (its filters and sort) as a spreadsheet; the similar proposals column is the
    page's, not the export's."""
    return merge(request, fmt=fmt)


@role_required(REVIEWER)
def merge(request, fmt=None):
    cycle = _cycle(request, (oi.MERGE,))
    region = parse_region_code(request.GET.get("region"))
    area = request.GET.get("area", "")
    status = request.GET.get("status", "")
    area = area if area in ReformArea.values else ""
    status = status if status in dict(STATUSES) else ""
    form = MeasureForm(request.POST or None)
    selected = [pk for pk in map(parse_id, request.POST.getlist("proposals")) if pk is not None]
    if request.method == "POST":
        proposals = list(MeasureProposal.objects.filter(pk__in=selected))
        target = request.POST.get("measure", "")
        try:
            if target:
                measure = Measure.objects.filter(cycle=cycle, pk=parse_id(target) or 0).first()
                if measure is None:
                    raise Http404
                services.measure_add_sources(measure=measure, proposals=proposals, by=request.user)
                messages.success(request, _("已将所选建议合并到举措“%(t)s”。") % {"t": measure.title})
                return redirect(_with_year("catalog:merge", cycle))
            if form.is_valid():
                measure = services.measure_merge(
                    cycle=cycle, proposals=proposals, fields=form.cleaned_data, by=request.user
                )
                messages.success(request, _("已合并为举措“%(t)s”。") % {"t": measure.title})
                return redirect(_with_year("catalog:merge", cycle))
        except ValidationError as exc:
            errors_onto_form(form, exc)
    sorting = listing.Sorting(request, MERGE_COLUMNS)
    proposals = sorting.apply(selectors.merge_proposals(cycle, region=region, area=area, status=status))
    if fmt:
        return _merge_export(request, fmt, cycle, proposals)
    page, query = paginate(request, selectors.merge_row_values(proposals))
    return render(
        request,
        "catalog/merge.html",
        {
            "cycle": cycle,
            "page": page,
            "query": query,
            "rows": fragments.merge_rows(
                selectors.merge_rows(cycle, page.object_list, oi.merge_stamps(cycle)),
                year=cycle.year,
                selected=selected,
                csrf_token=get_token(request),
            ),
            "form": form,
            "selected": selected,
            "region": region,
            "area": area,
            "status": status,
            "statuses": STATUSES,
            # the drop-downs' options written from their columns (issue 19: template loops over the year's measures and
            # the 31 regions, models built for each, cost ≈1.7 ms)
            "region_options": markup.options(
                Region.objects.filter(active=True).order_by("code").values_list("code", "name"), region
            ),
            "areas": ReformArea.choices,
            "counts": oi.merge_figures(cycle),
            "measure_options": _measure_options(cycle),
            "reject_form": RejectForm(),
            "sorting": sorting,
            "export_query": listing.page_query(request),
        },
    )


def _measure_options(cycle):
    """The year's measures as the options of 合并到已有举措 (汇总与合并 and 分组): their columns, not models in a template
    loop (issue 19)."""
    return markup.options(
        Measure.objects.filter(cycle=cycle).order_by("position", "pk").values_list("pk", "title")
    )


# ---- 分组, 合并这一组, 对照 (issue 16) -------------------------------------------------------------------------


def _ids(values):
    return [pk for pk in map(parse_id, values) if pk is not None]


@role_required(REVIEWER)
@require_GET
def merge_groups(request):
    """Groups of mutually similar open proposals across regions, each mergeable in one pre-filled form or into
    an existing measure."""
    cycle = _cycle(request, (oi.MERGE,))
    groups = selectors.merge_groups(cycle)
    earlier = selectors.earlier_marks(cycle)
    for group in groups:
        for p in group["proposals"]:
            p.earlier = earlier.get(p.pk)
    return render(
        request,
        "catalog/merge_groups.html",
        {
            "cycle": cycle,
            "groups": groups,
            "measure_options": _measure_options(cycle),
        },
    )


@role_required(REVIEWER)
def merge_prefill(request):
    """合并这一组: the merge form filled from the group's proposals, editable before saving."""
    cycle = _cycle(request, (oi.MERGE,))
    source = request.POST if request.method == "POST" else request.GET
    ids = _ids(source.getlist("proposals"))
    if not ids:  # nothing chosen: back to the groups
        return redirect(_with_year("catalog:merge_groups", cycle))
    proposals = selectors.open_proposals_or_none(cycle, ids)
    if proposals is None:  # a proposal of another year, merged, rejected or not submitted
        raise Http404
    lead_id = parse_id(source.get("lead", ""))
    lead = next((p for p in proposals if p.pk == lead_id), proposals[0])
    if request.method == "POST":
        form = MeasureForm(request.POST)
        if form.is_valid():
            ok, measure = attempt(
                request,
                lambda: services.measure_merge(
                    cycle=cycle, proposals=proposals, fields=form.cleaned_data, by=request.user
                ),
                success=lambda m: _("已合并为举措“%(t)s”。") % {"t": m.title},
                form=form,
            )
            if ok:
                return redirect(_with_year("catalog:merge_groups", cycle))
    else:
        form = MeasureForm(initial=selectors.merge_prefill(proposals, lead))
    regions = list(dict.fromkeys(p.book.region.name for p in proposals))
    return render(
        request,
        "catalog/merge_prefill.html",
        {"cycle": cycle, "proposals": proposals, "lead": lead, "form": form, "regions": regions},
    )


@role_required(REVIEWER)
@require_GET
def merge_compare(request):
    """Two proposals side by side, the phrases they share marked."""
    cycle = _cycle(request, (oi.MERGE,))
    ids = _ids([request.GET.get("a", ""), request.GET.get("b", "")])
    if not ids:  # nothing chosen: back to the groups
        return redirect(_with_year("catalog:merge_groups", cycle))
    found = {p.pk: p for p in selectors.cycle_proposals(cycle).filter(pk__in=ids)}
    if len(ids) != 2 or len(found) != 2:
        raise Http404
    a, b = found[ids[0]], found[ids[1]]
    fields = (("title", _("举措名称")), ("pain_points", _("拟解决的痛点堵点")), ("content", _("改革内容")))
    marks_a, marks_b, phrases = selectors.shared_marks(
        "\n".join(getattr(a, f) for f, _l in fields), "\n".join(getattr(b, f) for f, _l in fields)
    )
    sides = [
        {
            "label": label,
            "a": selectors.marked_segments(getattr(a, f), marks_a),
            "b": selectors.marked_segments(getattr(b, f), marks_b),
        }
        for f, label in fields
    ]
    score = next((s["score"] for s in selectors.cycle_ranking(cycle).get(a.pk, []) if s["pk"] == b.pk), None)
    return render(
        request,
        "catalog/merge_compare.html",
        {"cycle": cycle, "a": a, "b": b, "sides": sides, "phrases": phrases, "score": score},
    )


# ---- 同义词表 ------------------------------------------------------------------------------------------------


@role_required(REVIEWER)
def synonyms(request):
    """The merge page's synonym table: every group, and a form to add one."""
    form = SynonymForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, group = attempt(
            request,
            lambda: services.synonym_save(
                group=None, canonical=data["canonical"], variants=data["variants"], by=request.user
            ),
            success=lambda g: _("已新增同义词组“%(w)s”。") % {"w": g.canonical},
            form=form,
        )
        if ok:
            return redirect("catalog:synonyms")
    filters, sorting, groups = _synonym_rows(request)
    return render(
        request,
        "catalog/synonyms.html",
        {
            "groups": groups,
            "form": form,
            "filters": filters,
            "sorting": sorting,
            "export_query": listing.page_query(request),
        },
    )


SYNONYM_COLUMNS = [
    listing.Column("canonical", gettext_lazy("规范用语"), ("canonical",)),
    listing.Column("updated_by", gettext_lazy("修改人"), ("updated_by__username",)),
    listing.Column("updated_at", gettext_lazy("修改时间"), ("updated_at",)),
]


def _synonym_rows(request):
    groups = SynonymGroup.objects.select_related("updated_by").order_by("canonical")
    filters = SynonymFilter(request.GET or None, queryset=groups)
    sorting = listing.Sorting(request, SYNONYM_COLUMNS)
    return filters, sorting, sorting.apply(filters.qs)


@role_required(REVIEWER)
@require_GET
def synonyms_export(request, fmt):
    """The synonym table as filtered and sorted on its page."""
    _filters, _sorting, groups = _synonym_rows(request)
    count = groups.count()
    return listing.export_response(
        request,
        fmt,
        title=_("同义词表"),
        header=[_("规范用语"), _("同义表述"), _("修改人"), _("修改时间")],
        rows=(
            [
                g.canonical,
                g.variants,  # as typed: the hostile-export test reads every typed text back exactly
                str(g.updated_by) if g.updated_by else _("初始词表"),
                g.updated_at,
            ]
            for g in (groups if listing.may_build(request, count) else [])
        ),
        count=count,
        filename=_("合并同类项同义词表"),
        fallback="synonyms",
        back=listing.with_query(reverse("catalog:synonyms"), request),
    )


def _synonym_or_404(pk):
    group = SynonymGroup.objects.filter(pk=pk).first()
    if group is None:
        raise Http404
    return group


@role_required(REVIEWER)
def synonym_edit(request, pk):
    group = _synonym_or_404(pk)
    initial = {"canonical": group.canonical, "variants": " ".join(group.variant_list())}
    form = SynonymForm(request.POST or None, initial=initial)
    add_revision_field(form, group.revision)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _saved = attempt(
            request,
            lambda: services.synonym_save(
                group=group,
                canonical=data["canonical"],
                variants=data["variants"],
                reason=data["reason"],
                by=request.user,
                revision=data["revision"],
            ),
            success=_("已保存同义词组，各年度的相似建议将按新词表重新计算。"),
            form=form,
        )
        if ok:
            return redirect("catalog:synonyms")
    history = group.history.select_related("history_user").order_by("-history_date", "-history_id")[:50]
    return render(request, "catalog/synonym_edit.html", {"group": group, "form": form, "history": history})


@role_required(REVIEWER)
@require_POST
def synonym_delete(request, pk):
    group = _synonym_or_404(pk)
    attempt(
        request,
        lambda: services.synonym_delete(group=group, by=request.user),
        success=_("已删除同义词组“%(w)s”。") % {"w": group.canonical},
    )
    return redirect("catalog:synonyms")


def _proposal_or_404(pk):
    proposal = (
        MeasureProposal.objects.select_related("book__cycle")
        .filter(pk=pk, book__state__in=services.OPEN_BOOK_STATES)
        .first()
    )
    if proposal is None:
        raise Http404
    return proposal


@role_required(REVIEWER)
@require_POST
def reject(request, pk):
    proposal = _proposal_or_404(pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.proposal_reject(
                proposal=proposal, reason=form.cleaned_data["reason"], by=request.user
            ),
            success=_("已将“%(t)s”标记为未采纳。") % {"t": proposal.title},
        )
    else:
        form_errors_as_messages(request, form)
    return redirect(_with_year("catalog:merge", proposal.book.cycle) + f"#proposal-{proposal.pk}")


@role_required(REVIEWER)
@require_POST
def unreject(request, pk):
    proposal = _proposal_or_404(pk)
    services.proposal_unreject(proposal=proposal, by=request.user)
    messages.success(request, _("已撤销未采纳。"))
    return redirect(_with_year("catalog:merge", proposal.book.cycle) + f"#proposal-{proposal.pk}")


# ---- measures -----------------------------------------------------------------------------------


MEASURE_COLUMNS = [
    listing.Column("position", gettext_lazy("序号"), ("position",)),
    listing.Column("title", gettext_lazy("举措名称"), ("title",)),
    listing.Column("area", gettext_lazy("改革任务领域"), ("area",)),
]


def _measure_export_row(number, m) -> list:
    stats = m.stats
    score = (
        f"{stats['total_avg']}（{stats['total_min']}—{stats['total_max']}）"
        if stats.get("total_avg") is not None
        else ""
    )
    return [
        number,
        m.title,
        m.get_area_display(),
        "\n".join(f"{region}·{title}" for region, title in m.source_labels),
        f"{stats['submitted']}/{stats['assigned']}",
        score,
        _("列入") if m.included else _("不列入"),
    ]


@role_required(REVIEWER)
@require_GET
def measures(request, fmt=None):
    """清单举措 of a year (``?sort=``); ``fmt`` exports every row as sorted."""
    cycle = _cycle(request, (oi.MERGE,))
    sorting = listing.Sorting(request, MEASURE_COLUMNS)
    rows = sorting.apply(selectors.measures_for(cycle))
    if fmt:
        count = rows.count()
        items = selectors.with_stats(rows) if listing.may_build(request, count) else []
        header = [
            _("序号"),
            _("举措名称"),
            _("改革任务领域"),
            _("建议来源"),
            _("专家论证"),
            _("平均总分（最低—最高）"),
        ]
        return listing.export_response(
            request,
            fmt,
            title=_("清单举措"),
            header=[*header, _("列入清单")],
            rows=(_measure_export_row(n, m) for n, m in enumerate(items, start=1)),
            count=count,
            filename=_("%(year)s年度清单举措") % {"year": cycle.year},
            fallback=f"measures-{cycle.year}",
            back=listing.with_query(reverse("catalog:measures"), request),
        )
    page, query = paginate(request, rows)
    return render(
        request,
        "catalog/measures.html",
        {
            "cycle": cycle,
            "page": page,
            "query": query,
            "measures": fragments.measure_rows(selectors.with_stats(page.object_list), page.start_index()),
            "criteria": ExpertReview.CRITERIA,
            "sorting": sorting,
            "export_query": listing.page_query(request),
        },
    )


def _measure_or_404(pk):
    measure = selectors.measure_detail(pk)
    if measure is None:
        raise Http404
    return measure


@role_required(REVIEWER)
def measure_detail(request, pk):
    measure = _measure_or_404(pk)
    show_switch(request, measure.cycle, url=reverse("catalog:measures"))
    form = RevisionForm(
        request.POST or None,
        instance=measure if request.method == "GET" else None,
        initial={k: getattr(measure, k) for k in services.MEASURE_FIELDS},
    )
    add_revision_field(form, measure.revision)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.MEASURE_FIELDS}
        ok, _measure = attempt(
            request,
            lambda: services.measure_update(
                measure=measure,
                fields=data,
                reason=form.cleaned_data["reason"],
                revision=form.cleaned_data["revision"],
                by=request.user,
            ),
            success=_("举措已修订。"),
            form=form,
            by_field=False,
        )
        if ok:
            return redirect("catalog:measure_detail", pk=measure.pk)
    unmerge_ok, unmerge_reason = rules.can_unmerge(request.user, measure)
    return render(
        request,
        "catalog/measure_detail.html",
        {
            "measure": measure,
            "form": form,
            "experts": selectors.experts_for(measure),
            "unmerge_ok": unmerge_ok,
            "unmerge_reason": unmerge_reason,
            "criteria": ExpertReview.CRITERIA,
            "inclusion_form": InclusionForm(
                initial={
                    "included": "1" if measure.included else "0",
                    "note": getattr(getattr(measure, "inclusion", None), "note", ""),
                }
            ),
            "history": measure.history.select_related("history_user").order_by("-history_date")[:50],
            "response_form": ResponseForm(),
        },
    )


@role_required(REVIEWER)
@require_POST
def unmerge(request, pk):
    measure = _measure_or_404(pk)
    cycle = measure.cycle
    try:
        services.measure_unmerge(measure=measure, by=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("catalog:measure_detail", pk=measure.pk)
    messages.success(request, _("已撤销合并，相关建议恢复为待处理。"))
    return redirect(_with_year("catalog:merge", cycle))


@role_required(REVIEWER)
@require_POST
def assign(request, pk):
    measure = _measure_or_404(pk)
    expert = User.objects.filter(
        pk=parse_id(request.POST.get("expert")) or 0, groups__name=Role.EXPERT
    ).first()
    if expert is None:
        messages.error(request, _("请选择评审专家。"))
    else:
        try:
            services.expert_assign(measure=measure, expert=expert, by=request.user)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已分配专家%(e)s论证。") % {"e": expert})
    return redirect("catalog:measure_detail", pk=measure.pk)


@role_required(REVIEWER)
@require_POST
def unassign(request, pk):
    review = ExpertReview.objects.select_related("measure", "expert").filter(pk=pk).first()
    if review is None:
        raise Http404
    try:
        services.expert_unassign(review=review, by=request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤回专家%(e)s的论证分配。") % {"e": review.expert})
    return redirect("catalog:measure_detail", pk=review.measure_id)


@role_required(REVIEWER)
@require_POST
def include(request, pk):
    measure = _measure_or_404(pk)
    form = InclusionForm(request.POST)
    if form.is_valid():
        services.measure_set_inclusion(
            measure=measure,
            included=form.cleaned_data["included"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
        messages.success(request, _("已更新列入情况。"))
    else:
        form_errors_as_messages(request, form)
    return redirect("catalog:measure_detail", pk=measure.pk)


# ---- expert review ------------------------------------------------------------------------------


REVIEW_COLUMNS = [
    listing.Column("title", gettext_lazy("举措名称"), ("measure__title",)),
    listing.Column("area", gettext_lazy("改革任务领域"), ("measure__area",)),
    listing.Column("state", gettext_lazy("状态"), ("submitted_at",)),
]


@role_required(Role.EXPERT)
@require_GET
def my_reviews(request, fmt=None):
    """The expert's own assignments of a year (``?state=``, ``?area=``, ``?sort=``); ``fmt`` exports them all."""
    cycle = cycle_or_404(request, kinds=(oi.EXPERT_REVIEW,))
    reviews = selectors.reviews_for_expert(request.user).filter(measure__cycle=cycle)
    filters = ReviewFilter(request.GET or None, queryset=reviews)
    sorting = listing.Sorting(request, REVIEW_COLUMNS)
    rows = sorting.apply(filters.qs)
    if fmt:
        count = rows.count()
        return listing.export_response(
            request,
            fmt,
            title=_("专家论证"),
            header=[_("年度"), _("举措名称"), _("改革任务领域"), _("状态"), _("提交时间")],
            rows=(
                [
                    r.measure.cycle.year,
                    r.measure.title,
                    r.measure.get_area_display(),
                    _("已提交") if r.submitted_at else _("待论证"),
                    r.submitted_at,
                ]
                for r in (rows if listing.may_build(request, count) else [])
            ),
            count=count,
            filename=_("%(year)s年度专家论证任务") % {"year": cycle.year},
            fallback=f"reviews-{cycle.year}",
            back=listing.with_query(reverse("catalog:my_reviews"), request),
        )
    for message in filters.error_messages:
        messages.error(request, _("筛选条件无效，已忽略：%(error)s") % {"error": message})
    # the list prints the year, title, area and state: no sources (issue 19)
    page, query = paginate(
        request,
        rows.prefetch_related(None).only(
            "pk", "submitted_at", "measure__title", "measure__area", "measure__cycle__year"
        ),
    )
    reviews_ = list(page.object_list)
    return render(
        request,
        "catalog/my_reviews.html",
        {
            "cycle": cycle,
            "page": page,
            "query": query,
            "reviews": reviews_,
            "review_rows": fragments.review_rows(reviews_),
            "n_pending": reviews.filter(submitted_at__isnull=True).count(),
            "filters": filters,
            "sorting": sorting,
            "export_query": listing.page_query(request),
        },
    )


@role_required(Role.EXPERT)
def review(request, pk):
    item = selectors.review_for_expert(request.user, pk)
    if item is None:
        raise Http404
    show_switch(request, item.measure.cycle, url=reverse("catalog:my_reviews"))
    allowed, reason = rules.can_score(request.user, item)
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied(reason)
        if form.is_valid():
            ok, _review = attempt(
                request,
                lambda: services.review_submit(
                    review=item,
                    scores=form.scores(),
                    comments=form.comments(),
                    recommendation=form.cleaned_data["recommendation"],
                    by=request.user,
                ),
                success=_("论证意见已提交。"),
                form=form,
                by_field=False,
            )
            if ok:
                return redirect("catalog:review", pk=item.pk)
    return render(
        request,
        "catalog/review.html",
        {
            "review": item,
            "measure": item.measure,
            "form": form,
            "can_score": allowed,
            "reason": reason,
            "peers": selectors.peer_reviews(item),
            "criteria": ExpertReview.CRITERIA,
        },
    )


# ---- lists, consultation, publishing ------------------------------------------------------------


LIST_COLUMNS = [
    listing.Column("version", gettext_lazy("版本"), ("version",)),
    listing.Column("title", gettext_lazy("标题"), ("title",)),
    listing.Column("state", gettext_lazy("状态"), ("state",)),
    listing.Column("published", gettext_lazy("公布时间"), ("published_at",)),
]


def _list_rows(request, cycle):
    versions = selectors.lists_for(cycle)
    filters = ListFilter(request.GET or None, queryset=versions)
    sorting = listing.Sorting(request, LIST_COLUMNS)
    return versions, filters, sorting, sorting.apply(filters.qs)


@role_required(REVIEWER)
def lists(request):
    cycle = _cycle(request, (oi.OPINION_RESPONSE, oi.MERGE))
    if request.method == "POST":
        measure_list = services.list_draft(cycle=cycle, by=request.user)
        return redirect("catalog:list_manage", pk=measure_list.pk)
    versions, filters, sorting, rows = _list_rows(request, cycle)
    for message in filters.error_messages:
        messages.error(request, _("筛选条件无效，已忽略：%(error)s") % {"error": message})
    return render(
        request,
        "catalog/lists.html",
        {
            "cycle": cycle,
            "versions": list(rows),
            "n_versions": versions.count(),
            "has_working": versions.exclude(state=ListState.PUBLISHED).exists(),
            "filters": filters,
            "sorting": sorting,
            "export_query": listing.page_query(request),
        },
    )


@role_required(REVIEWER)
@require_GET
def lists_export(request, fmt):
    """The year's list versions as filtered and sorted on 举措清单."""
    cycle = _cycle(request, (oi.OPINION_RESPONSE, oi.MERGE))
    _versions, _filters, _sorting, rows = _list_rows(request, cycle)
    count = rows.count()
    return listing.export_response(
        request,
        fmt,
        title=_("举措清单版本"),
        header=[_("版本"), _("标题"), _("状态"), _("征求意见部门"), _("公布时间")],
        rows=(
            [
                v.version,
                v.title,
                v.get_state_display(),
                "、".join(c.ministry.name for c in v.consultations.all()),
                v.published_at,
            ]
            for v in (rows if listing.may_build(request, count) else [])
        ),
        count=count,
        filename=_("%(year)s年度举措清单版本") % {"year": cycle.year},
        fallback=f"lists-{cycle.year}",
        back=listing.with_query(reverse("catalog:lists"), request),
    )


def _list_or_404(pk):
    measure_list = MeasureList.objects.select_related("cycle", "published_by").filter(pk=pk).first()
    if measure_list is None:
        raise Http404
    return measure_list


@role_required(REVIEWER)
def list_manage(request, pk):
    measure_list = _list_or_404(pk)
    show_switch(request, measure_list.cycle, url=reverse("catalog:lists"))
    form = ListTitleForm(request.POST or None, instance=measure_list)
    add_revision_field(form, measure_list.revision)
    if request.method == "POST" and form.is_valid():
        try:
            ok, _saved = attempt(
                request,
                lambda: services.list_update(
                    measure_list=measure_list,
                    title=form.cleaned_data["title"],
                    by=request.user,
                    revision=form.cleaned_data["revision"],
                ),
                success=_("清单标题已保存。"),
                form=form,
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            if ok:
                return redirect("catalog:list_manage", pk=measure_list.pk)
    editable = rules.list_editable(measure_list)[0]
    opinions_of_list = DepartmentOpinion.objects.filter(consultation__measure_list=measure_list)
    if not editable:
        # A version that can no longer change (published): its entries and the departments' opinions listed,
        # loaded as the values printed and built in Python; at national size the opinions are a few hundred rows
        # (issue 19). Not the related manager for the entries: it would read each entry's measure_list_id,
        # deferred (a query per entry).
        entries = list(
            ListEntry.objects.filter(measure_list=measure_list)
            .order_by("position")
            .only("number", "title", "source_regions")
            if measure_list.is_published
            else []
        )
        opinions = list(
            opinions_of_list.values_list(
                "consultation__ministry__name", "measure__title", "stance", "text", "response"
            )
        )
        return render(
            request,
            "catalog/list_manage.html",
            {
                "measure_list": measure_list,
                "form": form,
                "editable": False,
                "opinions": opinions,
                "entry_rows": fragments.manage_entry_rows(entries),
                "opinion_items": fragments.manage_opinion_items(opinions),
            },
        )
    consultations = list(measure_list.consultations.select_related("ministry"))
    opinions = list(
        opinions_of_list.select_related("consultation__ministry", "measure").only(
            "stance",
            "text",
            "response",
            "responded_at",
            "consultation__ministry__name",
            "measure__title",
        )
    )
    measures_ = list(services.included_measures(measure_list.cycle))
    by_measure = {}
    for o in opinions:
        by_measure.setdefault(o.measure_id, []).append(o)
    rows = [{"measure": m, "opinions": by_measure.get(m.pk, [])} for m in measures_]
    unanswered = sum(1 for r in rows for o in r["opinions"] if o.responded_at is None)
    return render(
        request,
        "catalog/list_manage.html",
        {
            "measure_list": measure_list,
            "form": form,
            "consultations": consultations,
            "rows": rows,
            "send_form": SendForm(),
            "response_form": ResponseForm(),
            "editable": True,
            "opinions": opinions,
            "unanswered": unanswered,
        },
    )


@role_required(REVIEWER)
@require_POST
def send(request, pk):
    measure_list = _list_or_404(pk)
    form = SendForm(request.POST)
    if form.is_valid():
        try:
            sent = services.consultation_send(
                measure_list=measure_list, ministries=form.cleaned_data["ministries"], by=request.user
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("已向%(m)s征求意见。") % {"m": "、".join(c.ministry.name for c in sent)}
            )
    else:
        form_errors_as_messages(request, form)
    return redirect("catalog:list_manage", pk=measure_list.pk)


@role_required(REVIEWER)
@require_POST
def publish(request, pk):
    measure_list = _list_or_404(pk)
    if measure_list.cycle.state == CycleState.REVIEW:
        # The year's first publication starts 揭榜 (the cycle's 公布清单): it goes through the year page's
        # confirmation, which lists what is still outstanding and asks for a reason to go over it; a form
        # posted here directly must not skip it (nor leave the year in 制定清单 with a published list).
        messages.info(request, _("首次公布本年度清单即开始揭榜，请核对未办结事项后确认公布。"))
        return redirect("cycle_action", year=measure_list.cycle.year, action="publish_list")
    try:
        attempt(
            request,
            lambda: services.list_publish(measure_list=measure_list, by=request.user),
            success=_("《%(t)s》第%(v)s版已公布，已通知各地揭榜。")
            % {"t": measure_list.title, "v": measure_list.version},
        )
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("catalog:list_manage", pk=measure_list.pk)


@role_required(REVIEWER)
@require_POST
def respond(request, pk):
    opinion = DepartmentOpinion.objects.select_related("consultation").filter(pk=pk).first()
    if opinion is None:
        raise Http404
    form = ResponseForm(request.POST)
    if form.is_valid():
        services.opinion_respond(opinion=opinion, response=form.cleaned_data["response"], by=request.user)
        messages.success(request, _("已答复部门意见。"))
    else:
        form_errors_as_messages(request, form)
    return redirect("catalog:list_manage", pk=opinion.consultation.measure_list_id)


CONSULTATION_COLUMNS = [
    listing.Column("list", gettext_lazy("清单"), ("measure_list__version",)),
    listing.Column("state", gettext_lazy("状态"), ("measure_list__state",)),
    listing.Column("sent", gettext_lazy("发送时间"), ("sent_at",)),
]


@role_required(Role.MINISTRY_LIAISON)
@require_GET
def consultations(request, fmt=None):
    """The liaison's own consultations of a year (``?state=`` 待反馈 or not, ``?sort=``); ``fmt`` exports them."""
    cycle = cycle_or_404(request, kinds=(oi.CONSULTATION,))
    mine = selectors.consultation_list(request.user, cycle)
    filters = ConsultationFilter(request.GET or None, queryset=mine)
    sorting = listing.Sorting(request, CONSULTATION_COLUMNS)
    rows = sorting.apply(filters.qs)
    if fmt:
        count = rows.count()
        return listing.export_response(
            request,
            fmt,
            title=_("征求意见"),
            header=[_("清单"), _("状态"), _("已反馈举措"), _("发送时间")],
            rows=(
                [
                    str(c.measure_list),
                    c.measure_list.get_state_display() + (f"（{_('待反馈')}）" if c.waiting else ""),
                    f"{c.n_given}/{c.n_measures}",
                    c.sent_at,
                ]
                for c in (rows if listing.may_build(request, count) else [])
            ),
            count=count,
            filename=_("%(year)s年度征求意见的举措清单") % {"year": cycle.year},
            fallback=f"consultations-{cycle.year}",
            back=listing.with_query(reverse("catalog:consultations"), request),
        )
    for message in filters.error_messages:
        messages.error(request, _("筛选条件无效，已忽略：%(error)s") % {"error": message})
    items = list(rows)
    return render(
        request,
        "catalog/consultations.html",
        {
            "cycle": cycle,
            "consultations": items,
            # the year's 待反馈: counted from the rows shown when no state narrows them (they are the whole year)
            "n_open": sum(1 for c in items if c.waiting)
            if not request.GET.get("state")
            else mine.filter(selectors.WAITING).count(),
            "filters": filters,
            "sorting": sorting,
            "export_query": listing.page_query(request),
        },
    )


@role_required(Role.MINISTRY_LIAISON)
def consultation(request, pk):
    item = selectors.consultations_for(request.user).filter(pk=pk).first()
    if item is None:
        raise Http404
    show_switch(request, item.measure_list.cycle, url=reverse("catalog:consultations"))
    allowed, reason = rules.can_give_opinion(request.user, item)
    rows = selectors.consultation_rows(item)
    bad_form, bad_measure = None, None
    if request.method == "POST":
        if not allowed:
            raise PermissionDenied(reason)
        measure = next(
            (r["measure"] for r in rows if str(r["measure"].pk) == request.POST.get("measure")), None
        )
        if measure is None:
            raise Http404
        form = OpinionForm(request.POST, prefix=f"m{measure.pk}")
        if form.is_valid():
            services.opinion_give(
                consultation=item,
                measure=measure,
                stance=form.cleaned_data["stance"],
                text=form.cleaned_data["text"],
                by=request.user,
            )
            messages.success(request, _("已保存对“%(t)s”的意见。") % {"t": measure.title})
            return redirect(reverse("catalog:consultation", args=[item.pk]) + f"#measure-{measure.pk}")
        bad_form, bad_measure = form, measure.pk
    for row in rows if allowed else []:  # the forms are shown only to a ministry that may give opinions
        m, o = row["measure"], row["opinion"]
        if bad_measure == m.pk:
            row["form"] = bad_form
        else:
            row["form"] = OpinionForm(
                prefix=f"m{m.pk}", initial={"stance": o.stance, "text": o.text} if o else None
            )
    return render(
        request,
        "catalog/consultation.html",
        {
            "consultation": item,
            "rows": fragments.consultation_heads(rows),
            "can_give": allowed,
            "reason": reason,
        },
    )


# ---- public -------------------------------------------------------------------------------------


def _published_or_404(pk):
    measure_list = selectors.published_lists().filter(pk=pk).first()
    if measure_list is None:
        raise Http404
    return measure_list


@require_GET
def published(request):
    """The latest published list (of ``?year=`` when given); every version of every year: the archive page."""
    year = parse_year(request.GET.get("year"))
    lists_ = selectors.published_lists()
    latest = (
        lists_.filter(cycle__year=year).order_by("-version").first() if year else selectors.latest_published()
    )
    if latest is not None:
        return redirect("catalog:public_list", pk=latest.pk)
    return render(request, "catalog/public_none.html", {})


@require_GET
def public_list(request, pk):
    measure_list = _published_or_404(pk)
    entries = selectors.entries_of(measure_list)
    previous = selectors.previous_published(measure_list)
    diff = selectors.list_diff(entries, selectors.entries_of(previous)) if previous else None
    versions = selectors.published_lists().filter(cycle_id=measure_list.cycle_id).order_by("-version")
    return render(
        request,
        "catalog/public_list.html",
        {
            "measure_list": measure_list,
            "entries": entries,
            "entry_rows": fragments.public_entry_rows(entries),
            "previous": previous,
            "diff": diff,
            "versions": versions,
        },
    )


@require_GET
def public_pdf(request, pk):
    measure_list = _published_or_404(pk)
    response = HttpResponse(
        services.list_pdf_bytes(measure_list=measure_list), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'inline; filename="measure-list-{measure_list.cycle.year}-v{measure_list.version}.pdf"'
    )
    return response


@require_GET
def public_docx(request, pk):
    """A published version's 通知 as Word (.docx): public, as its PDF; a version not published answers 404."""
    from reform_portal.docx import docx_response

    from .documents import render_list_docx

    measure_list = _published_or_404(pk)
    year, version = measure_list.cycle.year, measure_list.version
    return docx_response(
        render_list_docx(measure_list, list(measure_list.entries.order_by("position"))),
        f"{year}年度全面改革创新举措清单（第{version}版）.docx",
        fallback=f"measure-list-{year}-v{version}.docx",
    )


@require_GET
def public_xlsx(request, pk):
    """A published version as a spreadsheet: written on the first download and stored (services.list_xlsx_bytes)."""
    measure_list = _published_or_404(pk)
    year, version = measure_list.cycle.year, measure_list.version
    return exports.xlsx_response(
        services.list_xlsx_bytes(measure_list=measure_list),
        f"{year}年度全面改革创新举措清单（第{version}版）.xlsx",
        fallback=f"measure-list-{year}-v{version}.xlsx",
    )
