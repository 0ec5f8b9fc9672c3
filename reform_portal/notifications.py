"""Notifications: the in-app inbox (站内通知) and its e-mail copy.

Stage apps call :func:`notify` from their services, e.g. when a list is published::

    notify(recipients=users, title="年度举措清单已公布，揭榜开始", body="...", url=reverse(...),
           kind="list_published")

The rows are written in the caller's transaction; the e-mails leave only when it commits
(``transaction.on_commit``), so a rolled-back action neither shows nor mails anything.
"""
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .models import Notification, User

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
        context={"notification": notification, "recipient": notification.recipient,
                 "link": absolute_url(notification.url)},
    )


def send_notification_emails(notifications: Iterable[Notification]) -> int:
    """Mail each notification whose recipient has an address, over one connection.

    Best effort: a mail server failure is logged, never raised, because the in-app row is the record.
    Returns the number of messages sent."""
    messages = [notification_email(n) for n in notifications if n.recipient.email]
    if not messages:
        return 0
    try:
        return get_connection().send_messages(messages) or 0
    except Exception:  # noqa: BLE001 - SMTP errors, refused connections, timeouts
        logger.exception("Notification e-mail failed for %d message(s)", len(messages))
        return 0


def notify(*, recipients: Iterable[User], title: str, body: str = "", url: str = "",
           kind: str = "general", email: bool = True) -> list[Notification]:
    """Create one in-app notification per recipient (duplicates ignored) and, once the current
    transaction commits, e-mail a copy to those who have an address.

    ``url`` is site-relative (``reverse(...)``); e-mails link to ``PORTAL_BASE_URL + url``.
    A user without an e-mail address still gets the in-app notification."""
    unique = list({u.pk: u for u in recipients}.values())
    if not unique:
        return []
    now = timezone.now()
    rows = [Notification(recipient=u, kind=kind, title=title, body=body, url=url, created_at=now)
            for u in unique]
    created = bulk_create_with_history(rows, Notification)
    for row, user in zip(created, unique, strict=True):
        row.recipient = user  # keep the instances the caller gave (no re-fetch for the e-mail)
    if email:
        transaction.on_commit(lambda: send_notification_emails(created))
    return created


# --- the inbox ---------------------------------------------------------------------------------

def inbox_for(user: User):
    """The user's own notifications, unread first, newest first."""
    from django.db.models import F

    return Notification.objects.filter(recipient=user).order_by(
        F("read_at").asc(nulls_first=True), "-created_at", "-pk")


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
