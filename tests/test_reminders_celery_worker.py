"""A real Celery worker on the real Redis broker runs the scan and the sends end to end."""
import os
import time

import kombu.pools
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import close_old_connections, connections

from reform_portal.celery import app
from reform_portal.models import Notification, ReminderLog
from reform_portal.tasks import scan

from . import factories as f
from .reminder_helpers import (
    SEVEN_DAYS_BEFORE,
    FlakyEmailBackend,
    fixed_cycle,
    key_for,
    proposal_source,
    registered,
)

# Redis DB 14 is this suite's own; the worker test empties it before and after.
BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def _redis_or_skip():
    client = redis.Redis.from_url(BROKER_URL, socket_connect_timeout=2, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if not os.environ.get("REDIS_URL"):
            pytest.skip(f"Redis is not reachable at {BROKER_URL} and REDIS_URL is unset")
        raise
    return client


def _reset_connections():
    """Forget the app's broker pool, producer pool and result backend so new settings take effect."""
    kombu.pools.reset()  # closes and forgets the broker connections and producers of every app
    app._pool = None
    if "amqp" in app.__dict__:
        app.__dict__["amqp"]._producer_pool = None
    for backend in {app._backend_cache, app._local.__dict__.pop("backend", None)} - {None}:
        if hasattr(backend, "result_consumer"):  # the Redis backend: its pub/sub and pooled sockets
            backend.result_consumer.stop()
            backend.client.connection_pool.disconnect()
    app._backend_cache = None


FINISHED: list[tuple[str, str, object]] = []  # (task name, state, return value), from the worker thread


def _on_task_postrun(sender=None, state=None, retval=None, **kwargs):
    """In the worker thread after each task run: close its database connection (PostgreSQL would
    refuse to drop the test database) and result-backend sockets (the result is stored by now), then
    report the run. The test waits on these reports rather than polling the database while the worker
    writes (SQLite's shared in-memory test database answers "table is locked" to that)."""
    for conn in connections.all(initialized_only=True):
        conn.close()
    backend = app._local.__dict__.get("backend")
    if backend is not None and hasattr(backend, "client"):
        backend.client.connection_pool.disconnect()
    FINISHED.append((sender.name, state, retval))


@pytest.fixture
def worker(settings):
    client = _redis_or_skip()
    client.flushdb()
    FINISHED.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PORTAL_REMINDER_RETRY_BACKOFF = 0
    keys = ["broker_url", "result_backend", "task_always_eager", "worker_hijack_root_logger"]
    saved = {k: app.conf[k] for k in keys}
    app.conf.update(broker_url=BROKER_URL, result_backend=BROKER_URL, task_always_eager=False,
                    worker_hijack_root_logger=False)
    _reset_connections()
    task_postrun.connect(_on_task_postrun, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as w:
            yield w
    finally:
        task_postrun.disconnect(_on_task_postrun)
        _reset_connections()
        app.conf.update(saved)
        client.flushdb()
        client.close()
        close_old_connections()


def _finished(name):
    """Return values of the completed (not retried) runs of task ``name`` so far."""
    return [retval for task, state, retval in list(FINISHED) if task == name and state == "SUCCESS"]


def _wait_for(name, n, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(_finished(name)) >= n:
            return _finished(name)
        time.sleep(0.05)
    raise AssertionError(f"{name}: {len(_finished(name))} of {n} runs finished; all runs: {FINISHED}")


def test_worker_scans_and_sends_each_reminder_once(worker, mailoutbox):
    cycle = fixed_cycle()
    users = [f.regional_user("330000", username="zj_drc"), f.regional_user("320000", username="js_drc")]
    with registered(proposal_source(users)):
        scan.delay(now=SEVEN_DAYS_BEFORE.isoformat())
        assert _wait_for("reminders.scan", 1) == [2]
        assert _wait_for("reminders.send", 2) == ["sent", "sent"]
        # The beat firing again: every key is logged, nothing is queued, nobody is mailed twice.
        scan.delay(now=SEVEN_DAYS_BEFORE.isoformat())
        assert _wait_for("reminders.scan", 2) == [2, 0]
    assert set(ReminderLog.objects.values_list("key", "status", "attempts")) == {
        (key_for(cycle, u), "sent", 1) for u in users}
    assert sorted(m.to[0] for m in mailoutbox) == ["js_drc@example.cn", "zj_drc@example.cn"]
    assert Notification.objects.count() == 2


def test_worker_retries_through_the_broker_and_mails_once(worker, settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.reminder_helpers.FlakyEmailBackend"
    FlakyEmailBackend.calls = 0
    fixed_cycle()
    user = f.regional_user("330000", username="zj_drc")
    with registered(proposal_source([user])):
        scan.delay(now=SEVEN_DAYS_BEFORE.isoformat())
        assert _wait_for("reminders.send", 1) == ["sent"]
    # The first run failed and was re-queued on the broker (with the claimed log's id), the second mailed.
    assert [(task, state) for task, state, _ in FINISHED if task == "reminders.send"] == [
        ("reminders.send", "RETRY"), ("reminders.send", "SUCCESS")]
    log = ReminderLog.objects.get()
    assert (log.status, log.attempts) == ("sent", 2)
    assert FlakyEmailBackend.calls == 2
    assert [m.to for m in mailoutbox] == [["zj_drc@example.cn"]]
    assert Notification.objects.count() == 1
