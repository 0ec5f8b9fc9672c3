"""Real servers for the fault tests (tests/reform_portal/test_outbox_faults.py), started once per session.

A private redis-server on a port of its own, a local SMTP server (aiosmtpd), gunicorn with the production
settings, a Celery worker and the outbox relay as subprocesses, all against the test PostgreSQL database. Each
can be stopped and started (or killed with SIGKILL) by a test; a test that stops one starts it again.
Never the eager fixture: the test process only prepares data and reads the database.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
PROD_KEY = "fault-tests-x7Jk2pQ9vL4mN8rT1wY6zB3cF5hG0sDaE2iU7oK9jP4lX6qR1tV8nM3bZ5"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout, what, interval=0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def _listening(port) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Server:
    """A subprocess in its own process group, logging to a file."""

    def __init__(self, name, argv, *, env, log_dir, ready, cwd=ROOT):
        self.name, self.argv, self.env, self.cwd, self.ready = name, argv, env, cwd, ready
        self.log_path = Path(log_dir) / f"{name}.log"
        self.proc = None

    def start(self, timeout=60):
        log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the process' life
        self.proc = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_for(lambda: self._ready_or_dead(), timeout, f"{self.name} to start (log: {self.log_path})")
        return self

    def _ready_or_dead(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"{self.name} exited: {self.log()[-3000:]}")
        return self.ready(self)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if not self.running:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def kill9(self):
        """SIGKILL to the whole process group: the worker and its pool, as a killed container."""
        self.stop(signal.SIGKILL)


class Mailbox:
    """An SMTP server (aiosmtpd, in a thread of the test process) that keeps what it receives."""

    def __init__(self, port):
        self.port = port
        self.received = []  # (mail from, [rcpt to], subject)
        self._controller = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        from email import message_from_bytes, policy

        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), str(message["subject"]).strip()))
        return "250 OK"

    def start(self):
        from aiosmtpd.controller import Controller

        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def recipients(self):
        return sorted(r for _f, rcpts, _s in self.received for r in rcpts)


class Browser:
    """A logged-in client of the gunicorn server, over plain HTTP as the proxy would forward it (the forwarded
    proto says HTTPS, so the production settings' secure cookies and CSRF origin checks apply)."""

    def __init__(self, port, cookies):
        self.port, self.cookies = port, dict(cookies)

    def request(self, method, path, data=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://127.0.0.1:{self.port}"
        started = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        finally:
            conn.close()
        elapsed = time.monotonic() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), content.decode("utf-8", "replace"), elapsed

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post_form(self, page_path, action_path, data=None):
        """GET the page that holds the form (for the CSRF token), then POST to ``action_path``."""
        status, _h, html, _t = self.get(page_path)
        assert status == 200, (status, html[:2000])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token, html[:2000]
        return self.request("POST", action_path, {"csrfmiddlewaretoken": token[1], **(data or {})})


def session_for(user) -> dict:
    """A database session of ``user`` as gunicorn (with its own SECRET_KEY) reads it: the cookie to send."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    with override_settings(SECRET_KEY=PROD_KEY):
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
    return {"sessionid": store.session_key}


def _database_url() -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="") + (f":{quote(s['PASSWORD'], safe='')}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Faults:
    """The running servers of one test session."""

    def __init__(self, base):
        self.base = Path(base)
        self.redis_port, self.smtp_port, self.web_port = free_port(), free_port(), free_port()
        self.media = self.base / "media"
        self.static = self.base / "static"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST_", "CELERY_"))},
            "DJANGO_SETTINGS_MODULE": os.environ.get("FAULTS_SETTINGS_MODULE", "config.settings_production"),
            "SECRET_KEY": PROD_KEY,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "MEDIA_ROOT": str(self.media),
            "STATIC_ROOT": str(self.static),
            "SECURE_SSL_REDIRECT": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "EMAIL_TIMEOUT": "5",
            "PORTAL_BASE_URL": f"https://127.0.0.1:{self.web_port}",
            "PORTAL_MAIL_MAX_RETRIES": "3",
            "PORTAL_MAIL_RETRY_BACKOFF": "1",
            "PORTAL_OUTBOX_STALE_SECONDS": "8",
            "PORTAL_OUTBOX_RETRY_BACKOFF": "0.5",
            "PORTAL_OUTBOX_RETRY_MAX": "2",
            "CONN_MAX_AGE": "0",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        bin_dir = Path(sys.executable).parent
        self.redis = Server(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.base),
            ],
            env=self.env,
            log_dir=self.base,
            ready=lambda s: _listening(self.redis_port),
        )
        self.smtp = Mailbox(self.smtp_port)
        self.web = Server(
            "gunicorn",
            [
                str(bin_dir / "gunicorn"),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.web_port}",
                "--workers",
                "2",
                "--timeout",
                "120",
            ],
            env=self.env,
            log_dir=self.base,
            ready=lambda s: _listening(self.web_port),
        )
        self.worker = Server(
            "worker",
            [
                str(bin_dir / "celery"),
                "-A",
                "config",
                "worker",
                "--pool",
                "prefork",
                "--concurrency",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"faults-{self.redis_port}@%h",
                "--loglevel",
                "INFO",
            ],
            env=self.env,
            log_dir=self.base,
            ready=lambda s: s.log().count(" ready.") > self._worker_starts,
        )
        self._worker_starts = 0
        self.relay = Server(
            "relay",
            [sys.executable, "manage.py", "outbox_relay", "--interval", "0.2"],
            env=self.env,
            log_dir=self.base,
            ready=lambda s: True,
        )

    def start(self):
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        self.redis.start()
        self.smtp.start()
        self.web.start()
        self.start_worker()
        self.relay.start()
        return self

    def start_worker(self):
        self.worker.start(timeout=90)
        self._worker_starts += 1

    def stop(self):
        for server in (self.relay, self.worker, self.web, self.redis):
            server.stop()
        self.smtp.stop()

    def browser(self, user) -> Browser:
        return Browser(self.web_port, session_for(user))

    def ensure_up(self):
        """After a test: every server running again (a failed test may have left one stopped)."""
        if not self.redis.running:
            self.redis.start()
        if self.smtp._controller is None:
            self.smtp.start()
        if not self.worker.running:
            self.start_worker()
        for server in (self.web, self.relay):
            if not server.running:
                server.start()
        self.smtp.received.clear()


@pytest.fixture(scope="session")
def fault_servers(django_db_setup, django_db_blocker, tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("the fault tests run gunicorn, a worker and the relay against PostgreSQL (DATABASE_URL)")
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    with django_db_blocker.unblock():
        servers = Faults(tmp_path_factory.mktemp("faults")).start()
    yield servers
    servers.stop()


@pytest.fixture
def faults(fault_servers, transactional_db, settings):
    """The servers, with the test's data committed where they can see it; the files the servers store are
    where this process reads them."""
    settings.MEDIA_ROOT = fault_servers.media
    yield fault_servers
    fault_servers.ensure_up()
