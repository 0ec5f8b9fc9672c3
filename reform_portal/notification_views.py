"""Pages: the user's notification inbox and, for national reviewers, the reminder log and the mail log."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from . import notifications, reminders, years
from .enums import MailStatus, ReminderStatus, Role
from .models import Notification, ReminderLog
from .permissions import is_national, role_required

INBOX_PAGE_SIZE = 25
LOG_PAGE_SIZE = 50


@login_required
@require_GET
def inbox(request):
    page = Paginator(notifications.inbox_for(request.user), INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "reform_portal/notifications.html", {"page": page, "is_national": is_national(request.user)}
    )


def _own(request, pk) -> Notification:
    # Someone else's notification answers 404: its existence does not leak.
    return get_object_or_404(Notification, pk=pk, recipient=request.user)


def _safe_target(request, url):
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
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
    if "cycle" in request.GET and "year" not in request.GET:  # links from before ``?year=`` (DECISIONS §14)
        params = request.GET.copy()
        params["year"] = params.pop("cycle")[-1]
        return redirect(f"{request.path}?{params.urlencode()}")
    cycle = years.selected_cycle(request, kinds=())  # the latest year unless ?year= says otherwise
    status = request.GET.get("status", "")
    rows = ReminderLog.objects.filter(cycle=cycle).select_related("recipient__organization")
    if status in ReminderStatus.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    page = Paginator(rows, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reform_portal/reminder_log.html",
        {
            "cycle": cycle,
            "counts": reminders.reminder_counts(cycle),
            "status": status,
            "statuses": ReminderStatus.choices,
            "page": page,
            "query": urlencode(
                {k: v for k, v in (("year", cycle.year if cycle else ""), ("status", status)) if v}
            ),
        },
    )


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def mail_log(request):
    """Every notification's e-mail copy: 待发送 (queued or waiting to be tried again), 已发送, 发送失败 with the
    error, so reviewers see which hand-offs did not reach anyone's mailbox."""
    status = request.GET.get("status", "")
    if status not in MailStatus.values:
        status = ""
    page = Paginator(notifications.mail_log(status=status), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reform_portal/mail_log.html",
        {
            "counts": notifications.mail_counts(),
            "channel_counts": notifications.delivery_counts(),
            "channel_failures": notifications.delivery_failures(),
            "status": status,
            "statuses": MailStatus.choices,
            "page": page,
            "query": urlencode({"status": status} if status else {}),
        },
    )
