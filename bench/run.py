"""Page benchmark on PostgreSQL: server time and SQL queries of every main page, at two or three dataset sizes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reform_bench /work/main/.venv/bin/python bench/run.py
    … bench/run.py --reuse --x10            # add the third size, generate_dataset --scale 10
    … bench/run.py --reuse --explain 3      # also print the 3 slowest query plans of every page (full size)

Creates (or with --reuse keeps) databases named after DATABASE_URL's: <name>_small (generate_dataset at
--scale 0.1, ≈10× fewer region-cycles), <name>_full (--scale 1.0) and with --x10 <name>_x10 (--scale 10). One
child process per database serves the pages with django.test.Client; the parent drives them request by request
(DECISIONS §19, noise): a page's timed requests alternate between the sizes (small, full, x10, then x10, full,
small, …) in one time window, and the layout floor is timed between them at full size, so a slow moment of the
machine falls on every size and on the floor alike. `--rounds` passes over all pages are pooled.

Two floors, served through the same middleware in the same process: a bare view returning a constant response,
and the *layout floor* — a logged-in page that renders the portal's layout (session, user, cycle, unread count,
navigation) with nothing in it. A page's ratio is its full-size median over the median of the layout-floor requests interleaved with
its own.
Flags: QUERIES when a page's query count differs between sizes, SLOW when its ratio is over 4, GROWS when its
full-size median is over 1.25× its small-size median, STATUS when a page does not answer 200.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SLOW_FACTOR = 4  # a page may cost 4× the layout floor
GROWTH_FACTOR = 1.25  # small → full


# ---- parent: databases, children, the table ---------------------------------------------------------


def _db_url(url, name):
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{name}"))


def _admin_connection(url):
    """A connection to the server's maintenance database: the database DATABASE_URL names is only the base of
    the two names this creates, and need not exist."""
    import psycopg

    parts = urlparse(url)
    conn = psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )
    return conn


def _exists(url, name):
    with _admin_connection(url) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def _generate(url, name, scale, args):
    from psycopg import sql

    with _admin_connection(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {**os.environ, "DATABASE_URL": _db_url(url, name)}
    started = time.perf_counter()
    subprocess.run([PYTHON, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603 - fixed argv
    migrated = time.perf_counter()
    subprocess.run(
        [
            PYTHON,
            "manage.py",
            "generate_dataset",
            "--regions",
            str(args.regions),
            "--cycles",  # noqa: S603
            str(args.cycles),
            "--scale",
            str(scale),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(
        f"{name}: migrate {migrated - started:.0f} s, generate_dataset --scale {scale} "
        f"{time.perf_counter() - migrated:.0f} s",
        flush=True,
    )


def _analyze(url, name):
    """VACUUM ANALYZE a generated database: its rows were bulk-inserted a moment ago and autovacuum has not yet
    gathered statistics, so the planner would guess (a task list took 71 ms on a plan built for 14 rows of
    4,185; 5 ms once analysed). A production database has its statistics."""
    import psycopg

    parts = urlparse(_db_url(url, name))
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=name,
        autocommit=True,
    ) as conn:
        conn.execute("VACUUM ANALYZE")


class Child:
    """One database's child process, driven one command at a time over a pipe (JSON lines): ``warm``, ``time``,
    ``probe`` (status and query count), ``plans`` and ``quit``. Its first line tells the pages and the figures
    measured once (the letter's render, the exports' generation)."""

    def __init__(self, url, name, args, render_notice=False):
        env = {
            **os.environ,
            "DATABASE_URL": _db_url(url, name),
            "MEDIA_ROOT": str(ROOT / "var" / "bench-media" / name),
        }
        argv = [PYTHON, str(Path(__file__).resolve()), "--child"]
        argv += ["--render-notice"] if render_notice else []
        argv += ["--only", args.only] if args.only else []
        argv += ["--warmup", str(args.warmup)] if args.warmup is not None else []
        self.name = name
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv
            argv, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1
        )
        self.hello = self._read()

    def _read(self):
        line = self.process.stdout.readline()
        if not line:  # the child's traceback went to our stderr
            raise SystemExit(f"measuring {self.name} failed (exit {self.process.wait()})")
        return json.loads(line)

    def ask(self, op, **kwargs):
        self.process.stdin.write(json.dumps({"op": op, **kwargs}) + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
                self.process.stdin.close()
            except BrokenPipeError:  # pragma: no cover - the child is gone already
                pass
            self.process.wait(timeout=60)


def interleave(children, keys, counts, warmup, layout_key="layout", window_label="full"):
    """Time every key on every child, one request at a time and alternating the children (small, full, x10, then
    x10, full, small, …); between the rounds of requests, one layout-floor request on ``window_label``'s child.
    Returns {label: {key: times}} and {key: the window's layout times}."""
    labels = list(children)
    times = {label: {key: [] for key in keys} for label in labels}
    window = {key: [] for key in keys}
    for key in keys:
        for label in labels:
            children[label].ask("warm", key=key, n=warmup)
        for i in range(counts[key]):
            order = labels if i % 2 == 0 else labels[::-1]
            for label in order:
                times[label][key] += children[label].ask("time", key=key, n=1)["times"]
            if window_label in children and key != layout_key:
                window[key] += children[window_label].ask("time", key=layout_key, n=1)["times"]
    return times, window


def prime(children, keys):
    """Request every page once on every child before any is timed or counted. A page's first request may store
    what a later request of another page reads: a stored file made again (a database reused without its files)
    saves its row, and that invalidates the stored tallies a 工作台 reads — once primed, a page's timed requests
    and its query count see the steady state, not a tally recomputed because a later page wrote after its turn
    (a run on a fresh checkout counted 16 queries on the reviewers' 工作台 instead of 12)."""
    for key in keys:
        for child in children.values():
            child.ask("warm", key=key, n=1)


def measure_round(children, hellos, args, repeat, pdf_repeat, warmup, explain=0):
    """One pass over the floors and every page, interleaved; per child the result in the shape ``pool`` takes."""
    first = next(iter(hellos.values()))
    keys = ["floor", "layout"] + [str(i) for i in range(len(first["pages"]))]
    counts = {"floor": repeat, "layout": repeat}
    counts.update({str(i): pdf_repeat if p["pdf"] else repeat for i, p in enumerate(first["pages"])})
    prime(children, keys)
    times, window = interleave(children, keys, counts, warmup)
    out = {}
    for label, child in children.items():
        hello = hellos[label]
        probes = {key: child.ask("probe", key=key) for key in keys}
        pages = []
        for i, page in enumerate(hello["pages"]):
            key = str(i)
            row = {"page": page["name"], "url": page["url"], "user": page["user"], **probes[key]}
            row["times"] = times[label][key]
            if window[key] and label == "full":
                row["layout_times"] = window[key]
            pages.append(row)
        plans = []
        if explain and label == "full":
            for i, page in enumerate(hello["pages"]):
                if not page["pdf"]:
                    plans += child.ask("plans", key=str(i), count=explain, page=page["name"])["plans"]
        out[label] = {
            "dataset": hello["dataset"],
            "notice_render_ms": hello.get("notice_render_ms"),
            "generation_ms": hello.get("generation_ms", {}),
            "warmup": hello["warmup"],
            "floor": {**probes["floor"], "times": times[label]["floor"]},
            "layout": {**probes["layout"], "times": times[label]["layout"]},
            "pages": pages,
            "plans": plans,
        }
    return out


def percentile(times, q):
    """The q-quantile of a list of times (nearest rank)."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def summarize(times):
    """Median, p95 and the spread (interquartile range) of the pooled timed requests, in ms."""
    return {
        "median": statistics.median(times),
        "p95": percentile(times, 0.95),
        "iqr": percentile(times, 0.75) - percentile(times, 0.25),
        "n": len(times),
    }


def pool(rounds):
    """One size's child results of every round → {"floor", "layout", "pages": [...]} with pooled times."""
    first = rounds[0]
    rendered = [r["notice_render_ms"] for r in rounds if r.get("notice_render_ms") is not None]
    merged = {
        "dataset": first["dataset"],
        "notice_render_ms": rendered[0] if rendered else None,
        "warmup": first.get("warmup", 1),
    }
    generated = [r["generation_ms"] for r in rounds if r.get("generation_ms")]
    merged["generation_ms"] = generated[0] if generated else {}
    for key in ("floor", "layout"):
        times = [t for r in rounds for t in r[key]["times"]]
        merged[key] = {"queries": first[key]["queries"], "status": first[key]["status"], **summarize(times)}
    pages = []
    for index, page in enumerate(first["pages"]):
        times = [t for r in rounds for t in r["pages"][index]["times"]]
        row = {k: v for k, v in page.items() if k not in ("times", "layout_times")}
        window = [t for r in rounds for t in r["pages"][index].get("layout_times", [])]
        if window:  # the layout floor's requests interleaved with this page's
            row["layout_median"] = statistics.median(window)
        pages.append({**row, **summarize(times)})
    merged["pages"] = pages
    merged["plans"] = [p for r in rounds for p in r.get("plans", [])]
    return merged


def judge(page, small, layout_median, x10=None):
    """(ratio to the layout floor, growth small → full, growth full → x10, flags) of one page at full size. The
    floor is the median of the layout requests interleaved with the page's when measured, else ``layout_median``."""
    layout_median = page.get("layout_median") or layout_median
    ratio = page["median"] / layout_median if layout_median else float("inf")
    growth = page["median"] / small["median"] if small and small.get("median") else None
    growth10 = x10["median"] / page["median"] if x10 and page["median"] else None
    flags = []
    if small.get("queries") != page["queries"] or (x10 and x10.get("queries") != page["queries"]):
        flags.append("QUERIES")
    if ratio > SLOW_FACTOR:
        flags.append("SLOW")
    if growth is not None and growth > GROWTH_FACTOR:
        flags.append("GROWS")
    if page["status"] != 200 or small.get("status") != 200 or (x10 and x10.get("status") != 200):
        flags.append("STATUS")
    return ratio, growth, growth10, flags


def _table(small, full, x10=None):
    layout = full["layout"]["median"]
    header = ["page", "status", "queries S/F" + ("/X" if x10 else ""), "median ms S", "median ms F"]
    header += ["median ms X"] if x10 else []
    header += ["p95 ms F", "IQR ms F", "floor ms F", "× layout", "F/S"] + (["X/F"] if x10 else []) + ["flags"]
    rows = [tuple(header)]
    small_pages = {p["page"]: p for p in small["pages"]}
    x10_pages = {p["page"]: p for p in x10["pages"]} if x10 else {}
    floors = [("[floor] bare view", "floor"), ("[floor] layout (logged in)", "layout")]
    entries = [(label, small[key], full[key], x10[key] if x10 else None) for label, key in floors]
    entries += [
        (p["page"], small_pages.get(p["page"], {}), p, x10_pages.get(p["page"])) for p in full["pages"]
    ]
    flagged = []
    for label, s, f, x in entries:
        ratio, growth, growth10, flags = judge(f, s, layout, x)
        if label.startswith("[floor]"):
            flags = [flag for flag in flags if flag == "STATUS"]
        elif flags:
            flagged.append(label)
        queries = f"{s.get('queries', '-')}/{f['queries']}" + (f"/{x.get('queries', '-')}" if x10 else "")
        row = [label, str(f["status"]), queries, f"{s['median']:.1f}" if s else "-", f"{f['median']:.1f}"]
        row += [f"{x['median']:.1f}" if x else "-"] if x10 else []
        floor_ms = f.get("layout_median") or layout  # the layout requests interleaved with the page's
        row += [f"{f['p95']:.1f}", f"{f['iqr']:.1f}", f"{floor_ms:.1f}", f"{ratio:.1f}"]
        row += [f"{growth:.2f}" if growth else "-"]
        row += [f"{growth10:.2f}" if growth10 else "-"] if x10 else []
        rows.append((*row, " ".join(flags)))
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0] + " " * (widths[0] - _width(row[0]))]
        cells += [" " * (widths[i] - _width(c)) + c for i, c in enumerate(row[1:], start=1)]
        lines.append(" | ".join(cells))
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines), flagged


def _width(text):
    # CJK characters take two columns in a terminal.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep existing <name>_small/_full/_x10 databases"
    )
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page in all (default 30)")
    parser.add_argument("--pdf-repeat", type=int, default=6, help="timed requests per PDF in all (default 6)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=None,
        help="untimed requests per page and round before the timed ones (default: 1, or with prepared statements "
        "the steady state of a kept connection: prepare_threshold + 6)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="passes over all pages, pooled (default 3)")
    parser.add_argument("--regions", type=int, default=31)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument(
        "--full-scale", type=float, default=1.0, help="scale of the 'full' dataset (default 1.0)"
    )
    parser.add_argument("--x10", action="store_true", help="a third size at 10× the full scale")
    parser.add_argument(
        "--explain", type=int, default=0, metavar="N", help="print the N slowest query plans of every page"
    )
    parser.add_argument(
        "--only",
        default="",
        metavar="TEXT[,TEXT…]",
        help="measure only the pages whose name contains one of these texts (the floors are always measured)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--render-notice", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "DATABASE_URL must point at PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/reform_bench"
        )
    base = urlparse(url).path.lstrip("/")
    sizes = [("small", f"{base}_small", args.full_scale / 10), ("full", f"{base}_full", args.full_scale)]
    if args.x10:
        sizes.append(("x10", f"{base}_x10", args.full_scale * 10))
    for _label, name, scale in sizes:
        if not (args.reuse and _exists(url, name)):
            _generate(url, name, scale, args)
        _analyze(url, name)
    rounds = max(1, args.rounds)
    repeat, pdf_repeat = max(1, args.repeat // rounds), max(1, args.pdf_repeat // rounds)
    collected = {label: [] for label, _name, _scale in sizes}
    print("starting one child per size …", flush=True)
    children = {label: Child(url, name, args, render_notice=label == "full") for label, name, _scale in sizes}
    try:
        hellos = {label: child.hello for label, child in children.items()}
        warmup = hellos["full"]["warmup"]
        for n in range(rounds):
            print(f"round {n + 1}/{rounds}: every page, sizes interleaved …", flush=True)
            explain = args.explain if n == rounds - 1 else 0
            # the first round brings each page to a kept connection's steady state; later ones re-warm it briefly
            measured = measure_round(
                children, hellos, args, repeat, pdf_repeat, warmup if n == 0 else min(warmup, 2), explain
            )
            for label, result in measured.items():
                collected[label].append(result)
    finally:
        for process in children.values():
            process.close()
    results = {label: pool(runs) for label, runs in collected.items()}
    table, flagged = _table(results["small"], results["full"], results.get("x10"))
    print()
    for label, _name, _scale in sizes:
        print(f"{label}: {results[label]['dataset']}")
    print(
        f"{rounds} rounds, sizes interleaved request by request; {repeat * rounds} timed requests per page "
        f"({pdf_repeat * rounds} per PDF) per size after {results['full'].get('warmup', 1)} untimed ones; medians in "
        f"ms; × layout = full-size median / median of the layout-floor requests interleaved with the page's (all "
        f"of them: {results['full']['layout']['median']:.1f} ms); F/S = full / small median"
        + ("; X/F = x10 / full median" if "x10" in results else "")
    )
    print(table)
    notice = results["full"].get("notice_render_ms")
    if notice is not None:
        print(
            f"\n揭榜任务通知书 render (render_notice_pdf, median of 3, full dataset): {notice:.0f} ms (target < 1000 ms)"
        )
    for label, ms in results["full"].get("generation_ms", {}).items():
        print(
            f"{label} generation on its first download (median of 3, full dataset): {ms:.1f} ms; later ones are served"
        )
    print(f"\nflagged: {len(flagged)} of {len(results['full']['pages'])} pages: {', '.join(flagged) or '-'}")
    for plan in results["full"]["plans"]:
        print(f"\n--- {plan['page']}: {plan['ms']:.1f} ms\n{plan['sql']}\n{plan['plan']}")
    return 0


# ---- child: one database, every page -------------------------------------------------------------


def _floor_urlconf():
    from django.http import HttpResponse
    from django.template import engines
    from django.urls import include, path

    layout = engines["django"].from_string('{% extends "base.html" %}')

    def bare(request):
        return HttpResponse(b"ok", content_type="text/plain")

    def layout_only(request):
        # the portal's layout for a logged-in user (session, user, cycle, unread count, navigation), nothing else
        return HttpResponse(layout.render({}, request))

    module = types.ModuleType("bench_floor_urls")
    module.urlpatterns = [
        path("__bench_floor__/", bare),
        path("__bench_layout__/", layout_only),
        path("", include("config.urls")),
    ]
    sys.modules["bench_floor_urls"] = module
    return "bench_floor_urls"


def warmups(requested):
    """Untimed requests per page: ``requested`` when given; else one (template loading, caches) — or, with prepared
    statements (``DB_PREPARED_STATEMENTS``), the steady state of a kept connection: psycopg prepares a query on its
    (threshold + 1)th run and PostgreSQL plans the first five runs of a prepared statement itself (custom plans)
    before it may keep the generic plan, so a page's queries are planned no more from its (threshold + 7)th request
    on. A connection's first requests of a page pay planning as without them."""
    from django.db import connection

    if requested is not None:
        return max(1, requested)
    threshold = connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold")
    return 1 if threshold is None else threshold + 6


def _request_ms(client, url):
    started = time.perf_counter()
    response = client.get(url)
    _drain(response)
    return (time.perf_counter() - started) * 1000, response


def _probe(client, url):
    """Status and SQL queries of one request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        _drain(response)
    return {"status": response.status_code, "queries": len(ctx.captured_queries)}


def _plans(client, url, page, count):
    """EXPLAIN (ANALYZE, BUFFERS) of the `count` slowest SELECTs one request of the page runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        _drain(client.get(url))
    selects = [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    selects.sort(key=lambda q: float(q["time"]), reverse=True)
    plans = []
    with connection.cursor() as cursor:
        for query in selects[:count]:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])  # nosec B608 - the page's own SQL
            plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append(
                {"page": page, "ms": float(query["time"]) * 1000, "sql": query["sql"][:600], "plan": plan}
            )
    return plans


def _drain(response):
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


def child(args):
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from bidding import services as bidding_services
    from bidding.models import Task, TaskNotice
    from catalog.models import Consultation, Measure, MeasureList
    from evaluation.models import Outcome
    from proposals.models import ProposalBook
    from reform_portal.models import ReformCycle, Region, User
    from reform_portal.services import current_cycle

    setup_test_environment()  # testserver host, in-memory mail
    # …but not its template instrumentation: every template rendered would send a signal and the test client would
    # copy the context into the response, work a production server never does (≈5 ms on the merge page's 60
    # templates; the pages with the most includes paid the most).
    from django.template import Template
    from django.test import utils as test_utils

    Template._render = test_utils._TestState.saved_data.template_render
    settings.ROOT_URLCONF = _floor_urlconf()
    from django.urls import clear_url_caches

    clear_url_caches()

    cycle = current_cycle()
    region = Region.objects.filter(active=True).order_by("code").first()
    users = {
        "reviewer": User.objects.get(username="bench_reviewer1"),
        "staff": User.objects.get(username=f"bench_{region.code}_drc"),
        "implementer": User.objects.get(username=f"bench_{region.code}_impl"),
        "expert": User.objects.get(username="bench_expert1"),
        "liaison": User.objects.get(username="bench_liaison1"),
        "evaluator": User.objects.get(username="bench_evaluator1"),
    }
    clients = {"anonymous": Client()}
    for key, user in users.items():
        clients[key] = Client()
        clients[key].force_login(user)

    book = ProposalBook.objects.get(cycle=cycle, region=region)
    mlist = MeasureList.objects.filter(cycle=cycle, state="published").order_by("-version").first()
    measure = Measure.objects.filter(cycle=cycle).order_by("position").first()
    task = Task.objects.filter(cycle=cycle, region=region).order_by("pk").first()
    consultation = Consultation.objects.filter(
        measure_list=mlist, ministry=users["liaison"].organization
    ).first()
    outcome = Outcome.objects.filter(state="published").order_by("-cycle__year", "pk").first()
    notice = TaskNotice.objects.get(cycle=cycle, region=region)
    if notice.pdf and not notice.pdf.storage.exists(notice.pdf.name):  # a database reused without its files
        type(notice).objects.filter(pk=notice.pk).update(pdf="", sha256="")
        notice.refresh_from_db()
    if not notice.pdf:  # the download needs the stored letter: render it once, as 下达 does
        notice = bidding_services.notice_render(notice=notice, by=users["reviewer"])
    from bidding.documents import render_notice_pdf

    render_times = []
    for _ in range(
        3 if args.render_notice else 0
    ):  # the letter's render time on its own (the stored file is never regenerated)
        started = time.perf_counter()
        render_notice_pdf(notice, bidding_services.notice_tasks(notice))
        render_times.append((time.perf_counter() - started) * 1000)
    notice_ms = statistics.median(render_times) if render_times else None
    # The exports served from a stored file or the cache after their first download: their generation time, apart
    # (DECISIONS §19), median of 3, measured in the round that renders the letter.
    generation_ms = {}
    if args.render_notice:
        from bidding import exports as bidding_exports
        from bidding import selectors as bidding_selectors
        from catalog.documents import list_xlsx
        from catalog.models import ListEntry
        from evaluation import exports as evaluation_exports
        from evaluation import selectors as evaluation_selectors

        published = bidding_services.published_entries(cycle)
        # 评估结果's default year: the latest with tasks (evaluation.views._results_cycle)
        results_cycle = ReformCycle.objects.get(
            pk=Task.objects.order_by("-cycle__year").values_list("cycle_id", flat=True)[:1][0]
        )
        makers = {
            "公开清单 XLSX": lambda: list_xlsx(
                mlist, list(ListEntry.objects.filter(measure_list=mlist).order_by("position"))
            ).to_bytes(),
            "揭榜矩阵 XLSX": lambda: bidding_exports.matrix_workbook(
                cycle, bidding_selectors.matrix(cycle, published)
            ).to_bytes(),
            "评估结果 XLSX": lambda: evaluation_exports.results_workbook(
                results_cycle, evaluation_selectors.ranking(results_cycle)
            ).to_bytes(),
        }
        for label, make in makers.items():
            times = []
            for _ in range(3):
                started = time.perf_counter()
                make()
                times.append((time.perf_counter() - started) * 1000)
            generation_ms[label] = statistics.median(times)

    pages = [
        ("首页（匿名）", "anonymous", reverse("home"), False),
        ("工作台：国家审核", "reviewer", reverse("dashboard"), False),
        ("工作台：省级填报", "staff", reverse("dashboard"), False),
        ("工作台：评审专家", "expert", reverse("dashboard"), False),
        ("工作台：部门联络", "liaison", reverse("dashboard"), False),
        ("工作台：第三方评估", "evaluator", reverse("dashboard"), False),
        ("工作台：实施主体", "implementer", reverse("dashboard"), False),
        ("站内通知", "staff", reverse("notifications"), False),
        ("建议书收件箱（全国）", "reviewer", reverse("proposals:inbox"), False),
        ("建议书页面（省级）", "staff", reverse("proposals:book_detail", args=[book.pk]), False),
        ("建议书页面（审核）", "reviewer", reverse("proposals:book_detail", args=[book.pk]), False),
        ("合并同类项（含相似建议）", "reviewer", reverse("catalog:merge") + f"?year={cycle.year}", False),
        ("清单举措列表", "reviewer", reverse("catalog:measures") + f"?year={cycle.year}", False),
        ("举措详情", "reviewer", reverse("catalog:measure_detail", args=[measure.pk]), False),
        ("清单版本", "reviewer", reverse("catalog:lists") + f"?year={cycle.year}", False),
        ("清单管理", "reviewer", reverse("catalog:list_manage", args=[mlist.pk]), False),
        ("专家论证任务", "expert", reverse("catalog:my_reviews"), False),
        ("征求意见列表", "liaison", reverse("catalog:consultations"), False),
        ("征求意见详情", "liaison", reverse("catalog:consultation", args=[consultation.pk]), False),
        ("公开清单", "anonymous", reverse("catalog:public_list", args=[mlist.pk]), False),
        ("公开清单 XLSX", "anonymous", reverse("catalog:public_xlsx", args=[mlist.pk]), False),
        ("揭榜申报（本地区）", "staff", reverse("bidding:bids"), False),
        ("揭榜矩阵", "reviewer", reverse("bidding:matrix"), False),
        ("揭榜矩阵 XLSX", "reviewer", reverse("bidding:matrix_xlsx"), False),
        ("揭榜任务列表（省级）", "staff", reverse("bidding:tasks"), False),
        ("揭榜任务列表（实施主体）", "implementer", reverse("bidding:tasks"), False),
        ("揭榜任务详情", "staff", reverse("bidding:task_detail", args=[task.pk]), False),
        ("实施进展看板", "reviewer", reverse("bidding:progress"), False),
        ("评估委托列表", "reviewer", reverse("evaluation:commissions"), False),
        ("评估任务（评估机构）", "evaluator", reverse("evaluation:assignments"), False),
        ("评估报告列表", "reviewer", reverse("evaluation:assessments"), False),
        ("改革成果管理", "reviewer", reverse("evaluation:outcomes"), False),
        ("激励登记", "reviewer", reverse("evaluation:incentives"), False),
        ("年度评估结果与排名", "reviewer", reverse("evaluation:results"), False),
        ("评估结果 XLSX", "reviewer", reverse("evaluation:results_export"), False),
        ("公开评估结果", "anonymous", reverse("evaluation:public_results"), False),
        ("改革成果库", "anonymous", reverse("evaluation:library"), False),
        ("改革成果详情", "anonymous", reverse("evaluation:library_detail", args=[outcome.pk]), False),
        ("PDF 建议书", "staff", reverse("proposals:book_pdf", args=[book.pk]), True),
        ("PDF 公开清单", "anonymous", reverse("catalog:public_pdf", args=[mlist.pk]), True),
        ("PDF 揭榜任务通知书（下载）", "staff", reverse("bidding:notice_download", args=[notice.pk]), True),
    ]
    if args.only:
        wanted = [text for text in args.only.split(",") if text]
        pages = [page for page in pages if any(text in page[0] for text in wanted)]
    targets = {
        "floor": (clients["reviewer"], "/__bench_floor__/"),
        "layout": (clients["reviewer"], "/__bench_layout__/"),
    }
    for i, (_name, who, url, _pdf) in enumerate(pages):
        targets[str(i)] = (clients[who], url)
    dataset = (
        f"{Region.objects.filter(active=True).count()} regions × {ReformCycle.objects.count()} cycles, "
        f"{Task.objects.count()} tasks"
    )
    serve(
        targets,
        {
            "pages": [{"name": n, "user": w, "url": u, "pdf": pdf} for n, w, u, pdf in pages],
            "notice_render_ms": notice_ms,
            "generation_ms": generation_ms,
            "dataset": dataset,
            "warmup": warmups(args.warmup),
        },
    )
    return 0


def serve(targets, hello, commands=None, out=None):
    """Answer the parent's commands (JSON lines) about ``targets`` ({key: (client, url)}) until ``quit``. The
    protocol has its own copy of stdout: whatever Django prints goes to stderr."""
    if out is None:
        out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
        os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    commands = sys.stdin if commands is None else commands
    out.write(json.dumps(hello) + "\n")
    out.flush()
    for line in commands:
        command = json.loads(line)
        op = command["op"]
        if op == "quit":
            break
        client, url = targets[command["key"]]
        if op == "warm":
            for _ in range(max(1, command.get("n", 1))):
                _request_ms(client, url)
            answer = {"ok": True}
        elif op == "time":
            answer = {"times": [_request_ms(client, url)[0] for _ in range(command.get("n", 1))]}
        elif op == "probe":
            answer = _probe(client, url)
        elif op == "plans":
            answer = {"plans": _plans(client, url, command.get("page", command["key"]), command["count"])}
        else:
            answer = {"error": f"unknown op {op}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    sys.exit(main())
