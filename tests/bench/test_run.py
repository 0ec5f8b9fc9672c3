"""bench/run.py's parent side: the databases it makes (issue 19 §5)."""

import os
import uuid

import pytest

from bench import run

PG = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


@pytest.mark.skipif(not PG, reason="bench/run.py works on PostgreSQL only")
def test_a_missing_base_database_is_no_error_and_the_sizes_are_created_and_dropped():
    base = f"reform_bench_missing_{uuid.uuid4().hex[:8]}"
    url = run._db_url(os.environ["DATABASE_URL"], base)
    name = f"{base}_small"
    assert run._exists(url, base) is False  # the named database does not exist: no traceback
    assert run._exists(url, name) is False
    from psycopg import sql

    with run._admin_connection(url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        assert run._exists(url, name) is True
    finally:
        with run._admin_connection(url) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    assert run._exists(url, name) is False
