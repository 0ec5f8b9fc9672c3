"""Pages: the user's notification inbox and, for national reviewers, the reminder log and the mail log."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_POST

from . import exports, listing, notifications, reminders, years
from .enums import ExportState, MailStatus, ReminderStatus, Role
from .models import ExportJob, Notification, ReminderLog
from .pagination import paginate
from .permissions import is_national, role_required

INBOX_PAGE_SIZE = 25
LOG_PAGE_SIZE = 50


INBOX_COLUMNS = [
    listing.Column("title", _lazy("标题"), ("title",)),
    listing.Column("created", _lazy("时间"), ("created_at",)),
    listing.Column("state", _lazy("状态"), ("read_at",)),
]
INBOX_STATES = {"unread": _lazy("未读"), "read": _lazy("已读")}


@login_required
@require_GET
def inbox(request, fmt=None):
    """The user's own notifications (``?state=unread|read&sort=``; ``fmt`` exports them)."""
    rows = notifications.inbox_for(request.user)
    state = request.GET.get("state", "")
    if state in INBOX_STATES:
        rows = rows.filter(read_at__isnull=state == "unread")
    else:
        state = ""
    sorting = listing.Sorting(request, INBOX_COLUMNS)
    rows = sorting.apply(rows)
    if fmt:
        count = rows.count()
        return listing.export_response(
            request,
            fmt,
            title=_("我的消息"),
            header=[_("标题"), _("内容"), _("时间"), _("状态"), _("阅读时间")],
            rows=(
                [n.title, n.body, n.created_at, _("已读") if n.read_at else _("未读"), n.read_at]
                for n in (rows if listing.may_build(request, count) else [])
            ),
            count=count,
            filename=_("我的消息"),
            fallback="notifications",
            back=listing.with_query(reverse("notifications"), request),
        )
    page, query = paginate(request, rows, INBOX_PAGE_SIZE)
    return render(
        request,
        "reform_portal/notifications.html",
        {
            "page": page,
            "query": query,
            "is_national": is_national(request.user),
            "state": state,
            "states": INBOX_STATES.items(),
            "sorting": sorting,
            "export_query": listing.page_query(request),
        },
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
def reminder_log(request, fmt=None):
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
    sorting = listing.Sorting(request, REMINDER_COLUMNS)
    rows = sorting.apply(rows)
    if fmt:
        return _reminder_export(request, fmt, cycle, rows)
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
                {
                    k: v
                    for k, v in (
                        ("year", cycle.year if cycle else ""),
                        ("status", status),
                        ("sort", sorting.param),
                    )
                    if v
                }
            ),
            "sorting": sorting,
            "export_query": listing.page_query(request),
        },
    )


REMINDER_COLUMNS = [
    listing.Column("item", _lazy("事项"), ("object_label",)),
    listing.Column("kind", _lazy("类型"), ("kind",)),
    listing.Column("recipient", _lazy("接收人"), ("recipient__username",)),
    listing.Column("offset", _lazy("提醒"), ("offset_days",)),
    listing.Column("due", _lazy("截止日"), ("due_at",)),
    listing.Column("status", _lazy("状态"), ("status",)),
    listing.Column("attempts", _lazy("发送次数"), ("attempts",)),
    listing.Column("sent", _lazy("发送时间"), ("sent_at",)),
]


def _reminder_when(row) -> str:
    if row.offset_days >= 0:
        return _("截止前 %(days)s 天") % {"days": row.offset_days}
    return _("逾期后 %(days)s 天") % {"days": row.overdue_days}


def _recipient(row) -> str:
    organization = row.recipient.organization
    return f"{row.recipient} · {organization.display_name}" if organization else str(row.recipient)


def _reminder_export(request, fmt, cycle, rows):
    count = rows.count()
    return listing.export_response(
        request,
        fmt,
        title=_("提醒发送记录"),
        header=[str(c.label) for c in REMINDER_COLUMNS] + [_("错误信息")],
        rows=(
            [
                r.object_label,
                r.kind,
                _recipient(r),
                _reminder_when(r),
                r.last_day,
                r.get_status_display(),
                r.attempts,
                r.sent_at,
                r.error,
            ]
            for r in (rows if listing.may_build(request, count) else [])
        ),
        count=count,
        filename=_("%(year)s年度提醒发送记录") % {"year": cycle.year if cycle else ""},
        fallback=f"reminders-{cycle.year if cycle else 'all'}",
        back=listing.with_query(reverse("reminder_log"), request),
    )


MAIL_COLUMNS = [
    listing.Column("title", _lazy("通知"), ("title",)),
    listing.Column("kind", _lazy("类型"), ("kind",)),
    listing.Column("recipient", _lazy("接收人"), ("recipient__username",)),
    listing.Column("email", _lazy("电子邮箱"), ("recipient__email",)),
    listing.Column("created", _lazy("创建时间"), ("created_at",)),
    listing.Column("status", _lazy("状态"), ("email_status",)),
    listing.Column("attempts", _lazy("发送次数"), ("email_attempts",)),
    listing.Column("sent", _lazy("发送时间"), ("emailed_at",)),
]


@role_required(Role.NATIONAL_REVIEWER)
@require_GET
def mail_log(request, fmt=None):
    """Every notification's e-mail copy: 待发送 (queued or waiting to be tried again), 已发送, 发送失败 with the
    error, so reviewers see which hand-offs did not reach anyone's mailbox (``?status=&sort=``; ``fmt`` exports
    the rows)."""
    status = request.GET.get("status", "")
    if status not in MailStatus.values:
        status = ""
    sorting = listing.Sorting(request, MAIL_COLUMNS)
    rows = sorting.apply(notifications.mail_log(status=status))
    if fmt:
        count = rows.count()
        return listing.export_response(
            request,
            fmt,
            title=_("邮件发送记录"),
            header=[str(c.label) for c in MAIL_COLUMNS] + [_("错误信息")],
            rows=(
                [
                    r.title,
                    r.kind,
                    _recipient(r),
                    r.recipient.email,
                    r.created_at,
                    r.get_email_status_display(),
                    r.email_attempts,
                    r.emailed_at,
                    r.email_error,
                ]
                for r in (rows if listing.may_build(request, count) else [])
            ),
            count=count,
            filename=_("邮件发送记录"),
            fallback="mail-log",
            back=listing.with_query(reverse("mail_log"), request),
        )
    page = Paginator(rows, LOG_PAGE_SIZE).get_page(request.GET.get("page"))
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
            "query": urlencode({k: v for k, v in (("status", status), ("sort", sorting.param)) if v}),
            "sorting": sorting,
            "export_query": listing.page_query(request),
        },
    )


@login_required
@require_GET
def export_download(request, pk):
    """A queued list export (``reform_portal.listing``): only the user who asked for it may download it."""
    job = get_object_or_404(ExportJob, pk=pk, user=request.user, state=ExportState.DONE)
    with job.file.open("rb") as stored:
        response = HttpResponse(stored.read(), content_type=job.content_type)
    response["Content-Disposition"] = exports.content_disposition(
        job.filename, fallback=f"export-{job.pk}.{job.filename.rsplit('.', 1)[-1]}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
