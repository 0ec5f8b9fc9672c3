"""Pages of 基层征集. Thin: look up through a permission-filtered selector (404 when not visible), call a
service, render. The public form and follow link need no account (DECISIONS §20)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from proposals.models import MeasureProposal
from reform_portal.actions import attempt, form_errors_as_messages
from reform_portal.enums import OrgKind
from reform_portal.forms import add_revision_field, parse_id
from reform_portal.listing import Column, Sorting, export_response, may_build, page_query, with_query
from reform_portal.services import current_cycle
from reform_portal.uploads import clean_display_name

from . import rules, selectors, services
from .enums import Moderation, Source, SuggestionState
from .forms import (
    AttachmentForm,
    CollectionForm,
    ModerateForm,
    PublicSuggestionForm,
    ReopenForm,
    ReplyForm,
    ReviewForm,
    SuggestionForm,
)
from .models import Collection, SuggestionAttachment


def _collection_or_404(user, pk):
    collection = selectors.collection_for(user, pk)
    if collection is None:
        raise Http404
    return collection


def _suggestion_or_404(user, pk):
    suggestion = selectors.suggestion_for(user, pk)
    if suggestion is None:
        raise Http404
    return suggestion


def _staff_collection_or_404(user, pk):
    collection = _collection_or_404(user, pk)
    if not rules.is_region_staff(user, collection.region_id):
        raise Http404
    return collection


def _client_ip(request):
    from axes.helpers import get_client_ip_address

    return get_client_ip_address(request)


@login_required
@require_GET
def home(request):
    user = request.user
    collections = list(selectors.collections_visible_to(user))
    staff = rules.is_region_staff(user, user.region_id)
    cycle = current_cycle()
    can_open = staff and cycle is not None and not any(c.cycle_id == cycle.pk for c in collections)
    return render(
        request,
        "grassroots/home.html",
        {"collections": collections, "staff": staff, "can_open": can_open, "cycle": cycle},
    )


@login_required
@require_http_methods(["GET", "POST"])
def collection_new(request):
    user = request.user
    region = user.region
    allowed, reason = rules.can_open(user, region)
    cycle = current_cycle()
    if not allowed or cycle is None:
        raise PermissionDenied(reason)
    form = CollectionForm(request.POST or None, region=region)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, collection = attempt(
            request,
            lambda: services.collection_open(
                cycle=cycle, region=region, fields=data, invited=data["invited"], by=user
            ),
            success=_("已发起基层征集，受邀单位已收到通知。"),
            form=form,
        )
        if ok:
            return redirect("grassroots:desk", pk=collection.pk)
    return render(
        request, "grassroots/collection_form.html", {"form": form, "cycle": cycle, "region": region}
    )


@login_required
@require_http_methods(["GET", "POST"])
def collection_edit(request, pk):
    collection = _staff_collection_or_404(request.user, pk)
    form = CollectionForm(request.POST or None, instance=collection, region=collection.region)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ok, _c = attempt(
            request,
            lambda: services.collection_update(
                collection=Collection.objects.get(pk=collection.pk),
                revision=data.get("revision"),
                fields=data,
                invited=data["invited"],
                by=request.user,
            ),
            success=_("征集已保存。"),
            form=form,
        )
        if ok:
            return redirect("grassroots:desk", pk=collection.pk)
    return render(
        request,
        "grassroots/collection_form.html",
        {"form": form, "collection": collection, "cycle": collection.cycle, "region": collection.region},
    )


@login_required
@require_POST
def collection_close(request, pk):
    collection = _staff_collection_or_404(request.user, pk)
    attempt(
        request,
        lambda: services.collection_close(collection=collection, by=request.user),
        success=_("征集已结束。"),
    )
    return redirect("grassroots:desk", pk=pk)


@login_required
@require_POST
def collection_reopen(request, pk):
    collection = _staff_collection_or_404(request.user, pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.collection_reopen(
                collection=collection, closes_on=form.cleaned_data["closes_on"], by=request.user
            ),
            success=_("征集已重新开放。"),
        )
    else:
        form_errors_as_messages(request, form)
    return redirect("grassroots:desk", pk=pk)


@login_required
@require_GET
def desk(request, pk):
    """The region's desk: every suggestion with filters, near-duplicate groups, scores, replies."""
    user = request.user
    collection = _collection_or_404(user, pk)
    if not rules.is_region_staff(user, collection.region_id):
        return redirect("grassroots:unit", pk=pk)
    filters, sorting, suggestions = _desk_rows(request, collection)
    total = collection.suggestions.count()
    context = {
        "collection": collection,
        "suggestions": list(suggestions),
        "sorting": sorting,
        "export_query": page_query(request),
        "total": total,
        "groups": selectors.near_duplicates(collection),
        "invited": collection.invited.annotate(active_users=Count("users", filter=Q(users__is_active=True))),
        "filters": filters,
        "states": SuggestionState.choices,
        "kinds": [(k.value, k.label) for k in OrgKind.implementing()],
        "sources": Source.choices,
        "moderations": Moderation.choices,
        "can_edit": rules.can_edit_collection(user, collection)[0],
        "can_close": rules.can_close(user, collection)[0],
        "can_reopen": rules.can_reopen(user, collection)[0],
        "public_url": request.build_absolute_uri(reverse("grassroots:public", args=[collection.pk]))
        if collection.public_form
        else "",
    }
    return render(request, "grassroots/desk.html", context)


DESK_COLUMNS = [
    Column("title", _lazy("建议名称"), ("title",)),
    Column("unit", _lazy("单位"), ("unit_name",)),
    Column("source", _lazy("来源"), ("source",)),
    Column("drc", _lazy("发展改革委"), ("drc_score",)),
    Column("scitech", _lazy("科技厅"), ("scitech_score",)),
    Column("state", _lazy("答复"), ("state",)),
]


def _desk_rows(request, collection):
    """The desk's suggestions as its filters (答复状态, 单位类型, 来源, 审核, words) narrow them and ``?sort=`` orders them."""
    get = request.GET
    filters = {
        "state": get.get("state", "") if get.get("state") in SuggestionState.values else "",
        "kind": get.get("kind", "") if get.get("kind") in OrgKind.values else "",
        "source": get.get("source", "") if get.get("source") in Source.values else "",
        "moderation": get.get("moderation", "") if get.get("moderation") in Moderation.values else "",
        "q": (get.get("q") or "").replace("\x00", "")[:50],  # PostgreSQL refuses NUL in text
    }
    sorting = Sorting(request, DESK_COLUMNS)
    return filters, sorting, sorting.apply(selectors.desk(collection, **filters))


@login_required
@require_GET
def desk_export(request, pk, fmt):
    """The desk's suggestions as filtered and sorted there, for the region's own staff only (another region's
    征集 is 404). Contact names and phones stay out of the file (DECISIONS §20): they are read one suggestion
    at a time, on its page."""
    collection = _staff_collection_or_404(request.user, pk)
    _filters, _sorting, suggestions = _desk_rows(request, collection)
    count = suggestions.count()
    header = [_("建议名称"), _("单位"), _("单位类型"), _("来源"), _("审核")]
    header += [_("发展改革委评分"), _("发展改革委意见"), _("科技厅评分"), _("科技厅意见")]
    return export_response(
        request,
        fmt,
        title=_("基层征集建议"),
        header=[*header, _("标签"), _("答复状态"), _("转为或合并至"), _("答复意见")],
        rows=(
            [
                s.title,
                s.unit_name,
                s.get_unit_kind_display(),
                s.get_source_display(),
                s.get_moderation_display(),
                s.drc_score,
                s.drc_opinion,
                s.scitech_score,
                s.scitech_opinion,
                s.tags,
                s.get_state_display(),
                (s.adopted_into.title if s.adopted_into else "")
                or (s.merged_into.title if s.merged_into else ""),
                s.reply,
            ]
            for s in (suggestions if may_build(request, count) else [])
        ),
        count=count,
        filename=_("%(title)s·建议汇总") % {"title": collection.title},
        fallback=f"suggestions-{collection.pk}",
        back=with_query(reverse("grassroots:desk", args=[collection.pk]), request),
    )


@login_required
@require_POST
def convert(request, pk):
    """转为建议: the checked suggestions become one proposal of the region's 建议书."""
    collection = _staff_collection_or_404(request.user, pk)
    ids = [parse_id(v) for v in request.POST.getlist("suggestions")]
    if not ids or None in ids:
        messages.error(request, _("请至少选择一条建议。"))
        return redirect("grassroots:desk", pk=pk)
    chosen = list(collection.suggestions.filter(pk__in=ids).order_by("pk"))
    if len(chosen) != len(set(ids)):
        raise Http404
    ok, proposal = attempt(
        request,
        lambda: services.suggestions_to_proposal(collection=collection, suggestions=chosen, by=request.user),
        success=lambda p: _("已转为建议书举措“%(t)s”，请补全其余内容。") % {"t": p.title},
    )
    if ok:
        return redirect("proposals:proposal_edit", pk=proposal.pk)
    return redirect("grassroots:desk", pk=pk)


@login_required
@require_GET
def unit(request, pk):
    """An invited unit's page: its own suggestions to this 征集 and their replies."""
    collection = _collection_or_404(request.user, pk)
    if rules.is_region_staff(request.user, collection.region_id):
        return redirect("grassroots:desk", pk=pk)
    suggestions = selectors.suggestions_visible_to(request.user).filter(collection=collection)
    return render(
        request,
        "grassroots/unit.html",
        {
            "collection": collection,
            "suggestions": suggestions,
            "can_submit": rules.can_submit(request.user, collection)[0],
            "open_reason": rules.is_open(collection)[1],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_new(request, pk):
    collection = _collection_or_404(request.user, pk)
    allowed, reason = rules.can_submit(request.user, collection)
    if not allowed:
        raise PermissionDenied(reason)
    initial = {"contact_name": request.user.full_name, "contact_phone": request.user.phone}
    form = SuggestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        ok, suggestion = attempt(
            request,
            lambda: services.suggestion_submit(
                collection=collection, fields=form.cleaned_data, by=request.user
            ),
            success=_("建议已提交，截止前可以修改。"),
            form=form,
        )
        if ok:
            return redirect("grassroots:suggestion", pk=suggestion.pk)
    return render(request, "grassroots/suggestion_form.html", {"form": form, "collection": collection})


@login_required
@require_GET
def suggestion_detail(request, pk):
    return _suggestion_page(request, _suggestion_or_404(request.user, pk))


def _suggestion_page(request, suggestion, reply_form=None):
    """The suggestion's page; ``reply_form``: a refused reply, re-shown with the text the user typed."""
    user = request.user
    collection = suggestion.collection
    staff = rules.is_region_staff(user, collection.region_id)
    context = {
        "suggestion": suggestion,
        "collection": collection,
        "staff": staff,
        "can_edit": rules.can_edit_suggestion(user, suggestion)[0],
        "attachment_form": AttachmentForm(),
    }
    if staff:
        from proposals.models import ProposalBook

        book = ProposalBook.objects.filter(cycle=collection.cycle, region=collection.region).first()
        context["review_form"] = ReviewForm(
            initial={
                "score": suggestion.drc_score
                if user.organization.kind == OrgKind.REGIONAL_DRC
                else suggestion.scitech_score,
                "opinion": suggestion.drc_opinion
                if user.organization.kind == OrgKind.REGIONAL_DRC
                else suggestion.scitech_opinion,
                "tags": suggestion.tags,
            }
        )
        if reply_form is None:
            reply_form = ReplyForm(
                proposals=list(book.proposals.all()) if book else [],
                others=list(collection.suggestions.exclude(pk=suggestion.pk).order_by("pk")),
            )
            add_revision_field(reply_form, suggestion.revision)
        context["reply_form"] = reply_form
        context["moderate_form"] = ModerateForm()
        context["reply_actions"] = [
            a for a in ("adopt", "merge", "decline", "reconsider") if rules.can_reply(user, suggestion, a)[0]
        ]
    return render(request, "grassroots/suggestion_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_edit(request, pk):
    suggestion = _suggestion_or_404(request.user, pk)
    allowed, reason = rules.can_edit_suggestion(request.user, suggestion)
    if not allowed:
        raise PermissionDenied(reason)
    form = SuggestionForm(request.POST or None, instance=suggestion)
    if request.method == "POST" and form.is_valid():
        ok, _s = attempt(
            request,
            lambda: services.suggestion_update(
                suggestion=suggestion,
                revision=form.cleaned_data.get("revision"),
                fields=form.cleaned_data,
                by=request.user,
            ),
            success=_("建议已保存。"),
            form=form,
        )
        if ok:
            return redirect("grassroots:suggestion", pk=pk)
    return render(
        request,
        "grassroots/suggestion_form.html",
        {"form": form, "collection": suggestion.collection, "suggestion": suggestion},
    )


@login_required
@require_POST
def suggestion_attach(request, pk):
    suggestion = _suggestion_or_404(request.user, pk)
    allowed, reason = rules.can_edit_suggestion(request.user, suggestion)
    if not allowed:
        raise PermissionDenied(reason)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        attempt(
            request,
            lambda: services.attachment_add(
                suggestion=suggestion, upload=form.cleaned_data["file"], by=request.user
            ),
            success=lambda att: (
                _("附件“%(n)s”已上传，未重复保存。") % {"n": att.original_name}
                if getattr(att, "duplicate", False)
                else _("附件已上传。")
            ),
        )
    else:
        form_errors_as_messages(request, form)
    return redirect("grassroots:suggestion", pk=pk)


@login_required
@require_GET
def attachment_download(request, pk):
    att = SuggestionAttachment.objects.select_related("suggestion").filter(pk=pk).first()
    if att is None or selectors.suggestion_for(request.user, att.suggestion_id) is None:
        raise Http404
    return FileResponse(
        att.file.storage.open(att.file.name, "rb"),
        as_attachment=True,
        filename=clean_display_name(att.original_name),
    )


@login_required
@require_POST
def suggestion_review(request, pk):
    suggestion = _suggestion_or_404(request.user, pk)
    if not rules.is_region_staff(request.user, suggestion.collection.region_id):
        raise Http404
    form = ReviewForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        attempt(
            request,
            lambda: services.suggestion_review(
                suggestion=suggestion,
                score=data["score"],
                opinion=data["opinion"],
                tags=data["tags"],
                by=request.user,
            ),
            success=_("评分已保存。"),
        )
    else:
        form_errors_as_messages(request, form)
    return redirect("grassroots:suggestion", pk=pk)


@login_required
@require_POST
def suggestion_reply(request, pk):
    suggestion = _suggestion_or_404(request.user, pk)
    collection = suggestion.collection
    if not rules.is_region_staff(request.user, collection.region_id):
        raise Http404
    proposals = MeasureProposal.objects.filter(book__region=collection.region, book__cycle=collection.cycle)
    others = collection.suggestions.exclude(pk=suggestion.pk)
    form = ReplyForm(request.POST, proposals=list(proposals), others=list(others))
    add_revision_field(form, suggestion.revision)
    if form.is_valid():
        data = form.cleaned_data
        ok, _reply = attempt(
            request,
            lambda: services.suggestion_reply(
                suggestion=suggestion,
                action=data["action"],
                reason=data["reason"],
                proposal=proposals.filter(pk=data["proposal"]).first() if data["proposal"] else None,
                merged_into=others.filter(pk=data["merged_into"]).first() if data["merged_into"] else None,
                by=request.user,
                revision=data["revision"],
            ),
            success=_("已答复，提交人将看到答复。"),
            form=form,
        )
        if ok:
            return redirect("grassroots:suggestion", pk=pk)
    # refused: the page again, with the reply the user typed and why it was not saved
    suggestion.refresh_from_db()
    return _suggestion_page(request, suggestion, reply_form=form)


@login_required
@require_POST
def suggestion_moderate(request, pk):
    suggestion = _suggestion_or_404(request.user, pk)
    if not rules.is_region_staff(request.user, suggestion.collection.region_id):
        raise Http404
    form = ModerateForm(request.POST)
    if form.is_valid():
        attempt(
            request,
            lambda: services.suggestion_moderate(
                suggestion=suggestion, action=form.cleaned_data["action"], by=request.user
            ),
            success=_("审核结果已保存。"),
        )
    return redirect("grassroots:suggestion", pk=pk)


# ---- public: no account -----------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def public_form(request, pk):
    """公开征集: anyone in the region, name, unit and phone required; the follow link is shown once."""
    collection = Collection.objects.select_related("region", "cycle").filter(pk=pk, public_form=True).first()
    if collection is None:
        raise Http404
    open_now, reason = rules.is_open(collection)
    form = PublicSuggestionForm(request.POST or None)
    if request.method == "POST" and open_now and form.is_valid():
        ok, result = attempt(
            request,
            lambda: services.suggestion_submit_public(
                collection=collection, fields=form.cleaned_data, ip_address=_client_ip(request)
            ),
            form=form,
        )
        if ok:
            suggestion, token = result
            link = request.build_absolute_uri(reverse("grassroots:follow", args=[token]))
            return render(
                request,
                "grassroots/public_done.html",
                {"collection": collection, "link": link, "suggestion": suggestion},
            )
    return render(
        request,
        "grassroots/public_form.html",
        {"collection": collection, "form": form, "open_now": open_now, "reason": reason},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def follow(request, token):
    """The public submitter's private page: the suggestion, its state and reply; editable until the close."""
    suggestion = services.suggestion_from_token(token)
    if suggestion is None:
        raise Http404
    can_edit = rules.can_edit_suggestion(None, suggestion, token_ok=True)[0]
    form = PublicSuggestionForm(request.POST or None, instance=suggestion) if can_edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(rules.can_edit_suggestion(None, suggestion, token_ok=True)[1])
        if form.is_valid():
            ok, _s = attempt(
                request,
                lambda: services.suggestion_update(
                    suggestion=suggestion,
                    revision=form.cleaned_data.get("revision"),
                    fields=form.cleaned_data,
                    by=None,
                    token_ok=True,
                ),
                success=_("建议已保存。"),
                form=form,
            )
            if ok:
                return redirect("grassroots:follow", token=token)
    return render(request, "grassroots/follow.html", {"suggestion": suggestion, "form": form})
