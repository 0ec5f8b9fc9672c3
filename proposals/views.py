"""Pages of stage 1. Thin: look up through a permission-filtered selector (404 when not visible),
check the rule, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from reform_portal import exports
from reform_portal.actions import attempt, form_errors_as_messages
from reform_portal.enums import Role, Stage
from reform_portal.forms import add_revision_field, parse_id
from reform_portal.import_views import import_flow
from reform_portal.listing import Column, Sorting, export_response, page_query, with_query
from reform_portal.models import Region
from reform_portal.permissions import role_required
from reform_portal.services import days_left, deadline_for, extension_grant, is_before_deadline, last_day_of
from reform_portal.uploads import clean_display_name
from reform_portal.years import cycle_or_404, parse_year, show_switch, with_year

from . import fragments, imports, rules, selectors, services
from .enums import BookState, ReformArea
from .forms import (
    COVER_FIELDS,
    AttachmentForm,
    BookCoverForm,
    ExtensionForm,
    ProposalForm,
    ResultFormSet,
    ReturnForm,
    results_from,
)
from .models import ProposalAttachment, ProposalBook
from .open_items import OPEN_KINDS


def _book_or_404(user, pk):
    book = selectors.book_detail(user, pk)
    if book is None:
        raise Http404
    return book


@role_required(Role.REGIONAL_STAFF, Role.NATIONAL_REVIEWER)
@require_GET
def my_book(request):
    """本年度建议书: the region's book of the year (``?year=``; by default the earliest year in which it waits for the
    region), created on the first visit while the region may still report."""
    if request.user.has_role(Role.NATIONAL_REVIEWER) and not request.user.has_role(Role.REGIONAL_STAFF):
        year = parse_year(request.GET.get("year"))
        return redirect(with_year(reverse("proposals:inbox"), year) if year else reverse("proposals:inbox"))
    region = request.user.region
    if region is None:
        raise Http404
    cycle = cycle_or_404(request, kinds=OPEN_KINDS)
    book = ProposalBook.objects.filter(cycle=cycle, region=region).first()
    if book is None:
        if not is_before_deadline(cycle, region, Stage.PROPOSAL):
            return render(request, "proposals/no_book.html", {"cycle": cycle, "region": region})
        book = services.book_get_or_create(cycle=cycle, region=region, by=request.user)
    return redirect("proposals:book_detail", pk=book.pk)


@login_required
@require_GET
def book_detail(request, pk):
    book = _book_or_404(request.user, pk)
    user = request.user
    reviewer = user.has_role(Role.NATIONAL_REVIEWER)
    show_switch(request, book.cycle, url=reverse("proposals:inbox" if reviewer else "proposals:book"))
    deadline = deadline_for(book.cycle, book.region, Stage.PROPOSAL)
    proposals = list(book.proposals.all())
    for p in proposals:
        p.missing = services.proposal_missing(p)
        # one upload form per proposal, each with ids of its own so that its label names its input
        p.attachment_form = AttachmentForm(auto_id=f"id_p{p.pk}_%s")
    editable, edit_reason = rules.can_edit(user, book)
    sign_ok, sign_reason = rules.can_sign(user, book)
    already_signed = book.signed_by_department(rules.department_of(user, book))
    context = {
        "book": book,
        "proposals": proposals,
        "deadline": deadline,
        "deadline_last_day": last_day_of(deadline),
        "days_left": days_left(deadline),
        "extended": deadline != book.cycle.closes_at(Stage.PROPOSAL),
        "problems": services.submission_problems(book),
        "editable": editable,
        "edit_reason": edit_reason,
        "can_sign": sign_ok and not already_signed,
        "sign_reason": sign_reason,
        "can_submit": rules.can_submit(user, book)[0] and book.fully_signed,
        "can_withdraw": rules.can_withdraw(user, book)[0],
        "can_return": rules.can_return(user, book)[0],
        "is_reviewer": user.has_role(Role.NATIONAL_REVIEWER),
        "history": book.history.select_related("history_user").order_by("-history_date")[:100],
        "extension_form": ExtensionForm(),
        "return_form": ReturnForm(),
    }
    return render(request, "proposals/book_detail.html", context)


@login_required
def book_cover(request, pk):
    book = _book_or_404(request.user, pk)
    allowed, reason = rules.can_edit(request.user, book)
    if not allowed:
        raise PermissionDenied(reason)
    form = BookCoverForm(request.POST or None, instance=book)
    add_revision_field(form, book.version)
    if request.method == "POST" and form.is_valid():
        ok, _book = attempt(
            request,
            lambda: services.book_update_cover(
                book=book,
                by=request.user,
                revision=form.cleaned_data.get("revision"),
                **{k: form.cleaned_data[k] for k in COVER_FIELDS},
            ),
            success=_("封面信息已保存。"),
            form=form,
        )
        if ok:
            return redirect("proposals:book_detail", pk=book.pk)
    return render(request, "proposals/cover_form.html", {"book": book, "form": form})


def _proposal_form_page(request, book, proposal=None):
    initial_results = (
        [{"indicator": r.indicator, "unit": r.unit, "target": r.target} for r in proposal.results.all()]
        if proposal
        else []
    )
    form = ProposalForm(request.POST or None, instance=proposal, region=book.region)
    formset = ResultFormSet(request.POST or None, initial=initial_results, prefix="results")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k not in ("entities", "revision")}
        kwargs = {
            "fields": fields,
            "entities": list(form.cleaned_data["entities"]),
            "results": results_from(formset),
            "by": request.user,
        }
        ok, saved = attempt(
            request,
            lambda: (
                services.proposal_create(book=book, **kwargs)
                if proposal is None
                else services.proposal_update(
                    proposal=proposal, revision=form.cleaned_data["revision"], **kwargs
                )
            ),
            success=lambda saved: _("举措“%(t)s”已保存。") % {"t": saved.title},
            form=form,
            by_field=False,
        )
        if ok:
            return redirect(f"{book.get_absolute_url()}#proposal-{saved.pk}")
    return render(
        request,
        "proposals/proposal_form.html",
        {"book": book, "proposal": proposal, "form": form, "formset": formset},
    )


@login_required
def proposal_new(request, pk):
    book = _book_or_404(request.user, pk)
    allowed, reason = rules.can_edit(request.user, book)
    if not allowed:
        raise PermissionDenied(reason)
    if request.method == "GET" and book.proposals.count() >= book.cycle.max_proposals:
        messages.error(
            request, _("已有%(n)s项举措，达到上限，不能再新增。") % {"n": book.cycle.max_proposals}
        )
        return redirect("proposals:book_detail", pk=book.pk)
    return _proposal_form_page(request, book)


def _proposal_or_404(request, pk):
    proposal = selectors.proposal_for(request.user, pk)
    if proposal is None:
        raise Http404
    return proposal


@login_required
def proposal_edit(request, pk):
    proposal = _proposal_or_404(request, pk)
    allowed, reason = rules.can_edit(request.user, proposal.book)
    if not allowed:
        raise PermissionDenied(reason)
    return _proposal_form_page(request, proposal.book, proposal)


def _post_action(request, pk, action, success):
    proposal = _proposal_or_404(request, pk)
    attempt(request, lambda: action(proposal), success=success or None)
    return redirect("proposals:book_detail", pk=proposal.book_id)


@login_required
@require_POST
def proposal_delete(request, pk):
    return _post_action(
        request, pk, lambda p: services.proposal_delete(proposal=p, by=request.user), _("举措已删除。")
    )


@login_required
@require_POST
def proposal_move(request, pk):
    direction = "up" if request.POST.get("direction") == "up" else "down"
    return _post_action(
        request, pk, lambda p: services.proposal_move(proposal=p, direction=direction, by=request.user), None
    )


@login_required
@require_POST
def attachment_upload(request, pk):
    proposal = _proposal_or_404(request, pk)
    allowed, reason = rules.can_edit(request.user, proposal.book)
    if not allowed:
        raise PermissionDenied(reason)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        att = services.attachment_add(proposal=proposal, upload=form.cleaned_data["file"], by=request.user)
        if getattr(att, "duplicate", False):
            messages.info(request, _("附件“%(n)s”已上传，未重复保存。") % {"n": att.original_name})
        else:
            messages.success(request, _("附件已上传。"))
    else:
        for error in form.errors.get("file", []):
            messages.error(request, _("附件未上传：%(e)s") % {"e": error})
    return redirect(f"{proposal.book.get_absolute_url()}#proposal-{proposal.pk}")


def _attachment_or_404(request, pk):
    att = get_object_or_404(ProposalAttachment.objects.select_related("proposal__book"), pk=pk)
    if not rules.can_view_book(request.user, att.proposal.book):
        raise Http404
    return att


@login_required
@require_GET
def attachment_download(request, pk):
    att = _attachment_or_404(request, pk)
    return FileResponse(
        att.file.storage.open(att.file.name, "rb"),
        as_attachment=True,
        filename=clean_display_name(att.original_name),
    )


@login_required
@require_POST
def attachment_delete(request, pk):
    att = _attachment_or_404(request, pk)
    attempt(
        request,
        lambda: services.attachment_delete(attachment=att, by=request.user),
        success=_("附件已删除。"),
    )
    return redirect("proposals:book_detail", pk=att.proposal.book_id)


def _book_action(request, pk, action, success):
    book = _book_or_404(request.user, pk)
    attempt(request, lambda: action(book), success=success)
    return redirect("proposals:book_detail", pk=book.pk)


@login_required
@require_POST
def book_sign(request, pk):
    version = parse_id(request.POST.get("version"))  # the version the page showed; junk counts as unknown
    return _book_action(
        request,
        pk,
        lambda b: services.book_sign(book=b, by=request.user, version=version),
        _("已确认联合报送。"),
    )


@login_required
@require_POST
def book_submit(request, pk):
    return _book_action(
        request,
        pk,
        lambda b: services.book_submit(book=b, by=request.user),
        _("建议书已报送国家发展改革委、科技部。"),
    )


@login_required
@require_POST
def book_withdraw(request, pk):
    return _book_action(
        request, pk, lambda b: services.book_withdraw(book=b, by=request.user), _("已撤回报送，可继续修改。")
    )


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def book_return(request, pk):
    book = _book_or_404(request.user, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("reason", []):
            messages.error(request, _("退回理由：%(e)s") % {"e": error})
        return redirect("proposals:book_detail", pk=book.pk)
    return _book_action(
        request,
        pk,
        lambda b: services.book_return(book=b, reason=form.cleaned_data["reason"], by=request.user),
        _("已退回修改。"),
    )


@role_required(Role.NATIONAL_REVIEWER)
@require_POST
def book_extend(request, pk):
    book = _book_or_404(request.user, pk)
    form = ExtensionForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: extension_grant(
                cycle=book.cycle,
                region=book.region,
                stage=Stage.PROPOSAL,
                by=request.user,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
            ),
            success=_("已批准%(r)s延期至%(d)s。") % {"r": book.region, "d": form.cleaned_data["until"]},
        )
    else:
        form_errors_as_messages(request, form)
    return redirect("proposals:book_detail", pk=book.pk)


@role_required(Role.NATIONAL_REVIEWER)
def region_extend(request, code):
    """批准延期 for a region from the inbox (its book may still be an unsubmitted draft)."""
    cycle = cycle_or_404(request, kinds=())  # ?year= of the inbox it was opened from, else the latest year
    region = get_object_or_404(Region, code=code, active=True)
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _extension = attempt(
            request,
            lambda: extension_grant(
                cycle=cycle,
                region=region,
                stage=Stage.PROPOSAL,
                by=request.user,
                until=form.cleaned_data["until"],
                reason=form.cleaned_data["reason"],
            ),
            success=_("已批准%(r)s延期至%(d)s。") % {"r": region, "d": form.cleaned_data["until"]},
            form=form,
        )
        if ok:
            return redirect(with_year(reverse("proposals:inbox"), cycle.year))
    deadline = deadline_for(cycle, region, Stage.PROPOSAL)
    return render(
        request,
        "proposals/extend_form.html",
        {"form": form, "region": region, "cycle": cycle, "deadline_last_day": last_day_of(deadline)},
    )


@login_required
@require_GET
def book_pdf(request, pk):
    book = _book_or_404(request.user, pk)
    from .documents import cached_book_pdf

    pdf = cached_book_pdf(book)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="book-{book.region.code}-{book.cycle.year}.pdf"'
    return response


@login_required
@require_GET
def import_template(request, pk):
    """下载Excel模板: the import template, filled with the book's proposals and results as they stand."""
    book = _book_or_404(request.user, pk)
    return exports.xlsx_response(
        imports.template_bytes(book),
        f"{book.region.name}{book.cycle.year}年度建议书导入模板.xlsx",
        fallback=f"book-{book.region.code}-{book.cycle.year}-import.xlsx",
    )


@login_required
def book_import(request, pk):
    """从Excel导入: upload, preview with every error at its row and column, confirm; all rows or none."""
    book = _book_or_404(request.user, pk)
    allowed, reason = rules.can_edit(request.user, book)
    if not allowed:
        raise PermissionDenied(reason)
    result = import_flow(
        request,
        specs=imports.specs(),
        check=lambda rows: imports.check(book, rows),
        save=lambda plan, revision: services.proposals_import(
            book=book, items=plan.items, revision=revision, by=request.user
        ),
        salt=imports.salt(book, request.user),
        revision=book.version,
        success=lambda counts: (
            _("已从Excel导入：新增%(a)s项举措，更新%(u)s项。") % {"a": counts[0], "u": counts[1]}
        ),
        done_url=book.get_absolute_url(),
    )
    if not isinstance(result, dict):
        return result
    result.update(
        book=book,
        template_url=reverse("proposals:import_template", args=[book.pk]),
        back_url=book.get_absolute_url(),
    )
    return render(request, "proposals/import.html", result)


@login_required
@require_GET
def book_docx(request, pk):
    """The 建议书 as Word (.docx): whoever may download its PDF (another region's book answers 404)."""
    from reform_portal.docx import docx_response

    from .documents import render_book_docx

    book = _book_or_404(request.user, pk)
    return docx_response(
        render_book_docx(book),
        f"{book.region.name}{book.cycle.year}年度全面创新改革举措建议书.docx",
        fallback=f"book-{book.region.code}-{book.cycle.year}.docx",
    )


def _book_value(name):
    return lambda row: getattr(row["book"], name, None) if row["book"] else None


INBOX_COLUMNS = [
    Column("region", _lazy("地区"), value=lambda row: row["region"].code),
    Column("state", _lazy("状态"), value=lambda row: row["status"]),
    Column("proposals", _lazy("举措数"), value=lambda row: row["book"].n_proposals if row["book"] else 0),
    Column("submitted", _lazy("报送时间"), value=_book_value("submitted_at")),
]


def _inbox_remark(row) -> str:
    parts = []
    if row["extension"]:
        until = row["extension"].until
        parts.append(_("已延期至%(d)s") % {"d": f"{until.year}年{until.month}月{until.day}日"})
    if row["book"] and row["book"].is_late:
        parts.append(_("延期报送"))
    if row["book"] and row["book"].state == BookState.RETURNED:
        parts.append(_("已退回"))
    return " ".join(parts)


def _inbox_export(request, fmt, cycle, rows):
    header = [str(c.label) for c in INBOX_COLUMNS] + [_("备注")]
    return export_response(
        request,
        fmt,
        title=_("建议书报送情况"),
        header=header,
        rows=(
            [
                str(row["region"]),
                str(row["book"].display_state) if row["book"] else _("未创建"),
                row["book"].n_proposals if row["book"] else 0,
                row["book"].submitted_at if row["book"] else None,
                _inbox_remark(row),
            ]
            for row in rows
        ),
        count=len(rows),
        filename=_("%(year)s年度建议书报送情况") % {"year": cycle.year},
        fallback=f"inbox-{cycle.year}",
        back=with_query(reverse("proposals:inbox"), request),
    )


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def inbox(request, fmt=None):
    """建议书报送情况: one row per region (``?state=``, ``?area=``, ``?sort=``); ``fmt`` exports the same rows."""
    cycle = cycle_or_404(request, kinds=())  # by default the latest year: the one collecting 建议书
    state = request.GET.get("state", "")
    area = request.GET.get("area", "")
    state = state if state in [*BookState.values, "none"] else ""
    area = area if area in ReformArea.values else ""
    all_rows = selectors.inbox_rows(cycle)
    rows = selectors.inbox_rows(cycle, state=state, area=area) if (state or area) else all_rows
    sorting = Sorting(request, INBOX_COLUMNS)
    rows = sorting.apply_rows(rows, pk=lambda row: row["region"].code)
    if fmt:
        return _inbox_export(request, fmt, cycle, rows)
    deadline = cycle.closes_at(Stage.PROPOSAL)
    counts = [(label, sum(1 for r in all_rows if r["status"] == value)) for value, label in BookState.choices]
    return render(
        request,
        "proposals/inbox.html",
        {
            "cycle": cycle,
            "rows": rows,
            "row_html": fragments.inbox_rows(rows, cycle),  # built in Python (issue 19)
            "state": state,
            "area": area,
            "states": BookState.choices,
            "areas": ReformArea.choices,
            "deadline_last_day": last_day_of(deadline),
            "days_left": days_left(deadline),
            "counts": counts,
            "sorting": sorting,
            "export_query": page_query(request),
        },
    )
