"""年度工作安排 (DECISIONS §14): national reviewers open next year's cycle, set its dates (with a reason kept in
the history) and take the stage actions in the notice's order, each through a confirmation page where the notice
asks for one. No superuser, no /admin/. Thin: reform_portal.cycles does the work."""

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from . import cycles, listing
from .actions import attempt
from .enums import CycleState, Role
from .forms import CycleActionForm, CycleForm, add_revision_field
from .models import ReformCycle
from .permissions import role_required
from .services import local_today
from .transitions import CYCLE

REVIEWER = Role.NATIONAL_REVIEWER
FIELDS = cycles.DATE_FIELDS + cycles.NUMBER_FIELDS + cycles.DOC_FIELDS


def _cycle_or_404(year):
    cycle = ReformCycle.objects.filter(year=year).first()
    if cycle is None:
        raise Http404
    return cycle


def _actions(cycle):
    """The stage actions open in the year's state (edit_dates is the form)."""
    return [
        {"name": a, "label": CYCLE.actions[a], "url": reverse("cycle_action", args=[cycle.year, a])}
        for a in CYCLE.actions_from(cycle.state)
        if a != "edit_dates"
    ]


# The stage is not a column to sort by: its codes' order is not the notice's order (筹备, 征集选题, …).
YEAR_COLUMNS = [
    listing.Column("year", _lazy("年度"), ("year",)),
    listing.Column("proposal_deadline", _lazy("建议书报送截止"), ("proposal_deadline",)),
    listing.Column("bidding_deadline", _lazy("揭榜截止"), ("bidding_deadline",)),
]


def _years_export(request, fmt, rows):
    count = rows.count()
    return listing.export_response(
        request,
        fmt,
        title=_("年度工作安排"),
        header=[_("年度"), _("当前阶段"), _("建议书报送截止"), _("揭榜截止")],
        rows=(
            [c.year, c.get_state_display(), c.proposal_deadline, c.bidding_deadline]
            for c in (rows if listing.may_build(request, count) else [])
        ),
        count=count,
        filename=_("年度工作安排"),
        fallback="years",
        back=listing.with_query(reverse("cycle_years"), request),
    )


@role_required(REVIEWER)
@require_http_methods(["GET", "POST"])
def years(request, fmt=None):
    """Every year with its state (``?state=&sort=``; ``fmt`` exports them), and the form that opens the next one
    (proposed from the latest year)."""
    if fmt and request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    every = ReformCycle.objects.order_by("-year")
    state = request.GET.get("state", "")
    shown = every.filter(state=state) if state in CycleState.values else every
    state = state if state in CycleState.values else ""
    sorting = listing.Sorting(request, YEAR_COLUMNS)
    shown = sorting.apply(shown)
    if fmt:
        return _years_export(request, fmt, shown)
    rows = list(shown)
    latest = every.first()
    next_year = latest.year + 1 if latest else local_today().year
    form = CycleForm(request.POST or None, initial=cycles.proposed_next(latest, next_year))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        values = {name: data[name] for name in FIELDS}
        ok, cycle = attempt(
            request,
            lambda: cycles.cycle_open(year=next_year, values=values, reason=data["reason"], by=request.user),
            success=_("已开启%(year)s年度（筹备）。") % {"year": next_year},
            form=form,
        )
        if ok:
            return redirect("cycle_year", year=next_year)
    for row in rows:
        row.actions = _actions(row)
    return render(
        request,
        "reform_portal/cycle_years.html",
        {
            "rows": rows,
            "form": form,
            "next_year": next_year,
            "state": state,
            "states": CycleState.choices,
            "sorting": sorting,
            "export_query": listing.page_query(request),
        },
    )


@role_required(REVIEWER)
@require_http_methods(["GET", "POST"])
def year(request, year):
    """One year: its state, its dates (editable with a reason), its stage actions and its history."""
    cycle = _cycle_or_404(year)
    editable = CYCLE.allows(cycle.state, "edit_dates")
    form = CycleForm(request.POST or None, initial={name: getattr(cycle, name) for name in FIELDS})
    add_revision_field(form, cycle.revision)
    if request.method == "POST":
        if not editable:
            messages.error(request, CYCLE.refusal(cycle.state, "edit_dates"))
        elif form.is_valid():
            data = form.cleaned_data
            ok, _result = attempt(
                request,
                lambda: cycles.cycle_update_dates(
                    cycle=cycle,
                    values={n: data[n] for n in FIELDS},
                    reason=data["reason"],
                    by=request.user,
                    revision=data["revision"],
                ),
                success=_("%(year)s年度的日期已修改。") % {"year": year},
                form=form,
            )
            if ok:
                return redirect("cycle_year", year=year)
    history = cycle.history.select_related("history_user").order_by("-history_date")[:50]
    return render(
        request,
        "reform_portal/cycle_year.html",
        {
            "cycle": cycle,
            "form": form,
            "editable": editable,
            "actions": _actions(cycle),
            "history": history,
            "state_label": CycleState(cycle.state).label,
        },
    )


@role_required(REVIEWER)
@require_http_methods(["GET", "POST"])
def action(request, year, action):
    """A stage action: its confirmation page (what is still outstanding, who is still out, a reason when the
    action goes over them or ends a stage early), then the action."""
    cycle = _cycle_or_404(year)
    if action not in CYCLE.actions or action == "edit_dates":
        raise Http404
    label = CYCLE.actions[action]
    form = CycleActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ok, _result = attempt(
            request,
            lambda: cycles.cycle_act(
                cycle=cycle,
                action=action,
                by=request.user,
                reason=form.cleaned_data["reason"],
                confirmed=True,
            ),
            success=_("%(year)s年度：已%(action)s。") % {"year": year, "action": label},
            form=form,
        )
        if ok:
            return redirect("cycle_year", year=year)
    allowed = CYCLE.allows(cycle.state, action)
    items = cycles.outstanding(cycle, action) if allowed else []
    early = allowed and cycles.is_early(cycle, action)
    return render(
        request,
        "reform_portal/cycle_action.html",
        {
            "cycle": cycle,
            "action": action,
            "label": label,
            "form": form,
            "allowed": allowed,
            "refusal": "" if allowed else CYCLE.refusal(cycle.state, action),
            "items": items,
            "early": early,
            "reason_required": early or (action in cycles.REASON_WHEN_OUTSTANDING and bool(items)),
            "state_label": CycleState(cycle.state).label,
        },
    )
