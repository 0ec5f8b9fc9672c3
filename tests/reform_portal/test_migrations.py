import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command

from reform_portal.enums import Role
from reform_portal.models import Region

ROOT = Path(settings.BASE_DIR)

NOTICE_REGIONS = {
    "110000": "北京市",
    "120000": "天津市",
    "130000": "河北省",
    "210000": "辽宁省",
    "310000": "上海市",
    "320000": "江苏省",
    "330000": "浙江省",
    "340000": "安徽省",
    "420000": "湖北省",
    "440000": "广东省",
    "500000": "重庆市",
    "510000": "四川省",
    "610000": "陕西省",
}


@pytest.mark.django_db
def test_the_13_regions_of_the_notice_are_loaded_with_gb2260_codes():
    assert dict(Region.objects.values_list("code", "name")) == NOTICE_REGIONS


@pytest.mark.django_db
def test_role_groups_exist():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


def test_migrations_apply_on_a_fresh_sqlite_database(tmp_path):
    """The suite itself migrates the configured database (PostgreSQL in CI); this checks SQLite too."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    run = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    run = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-c",
            "from reform_portal.models import Region; print(Region.objects.count())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.stdout.strip().splitlines()[-1] == "13", run.stdout + run.stderr


@pytest.mark.django_db
def test_load_regions_adds_the_other_18_provinces_once():
    from io import StringIO

    call_command("load_regions", "--all", stdout=StringIO())
    call_command("load_regions", "--all", stdout=StringIO())
    assert Region.objects.count() == 31
    assert Region.objects.get(code="650000").name == "新疆维吾尔自治区"
