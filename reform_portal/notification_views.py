"""Pages: the user's notification inbox and, for national reviewers, the reminder log."""
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import notifications, reminders
from .enums import ReminderStatus, Role
from .models import Notification, ReformCycle, ReminderLog
from .permissions import is_national, role_required
from .services import current_cycle

INBOX_PAGE_SIZE = 25
LOG_PAGE_SIZE = 50


@login_required
@require_GET
def inbox(request):
    page = Paginator(notifications.inbox_for(request.user), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reform_portal/notifications.html",
                  {"page": page, "is_national": is_national(request.user)})


def _own(request, pk) -> Notification:
    # Someone else's notification answers 404: its existence does not leak.
    return get_object_or_404(Notification, pk=pk, recipient=request.user)


def _safe_target(request, url):
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return None


@login_required
@require_POST
def mark_read(request, pk):
    notifications.notification_mark_read(notification=_own(request, pk), by=request.user)
    return redirect(_safe_target(request, request.POST.get("next")) or "notifications")


@login_required
@require_POST
def open_notification(request, pk):
    """Mark read and go to the object the notification is about."""
    notification = notifications.notification_mark_read(notification=_own(request, pk), by=request.user)
    return redirect(_safe_target(request, notification.url) or "notifications")


@login_required
@require_POST
def mark_all_read(request):
    notifications.notifications_mark_all_read(by=request.user)
    return redirect("notifications")


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def reminder_log(request):
    year = request.GET.get("cycle")
    if year:
        if not year.isdigit():
            raise Http404
        cycle = get_object_or_404(ReformCycle, year=int(year))
    else:
        cycle = current_cycle()
    status = request.GET.get("status", "")
    rows = ReminderLog.objects.filter(cycle=cycle).select_related("recipient__organization")
    if status in ReminderStatus.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    page = Paginator(rows, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reform_portal/reminder_log.html", {
        "cycle": cycle,
        "cycles": ReformCycle.objects.values_list("year", flat=True),
        "counts": reminders.reminder_counts(cycle),
        "status": status,
        "statuses": ReminderStatus.choices,
        "page": page,
        "query": urlencode({k: v for k, v in (("cycle", cycle.year if cycle else ""), ("status", status)) if v}),
    })
