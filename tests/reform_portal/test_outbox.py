"""The outbox (reform_portal/outbox.py): rows written with the caller's transaction, run inline in embedded mode,
handed to Celery by the relay otherwise, finished by the worker's signals; broker errors, failing tasks,
RetryLater and stale hand-overs."""

import datetime
import time

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from reform_portal import outbox
from reform_portal.enums import OutboxState
from reform_portal.models import OutboxMessage, Region

from . import outbox_scenarios as s

UNREACHABLE = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture(autouse=True)
def _runs():
    s.RUNS.clear()
    yield
    s.RUNS.clear()


def _row(**changes):
    return OutboxMessage.objects.filter(pk=changes.pop("pk")).values(*changes or ["state"]).get()


@pytest.mark.django_db
def test_enqueue_writes_the_row_and_embedded_mode_runs_it_after_the_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue("tests.outbox.record", note="清单已公布")
        assert OutboxMessage.objects.get().state == OutboxState.PENDING
        assert s.RUNS == []  # nothing runs before the commit
    assert s.RUNS == [{"note": "清单已公布"}]
    message.refresh_from_db()
    assert (message.task_name, message.kwargs, message.state, message.attempts, message.last_error) == (
        "tests.outbox.record",
        {"note": "清单已公布"},
        OutboxState.DONE,
        1,
        "",
    )
    assert message.finished_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_row_and_runs_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("tests.outbox.record", note="x")
        raise RuntimeError("the service failed after queuing")
    assert OutboxMessage.objects.count() == 0
    assert s.RUNS == []


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_the_commit_only_writes_the_row_and_takes_no_time():
    """Production: the request writes a row; nothing talks to Redis (here: to a broker that is not there)."""
    with s.celery_on(UNREACHABLE):
        started = time.monotonic()
        with transaction.atomic():
            message = outbox.enqueue("tests.outbox.record", note="x")
        elapsed = time.monotonic() - started
    assert elapsed < 0.5
    assert _row(pk=message.pk, state=1, attempts=1) == {"state": OutboxState.PENDING, "attempts": 0}
    assert s.RUNS == []


@pytest.mark.django_db(transaction=True)
def test_the_relay_keeps_the_row_pending_with_a_back_off_when_the_broker_is_down():
    message = OutboxMessage.objects.create(task_name="tests.outbox.record", kwargs={"note": "x"})
    other = OutboxMessage.objects.create(task_name="tests.outbox.record", kwargs={"note": "y"})
    with s.celery_on(UNREACHABLE):
        started = time.monotonic()
        result = outbox.relay_once(broker_delay=30)
        elapsed = time.monotonic() - started
    assert elapsed < 2
    assert result.dispatched == 0
    assert result.broker_error.startswith("OperationalError: Error 111 connecting to 127.0.0.1:1")
    for row in OutboxMessage.objects.filter(pk__in=[message.pk, other.pk]):
        assert (row.state, row.attempts) == (OutboxState.PENDING, 0)  # the failed hand-over is not counted
        assert row.last_error == f"无法派发到任务队列：{result.broker_error}"
        assert 25 < (row.available_at - timezone.now()).total_seconds() <= 30
    assert outbox.relay_once().dispatched == 0  # not due yet


@pytest.mark.django_db
def test_the_relay_hands_over_due_rows_in_order_and_the_worker_signals_finish_them():
    later = OutboxMessage.objects.create(
        task_name="tests.outbox.record",
        kwargs={"note": "later"},
        available_at=timezone.now() + datetime.timedelta(hours=1),
    )
    first = OutboxMessage.objects.create(task_name="tests.outbox.record", kwargs={"note": "first"})
    second = OutboxMessage.objects.create(task_name="tests.outbox.record", kwargs={"note": "second"})
    result = outbox.relay_once()  # the suite's Celery is eager: the hand-over runs the task here
    assert (result.dispatched, result.requeued, result.broker_error) == (2, 0, "")
    assert s.RUNS == [{"note": "first"}, {"note": "second"}]
    assert [r.state for r in OutboxMessage.objects.filter(pk__in=[first.pk, second.pk])] == ["done", "done"]
    assert _row(pk=later.pk) == {"state": OutboxState.PENDING}


@pytest.mark.django_db
def test_a_failing_task_is_retried_with_back_off_then_failed(settings):
    settings.PORTAL_OUTBOX_MAX_ATTEMPTS = 3
    settings.PORTAL_OUTBOX_RETRY_BACKOFF = 10
    settings.PORTAL_OUTBOX_RETRY_MAX = 15
    message = OutboxMessage.objects.create(
        task_name="tests.outbox.record", kwargs={"note": "x", "fail": "渲染失败"}
    )
    waits = []
    for _ in range(3):
        outbox.relay_once(now=timezone.now() + datetime.timedelta(minutes=len(waits)))
        message.refresh_from_db()
        waits.append(round((message.available_at - timezone.now()).total_seconds()))
    assert len(s.RUNS) == 3
    assert (message.state, message.attempts, message.last_error) == (
        OutboxState.FAILED,
        3,
        "RuntimeError: 渲染失败",
    )
    assert waits[:2] == [10, 15]  # 10 s, then 20 s capped at 15 s
    assert outbox.relay_once(now=timezone.now() + datetime.timedelta(hours=1)).dispatched == 0


@pytest.mark.django_db
def test_retry_later_puts_the_row_back_for_the_countdown():
    message = OutboxMessage.objects.create(task_name="tests.outbox.retry_later", kwargs={})
    outbox.relay_once()
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_error) == (
        OutboxState.PENDING,
        1,
        "RetryLater: 邮件服务器暂不可用",
    )
    assert 85 < (message.available_at - timezone.now()).total_seconds() <= 90


@pytest.mark.django_db
def test_stale_hand_overs_are_queued_again(settings):
    """A worker killed mid-task never reports: after PORTAL_OUTBOX_STALE_SECONDS the row is handed over
    again, counted from the task's start (or from the hand-over when it never started)."""
    settings.PORTAL_OUTBOX_STALE_SECONDS = 60
    now = timezone.now()
    ago = lambda seconds: now - datetime.timedelta(seconds=seconds)  # noqa: E731
    common = {"task_name": "tests.outbox.record", "kwargs": {"note": "x"}, "state": OutboxState.DISPATCHED}
    never_started = OutboxMessage.objects.create(**common, attempts=1, dispatched_at=ago(120))
    killed = OutboxMessage.objects.create(**common, attempts=1, dispatched_at=ago(300), started_at=ago(90))
    running = OutboxMessage.objects.create(**common, attempts=1, dispatched_at=ago(300), started_at=ago(30))
    queued = OutboxMessage.objects.create(**common, attempts=1, dispatched_at=ago(30))
    result = outbox.relay_once(now=now)  # the relay's pass re-queues them and hands them over again
    assert (result.requeued, result.dispatched) == (2, 2)
    assert len(s.RUNS) == 2
    rows = {m.pk: (m.state, m.attempts) for m in OutboxMessage.objects.all()}
    assert [rows[m.pk] for m in (never_started, killed, running, queued)] == [
        (OutboxState.DONE, 2),
        (OutboxState.DONE, 2),
        (OutboxState.DISPATCHED, 1),
        (OutboxState.DISPATCHED, 1),
    ]


@pytest.mark.django_db
def test_a_stale_row_says_why_it_was_queued_again(settings):
    settings.PORTAL_OUTBOX_STALE_SECONDS = 60
    message = OutboxMessage.objects.create(
        task_name="tests.outbox.record",
        state=OutboxState.DISPATCHED,
        attempts=1,
        dispatched_at=timezone.now() - datetime.timedelta(seconds=61),
    )
    assert outbox.requeue_stale() == 1
    message.refresh_from_db()
    assert (message.state, message.last_error) == (
        OutboxState.PENDING,
        "派发后60秒未完成（执行进程可能已中止），重新派发",
    )


@pytest.mark.django_db
def test_a_late_report_of_an_older_hand_over():
    """Task ids are ``outbox-<pk>-<attempt>``: an older hand-over that finishes still completes the row (the work
    is idempotent), but its failure does not undo a newer hand-over."""
    message = OutboxMessage.objects.create(
        task_name="tests.outbox.record",
        kwargs={"note": "x"},
        state=OutboxState.DISPATCHED,
        attempts=2,
        dispatched_at=timezone.now(),
    )
    assert message.celery_task_id == f"outbox-{message.pk}-2"
    outbox.record_failed(f"outbox-{message.pk}-1", RuntimeError("old"))
    assert _row(pk=message.pk, state=1, last_error=1) == {"state": OutboxState.DISPATCHED, "last_error": ""}
    outbox.record_done(f"outbox-{message.pk}-1")
    assert _row(pk=message.pk) == {"state": OutboxState.DONE}
    outbox.record_done("1b2c-not-from-the-outbox")  # other tasks' ids are ignored


@pytest.mark.django_db
def test_inline_run_claims_the_row_once():
    message = OutboxMessage.objects.create(task_name="tests.outbox.record", kwargs={"note": "x"})
    assert outbox.run_inline(message.pk) is True
    assert outbox.run_inline(message.pk) is False
    assert s.RUNS == [{"note": "x"}]


@pytest.mark.django_db
def test_the_relay_command_runs_one_pass(capsys):
    OutboxMessage.objects.create(
        task_name="tests.outbox.rename_region", kwargs={"code": "330000", "name": "浙"}
    )
    call_command("outbox_relay", "--once")
    assert capsys.readouterr().out == "派发 1 条，重新排队 0 条\n"
    assert Region.objects.get(code="330000").name == "浙"
    assert OutboxMessage.objects.get().state == OutboxState.DONE


@pytest.mark.django_db
def test_backlog_for_the_health_check():
    OutboxMessage.objects.create(
        task_name="x", created_at=timezone.now() - datetime.timedelta(seconds=75), state=OutboxState.PENDING
    )
    OutboxMessage.objects.create(task_name="x", state=OutboxState.FAILED)
    OutboxMessage.objects.create(task_name="x", state=OutboxState.DONE)
    backlog = outbox.backlog()
    assert (backlog["pending"], backlog["failed"]) == (1, 1)
    assert 75 <= backlog["oldest_pending_seconds"] < 80


@pytest.mark.django_db(transaction=True)
def test_two_relays_never_claim_the_same_row():
    """SKIP LOCKED: a row another relay holds is skipped, not waited for and not claimed twice."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers")
    held = OutboxMessage.objects.create(task_name="tests.outbox.record", kwargs={"note": "held"})
    free = OutboxMessage.objects.create(task_name="tests.outbox.record", kwargs={"note": "free"})
    locked, done = threading.Event(), threading.Event()

    def other_relay():
        try:
            with transaction.atomic():
                list(OutboxMessage.objects.select_for_update().filter(pk=held.pk))
                locked.set()
                done.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_relay)
    thread.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        claimed = outbox.claim_due(limit=10)
        assert time.monotonic() - started < 1
    finally:
        done.set()
        thread.join(10)
    assert [m.pk for m in claimed] == [free.pk]
    assert _row(pk=held.pk, state=1, attempts=1) == {"state": OutboxState.PENDING, "attempts": 0}


def test_threads_of_one_worker_discover_the_tasks_once(monkeypatch):
    """Embedded mode in a gthread worker: the first messages of a fresh process arrive in several threads at once
    and none of them finds its task registered. One thread discovers the tasks modules; the others wait for it
    and look again (two discovering at once left one with NotRegistered: a 500 after the commit in
    bench/load.py)."""
    import threading
    import types

    from celery import current_app

    name = "tests.outbox.discovered_late"
    ran, discoveries = [], []

    def discover(force=False, **kwargs):
        discoveries.append(threading.get_ident())
        time.sleep(0.2)  # importing the tasks modules takes a while
        if name not in current_app.tasks:

            def discovered_late(**kw):
                ran.append(kw)

            current_app.task(name=name)(discovered_late)

    monkeypatch.setattr(current_app, "autodiscover_tasks", discover)
    try:
        messages = [
            types.SimpleNamespace(task_name=name, kwargs={"n": i}, celery_task_id=f"t-{i}") for i in range(3)
        ]
        threads = [threading.Thread(target=outbox._hand_over, args=(m,)) for m in messages]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=10)
        assert len(discoveries) == 1
        assert sorted(r["n"] for r in ran) == [0, 1, 2]
    finally:
        current_app.tasks.pop(name, None)
