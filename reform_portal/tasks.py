"""Thin Celery tasks of the kernel: deadline reminders (``reform_portal.reminders``), notification mail
(``reform_portal.notifications``, queued through the outbox) and account mail (``reform_portal.accounts``)."""

from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import channels, listing, notifications, reminders
from .account_mail import account_mail  # noqa: F401 - registered here for the worker's autodiscovery
from .models import Notification, NotificationDelivery
from .outbox import RetryLater


@shared_task(name=notifications.MAIL_TASK, throws=(RetryLater,))
def send_email(*, notification_ids: list[int]) -> dict:
    """Mail the pending notifications; while some failed with tries left, ask the outbox to run again after
    the back-off (``RetryLater``: the message goes back to pending; the relay hands it over when due)."""
    counts = notifications.notification_emails_deliver(
        notification_ids=notification_ids, max_attempts=notifications.mail_max_attempts()
    )
    if counts["retry"]:
        tried = max(
            Notification.objects.filter(pk__in=notification_ids, email_status="pending").values_list(
                "email_attempts", flat=True
            ),
            default=1,
        )
        raise RetryLater(
            f"{counts['retry']} 封邮件发送失败，稍后重试", countdown=notifications.mail_retry_countdown(tried)
        )
    return dict(counts)


@shared_task(name=channels.CHANNEL_TASK, throws=(RetryLater,))
def send_channel(*, delivery_ids: list[int]) -> dict:
    """Send the pending 短信 / 政务IM copies (``reform_portal.channels``); retried like the mail."""
    counts = notifications.deliveries_deliver(
        delivery_ids=delivery_ids, max_attempts=notifications.mail_max_attempts()
    )
    if counts["retry"]:
        tried = max(
            NotificationDelivery.objects.filter(pk__in=delivery_ids, status="pending").values_list(
                "attempts", flat=True
            ),
            default=1,
        )
        raise RetryLater(
            f"{counts['retry']} 条消息发送失败，稍后重试", countdown=notifications.mail_retry_countdown(tried)
        )
    return dict(counts)


@shared_task(name="reminders.scan")
def scan(now: str | None = None) -> int:
    """Hourly (beat): ask every reminder source and queue one ``reminders.send`` per new key.

    ``now`` (ISO 8601) exists for tests and the management command; the beat passes nothing."""
    payloads = reminders.reminders_due(now=parse_datetime(now) if now else None)
    for payload in payloads:
        send.delay(**payload)
    return len(payloads)


@shared_task(bind=True, name="reminders.send", acks_late=True, max_retries=None)
def send(self, *, log_id: int | None = None, **payload) -> str:
    """Claim the key (first run only), then mail; retried with exponential back-off on failure.

    A retry carries ``log_id``: only the run that claimed the key, and its own retries, ever mail."""
    if log_id is None:
        log = reminders.reminder_claim(**payload)
        if log is None:
            return reminders.SendResult.DUPLICATE
        log_id = log.pk
    result = reminders.reminder_deliver(log_id=log_id, max_attempts=reminders.max_attempts())
    if result == reminders.SendResult.RETRY and self.request.is_eager:
        # Eager (embedded mode, tests): no broker to schedule a retry on, so try again at once.
        while result == reminders.SendResult.RETRY:
            result = reminders.reminder_deliver(log_id=log_id, max_attempts=reminders.max_attempts())
    elif result == reminders.SendResult.RETRY:
        raise self.retry(
            kwargs={**payload, "log_id": log_id},
            countdown=reminders.retry_countdown(self.request.retries or 0),
        )
    return result


@shared_task(name=listing.EXPORT_TASK)
def build_export(*, job_id: int) -> str:
    """A list export too long for the request (``reform_portal.listing``), built and stored for its user."""
    return listing.build_export(job_id).state
