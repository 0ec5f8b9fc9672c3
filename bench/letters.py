"""Issuing 31 揭榜任务通知书 through Celery with N worker processes, against the single-letter time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reform_bench /work/main/.venv/bin/python bench/letters.py

Creates (or with --reuse keeps) the database <name>_letters next to DATABASE_URL's (migrate, then
generate_dataset with one cycle of all 31 regions), forgets that cycle's generated letters, and then:

1. single: issues letters one after another in this process (``services.notice_issue``: number, render,
   store), after one warm-up letter, and takes the median (the time one letter costs when nothing else runs);
2. batch: starts ``celery worker --concurrency N --pool prefork`` on a private Redis database, forgets the
   letters again and presses 下达 for all regions the way the page does (``tasks.issue_all``: one outbox
   message per region, handed to the worker by the relay's pass run here; the last letter closes the batch);
   the time runs from the press until the batch
   row is marked finished. The batch runs twice: "cold" (fresh worker processes, which import WeasyPrint and
   load fonts on their first letter) and "warm".

Target (issue 8): batch time < regions × single / 1.6 with 2 workers. Needs PostgreSQL and Redis.
"""

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import _admin_connection, _db_url, _exists  # noqa: E402 - the page benchmark's database helpers

SPEEDUP = 1.6


def _prepare(url, name, regions, reuse):
    from psycopg import sql

    if reuse and _exists(url, name):
        return
    with _admin_connection(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {**os.environ, "DATABASE_URL": _db_url(url, name)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "generate_dataset",
            "--regions",
            str(regions),  # noqa: S603
            "--cycles",
            "1",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"{name}: migrate + generate_dataset {time.perf_counter() - started:.0f} s", flush=True)


def _forget_letters(cycle):
    """Delete the cycle's letters (rows and stored files) so they can be issued again."""
    from bidding.models import NoticeBatch, TaskNotice

    for notice in TaskNotice.objects.filter(cycle=cycle):
        if notice.pdf:
            notice.pdf.delete(save=False)
    TaskNotice.objects.filter(cycle=cycle).delete()
    NoticeBatch.objects.filter(cycle=cycle).delete()


def _start_worker(env, concurrency, log):
    celery = str(Path(sys.executable).with_name("celery"))
    proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [
            celery,
            "-A",
            "reform_portal",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            "bench-letters@%h",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from config.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the Celery worker exited; see its log")
        if app.control.ping(timeout=0.5):
            return proc
    proc.terminate()
    raise SystemExit("the Celery worker did not answer within 60 s")


def _batch(cycle, reviewer, timeout):
    from django.db import transaction

    from bidding import tasks
    from bidding.models import NoticeBatch, TaskNotice
    from reform_portal import outbox

    _forget_letters(cycle)
    started = time.perf_counter()
    with transaction.atomic():
        batch = tasks.issue_all(cycle=cycle, by=reviewer)  # one outbox row per region, with the batch
    while time.perf_counter() - started < timeout:
        outbox.relay_once()  # the relay's pass (in production its own process, manage.py outbox_relay)
        row = NoticeBatch.objects.get(pk=batch.pk)
        if row.error:
            raise SystemExit(f"the batch failed: {row.error}")
        if row.finished_at is not None:
            elapsed = time.perf_counter() - started
            stored = TaskNotice.objects.filter(cycle=cycle).exclude(pdf="").count()
            return elapsed, stored
        time.sleep(0.02)
    raise SystemExit(f"the batch did not finish within {timeout} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--regions", type=int, default=31)
    parser.add_argument("--workers", type=int, default=2, help="worker processes (prefork concurrency)")
    parser.add_argument("--single", type=int, default=5, help="letters timed one by one (after one warm-up)")
    parser.add_argument(
        "--redis", default="redis://127.0.0.1:6379/12", help="a Redis database only this uses"
    )
    parser.add_argument("--reuse", action="store_true", help="keep an existing <name>_letters database")
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()

    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        raise SystemExit(
            "DATABASE_URL must point at PostgreSQL (e.g. postgres://postgres@127.0.0.1:5432/reform_bench)"
        )
    name = f"{base.rsplit('/', 1)[1]}_letters"
    _prepare(base, name, args.regions, args.reuse)

    media = ROOT / "var" / "bench-media" / name
    shutil.rmtree(media, ignore_errors=True)
    env = {
        **os.environ,
        "DATABASE_URL": _db_url(base, name),
        "REDIS_URL": args.redis,
        "MEDIA_ROOT": str(media),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    os.environ.update(env)
    import django

    django.setup()
    from bidding import services
    from config.celery import app
    from reform_portal.enums import Role
    from reform_portal.models import ReformCycle, Region, User

    cycle = ReformCycle.objects.order_by("-year").first()
    reviewer = User.objects.filter(groups__name=Role.NATIONAL_REVIEWER).order_by("pk").first()
    regions = list(Region.objects.filter(tasks__cycle=cycle).distinct().order_by("code"))
    print(
        f"cycle {cycle.year}: {len(regions)} regions with tasks, "
        f"{sum(r.tasks.filter(cycle=cycle).count() for r in regions)} tasks",
        flush=True,
    )

    # 1. one letter at a time in this process
    _forget_letters(cycle)
    services.notice_issue(cycle=cycle, region=regions[0], by=reviewer)  # warm-up: WeasyPrint import, fonts
    singles = []
    for region in regions[1 : 1 + args.single]:
        started = time.perf_counter()
        services.notice_issue(cycle=cycle, region=region, by=reviewer)
        singles.append(time.perf_counter() - started)
    single = statistics.median(singles)
    print(
        f"single letter (number + render + store), median of {len(singles)}: {single * 1000:.0f} ms "
        f"(min {min(singles) * 1000:.0f}, max {max(singles) * 1000:.0f})",
        flush=True,
    )

    # 2. the batch through Celery
    app.control.purge()
    log_path = ROOT / "var" / "bench-letters-worker.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        worker = _start_worker(env, args.workers, log)
        try:
            results = {}
            for label in ("cold", "warm"):
                elapsed, stored = _batch(cycle, reviewer, args.timeout)
                if stored != len(regions):
                    raise SystemExit(f"{stored} of {len(regions)} letters stored")
                results[label] = elapsed
        finally:
            worker.terminate()
            worker.wait(timeout=30)

    runtimes = [
        float(m)
        for m in re.findall(
            r"bidding\.issue_region_notice\[[^\]]+\] succeeded in ([0-9.]+)s", log_path.read_text()
        )
    ]
    target = len(regions) * single / SPEEDUP
    print()
    print(f"{'run':<8}{'letters':>8}{'seconds':>10}{'target s':>10}{'speed-up':>10}  verdict")
    for label, elapsed in results.items():
        verdict = "ok" if elapsed < target else "MISSED"
        print(
            f"{label:<8}{len(regions):>8}{elapsed:>10.2f}{target:>10.2f}{len(regions) * single / elapsed:>10.2f}"
            f"  {verdict}"
        )
    if runtimes:
        print(
            f"\none letter inside a worker process: median {statistics.median(runtimes) * 1000:.0f} ms, "
            f"max {max(runtimes) * 1000:.0f} ms over {len(runtimes)} tasks (both runs)"
        )
    print(
        f"target: {len(regions)} × {single:.3f} s / {SPEEDUP} with {args.workers} worker processes; "
        f"speed-up = {len(regions)} × single / batch. Worker log: {log_path}"
    )


if __name__ == "__main__":
    main()
