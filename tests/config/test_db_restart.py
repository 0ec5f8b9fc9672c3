"""PostgreSQL restarted under a running portal (issue 17, faults): with the production settings' kept connections
(CONN_MAX_AGE) and CONN_HEALTH_CHECKS, the first request after the restart reconnects instead of failing.

A private cluster (initdb as the postgres user, its own port and socket directory), never the shared server."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler, OperationalError

BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*argv):
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *map(str, argv)], check=True, capture_output=True
    )


@pytest.fixture(scope="module")
def cluster():
    if BIN is None or os.geteuid() != 0:
        pytest.skip("needs PostgreSQL's server binaries and root (to run initdb as the postgres user)")
    root = Path(tempfile.mkdtemp(prefix="pg-restart-"))
    shutil.chown(root, "postgres")
    data, port = root / "data", _free_port()
    _as_postgres(BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "--no-sync")
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    ctl = [BIN / "pg_ctl", "-D", data, "-o", options, "-l", root / "log", "-w", "-t", "60"]
    _as_postgres(*ctl, "start")
    try:
        yield port, lambda: _as_postgres(*ctl, "-m", "fast", "restart")
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, ctl), "-m", "immediate", "stop"], check=False
        )
        shutil.rmtree(root, ignore_errors=True)


def _handler(port, health_checks):
    db = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": health_checks,
        "OPTIONS": {"connect_timeout": 5},
    }
    return ConnectionHandler({"default": {**settings.DATABASES["default"], **db}})


def _request(connection):
    """What Django does around a request: check the kept connection at the start, query, check at the end."""
    connection.close_if_unusable_or_obsolete()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0]
    finally:
        connection.close_if_unusable_or_obsolete()


def test_production_settings_check_kept_connections():
    code = (
        "import django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default']; "
    )
    code += "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings_production",
        SECRET_KEY="x7Jk2-pQ9vL4mN8rT1wY6zB3cF5hG0sD-aE2iU7oK9jP4lX6qR1tV8nM3bZ5",
        ALLOWED_HOSTS="x.cn",
    )
    env.pop("CONN_MAX_AGE", None)
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert run.stdout.split() == ["600", "True"], run.stderr


@pytest.mark.parametrize("health_checks", [True, False])
def test_the_first_request_after_a_restart(cluster, health_checks, django_db_blocker):
    port, restart = cluster
    connection = _handler(port, health_checks)["default"]
    with django_db_blocker.unblock():
        _restart_under(connection, restart, health_checks)


def _restart_under(connection, restart, health_checks):
    try:
        assert _request(connection) == 1
        kept = connection.connection
        restart()
        started = time.monotonic()
        if health_checks:
            assert _request(connection) == 1  # reconnected at once
            assert connection.connection is not kept
        else:
            # Without the check the kept, dead connection is used: that request fails (what the setting fixes);
            # Django drops the broken connection at its end, so the next one works.
            with pytest.raises(OperationalError):
                _request(connection)
            assert _request(connection) == 1
        assert time.monotonic() - started < 10  # no request hangs
    finally:
        connection.close()


# ---- a real gunicorn under load while the private cluster restarts ------------------------------------------

LOAD_THREADS = 4
REQUEST_BOUND = 10.0  # seconds: no request may take longer (a hang would)


def _children(pid):
    run = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    )
    return sorted(int(p) for p in run.stdout.split())


@pytest.fixture(scope="module")
def web_on_cluster(cluster, tmp_path_factory):
    """gunicorn (production settings, two workers, kept connections with health checks) on a portal database
    migrated into the private cluster."""
    from tests.reform_portal.fault_servers import PROD_KEY, Server, _listening, free_port

    port, restart = cluster
    base = tmp_path_factory.mktemp("web-on-cluster")
    web_port = free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "PYTEST_", "CELERY_", "REDIS_"))
        },
        "DJANGO_SETTINGS_MODULE": "config.settings_production",
        "SECRET_KEY": PROD_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{port}/postgres",
        "MEDIA_ROOT": str(base / "media"),
        "STATIC_ROOT": str(base / "static"),
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "ERROR",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CONN_MAX_AGE", None)  # the production default: kept connections (600 s) with health checks
    env.pop("CONN_HEALTH_CHECKS", None)
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            capture_output=True,
        )
    bin_dir = Path(sys.executable).parent
    web = Server(
        "gunicorn",
        [
            str(bin_dir / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{web_port}",
            "--workers",
            "2",
        ],
        env=env,
        log_dir=base,
        ready=lambda s: _listening(web_port),
    ).start()
    try:
        yield web, web_port, restart
    finally:
        web.stop()


def _get(port, path):
    """One request as a browser would send it through the proxy: (start, end, status or the exception's name)."""
    import http.client

    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3 * REQUEST_BOUND)
    try:
        conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}", "X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        response.read()
        outcome = response.status
    except OSError as exc:  # refused, reset or timed out: the client got no answer
        outcome = type(exc).__name__
    finally:
        conn.close()
    return started, time.monotonic(), outcome


def test_gunicorn_under_load_survives_a_postgresql_restart(web_on_cluster):
    """Threads keep requesting a page that reads the database (the public outcomes library) and /healthz while
    the cluster restarts (pg_ctl restart -m fast). Every request gets an answer within REQUEST_BOUND; errors (500 /
    503) only in requests that overlap the outage; every request started after the cluster is back succeeds, on
    the same gunicorn master and workers (recovered without a restart)."""
    import threading

    from django.urls import reverse

    web, port, restart = web_on_cluster
    paths = [reverse("evaluation:library"), "/healthz"]
    assert _get(port, paths[0])[2] == 200 and _get(port, paths[1])[2] == 200  # warm: connections kept
    master, workers = web.proc.pid, _children(web.proc.pid)
    results, stop = [], threading.Event()

    def load(i):
        n = i
        while not stop.is_set():
            results.append(_get(port, paths[n % 2]))
            n += 1

    threads = [threading.Thread(target=load, args=(i,), daemon=True) for i in range(LOAD_THREADS)]
    for t in threads:
        t.start()
    time.sleep(2)
    down = time.monotonic()
    restart()  # returns once the cluster accepts connections again
    back = time.monotonic()
    time.sleep(4)
    stop.set()
    for t in threads:
        t.join(3 * REQUEST_BOUND)
    assert not any(t.is_alive() for t in threads), "a request hung"

    slowest = max(end - start for start, end, _o in results)
    errors = [(start, end, o) for start, end, o in results if o != 200]
    before = [o for start, end, o in results if end < down]
    after = [o for start, end, o in results if start > back]
    first_ok = min((end for start, end, o in results if start > back and o == 200), default=None)
    print(
        f"\nPostgreSQL restart under load: {len(results)} requests by {LOAD_THREADS} threads; restart took "
        f"{back - down:.2f} s; {len(errors)} errors ({sorted({str(o) for *_t, o in errors})}), all within the "
        f"outage; slowest request {slowest:.2f} s; {len(before)} before / {len(after)} after the restart, all 200; "
        f"first success {((first_ok or back) - back):.2f} s after the cluster was back"
    )
    assert slowest < REQUEST_BOUND
    assert all(isinstance(o, int) for *_t, o in results), "every request got an HTTP answer"
    assert before and set(before) == {200}
    assert len(after) >= 10 and set(after) == {200}, "the web recovers at once"
    assert all(end >= down and start <= back for start, end, _o in errors), "errors only during the outage"
    assert web.running and web.proc.pid == master and _children(master) == workers, "no restart of gunicorn"


def test_gunicorn_idle_through_a_restart_answers_the_next_requests(web_on_cluster):
    """The night case: the workers hold kept connections, the cluster restarts while nobody is using the portal,
    and the next requests must all succeed (CONN_HEALTH_CHECKS drops a dead kept connection before using it;
    without it each worker's first request after the restart fails with 500)."""
    from django.urls import reverse

    web, port, restart = web_on_cluster
    path = reverse("evaluation:library")
    master, workers = web.proc.pid, _children(web.proc.pid)
    assert {_get(port, path)[2] for _ in range(12)} == {200}  # every worker holds a kept connection
    restart()
    outcomes = [_get(port, path) for _ in range(12)]
    print(
        f"\nidle restart: next 12 requests {[o for *_t, o in outcomes]}, slowest {max(e - s for s, e, _o in outcomes):.2f} s"
    )
    assert [o for *_t, o in outcomes] == [200] * 12
    assert all(end - start < REQUEST_BOUND for start, end, _o in outcomes)
    assert web.running and web.proc.pid == master and _children(master) == workers
