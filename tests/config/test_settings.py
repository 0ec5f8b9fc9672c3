"""The settings: production checks, Redis cache and sessions, the old module names, login throttling, the
content security policy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from .. import factories as f

# ------------------------------------------------------------------------------------------------------------
# config/settings_production.py and the shims of the old module names


ROOT = Path(settings.BASE_DIR)


def _manage(args, **env):
    full_env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    run = _manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE="config.settings_production",
        SECRET_KEY="x7Jk2-pQ9vL4mN8rT1wY6zB3cF5hG0sD-aE2iU7oK9jP4lX6qR1tV8nM3bZ5",
        ALLOWED_HOSTS="portal.example.cn",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "System check identified no issues" in run.stdout


def test_production_settings_refuse_the_development_key():
    run = _manage(["check"], DJANGO_SETTINGS_MODULE="config.settings_production", SECRET_KEY="")
    assert run.returncode != 0
    assert "SECRET_KEY" in run.stderr


def test_production_with_redis_shares_one_cache_and_keeps_sessions_in_the_database():
    script = (
        "from django.conf import settings; from django.core.cache import cache; "
        "cache.set('probe', 'ok', 30); print(settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND'].rsplit('.', 1)[1], cache.get('probe'));"
        "cache.delete('probe')"
    )
    run = _manage(
        ["shell", "-c", script],
        DJANGO_SETTINGS_MODULE="config.settings_production",
        SECRET_KEY="x7Jk2-pQ9vL4mN8rT1wY6zB3cF5hG0sD-aE2iU7oK9jP4lX6qR1tV8nM3bZ5",
        ALLOWED_HOSTS="portal.example.cn",
        REDIS_URL="redis://127.0.0.1:6379/15",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1] == "django.contrib.sessions.backends.db FailOpenRedisCache ok"


def test_old_project_module_names_still_work_for_existing_deployments():
    """config/ holds the shell now; reform_portal.settings_production, reform_portal.wsgi and `celery -A
    reform_portal` stay as one-line shims (README: Upgrading)."""
    script = (
        "from celery.app.utils import find_app; import config.celery, reform_portal.wsgi as w; "
        "from django.conf import settings; "
        "print(find_app('reform_portal') is config.celery.app, callable(w.application), settings.ROOT_URLCONF)"
    )
    run = _manage(
        ["shell", "-c", script],
        DJANGO_SETTINGS_MODULE="reform_portal.settings_production",
        SECRET_KEY="x7Jk2-pQ9vL4mN8rT1wY6zB3cF5hG0sD-aE2iU7oK9jP4lX6qR1tV8nM3bZ5",
        ALLOWED_HOSTS="portal.example.cn",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1] == "True True config.urls"


def test_each_server_process_loads_the_word_segmenter_before_its_first_request():
    """config.wsgi loads jieba's dictionary when a server process imports it (a first publish in a cold gunicorn
    worker took 2.6 s, most of it loading jieba) and leaves no database connection open for a fork to share."""
    script = (
        "import config.wsgi; from reform_portal import text; from django.db import connections; "
        "print(text._SEGMENTER.jieba is not None, connections['default'].connection is None)"
    )
    run = _manage(["shell", "-c", script])
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1] == "True True"


# ------------------------------------------------------------------------------------------------------------
# django-axes and django-csp


@pytest.mark.django_db
def test_repeated_failed_logins_lock_the_account(client, region_a_drc):
    for _ in range(5):
        client.post(reverse("login"), {"username": "zj_drc", "password": "wrong"})
    page = client.post(reverse("login"), {"username": "zj_drc", "password": f.PASSWORD})
    assert page.status_code == 429
    assert "登录已暂时锁定" in page.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_successful_login_resets_the_failure_count(client, region_a_drc):
    for _ in range(4):
        client.post(reverse("login"), {"username": "zj_drc", "password": "wrong"})
    assert client.post(reverse("login"), {"username": "zj_drc", "password": f.PASSWORD}).status_code == 302


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    f.CycleFactory()
    csp = client.get("/")["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


@pytest.mark.django_db
def test_templates_contain_no_inline_script(settings):
    from pathlib import Path

    root = Path(settings.BASE_DIR) / "templates"
    offenders = [
        str(p)
        for p in root.rglob("*.html")
        if "<script>" in p.read_text(encoding="utf-8") or " onclick=" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []


@pytest.mark.django_db
def test_iterating_a_queryset_uses_no_server_side_cursor_on_postgresql():
    """Django's choice fields list their options with ``QuerySet.iterator()``; on PostgreSQL that was a server-side
    cursor (DECLARE … WITH HOLD, FETCH, CLOSE: three round trips) for every drop-down (issue 19)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reform_portal.models import Region

    if connection.vendor != "postgresql":
        pytest.skip("server-side cursors are PostgreSQL's")
    f.region("110000")
    with CaptureQueriesContext(connection) as ctx:
        assert [r.code for r in Region.objects.filter(code="110000").iterator()] == ["110000"]
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["SELECT"]


@pytest.mark.django_db
def test_a_query_run_again_and_again_is_prepared_on_postgresql():
    """PostgreSQL plans every statement it is sent; a connection kept between requests prepares a query it has run
    ``prepare_threshold`` times (server-side binding) and PostgreSQL reuses the plan (issue 19: planning the
    pages' joins cost a third of their database time). Django leaves this off by default."""
    from django.db import connection

    from reform_portal.models import Region

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (SQLite caches its own)")
    f.region("110000")

    def prepared():
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    before = prepared()
    for _ in range(6):
        assert list(Region.objects.filter(code="110000").values_list("code", flat=True)) == ["110000"]
    new = [s for s in prepared() if s not in before]
    assert any('FROM "reform_portal_region"' in s and "$1" in s for s in new), new


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler():
    """Behind PgBouncer in transaction mode (before 1.21) a prepared statement may be on another server connection:
    DB_PREPARED_STATEMENTS=false leaves Django's default (client-side binding, nothing prepared)."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    base = {
        **os.environ,
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/x",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    on = subprocess.run(
        [sys.executable, "-c", code], env=base, cwd=ROOT, capture_output=True, text=True, check=True
    )
    off = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DB_PREPARED_STATEMENTS": "false"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert '"server_side_binding": true' in on.stdout and '"prepare_threshold": 5' in on.stdout
    assert "server_side_binding" not in off.stdout and "prepare_threshold" not in off.stdout
