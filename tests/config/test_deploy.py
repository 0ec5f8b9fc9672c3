"""docker-compose.yml and the Dockerfile name modules and commands that exist (no Docker engine here: the
compose file is for our users' servers, so what it starts is checked by name, and each command was also
run natively when the shell moved to config/)."""

import importlib
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from celery.app.utils import find_app
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(settings.BASE_DIR)
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def commands():
    for name, service in COMPOSE["services"].items():
        command = service.get("command")
        if command is None:
            continue
        text = " ".join(command) if isinstance(command, list) else command
        if text.startswith("sh -c "):
            text = shlex.split(text)[2]
        for part in re.split(r"\s*&&\s*", text.strip()):
            yield pytest.param(shlex.split(part), id=f"{name}:{part.split()[0]}")


def check(argv):
    program = Path(argv[0]).name
    if program == "gunicorn":
        module, attr = argv[1].split(":")
        assert callable(getattr(importlib.import_module(module), attr))
    elif program == "celery":
        assert find_app(argv[argv.index("-A") + 1]) is not None
    elif program == "python" and argv[1] == "manage.py":
        assert argv[2] in get_commands(), argv
    elif program in {"redis-server", "caddy", "nginx", "postgres"}:
        pass  # images' own programs
    else:
        raise AssertionError(f"unknown program in docker-compose.yml: {argv}")


@pytest.mark.parametrize("argv", list(commands()))
def test_every_compose_command_names_what_exists(argv):
    check(argv)


def test_the_settings_module_of_compose_and_dockerfile_exists():
    modules = {COMPOSE["x-app"]["environment"]["DJANGO_SETTINGS_MODULE"]}
    modules |= set(re.findall(r"^ENV .*DJANGO_SETTINGS_MODULE=([\w.]+)", DOCKERFILE, re.M))
    assert modules == {"config.settings_production"}
    assert importlib.util.find_spec("config.settings_production") is not None


def test_the_dockerfile_collects_static_files_without_a_secret(tmp_path):
    """The image's collectstatic step, run natively with the Dockerfile's environment: no SECRET_KEY given."""
    step = re.search(r"&& (DJANGO_SETTINGS_MODULE=\S+) python manage.py collectstatic --noinput", DOCKERFILE)
    assert step, "the Dockerfile collects static files with its build-time settings"
    assert "SECRET_KEY=" not in DOCKERFILE
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    env.update(
        dict([step.group(1).split("=", 1)]), STATIC_ROOT=str(tmp_path / "static"), PYTHONDONTWRITEBYTECODE="1"
    )
    env.pop("DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text(encoding="utf-8"))
    assert manifest["paths"]


def test_the_dockerfile_command_names_what_exists():
    cmd = re.search(r"^CMD \[(.*)\]$", DOCKERFILE, re.M).group(1)
    check([part.strip().strip('"') for part in cmd.split(",")])


# ---- the TLS proxy (issue 17 §9) --------------------------------------------------------------------------

CADDYFILE = ROOT / "deploy" / "Caddyfile"


def test_only_the_proxy_is_published_and_gunicorn_stays_internal():
    published = {name for name, service in COMPOSE["services"].items() if service.get("ports")}
    assert published == {"proxy"}
    assert sorted(COMPOSE["services"]["proxy"]["ports"]) == ["443:443", "80:80"]
    assert "ports" not in COMPOSE["services"]["web"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in COMPOSE["services"]["proxy"]["volumes"]
    # The portal trusts exactly that one proxy for the client address (the login lock-out).
    assert COMPOSE["x-app"]["environment"]["AXES_PROXY_COUNT"] == "1"


def _caddy(*args, tmp_path, **env):
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.fail("caddy is not installed: apt-get install caddy (the Makefile's TEST_OS_PACKAGES)")
    full_env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    full_env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), **env)
    return subprocess.run(
        [caddy, *args, "--config", str(CADDYFILE), "--adapter", "caddyfile"],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("host", ["localhost", "portal.example.gov.cn"])
def test_the_caddyfile_is_valid(tmp_path, host):
    # Only the internal certificate path is exercised: no ACME offline (README).
    run = _caddy("validate", tmp_path=tmp_path, PORTAL_HOST=host, PORTAL_TLS="internal")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Valid configuration" in run.stdout + run.stderr


def test_the_proxy_overwrites_x_forwarded_for_and_terminates_tls(tmp_path):
    run = _caddy("adapt", tmp_path=tmp_path, PORTAL_HOST="localhost", PORTAL_TLS="internal")
    assert run.returncode == 0, run.stderr
    config = json.loads(run.stdout)
    server = next(iter(config["apps"]["http"]["servers"].values()))
    assert ":443" in server["listen"]
    handlers = json.dumps(server["routes"])
    proxy = re.search(r'"handler": "reverse_proxy".*', handlers).group(0)
    assert '"X-Forwarded-For": ["{http.request.remote.host}"]' in proxy  # set, not appended
    assert '"X-Forwarded-Proto": ["https"]' in proxy
    assert '"dial": "web:8000"' in proxy
    assert config["apps"]["tls"]["automation"]["policies"][0]["issuers"][0]["module"] == "internal"


@pytest.mark.parametrize("flag", ["SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD"])
def test_hsts_subdomains_and_preload_are_on_by_default_and_switchable(flag):
    key = "x7Jk2-pQ9vL4mN8rT1wY6zB3cF5hG0sD-aE2iU7oK9jP4lX6qR1tV8nM3bZ5"
    code = f"import django; django.setup(); from django.conf import settings as s; print(s.{flag})"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DJANGO_SETTINGS_MODULE="config.settings_production", SECRET_KEY=key, ALLOWED_HOSTS="x.cn")
    for value, expected in ((None, "True"), ("false", "False")):
        if value is not None:
            env[flag] = value
        run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
        assert run.stdout.strip().splitlines()[-1] == expected, run.stderr
