"""Starts the test identity provider in a subprocess (gunicorn) on a free loopback port, once per test session."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from . import seed

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class IdP:
    url: str
    client_id: str = seed.CLIENT_ID
    client_secret: str = seed.CLIENT_SECRET
    password: str = seed.PASSWORD

    @property
    def issuer(self):
        return f"{self.url}/openid"

    def oidc_settings(self):
        """What an office would put in its environment (README), as Django settings."""
        return {
            "PORTAL_OIDC_ENABLED": True,
            "OIDC_RP_CLIENT_ID": self.client_id,
            "OIDC_RP_CLIENT_SECRET": self.client_secret,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.url}/openid/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.url}/openid/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.url}/openid/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.url}/openid/jwks",
            "PORTAL_OIDC_ISSUER": self.issuer,
        }

    def cas_settings(self):
        return {"PORTAL_CAS_ENABLED": True, "CAS_SERVER_URL": f"{self.url}/cas/"}


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(db, url):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.sso_idp.settings",
        SSO_IDP_DB=str(db),
        SSO_IDP_URL=url,
        PYTHONPATH=str(ROOT),
    )
    return env


@contextlib.contextmanager
def running(tmp_dir, portal_base="http://testserver"):
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = _env(Path(tmp_dir) / "idp.sqlite3", url)
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "timeout": 300}
    subprocess.run([sys.executable, "-m", "tests.sso_idp.seed", portal_base], **run)  # noqa: S603
    log = open(Path(tmp_dir) / "idp.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "gunicorn", "tests.sso_idp.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "1",
         "--threads", "4", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/openid/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError(
                    "test identity provider did not start:\n" + (Path(tmp_dir) / "idp.log").read_text()
                )
            time.sleep(0.2)
        yield IdP(url=url)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
