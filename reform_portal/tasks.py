"""Thin Celery tasks for deadline reminders (the work is in ``reform_portal.reminders``)."""
from celery import shared_task
from django.utils.dateparse import parse_datetime

from . import reminders


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
            return reminders.Outcome.DUPLICATE
        log_id = log.pk
    outcome = reminders.reminder_deliver(log_id=log_id, max_attempts=reminders.max_attempts())
    if outcome == reminders.Outcome.RETRY and self.request.is_eager:
        # Eager (embedded mode, tests): no broker to schedule a retry on, so try again at once.
        while outcome == reminders.Outcome.RETRY:
            outcome = reminders.reminder_deliver(log_id=log_id, max_attempts=reminders.max_attempts())
    elif outcome == reminders.Outcome.RETRY:
        raise self.retry(kwargs={**payload, "log_id": log_id},
                         countdown=reminders.retry_countdown(self.request.retries or 0))
    return outcome
