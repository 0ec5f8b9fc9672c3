import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from reform_portal.enums import Role
from reform_portal.models import Organization, ReformCycle, User

ROOT = Path(__file__).resolve().parent.parent


def counts():
    from django.apps import apps

    return {m._meta.label: m.objects.count() for m in apps.get_models()}


@pytest.mark.django_db
def test_seed_demo_creates_every_role_and_is_idempotent():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = counts()
    assert "Gaige-2027-demo" in out.getvalue()
    # the current cycle collects proposals; last year's (published list, bids, tasks) shows the later stages
    from reform_portal.demo import demo_cycle_year

    year = demo_cycle_year()
    assert list(ReformCycle.objects.values_list("year", flat=True)) == [year, year - 1]
    for role in Role:
        assert User.objects.filter(groups__name=role.value).exists(), role
    assert Organization.objects.filter(kind="regional_drc").count() == 13
    assert Organization.objects.filter(kind="regional_std").count() == 13
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first


def _manage(args, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    full_env.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy():
    run = _manage(["check", "--deploy", "--fail-level", "WARNING"],
                  DJANGO_SETTINGS_MODULE="reform_portal.settings_production",
                  SECRET_KEY="x7Jk2-pQ9vL4mN8rT1wY6zB3cF5hG0sD-aE2iU7oK9jP4lX6qR1tV8nM3bZ5", ALLOWED_HOSTS="portal.example.cn")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "System check identified no issues" in run.stdout


def test_production_settings_refuse_the_development_key():
    run = _manage(["check"], DJANGO_SETTINGS_MODULE="reform_portal.settings_production", SECRET_KEY="")
    assert run.returncode != 0
    assert "SECRET_KEY" in run.stderr


def test_production_with_redis_shares_one_cache_and_caches_sessions():
    script = ("from django.conf import settings; from django.core.cache import cache; "
              "cache.set('probe', 'ok', 30); print(settings.SESSION_ENGINE, settings.CACHES['default']['BACKEND'].rsplit('.', 1)[1], cache.get('probe'));"
              "cache.delete('probe')")
    run = _manage(["shell", "-c", script], DJANGO_SETTINGS_MODULE="reform_portal.settings_production",
                  SECRET_KEY="x7Jk2-pQ9vL4mN8rT1wY6zB3cF5hG0sD-aE2iU7oK9jP4lX6qR1tV8nM3bZ5",
                  ALLOWED_HOSTS="portal.example.cn", REDIS_URL="redis://127.0.0.1:6379/15")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip().splitlines()[-1] == "django.contrib.sessions.backends.cached_db RedisCache ok"
