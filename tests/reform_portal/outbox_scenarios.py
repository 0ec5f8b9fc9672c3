"""Helpers for the outbox tests: a real Celery task that records its runs, and the app pointed at a broker."""

import contextlib
import threading

import kombu.pools
from celery import shared_task

from reform_portal.models import Region
from reform_portal.outbox import RetryLater

RUNS: list[dict] = []


@shared_task(name="tests.outbox.record")
def record(*, note: str, fail: str = ""):
    """Appends its arguments to RUNS; ``fail`` makes it raise (a real task, registered like the portal's)."""
    RUNS.append({"note": note})
    if fail:
        raise RuntimeError(fail)
    return note


@shared_task(name="tests.outbox.rename_region")
def rename_region(*, code: str, name: str):
    """Writes to the database, so a test can see the run committed."""
    Region.objects.filter(code=code).update(name=name)


@shared_task(name="tests.outbox.retry_later", throws=(RetryLater,))
def retry_later():
    raise RetryLater("邮件服务器暂不可用", countdown=90)


def reset_clients(app):
    """Forget the app's broker and backend connections (after its URLs change)."""
    backend = app._backend_cache or getattr(app._local, "backend", None)
    if backend is not None and "client" in backend.__dict__:
        backend.client.connection_pool.disconnect()
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    kombu.pools.reset()
    app.__dict__.pop("amqp", None)
    app._backend_cache = None
    app._local = threading.local()


@contextlib.contextmanager
def celery_on(broker_url: str, result_backend: str | None = None):
    """The portal's Celery app, not eager, on ``broker_url`` (the relay's side of the outbox)."""
    from config.celery import app

    keys = ("broker_url", "result_backend", "task_always_eager")
    before = {k: app.conf[k] for k in keys}
    app.conf.update(broker_url=broker_url, result_backend=result_backend, task_always_eager=False)
    reset_clients(app)
    try:
        yield app
    finally:
        app.conf.update(**before)
        reset_clients(app)
