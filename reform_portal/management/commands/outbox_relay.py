"""The outbox relay: hand the work recorded after each commit to Celery (reform_portal/outbox.py).

    python manage.py outbox_relay            # a loop; the compose service ``relay`` runs it
    python manage.py outbox_relay --once     # one pass (tests, cron in a pinch)

Several relays may run at once: rows are claimed with SELECT … FOR UPDATE SKIP LOCKED.
"""

import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.db.utils import DatabaseError, InterfaceError

from reform_portal import outbox


class Command(BaseCommand):
    help = "把发件箱中已提交的待办任务派发到任务队列（Celery）；队列不可用时保留并退避重试。"

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="只运行一轮后退出")
        parser.add_argument("--interval", type=float, default=1.0, help="空闲时两轮之间的秒数（默认 1）")
        parser.add_argument("--batch", type=int, default=100, help="每轮最多派发的条数（默认 100）")

    def handle(self, *args, once=False, interval=1.0, batch=100, **options):
        self._stopping = False
        if not once:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
        failures = 0  # consecutive passes that met a broker (or database) error
        while True:
            delay = outbox.backoff(failures + 1) if failures else 0
            try:
                result = outbox.relay_once(limit=batch, broker_delay=delay)
            except (DatabaseError, InterfaceError) as exc:  # PostgreSQL restarting: reconnect next pass
                close_old_connections()
                result = outbox.RelayPass(broker_error=f"数据库：{exc.__class__.__name__}: {exc}")
            if result.busy or result.broker_error:
                self.stdout.write(
                    f"派发 {result.dispatched} 条，重新排队 {result.requeued} 条"
                    + (f"；队列不可用：{result.broker_error}" if result.broker_error else ""),
                )
            if once or self._stopping:
                return
            if result.broker_error:
                failures += 1
                self._sleep(outbox.backoff(failures))
            else:
                failures = 0
                if result.dispatched < batch:  # a full batch: more may be due, go again at once
                    self._sleep(interval)

    def _stop(self, *_args):
        self._stopping = True

    def _sleep(self, seconds):
        end = time.monotonic() + seconds
        while not self._stopping and time.monotonic() < end:
            time.sleep(min(0.2, end - time.monotonic()))
