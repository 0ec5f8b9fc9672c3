"""``manage.py backup DIR``: the database (pg_dump, custom format) and the uploaded files (MEDIA_ROOT as a tar)
into one new folder; ``manage.py restore DIR`` puts them back (README: Backups)."""

import datetime
import json
import os
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection


def pg_env() -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump / pg_restore from the default database (password in the environment)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise CommandError("backup and restore need PostgreSQL (DATABASE_URL=postgres://…).")
    args = ["--host", db.get("HOST") or "localhost", "--port", str(db.get("PORT") or 5432)]
    args += ["--username", db.get("USER") or "postgres"]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def database_name() -> str:
    return connection.settings_dict["NAME"]


class Command(BaseCommand):
    help = "Back up the database (pg_dump) and the uploaded files (MEDIA_ROOT) into a new folder."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="where to write database.dump, media.tar and manifest.json")

    def handle(self, *args, folder, **options):
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=False)
        conn_args, env = pg_env()
        dump = target / "database.dump"
        argv = ["pg_dump", "--format=custom", "--no-owner", "--file", str(dump)]  # noqa: S607 - found on PATH
        subprocess.run([*argv, *conn_args, database_name()], env=env, check=True)  # noqa: S603
        media = Path(settings.MEDIA_ROOT)
        files = 0
        with tarfile.open(target / "media.tar", "w") as tar:
            if media.exists():
                for path in sorted(media.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=str(path.relative_to(media)))
                        files += 1
        manifest = {"created": datetime.datetime.now(datetime.UTC).isoformat(), "media_files": files}
        (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        self.stdout.write(f"backup written to {target}: database.dump, media.tar ({files} files)")
