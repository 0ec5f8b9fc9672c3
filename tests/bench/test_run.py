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


# ---- the report: pooled rounds, the layout floor, the flags (issue 19 §1) ----------------------------


def _child(times, layout=(10.0,), floor=(1.0,), queries=5, status=200, notice=None):
    return {
        "dataset": "d",
        "notice_render_ms": notice,
        "floor": {"status": 200, "queries": 2, "times": list(floor)},
        "layout": {"status": 200, "queries": 6, "times": list(layout)},
        "pages": [
            {
                "page": "列表",
                "url": "/x/",
                "user": "reviewer",
                "status": status,
                "queries": queries,
                "times": times,
            }
        ],
        "plans": [],
    }


def test_rounds_are_pooled_into_one_median_per_page_and_size():
    pooled = run.pool([_child([10.0, 12.0], notice=None), _child([30.0, 14.0], notice=250.0)])
    page = pooled["pages"][0]
    assert page["n"] == 4
    assert page["median"] == 13.0  # of 10, 12, 14, 30 — every round's requests count
    assert page["p95"] == 30.0
    assert "times" not in page
    assert pooled["notice_render_ms"] == 250.0  # the round that rendered the letter
    assert pooled["generation_ms"] == {}


def test_the_exports_generation_is_reported_apart_from_the_round_that_measured_it():
    """DECISIONS §19: an export served from a stored file or the cache has its generation time reported apart."""
    measured = {**_child([10.0], notice=250.0), "generation_ms": {"公开清单 XLSX": 12.5}}
    pooled = run.pool([_child([11.0]), measured])
    assert pooled["generation_ms"] == {"公开清单 XLSX": 12.5}


def test_a_page_is_judged_against_the_layout_floor_and_its_growth_from_small_to_full():
    small = run.pool([_child([20.0])])["pages"][0]
    full = run.pool([_child([30.0])])["pages"][0]
    ratio, growth, growth10, flags = run.judge(full, small, layout_median=10.0)
    assert (ratio, growth, growth10) == (3.0, 1.5, None)
    assert flags == ["GROWS"]  # 1.5 > 1.25, but 3× the layout is within 4×
    slow = run.pool([_child([41.0])])["pages"][0]
    assert run.judge(slow, slow, layout_median=10.0)[3] == ["SLOW"]
    flat = run.pool([_child([24.0])])["pages"][0]
    assert run.judge(flat, small, layout_median=10.0)[3] == []  # 1.2× small, 2.4× layout


def test_query_counts_and_status_are_compared_across_all_three_sizes():
    small = run.pool([_child([10.0])])["pages"][0]
    full = run.pool([_child([10.0])])["pages"][0]
    x10 = run.pool([_child([10.0], queries=7)])["pages"][0]
    _ratio, _growth, growth10, flags = run.judge(full, small, 10.0, x10)
    assert growth10 == 1.0
    assert flags == ["QUERIES"]
    broken = run.pool([_child([10.0], status=500)])["pages"][0]
    assert "STATUS" in run.judge(broken, small, 10.0)[3]


def test_the_table_shows_both_floors_absolute_milliseconds_and_ratios_and_lists_the_flagged_pages():
    small = run.pool([_child([10.0], layout=(8.0,))])
    full = run.pool([_child([50.0], layout=(10.0,))])
    x10 = run.pool([_child([55.0], layout=(10.0,))])
    table, flagged = run._table(small, full, x10)
    lines = table.splitlines()
    assert lines[0].split("|")[0].strip() == "page"
    assert any(line.startswith("[floor] layout (logged in)") for line in lines)
    row = next(line for line in lines if line.startswith("列表"))
    cells = [c.strip() for c in row.split("|")]
    assert cells[2] == "5/5/5"
    assert cells[3:6] == ["10.0", "50.0", "55.0"]  # medians small, full, x10 in ms
    assert cells[8] == "10.0"  # the floor the ratio is taken against, in ms
    assert cells[9] == "5.0"  # 50 ms over the 10 ms layout floor
    assert cells[10] == "5.00" and cells[11] == "1.10"
    assert cells[12] == "SLOW GROWS"
    assert flagged == ["列表"]


@pytest.mark.skipif(not PG, reason="bench/run.py works on PostgreSQL only")
def test_a_generated_database_is_analysed_before_it_is_measured():
    import psycopg
    from psycopg import sql

    name = f"reform_bench_analyse_{uuid.uuid4().hex[:8]}"
    url = run._db_url(os.environ["DATABASE_URL"], name)
    with run._admin_connection(url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        parts = run.urlparse(url)
        params = {"host": parts.hostname, "port": parts.port or 5432, "user": parts.username, "dbname": name}
        with psycopg.connect(**params, autocommit=True) as conn:
            conn.execute("CREATE TABLE t AS SELECT generate_series(1, 5000) AS n")
        run._analyze(url, name)
        with psycopg.connect(**params, autocommit=True) as conn:
            row = conn.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 't'").fetchone()
            rows = conn.execute("SELECT reltuples FROM pg_class WHERE relname = 't'").fetchone()[0]
        assert row[0] is not None
        assert rows == 5000  # the planner knows the table's size
    finally:
        with run._admin_connection(url) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def test_pages_are_warmed_up_to_a_kept_connections_steady_state(monkeypatch):
    """With prepared statements a page's queries are planned until psycopg has prepared them (the threshold + 1st
    run) and PostgreSQL has made its five custom plans: the timed requests start after that (or after --warmup)."""
    from django.db import connection

    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {"prepare_threshold": 5})
    assert run.warmups(None) == 11
    assert run.warmups(3) == 3 and run.warmups(0) == 1
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {})
    assert run.warmups(None) == 1
    assert run.pool([{**_child([10.0]), "warmup": 11}])["warmup"] == 11


# ---- interleaving (DECISIONS §19: noise falls on every size and on the floor alike) ---------------------


class _FakeChild:
    """Answers like a child and writes every request it times into one shared log."""

    def __init__(self, label, log, ms):
        self.label, self.log, self.ms = label, log, ms

    def ask(self, op, key, n=1, **_kwargs):
        if op == "time":
            self.log.append((self.label, key))
            return {"times": [self.ms[key]] * n}
        return {"ok": True}


def test_every_page_is_requested_once_on_every_size_before_any_is_timed_or_counted():
    """A page's first request may invalidate what another page reads (a stored file made again saves its row):
    every page is requested once on every child before the first timed request or query count."""
    ops = []

    class Child(_FakeChild):
        def ask(self, op, key, n=1, **kwargs):
            ops.append((op, self.label, key))
            if op == "probe":
                return {"status": 200, "queries": 1}
            return super().ask(op, key, n, **kwargs)

    log = []
    ms = {"floor": 1.0, "layout": 10.0, "0": 30.0, "1": 20.0}
    children = {label: Child(label, log, ms) for label in ("small", "full")}
    hello = {
        "pages": [{"name": "甲", "url": "/a/", "user": "reviewer", "pdf": False}] * 2,
        "dataset": "",
        "warmup": 1,
    }
    hellos = {"small": hello, "full": hello}
    run.measure_round(children, hellos, None, repeat=2, pdf_repeat=2, warmup=1)
    first_timed = next(i for i, op in enumerate(ops) if op[0] in ("time", "probe"))
    primed = {(label, key) for op, label, key in ops[:first_timed] if op == "warm"}
    assert primed == {(label, key) for label in ("small", "full") for key in ("floor", "layout", "0", "1")}
    assert ops[:8] == [
        ("warm", label, key) for key in ("floor", "layout", "0", "1") for label in ("small", "full")
    ]


def test_sizes_are_interleaved_request_by_request_with_the_layout_floor_between():
    log = []
    ms = {"layout": 10.0, "0": 30.0}
    children = {label: _FakeChild(label, log, ms) for label in ("small", "full", "x10")}
    times, window = run.interleave(children, ["layout", "0"], {"layout": 2, "0": 3}, warmup=1)
    assert log[:6] == [("small", "layout"), ("full", "layout"), ("x10", "layout")] + [
        ("x10", "layout"),
        ("full", "layout"),
        ("small", "layout"),
    ]
    assert log[6:] == [
        ("small", "0"),
        ("full", "0"),
        ("x10", "0"),
        ("full", "layout"),  # the floor, timed in the page's own window
        ("x10", "0"),
        ("full", "0"),
        ("small", "0"),
        ("full", "layout"),
        ("small", "0"),
        ("full", "0"),
        ("x10", "0"),
        ("full", "layout"),
    ]
    assert times["full"]["0"] == [30.0] * 3 and window["0"] == [10.0] * 3
    assert window["layout"] == []  # the floor itself needs no window


def test_the_ratio_is_taken_against_the_layout_requests_interleaved_with_the_page():
    measured = _child([30.0, 32.0], layout=(5.0,))
    measured["pages"][0]["layout_times"] = [10.0, 12.0]
    page = run.pool([measured])["pages"][0]
    assert page["layout_median"] == 11.0 and "layout_times" not in page
    ratio, *_rest = run.judge(page, page, layout_median=5.0)
    assert ratio == 31.0 / 11.0  # not 31 / 5: the floor measured in the page's window
    table, _flagged = run._table(run.pool([_child([30.0])]), run.pool([measured]))
    row = next(line for line in table.splitlines() if line.startswith("列表"))
    assert [c.strip() for c in row.split("|")][7:9] == ["11.0", "2.8"]


@pytest.mark.django_db
def test_a_child_answers_the_parents_commands_over_its_own_pipe():
    import io
    import json

    from django.http import HttpResponse

    class Client:
        def __init__(self):
            self.calls = 0

        def get(self, url):
            self.calls += 1
            return HttpResponse(b"ok", status=200 if url == "/ok/" else 404)

    client = Client()
    commands = io.StringIO(
        "\n".join(
            json.dumps(c)
            for c in (
                {"op": "warm", "key": "a", "n": 3},
                {"op": "time", "key": "a", "n": 2},
                {"op": "probe", "key": "b"},
                {"op": "quit"},
                {"op": "time", "key": "a", "n": 5},  # after quit: never read
            )
        )
    )
    out = io.StringIO()
    run.serve({"a": (client, "/ok/"), "b": (client, "/missing/")}, {"pages": []}, commands=commands, out=out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert answers[0] == {"pages": []}  # the hello line first
    assert answers[1] == {"ok": True}
    assert len(answers[2]["times"]) == 2 and all(t >= 0 for t in answers[2]["times"])
    assert answers[3] == {"status": 404, "queries": 0}
    assert len(answers) == 4 and client.calls == 3 + 2 + 1
