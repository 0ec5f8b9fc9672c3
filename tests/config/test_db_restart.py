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
    assert run.stdout.split() == ["60", "True"], run.stderr


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
