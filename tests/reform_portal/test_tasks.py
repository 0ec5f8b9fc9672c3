"""The reminder tasks: the hourly scan and the sends, one mail per reminder key, retries, the beat."""

import os
import threading
import time
from io import StringIO

import kombu.pools
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.schedules import crontab
from celery.signals import task_postrun
from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections, connection, connections

from config.celery import app
from reform_portal.models import Notification, ReminderLog
from reform_portal.reminders import SendResult, reminders_due, retry_countdown
from reform_portal.tasks import scan, send

from .. import factories as f
from .reminder_scenarios import (
    SEVEN_DAYS_BEFORE,
    FailingEmailBackend,
    FlakyEmailBackend,
    fixed_cycle,
    key_for,
    proposal_source,
    registered,
)

# ------------------------------------------------------------------------------------------------------------
# One mail per reminder key: repeated scans, concurrent scans, duplicate and retried sends.


NOW = SEVEN_DAYS_BEFORE.isoformat()


@pytest.fixture
def three_users(db):
    return [
        f.regional_user(code, username=name)
        for code, name in [("330000", "zj_drc"), ("320000", "js_drc"), ("440000", "gd_drc")]
    ]


@pytest.mark.django_db
def test_scan_twice_mails_once_per_key(mailoutbox, three_users):
    cycle = fixed_cycle()
    with registered(proposal_source(three_users)):
        assert scan(now=NOW) == 3
        assert scan(now=NOW) == 0  # every key is logged: nothing queued
    assert sorted(m.to[0] for m in mailoutbox) == [
        "gd_drc@example.cn",
        "js_drc@example.cn",
        "zj_drc@example.cn",
    ]
    assert set(ReminderLog.objects.values_list("key", flat=True)) == {key_for(cycle, u) for u in three_users}
    assert set(ReminderLog.objects.values_list("status", flat=True)) == {"sent"}
    assert Notification.objects.count() == 3


@pytest.mark.django_db
def test_the_same_key_sent_twice_is_claimed_once(mailoutbox, three_users):
    """What two overlapping scans do when both passed the pre-check: the unique INSERT decides."""
    fixed_cycle()
    with registered(proposal_source(three_users[:1])):
        [payload] = reminders_due(now=SEVEN_DAYS_BEFORE)
    assert send.delay(**payload).get() == SendResult.SENT
    assert send.delay(**payload).get() == SendResult.DUPLICATE
    assert len(mailoutbox) == 1
    assert ReminderLog.objects.count() == 1
    assert Notification.objects.count() == 1


@pytest.mark.django_db
def test_a_retry_of_a_sent_reminder_does_not_mail_again(mailoutbox, three_users):
    fixed_cycle()
    with registered(proposal_source(three_users[:1])):
        [payload] = reminders_due(now=SEVEN_DAYS_BEFORE)
    send.delay(**payload).get()
    log = ReminderLog.objects.get()
    # A late duplicate of the retry message (it carries the claimed log's id).
    assert send.delay(**payload, log_id=log.pk).get() == SendResult.SKIPPED
    log.refresh_from_db()
    assert (log.status, log.attempts) == ("sent", 1)
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_a_new_offset_is_a_new_key(mailoutbox, three_users):
    import datetime

    fixed_cycle()
    with registered(proposal_source(three_users[:1])):
        scan(now=NOW)
        scan(now=(SEVEN_DAYS_BEFORE + datetime.timedelta(days=6)).isoformat())  # 04-29: offset 1
    assert sorted(ReminderLog.objects.values_list("offset_days", flat=True)) == [1, 7]
    assert len(mailoutbox) == 2


@pytest.mark.django_db
def test_send_reminders_command_runs_the_scan_synchronously(mailoutbox, three_users):
    fixed_cycle()
    with registered(proposal_source(three_users)):
        out = StringIO()
        call_command("send_reminders", now=NOW, stdout=out)
        assert out.getvalue() == "到期提醒 3 条：已发送 3，失败 0，待发送 0\n"
        out = StringIO()
        call_command("send_reminders", now=NOW, stdout=out)
        assert out.getvalue() == "到期提醒 0 条：已发送 0，失败 0，待发送 0\n"
    assert len(mailoutbox) == 3


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_mail_once_per_key(mailoutbox):
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: PostgreSQL (SQLite serialises the whole database)")
    cycle = fixed_cycle()
    users = [
        f.regional_user(code, username=name)
        for code, name in [("330000", "zj_drc"), ("320000", "js_drc"), ("440000", "gd_drc")]
    ]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            results.append(scan(now=NOW))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    with registered(proposal_source(users, barrier=barrier)):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert errors == []
    # Both scans found the three keys unlogged and queued them; the INSERT let one send each.
    assert results == [3, 3]
    assert len(mailoutbox) == 3
    assert sorted(m.to[0] for m in mailoutbox) == [
        "gd_drc@example.cn",
        "js_drc@example.cn",
        "zj_drc@example.cn",
    ]
    assert set(ReminderLog.objects.values_list("key", "status")) == {
        (key_for(cycle, u), "sent") for u in users
    }
    assert Notification.objects.count() == 3


# ------------------------------------------------------------------------------------------------------------
# A failing mail server: retries with back-off, then the failure is recorded; users without e-mail.


@pytest.fixture
def _fast_retries(settings):
    settings.PORTAL_REMINDER_MAX_RETRIES = 3
    settings.PORTAL_REMINDER_RETRY_BACKOFF = 0


@pytest.mark.usefixtures("_fast_retries")
@pytest.mark.django_db
def test_every_try_fails_then_the_failure_is_recorded(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.reform_portal.reminder_scenarios.FailingEmailBackend"
    FailingEmailBackend.calls = 0
    fixed_cycle()
    user = f.regional_user(username="zj_drc")
    with registered(proposal_source([user])):
        assert scan(now=NOW) == 1
        assert scan(now=NOW) == 0  # a failed key is final: the next hourly scan does not retry it
    log = ReminderLog.objects.get()
    assert log.status == "failed"
    assert log.attempts == 4  # the first try and 3 retries
    assert FailingEmailBackend.calls == 4
    assert log.error == "SMTPException: 421 服务暂不可用"
    assert log.sent_at is None
    # The in-app notification was made once, with the claim, whatever the mail server does.
    assert list(Notification.objects.values_list("recipient__username", "title")) == [
        ("zj_drc", "距建议书报送截止还有7天")
    ]
    assert mailoutbox == []


@pytest.mark.usefixtures("_fast_retries")
@pytest.mark.django_db
def test_a_retry_after_one_failure_mails_exactly_once(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.reform_portal.reminder_scenarios.FlakyEmailBackend"
    FlakyEmailBackend.calls = 0
    fixed_cycle()
    user = f.regional_user(username="zj_drc")
    with registered(proposal_source([user])):
        scan(now=NOW)
    log = ReminderLog.objects.get()
    assert (log.status, log.attempts) == ("sent", 2)
    assert log.error == "SMTPServerDisconnected: Connection unexpectedly closed"  # kept: the first try failed
    assert FlakyEmailBackend.calls == 2
    assert [m.to for m in mailoutbox] == [["zj_drc@example.cn"]]
    assert Notification.objects.count() == 1


@pytest.mark.usefixtures("_fast_retries")
@pytest.mark.django_db
def test_a_user_without_email_still_gets_the_in_app_notification(mailoutbox):
    fixed_cycle()
    user = f.regional_user(username="zj_drc", email="")
    with registered(proposal_source([user])):
        assert scan(now=NOW) == 1
    log = ReminderLog.objects.get()
    assert (log.status, log.attempts) == ("sent", 0)
    assert Notification.objects.get().recipient == user
    assert mailoutbox == []


@pytest.mark.usefixtures("_fast_retries")
def test_back_off_doubles(settings):
    settings.PORTAL_REMINDER_RETRY_BACKOFF = 60
    assert [retry_countdown(n) for n in range(3)] == [60, 120, 240]


# ------------------------------------------------------------------------------------------------------------
# A real Celery worker on the real Redis broker runs the scan and the sends end to end.


# Redis DB 14 is this suite's own; the worker test empties it before and after.
BROKER_URL = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")


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
    app.conf.update(
        broker_url=BROKER_URL,
        result_backend=BROKER_URL,
        task_always_eager=False,
        worker_hijack_root_logger=False,
    )
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


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
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
        (key_for(cycle, u), "sent", 1) for u in users
    }
    assert sorted(m.to[0] for m in mailoutbox) == ["js_drc@example.cn", "zj_drc@example.cn"]
    assert Notification.objects.count() == 2


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_worker_retries_through_the_broker_and_mails_once(worker, settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.reform_portal.reminder_scenarios.FlakyEmailBackend"
    FlakyEmailBackend.calls = 0
    fixed_cycle()
    user = f.regional_user("330000", username="zj_drc")
    with registered(proposal_source([user])):
        scan.delay(now=SEVEN_DAYS_BEFORE.isoformat())
        assert _wait_for("reminders.send", 1) == ["sent"]
    # The first run failed and was re-queued on the broker (with the claimed log's id), the second mailed.
    assert [(task, state) for task, state, _ in FINISHED if task == "reminders.send"] == [
        ("reminders.send", "RETRY"),
        ("reminders.send", "SUCCESS"),
    ]
    log = ReminderLog.objects.get()
    assert (log.status, log.attempts) == ("sent", 2)
    assert FlakyEmailBackend.calls == 2
    assert [m.to for m in mailoutbox] == [["zj_drc@example.cn"]]
    assert Notification.objects.count() == 1


# ------------------------------------------------------------------------------------------------------------
# The beat schedule queues the reminder scan every hour; the worker knows both reminder tasks.


def test_beat_runs_the_scan_hourly_at_five_past():
    assert settings.CELERY_BEAT_SCHEDULE["reminders-scan"] == {
        "task": "reminders.scan",
        "schedule": crontab(minute=5),
    }
    assert app.conf.beat_schedule["reminders-scan"]["task"] == "reminders.scan"


def test_the_worker_discovers_the_reminder_tasks():
    app.loader.import_default_modules()
    assert {"reminders.scan", "reminders.send"} <= set(app.tasks)
