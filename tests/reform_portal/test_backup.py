"""``manage.py backup`` / ``manage.py restore`` (issue 17, faults): a seeded PostgreSQL database and its uploaded
files are backed up, restored into a fresh database and media folder, and compared row by row count and file by
file."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from proposals import services

from .. import factories as f
from ..proposals import scenarios as fp

pytestmark = pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="pg_dump needs PostgreSQL",
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _dsn(name):
    db = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(
        host=db["HOST"] or "localhost",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname=name,
    )


def _counts(name):
    with psycopg.connect(_dsn(name)) as conn:
        tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in sorted(tables)}  # noqa: S608


def _files(root):
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file()
    }


@pytest.fixture
def fresh_database():
    name = f"{connection.settings_dict['NAME']}_restore"
    with psycopg.connect(_dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(_dsn("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_and_restore_keep_every_row_and_file(transactional_db, tmp_path, settings, fresh_database):
    settings.MEDIA_ROOT = tmp_path / "media"
    drc = f.regional_user("330000", "regional_drc", username="zj_drc_backup")
    book = fp.make_book(f.CycleFactory(), drc)
    for n, proposal in enumerate(book.proposals.all()):
        services.attachment_add(
            proposal=proposal, upload=SimpleUploadedFile(f"附件{n}.pdf", PDF + bytes([n])), by=drc
        )
    source = connection.settings_dict["NAME"]
    before = _counts(source)
    assert before["proposals_proposalattachment"] == 3 and before["reform_portal_user"] >= 1

    call_command("backup", str(tmp_path / "backup"))
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    db = settings.DATABASES["default"]
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{fresh_database}",
        MEDIA_ROOT=str(tmp_path / "restored"),
    )
    run = subprocess.run(
        [sys.executable, "manage.py", "restore", str(tmp_path / "backup")],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert _counts(fresh_database) == before
    assert _files(tmp_path / "restored") == _files(Path(settings.MEDIA_ROOT))
    assert len(_files(tmp_path / "restored")) == 3
    # Restoring over a database that is not empty is refused.
    again = subprocess.run(
        [sys.executable, "manage.py", "restore", str(tmp_path / "backup")],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode != 0 and "is not empty" in again.stderr
