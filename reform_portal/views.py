from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import dashboard
from .services import current_cycle, local_today


@require_GET
def home(request):
    cycle = current_cycle()
    context = {"cycle": cycle}
    if cycle:
        context["stage"] = cycle.stage_on(local_today())
        context["closes_at"] = cycle.closes_at("proposal")
    return render(request, "reform_portal/home.html", context)


@login_required
@require_GET
def dashboard_view(request):
    user = request.user
    cycle = current_cycle()
    context = {"cycle": cycle, "role": user.primary_role}
    if cycle:
        stage = cycle.stage_on(local_today())
        context.update(
            stage=stage,
            action=dashboard.next_action(user.primary_role, stage),
            deadline=dashboard.next_deadline(user, cycle, stage) if user.primary_role else None,
            panels=dashboard.panels_for(user, cycle, stage),
        )
    return render(request, "reform_portal/dashboard.html", context)


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
    return JsonResponse({"status": "ok" if ok else "error", "checks": checks}, status=200 if ok else 503)
