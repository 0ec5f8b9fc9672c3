"""``manage.py restore DIR``: the database and uploaded files of ``manage.py backup DIR`` into the (empty,
freshly created) database of DATABASE_URL and MEDIA_ROOT (README: Backups)."""

import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from .backup import database_name, pg_env


class Command(BaseCommand):
    help = "Restore a backup folder (database.dump, media.tar) into an empty database and MEDIA_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("folder")

    def handle(self, *args, folder, **options):
        source = Path(folder)
        dump, media_tar = source / "database.dump", source / "media.tar"
        if not dump.exists() or not media_tar.exists():
            raise CommandError(f"{source} holds no backup (database.dump and media.tar).")
        if connection.introspection.table_names():
            raise CommandError(
                f"The database {database_name()} is not empty: restore into a freshly created one."
            )
        connection.close()
        conn_args, env = pg_env()
        argv = ["pg_restore", "--no-owner", "--exit-on-error"]  # noqa: S607 - found on PATH like psql
        subprocess.run([*argv, *conn_args, "--dbname", database_name(), str(dump)], env=env, check=True)  # noqa: S603
        media = Path(settings.MEDIA_ROOT)
        media.mkdir(parents=True, exist_ok=True)
        with tarfile.open(media_tar) as tar:
            tar.extractall(media, filter="data")
        self.stdout.write(f"restored {source} into {database_name()} and {media}")
