"""The letters batch runs on a real Celery worker against the Redis broker: one outbox message per region, handed
over by the relay, each task storing its region's PDF; the last one closes the batch (the progress page reads it)."""

import gc
import io
import threading
import time

import kombu.pools
import pdfplumber
import pytest
from django.db import connection
from django.urls import reverse

from bidding import tasks
from bidding.models import NoticeBatch, TaskNotice
from reform_portal import outbox
from reform_portal.services import local_today

from .. import factories as f
from . import scenarios as fb

BROKER = "redis://127.0.0.1:6379/10"
BACKEND = "redis://127.0.0.1:6379/11"


def _reset_clients(app):
    backend = app._backend_cache or getattr(app._local, "backend", None)
    if backend is not None and "client" in backend.__dict__:
        consumer = getattr(backend, "result_consumer", None)
        if consumer is not None and getattr(consumer, "_pubsub", None) is not None:
            consumer._pubsub.close()
        backend.client.connection_pool.disconnect()
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    # kombu keeps that closed pool registered under its broker URL: forget it, or every later producer of the
    # suite's own broker (eager calls acquire one too) fails with "Acquire on closed pool".
    kombu.pools.reset()
    app.__dict__.pop("amqp", None)
    app._backend_cache = None
    app._local = threading.local()


@pytest.fixture
def redis_app():
    """The portal's Celery app pointed at Redis and not eager (overrides the suite's eager default)."""
    from config.celery import app

    keys = ("broker_url", "result_backend", "task_always_eager")
    before = {k: app.conf[k] for k in keys}
    app.conf.update(broker_url=BROKER, result_backend=BACKEND, task_always_eager=False)
    _reset_clients(app)
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
    app.control.purge()
    yield app
    app.conf.update(**before)
    _reset_clients(app)
    # The embedded worker's own Redis connections (its thread-local result backend) are only released
    # by garbage collection; collect now so that happens inside this test, where it is expected.
    gc.collect()


def pdf_text(field):
    with field.open("rb") as fh, pdfplumber.open(io.BytesIO(fh.read())) as pdf:
        return "".join(page.extract_text() or "" for page in pdf.pages).replace("\n", "")


@pytest.mark.celery_worker
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <socket.socket:pytest.PytestUnraisableExceptionWarning"
)
@pytest.mark.django_db(transaction=True)
def test_letters_are_issued_by_a_real_worker(redis_app, client):
    from celery.contrib.testing.worker import start_worker
    from celery.worker import state

    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=4)
    reviewer = f.national_user(username="ndrc")
    awarded = {}
    for code, chosen in (("330000", entries[:3]), ("320000", entries[1:4])):
        drc, scitech = fb.region_pair(code)
        awarded[code] = fb.awarded_tasks(cycle, reviewer, drc, scitech, chosen)
    parallel = (
        connection.vendor == "postgresql"
    )  # SQLite's in-memory test database takes one writer at a time
    processed = state.total_count["bidding.issue_region_notice"]
    with start_worker(
        redis_app,
        pool="threads" if parallel else "solo",
        concurrency=2 if parallel else 1,
        perform_ping_check=False,
        shutdown_timeout=30,
    ):
        assert redis_app.conf.task_always_eager is False
        batch = tasks.issue_all(cycle=cycle, by=reviewer)  # autocommit: the outbox rows are committed
        deadline = time.monotonic() + 90
        while NoticeBatch.objects.get(pk=batch.pk).finished_at is None:
            outbox.relay_once()  # the relay's pass, in this process
            assert NoticeBatch.objects.get(pk=batch.pk).error == ""
            assert time.monotonic() < deadline, "the worker did not finish the batch"
            time.sleep(0.3)
    assert state.total_count["bidding.issue_region_notice"] - processed == 2
    notices = {n.region.code: n for n in TaskNotice.objects.select_related("region")}
    assert sorted(n.sequence for n in notices.values()) == [1, 2]
    year = local_today().year
    for code, region_tasks in awarded.items():
        notice = notices[code]
        assert notice.doc_number == f"发改高技〔{year}〕{notice.sequence}号"
        text = pdf_text(notice.pdf)
        assert notice.region.name in text
        assert all(t.entry.title in text for t in region_tasks)
    client.force_login(reviewer)
    page = client.get(reverse("bidding:notice_progress", args=[batch.pk]))
    html = page.content.decode()
    assert "已生成 2 / 2 份通知书" in html and 'http-equiv="refresh"' not in html
