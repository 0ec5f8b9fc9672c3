"""Work after a commit: the outbox (docs/architecture.md, "Work after a commit: the outbox").

A service that wants a Celery task to run once its transaction commits writes an outbox row in that
transaction::

    from reform_portal.outbox import enqueue

    with transaction.atomic():
        ...
        enqueue("app.render_document", document_id=document.pk)

Nothing in the request talks to Redis. The row commits (or rolls back) with the action, and then:

- production (a broker, ``REDIS_URL`` set): the relay (``manage.py outbox_relay``, its own process) claims due
  rows, hands each to Celery under the task id ``outbox-<pk>-<attempt>`` and marks it dispatched; the worker
  marks it done or failed when the task ends (the Celery signals below). A broker error leaves the row pending
  with a back-off; a row dispatched and not done after ``PORTAL_OUTBOX_STALE_SECONDS`` is handed over again.
- embedded mode (Celery eager, no ``REDIS_URL``): the row runs inline right after the commit, as the work did
  before the outbox, and is marked the same way. ``make run`` needs no extra process.

So a task may run more than once (a re-queued stale row, a redelivered message): every task queued here must
be idempotent. A task that wants to be tried again later raises :class:`RetryLater`; any other exception
retries the row with exponential back-off until ``PORTAL_OUTBOX_MAX_ATTEMPTS`` hand-overs, then it is failed.
"""

import datetime
import logging
import re
import threading
from dataclasses import dataclass

from celery import current_app
from celery.signals import task_failure, task_prerun, task_success
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .enums import OutboxState
from .models import OutboxMessage

logger = logging.getLogger(__name__)

TASK_ID = re.compile(r"^outbox-(?P<pk>\d+)-(?P<attempt>\d+)$")


class RetryLater(Exception):  # noqa: N818 - a request, not an error
    """Raised by a task queued through the outbox: run me again in ``countdown`` seconds (the row goes back to
    pending; the relay hands it over again when it is due)."""

    def __init__(self, message: str = "", *, countdown: float):
        super().__init__(message)
        self.countdown = countdown

    def __reduce__(self):  # picklable, so Celery reports it as it is (and logs it as expected, no traceback)
        return (_retry_later, (str(self), self.countdown))


def _retry_later(message: str, countdown: float) -> RetryLater:
    return RetryLater(message, countdown=countdown)


def enqueue(task_name: str, /, **kwargs) -> OutboxMessage:
    """Record that the Celery task ``task_name`` must run with ``kwargs`` (JSON values, keyword IDs) once the
    current transaction commits. Returns the row; it is written in the caller's transaction."""
    message = OutboxMessage.objects.create(task_name=task_name, kwargs=kwargs)
    pk = message.pk
    transaction.on_commit(lambda: _after_commit(pk))
    return message


def _eager() -> bool:
    return bool(current_app.conf.task_always_eager)


def _after_commit(pk: int) -> None:
    if _eager():
        run_inline(pk)


def run_inline(pk: int) -> bool:
    """Embedded mode: claim the pending row and run its task in this process (the signals record the end).
    Returns False when the row was not pending (someone else ran it)."""
    now = timezone.now()
    claimed = OutboxMessage.objects.filter(pk=pk, state=OutboxState.PENDING).update(
        state=OutboxState.DISPATCHED, attempts=F("attempts") + 1, dispatched_at=now, started_at=None
    )
    if not claimed:
        return False
    message = OutboxMessage.objects.get(pk=pk)
    _hand_over(message)
    return True


_DISCOVERY = threading.Lock()


def _hand_over(message: OutboxMessage) -> None:
    """Give the (claimed) row to Celery: eagerly in embedded mode, else to the broker, failing fast."""
    app = current_app
    if _eager():
        if message.task_name not in app.tasks:
            # Outside a worker nothing imported the apps' tasks modules yet (Celery discovers them on start).
            # One thread discovers; the others of a gthread worker wait for it and look again (two threads
            # discovering at once: the second found the name missing — NotRegistered, a 500 after the commit,
            # seen by bench/load.py on the first mails of a fresh gunicorn worker).
            with _DISCOVERY:
                if message.task_name not in app.tasks:
                    app.autodiscover_tasks(force=True)
        app.tasks[message.task_name].apply(kwargs=message.kwargs, task_id=message.celery_task_id, throw=False)
        return
    app.send_task(
        message.task_name,
        kwargs=message.kwargs,
        task_id=message.celery_task_id,
        retry=False,  # the relay retries, with back-off, and the row stays pending meanwhile
        ignore_result=True,  # the row records the outcome; nothing reads a result backend
    )


# ---- the relay ------------------------------------------------------------------------------------------


@dataclass
class RelayPass:
    """What one pass of the relay did."""

    requeued: int = 0  # dispatched rows gone stale, pending again
    dispatched: int = 0
    broker_error: str = ""  # the pass stopped here: the broker is unreachable

    @property
    def busy(self) -> bool:
        return bool(self.dispatched or self.requeued)


def backoff(attempt: int, *, base: float | None = None, cap: float | None = None) -> float:
    """Seconds to wait before hand-over ``attempt + 1``: base, 2×base, 4×base …, at most ``cap``."""
    base = settings.PORTAL_OUTBOX_RETRY_BACKOFF if base is None else base
    cap = settings.PORTAL_OUTBOX_RETRY_MAX if cap is None else cap
    return min(cap, base * 2 ** max(0, attempt - 1))


def requeue_stale(*, now: datetime.datetime | None = None) -> int:
    """Rows handed over but not finished for ``PORTAL_OUTBOX_STALE_SECONDS`` (counted from the task's start,
    or from the hand-over if it never started): the worker died or the message was lost. Pending again.

    Every change of an outbox row is a conditional UPDATE (compare and set on its state), so the relay, the
    worker and another relay never overwrite each other's step."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.PORTAL_OUTBOX_STALE_SECONDS)
    stale = Q(state=OutboxState.DISPATCHED) & (
        Q(started_at__isnull=True, dispatched_at__lt=cutoff) | Q(started_at__lt=cutoff)
    )
    with transaction.atomic():
        rows = list(OutboxMessage.objects.select_for_update(skip_locked=True).filter(stale))
        for row in rows:
            logger.warning("Outbox: %s (attempt %d) did not finish; queuing it again", row, row.attempts)
        OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
            state=OutboxState.PENDING,
            available_at=now,
            last_error=f"派发后{settings.PORTAL_OUTBOX_STALE_SECONDS}秒未完成（执行进程可能已中止），重新派发",
        )
    return len(rows)


def claim_due(*, limit: int, now: datetime.datetime | None = None) -> list[OutboxMessage]:
    """Lock due pending rows (skipping rows another relay holds), mark them dispatched, commit."""
    now = now or timezone.now()
    with transaction.atomic():
        pks = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(state=OutboxState.PENDING, available_at__lte=now)
            .order_by("available_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        OutboxMessage.objects.filter(pk__in=pks).update(
            state=OutboxState.DISPATCHED, dispatched_at=now, started_at=None, attempts=F("attempts") + 1
        )
    order = {pk: i for i, pk in enumerate(pks)}
    return sorted(OutboxMessage.objects.filter(pk__in=pks), key=lambda m: order[m.pk])


def relay_once(
    *, limit: int = 100, now: datetime.datetime | None = None, broker_delay: float = 0
) -> RelayPass:
    """One pass: re-queue stale rows, claim due rows, hand them to Celery. On a broker error the row being
    handed over and the rest of the claim go back to pending (``available_at`` = now + ``broker_delay``) and the
    pass stops: the broker is down, there is no point trying the others now."""
    result = RelayPass(requeued=requeue_stale(now=now))
    claimed = claim_due(limit=limit, now=now)
    for i, message in enumerate(claimed):
        try:
            _hand_over(message)
        except Exception as exc:  # noqa: BLE001 - connection refused, timeouts, broker errors of any kind
            result.broker_error = f"{exc.__class__.__name__}: {exc}"[:2000]
            _release(claimed[i:], error=result.broker_error, delay=broker_delay)
            break
        result.dispatched += 1
    return result


def _release(messages: list[OutboxMessage], *, error: str, delay: float) -> None:
    """Hand-overs that did not happen: pending again, the attempt not counted."""
    available = timezone.now() + datetime.timedelta(seconds=delay)
    with transaction.atomic():
        for message in messages:
            OutboxMessage.objects.filter(
                pk=message.pk, state=OutboxState.DISPATCHED, attempts=message.attempts
            ).update(
                state=OutboxState.PENDING,
                attempts=F("attempts") - 1,
                available_at=available,
                last_error=f"无法派发到任务队列：{error}",
            )


# ---- the worker's side: record how each outbox task ended -------------------------------------------------


def _parse(task_id) -> tuple[int, int] | None:
    match = TASK_ID.match(task_id or "")
    return (int(match["pk"]), int(match["attempt"])) if match else None


def record_started(task_id: str) -> None:
    ids = _parse(task_id)
    if ids:
        OutboxMessage.objects.filter(pk=ids[0], attempts=ids[1], state=OutboxState.DISPATCHED).update(
            started_at=timezone.now()
        )


def record_done(task_id: str) -> None:
    """The task finished: the row is done, whichever hand-over of it this was (the work is idempotent)."""
    ids = _parse(task_id)
    if ids:
        OutboxMessage.objects.filter(
            pk=ids[0], state__in=[OutboxState.DISPATCHED, OutboxState.PENDING]
        ).update(state=OutboxState.DONE, finished_at=timezone.now(), last_error="")


def record_failed(task_id: str, exc: BaseException) -> None:
    """The task raised: pending again after a back-off (``RetryLater`` says how long), or failed once the
    row has had ``PORTAL_OUTBOX_MAX_ATTEMPTS`` hand-overs. An older hand-over's failure changes nothing."""
    ids = _parse(task_id)
    if not ids:
        return
    pk, attempt = ids
    now = timezone.now()
    error = f"{exc.__class__.__name__}: {exc}"[:2000]
    row = OutboxMessage.objects.filter(pk=pk, attempts=attempt, state=OutboxState.DISPATCHED).first()
    if row is None:
        return
    if isinstance(exc, RetryLater):
        changes = {
            "state": OutboxState.PENDING,
            "available_at": now + datetime.timedelta(seconds=exc.countdown),
        }
    elif row.attempts >= settings.PORTAL_OUTBOX_MAX_ATTEMPTS:
        changes = {"state": OutboxState.FAILED, "finished_at": now}
        logger.error("Outbox: %s failed after %d attempts: %s", row, row.attempts, error)
    else:
        changes = {
            "state": OutboxState.PENDING,
            "available_at": now + datetime.timedelta(seconds=backoff(row.attempts)),
        }
    OutboxMessage.objects.filter(pk=pk, attempts=attempt, state=OutboxState.DISPATCHED).update(
        last_error=error, **changes
    )


@task_prerun.connect
def _on_task_prerun(task_id=None, **_kwargs):
    record_started(task_id)


@task_success.connect
def _on_task_success(sender=None, **_kwargs):
    record_done(sender.request.id if sender is not None else None)


@task_failure.connect
def _on_task_failure(task_id=None, exception=None, **_kwargs):
    record_failed(task_id, exception)


def backlog() -> dict:
    """For the health check: pending and failed rows, and the age in seconds of the oldest pending one."""
    pending = OutboxMessage.objects.filter(state=OutboxState.PENDING)
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "pending": pending.count(),
        "failed": OutboxMessage.objects.filter(state=OutboxState.FAILED).count(),
        "oldest_pending_seconds": int((timezone.now() - oldest).total_seconds()) if oldest else 0,
    }
