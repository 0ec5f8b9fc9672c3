"""Account mail (set-password links of a reset or an invitation; reform_portal.accounts): the task that sends it
and the one function that queues it, through the outbox (the request only writes a row; the relay hands it to the
worker, which makes the token and mails it). (The task lives here rather than in ``tasks.py``, which imports the reminders and so the services:
the services queue this mail, and ``tasks.py`` re-exports the task for the worker.)"""

from celery import shared_task

from .accounts import MAIL_KINDS, send_account_mail
from .outbox import RetryLater, enqueue

MAIL_TASK = "accounts.mail"


@shared_task(name=MAIL_TASK, throws=(RetryLater,))
def account_mail(*, kind: str, user_id: int | None = None, email: str | None = None) -> int:
    """Thin: the token is made here, in the worker, so no secret travels through the broker. A mail server that
    fails sends the message back to the outbox, which hands it over again after a minute (up to its tries)."""
    try:
        return send_account_mail(kind=kind, user_id=user_id, email=email)
    except OSError as exc:  # SMTP refused, timed out
        raise RetryLater(f"邮件发送失败：{exc.__class__.__name__}", countdown=60) from exc


def queue_account_mail(*, kind: str, user_id: int | None = None, email: str | None = None) -> None:
    """Send an account mail through the outbox (``accounts.mail``), once the current transaction commits.
    ``kind`` is RESET (``email``: the address typed; the worker finds its accounts) or INVITATION (``user_id``)."""
    if kind not in MAIL_KINDS:
        raise ValueError(f"unknown account mail {kind!r}")
    enqueue(MAIL_TASK, kind=kind, user_id=user_id, email=email)
