from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import dashboard, navigation, search, years
from .forms import SearchForm
from .services import current_cycle, local_today


@require_GET
def home(request):
    cycle = current_cycle()
    context = {"cycle": cycle, "public_links": navigation.public_links()}
    if cycle:
        context["stage"] = cycle.stage
        context["closes_at"] = cycle.closes_at("proposal")
    return render(request, "reform_portal/home.html", context)


@login_required
@require_GET
def dashboard_view(request):
    """工作台: what waits for the user in every year (the open items the stages register), then the selected year
    (``?year=``, by default the earliest year with open items): its stage, the role's work in it, the panels."""
    user = request.user
    items = years.open_items(user)
    cycle = years.selected_cycle(request)
    context = {"cycle": cycle, "role": user.primary_role, "items": items, "idle": dashboard.IDLE}
    if cycle:
        stage = cycle.stage
        action = dashboard.next_action(user.primary_role, stage)
        if action.url:
            action.url = years.with_year(action.url, cycle.year)  # the dashboard's year
        context.update(
            stage=stage,
            action=action if action.url else None,
            deadline=dashboard.next_deadline(user, cycle, stage) if user.primary_role else None,
            next_due=min((i for i in items if i.due), key=lambda i: i.due, default=None),
            panels=dashboard.panels_for(user, cycle, stage),
            timeline=dashboard.cycle_timeline(cycle, stage, local_today()),
        )
    return render(request, "reform_portal/dashboard.html", context)


@require_GET
def archive(request):
    """往年公布：every published list version and every year's outcomes and results, by year (public)."""
    return render(request, "reform_portal/archive.html", {"years": navigation.archive()})


@require_GET
def search_page(request):
    """检索: one box over proposals, measures, list entries, tasks and outcomes, each kind within what the user may
    see (anonymous visitors: the published list and outcomes); every word must be found (AND)."""
    form = SearchForm(request.GET or None)
    groups = search.search(request.user, form.cleaned_data["q"]) if form.is_valid() else []
    return render(request, "reform_portal/search.html", {"form": form, "groups": groups})


@never_cache
@require_GET
def healthz(request):
    checks, ok = {}, True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"
        ok = False
    if settings.REDIS_URL:
        try:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {exc.__class__.__name__}"
            ok = False
    else:
        checks["redis"] = "not configured"
    if checks["database"] == "ok":
        from .outbox import backlog

        checks["outbox"] = backlog()  # informative: a growing backlog means the relay or the broker is down
    return JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)
