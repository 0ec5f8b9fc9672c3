"""Notifications: the in-app inbox (站内通知) and its e-mail copy.

Stage apps call :func:`notify` from their services, e.g. when a list is published::

    notify(recipients=users, title="年度举措清单已公布，揭榜开始", body="...", url=reverse(...),
           kind="list_published")

The rows are written in the caller's transaction, each marked 待发送 when its recipient has an address, together
with one outbox message (``notifications.send_email``): the worker mails them after the commit, with retries and
exponential back-off, and records per notification 已发送 or 发送失败 with the error (the mail log page). A
rolled-back action neither shows nor mails anything, and no web request waits on the mail server.
"""

import logging
import smtplib
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .enums import MailStatus
from .models import Notification, User
from .outbox import enqueue

logger = logging.getLogger(__name__)

SUBJECT_PREFIX = "【全面创新改革平台】"


def absolute_url(url: str) -> str:
    """A link for e-mails: the portal's base URL + the site-relative ``url`` (absolute URLs pass through)."""
    if not url:
        return settings.PORTAL_BASE_URL.rstrip("/") + "/notifications/"
    if url.startswith(("http://", "https://")):
        return url
    return settings.PORTAL_BASE_URL.rstrip("/") + "/" + url.lstrip("/")


def build_email(*, to: str, template: str, context: dict) -> EmailMultiAlternatives:
    """A Chinese plain-text mail from ``templates/email/<template>_subject.txt`` and ``_body.txt``."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"email/{template}_subject.txt", context)
        body = render_to_string(f"email/{template}_body.txt", context)
    subject = SUBJECT_PREFIX + " ".join(subject.split())  # one line: headers cannot hold newlines
    return EmailMultiAlternatives(subject=subject, body=body, to=[to])


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    return build_email(
        to=notification.recipient.email,
        template="notification",
        context={
            "notification": notification,
            "recipient": notification.recipient,
            "link": absolute_url(notification.url),
        },
    )


# Errors about one message; anything else (refused connection, timeout, a dropped session) is the server's
# and applies to the messages after it in the same run too.
MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)

MAIL_TASK = "notifications.send_email"


def mail_max_attempts() -> int:
    return settings.PORTAL_MAIL_MAX_RETRIES + 1


def mail_retry_countdown(attempts: int) -> float:
    """Exponential back-off after the ``attempts``-th failed try: base, 2×base, 4×base … seconds."""
    return settings.PORTAL_MAIL_RETRY_BACKOFF * 2 ** max(0, attempts - 1)


def notification_emails_deliver(*, notification_ids: Iterable[int], max_attempts: int) -> Counter:
    """Mail each pending notification once, over one connection.

    Each row is locked and its state checked before its mail leaves, and stays locked until the outcome is
    recorded, so a retried or re-dispatched run never mails a notification twice (only 待发送 rows are sent).
    A failure stores the error and counts the try; after ``max_attempts`` tries the row is 发送失败. Returns
    the counts by outcome: ``sent``, ``retry`` (still pending), ``failed``, ``skipped`` (not pending)."""
    counts: Counter = Counter()
    connection = None
    server_error = ""  # the server failed for an earlier message of this run: the rest share its error
    for pk in sorted(set(notification_ids)):
        with transaction.atomic():
            row = (
                Notification.objects.select_for_update(of=("self",))
                .select_related("recipient")
                .filter(pk=pk)
                .first()
            )
            if row is None or row.email_status != MailStatus.PENDING:
                counts["skipped"] += 1
                continue
            row.email_attempts += 1
            error = server_error
            if not row.recipient.email:
                error = "接收人没有电子邮箱"
                row.email_attempts = max_attempts
            elif not error:
                try:
                    connection = connection or get_connection()
                    connection.send_messages([notification_email(row)])
                except MESSAGE_ERRORS as exc:
                    error = f"{exc.__class__.__name__}: {exc}"
                except Exception as exc:  # noqa: BLE001 - refused connections, timeouts, lost sessions
                    error = server_error = f"{exc.__class__.__name__}: {exc}"
                    connection = None
            if error:
                row.email_error = error[:2000]
                row.email_status = (
                    MailStatus.FAILED if row.email_attempts >= max_attempts else MailStatus.PENDING
                )
                counts["failed" if row.email_status == MailStatus.FAILED else "retry"] += 1
            else:
                row.email_status, row.emailed_at, row.email_error = MailStatus.SENT, timezone.now(), ""
                counts["sent"] += 1
            # Delivery bookkeeping only (the fields are not in the history): an UPDATE, no history row.
            Notification.objects.filter(pk=row.pk).update(
                email_status=row.email_status,
                email_attempts=row.email_attempts,
                email_error=row.email_error,
                emailed_at=row.emailed_at,
            )
    if connection is not None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001 - closing a broken session
            logger.warning("Closing the mail connection failed", exc_info=True)
    if server_error:
        logger.warning("Notification mail: the mail server failed: %s", server_error)
    return counts


def notify(
    *,
    recipients: Iterable[User],
    title: str,
    body: str = "",
    url: str = "",
    kind: str = "general",
    email: bool = True,
    key: str = "",
) -> list[Notification]:
    """Create one in-app notification per recipient (duplicates ignored) and, in the same transaction, queue
    the e-mail copies to those who have an address (one outbox message; the worker sends them) and the copies
    on the extra channels (短信 / 政务IM) to those who opted in (``reform_portal.channels``).

    ``key`` (``kind:object:occurrence``, see ``idempotency_key``) makes it once per recipient: a recipient who
    already has a notification with this key gets nothing more (a retried or repeated call, a double click);
    the database's unique (recipient, key) is the backstop. ``url`` is site-relative (``reverse(...)``); e-mails
    link to ``PORTAL_BASE_URL + url``. A user without an e-mail address still gets the in-app notification."""
    unique = list({u.pk: u for u in recipients}.values())
    if not unique:
        return []
    if key:
        have = set(
            Notification.objects.filter(key=key, recipient__in=[u.pk for u in unique]).values_list(
                "recipient_id", flat=True
            )
        )
        unique = [u for u in unique if u.pk not in have]
        if not unique:
            return []
    now = timezone.now()
    rows = [
        Notification(
            recipient=u,
            kind=kind,
            title=title,
            body=body,
            url=url,
            created_at=now,
            key=key[:200],
            email_status=MailStatus.PENDING if email and u.email else "",
        )
        for u in unique
    ]
    with transaction.atomic():
        created = bulk_create_with_history(rows, Notification)
        for row, user in zip(created, unique, strict=True):
            row.recipient = user  # keep the instances the caller gave
        mailed = [row.pk for row in created if row.email_status == MailStatus.PENDING]
        if mailed:
            enqueue(MAIL_TASK, notification_ids=mailed)
        deliveries_queue(created)
    return created


def idempotency_key(kind: str, obj, occurrence: object = "") -> str:
    """``kind:<model label>-<pk>:<occurrence>`` for :func:`notify`'s ``key``. ``occurrence`` tells repeats of the
    same hand-off apart (a second submission after a return): by default the id of the object's newest history
    row, i.e. the save the action just made."""
    if occurrence == "" and hasattr(obj, "history"):
        occurrence = obj.history.values_list("history_id", flat=True).order_by("-history_id").first() or ""
    return f"{kind}:{obj._meta.label_lower}-{obj.pk}:{occurrence}"


def mail_log(*, status: str = ""):
    """Notifications that have (or had) an e-mail copy, newest first, for the reviewers' mail log."""
    rows = Notification.objects.exclude(email_status="").select_related("recipient__organization")
    if status:
        rows = rows.filter(email_status=status)
    return rows.order_by("-created_at", "-pk")


def mail_counts() -> dict:
    from django.db.models import Count, Q

    return Notification.objects.exclude(email_status="").aggregate(
        sent=Count("pk", filter=Q(email_status=MailStatus.SENT)),
        failed=Count("pk", filter=Q(email_status=MailStatus.FAILED)),
        pending=Count("pk", filter=Q(email_status=MailStatus.PENDING)),
    )


# --- the inbox ---------------------------------------------------------------------------------


def inbox_for(user: User):
    """The user's own notifications, unread first, newest first."""
    from django.db.models import F

    return Notification.objects.filter(recipient=user).order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-pk"
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_mark_read(*, notification: Notification, by: User) -> Notification:
    if notification.recipient_id != by.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, by: User) -> int:
    with transaction.atomic():
        unread = list(Notification.objects.select_for_update().filter(recipient=by, read_at__isnull=True))
        now = timezone.now()
        for n in unread:
            n.read_at = now
        if unread:
            bulk_update_with_history(unread, Notification, ["read_at"], default_user=by)
    return len(unread)


# --- the extra channels (短信 / 政务IM, reform_portal.channels) ---------------------------------------------


def message_text(notification: Notification) -> str:
    """The text for a phone: title, body and link, at most ``PORTAL_SMS_MAX_CHARS`` characters (the body is
    shortened, never the link)."""
    link = absolute_url(notification.url)
    head = f"{SUBJECT_PREFIX}{notification.title}。"
    tail = f" 详见：{link}"
    room = settings.PORTAL_SMS_MAX_CHARS - len(head) - len(tail)
    body = " ".join(notification.body.split())
    if len(body) > room:
        body = body[: max(0, room - 1)] + "…" if room > 1 else ""
    return head + body + tail


def deliveries_queue(notifications: Iterable[Notification]) -> list[int]:
    """In the caller's transaction: a delivery row for each notification on each enabled channel its recipient
    takes, and one outbox message for the worker. Returns the rows' ids."""
    from .channels import CHANNEL_TASK, enabled_channels
    from .models import NotificationDelivery

    active = enabled_channels()
    if not active:
        return []
    rows = []
    for notification in notifications:
        for channel in active:
            address = channel.address_for(notification.recipient)
            if address:
                rows.append(
                    NotificationDelivery(notification=notification, channel=channel.name, address=address)
                )
    if not rows:
        return []
    created = NotificationDelivery.objects.bulk_create(rows)
    ids = [row.pk for row in created]
    enqueue(CHANNEL_TASK, delivery_ids=ids)
    return ids


def deliveries_deliver(*, delivery_ids: Iterable[int], max_attempts: int) -> Counter:
    """Send each pending delivery once (row lock until the outcome is recorded); counts by outcome: ``sent``,
    ``retry``, ``failed``, ``skipped``."""
    from .channels import ChannelError, ChannelMessage, channel_named
    from .models import NotificationDelivery

    counts: Counter = Counter()
    for pk in sorted(set(delivery_ids)):
        with transaction.atomic():
            row = (
                NotificationDelivery.objects.select_for_update(of=("self",))
                .select_related("notification")
                .filter(pk=pk)
                .first()
            )
            if row is None or row.status != MailStatus.PENDING:
                counts["skipped"] += 1
                continue
            row.attempts += 1
            channel = channel_named(row.channel)
            error, permanent = "", False
            if channel is None or not channel.enabled():
                error, permanent = "渠道未配置", True
            else:
                try:
                    channel.send(
                        ChannelMessage(
                            to=row.address,
                            text=message_text(row.notification),
                            key=row.idempotency_key,
                            title=row.notification.title,
                            link=absolute_url(row.notification.url),
                        )
                    )
                except ChannelError as exc:
                    error, permanent = str(exc), exc.permanent
            if error:
                row.error = error[:2000]
                failed = permanent or row.attempts >= max_attempts
                row.status = MailStatus.FAILED if failed else MailStatus.PENDING
                counts["failed" if failed else "retry"] += 1
            else:
                row.status, row.sent_at, row.error = MailStatus.SENT, timezone.now(), ""
                counts["sent"] += 1
            row.save(update_fields=["status", "attempts", "error", "sent_at"])
    if counts["retry"] or counts["failed"]:
        logger.warning("Channel deliveries: %s", dict(counts))
    return counts


def delivery_counts() -> dict:
    """短信 / 政务IM copies by state, for the mail log."""
    from django.db.models import Count, Q

    from .models import NotificationDelivery

    return NotificationDelivery.objects.aggregate(
        sent=Count("pk", filter=Q(status=MailStatus.SENT)),
        failed=Count("pk", filter=Q(status=MailStatus.FAILED)),
        pending=Count("pk", filter=Q(status=MailStatus.PENDING)),
    )


def delivery_failures(limit: int = 20):
    """The latest copies the gateway did not take, with the error."""
    from .models import NotificationDelivery

    return list(
        NotificationDelivery.objects.filter(status=MailStatus.FAILED)
        .select_related("notification__recipient")
        .order_by("-created_at", "-pk")[:limit]
    )


# --- who is told: the recipients of the hand-offs (docs/architecture.md, "Hand-offs: who is told") ---------


def reviewers() -> list[User]:
    """Active national reviewers (both departments)."""
    from .enums import Role

    return list(
        User.objects.filter(is_active=True, groups__name=Role.NATIONAL_REVIEWER).distinct().order_by("pk")
    )


def region_staff(region_id: int | None, *, exclude_organization_id: int | None = None) -> list[User]:
    """Active regional staff of the region's 发展改革委 and 科技厅（委、局） (optionally but one department)."""
    from .enums import OrgKind, Role

    if region_id is None:
        return []
    users = User.objects.filter(
        is_active=True,
        groups__name=Role.REGIONAL_STAFF,
        organization__region_id=region_id,
        organization__kind__in=OrgKind.regional_departments(),
    )
    if exclude_organization_id is not None:
        users = users.exclude(organization_id=exclude_organization_id)
    return list(users.distinct().order_by("pk"))


def organization_users(organization_ids: Iterable[int], role: str | None = None) -> list[User]:
    """Active users of the organisations (of ``role`` only, when given)."""
    users = User.objects.filter(is_active=True, organization_id__in=list(organization_ids))
    if role is not None:
        users = users.filter(groups__name=role)
    return list(users.distinct().order_by("pk"))


def date_cn(day) -> str:
    """2027年4月30日"""
    return f"{day.year}年{day.month}月{day.day}日"
