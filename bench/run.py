"""Page benchmark on PostgreSQL: server time and SQL queries of every main page, at two dataset sizes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reform_bench /work/main/.venv/bin/python bench/run.py

Creates (or with --reuse keeps) two databases named after DATABASE_URL's: <name>_full (generate_dataset at
--scale 1.0) and <name>_small (--scale 0.1, ≈10× fewer region-cycles), then measures each page with
django.test.Client in a child process per database and prints one table. The floor is a bare view returning a
constant response, served through the same middleware in the same process; the ratio is page p95 / floor p95.
Flags: QUERIES when a page's query count differs between the sizes, SLOW when its p95 is over 10× the floor's.
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
SLOW_FACTOR = 10


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


def _measure(url, name, args):
    env = {
        **os.environ,
        "DATABASE_URL": _db_url(url, name),
        "MEDIA_ROOT": str(ROOT / "var" / "bench-media" / name),
    }
    out = subprocess.run(
        [
            PYTHON,
            str(Path(__file__).resolve()),
            "--child",
            "--repeat",
            str(args.repeat),  # noqa: S603
            "--pdf-repeat",
            str(args.pdf_repeat),
        ],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    sys.stderr.write(out.stderr)
    if out.returncode != 0:  # the child's traceback is in the stderr written above
        raise SystemExit(f"measuring {name} failed (exit {out.returncode})")
    return json.loads(out.stdout)


def _table(small, full):
    floor = full["floor"]
    rows = [
        (
            "page",
            "status",
            "queries (small)",
            "queries (full)",
            "median ms (small)",
            "median ms",
            "p95 ms",
            "ratio",
            "flags",
        )
    ]
    rows.append(
        (
            "[floor] bare view",
            "200",
            str(small["floor"]["queries"]),
            str(floor["queries"]),
            f"{small['floor']['median']:.1f}",
            f"{floor['median']:.1f}",
            f"{floor['p95']:.1f}",
            "1.0",
            "",
        )
    )
    small_pages = {p["page"]: p for p in small["pages"]}
    flagged = []
    for page in full["pages"]:
        other = small_pages.get(page["page"], {})
        ratio = page["p95"] / floor["p95"] if floor["p95"] else float("inf")
        flags = []
        if other.get("queries") != page["queries"]:
            flags.append("QUERIES")
        if ratio > SLOW_FACTOR:
            flags.append("SLOW")
        if page["status"] != 200 or other.get("status") != 200:
            flags.append("STATUS")
        if flags:
            flagged.append(page["page"])
        status = (
            str(page["status"])
            if other.get("status") == page["status"]
            else f"{other.get('status')}/{page['status']}"
        )
        rows.append(
            (
                page["page"],
                status,
                str(other.get("queries", "-")),
                str(page["queries"]),
                f"{other['median']:.1f}" if other else "-",
                f"{page['median']:.1f}",
                f"{page['p95']:.1f}",
                f"{ratio:.1f}",
                " ".join(flags),
            )
        )
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
        "--reuse", action="store_true", help="keep existing <name>_full / <name>_small databases"
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (default 20)")
    parser.add_argument("--pdf-repeat", type=int, default=5, help="timed requests per PDF (default 5)")
    parser.add_argument("--regions", type=int, default=31)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument(
        "--full-scale", type=float, default=1.0, help="scale of the 'full' dataset (default 1.0)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
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
    results = {}
    for label, name, scale in sizes:
        if not (args.reuse and _exists(url, name)):
            _generate(url, name, scale, args)
        print(f"measuring {label} dataset ({name}) …", flush=True)
        results[label] = _measure(url, name, args)
    table, flagged = _table(results["small"], results["full"])
    print()
    print(f"datasets: small = {results['small']['dataset']}; full = {results['full']['dataset']}")
    print(
        f"repeats: {args.repeat} per page, {args.pdf_repeat} per PDF; times from the full dataset unless "
        f"marked (small); ratio = p95 / floor p95"
    )
    print(table)
    notice = results["full"].get("notice_render_ms")
    if notice is not None:
        print(
            f"\n揭榜任务通知书 render (render_notice_pdf, median of 3, full dataset): {notice:.0f} ms (target < 1000 ms)"
        )
    print(f"\nflagged: {len(flagged)} of {len(results['full']['pages'])} pages")
    return 0


# ---- child: one database, every page -------------------------------------------------------------


def _floor_urlconf():
    from django.http import HttpResponse
    from django.urls import include, path

    def bare(request):
        return HttpResponse(b"ok", content_type="text/plain")

    module = types.ModuleType("bench_floor_urls")
    module.urlpatterns = [path("__bench_floor__/", bare), path("", include("config.urls"))]
    sys.modules["bench_floor_urls"] = module
    return "bench_floor_urls"


def _timed(client, url, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm-up (template loading, caches)
        response = client.get(url)
        _drain(response)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        _drain(response)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        _drain(response)
    times.sort()
    p95 = times[min(len(times) - 1, max(0, round(0.95 * len(times)) - 1))]
    return {
        "status": response.status_code,
        "queries": len(ctx.captured_queries),
        "median": statistics.median(times),
        "p95": p95,
    }


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
    for _ in range(3):  # the letter's render time on its own (the stored file is never regenerated)
        started = time.perf_counter()
        render_notice_pdf(notice, bidding_services.notice_tasks(notice))
        render_times.append((time.perf_counter() - started) * 1000)
    notice_ms = statistics.median(render_times)

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
    floor = _timed(clients["reviewer"], "/__bench_floor__/", args.repeat)
    results = []
    for name, who, url, is_pdf in pages:
        row = _timed(clients[who], url, args.pdf_repeat if is_pdf else args.repeat)
        results.append({"page": name, "url": url, "user": who, **row})
        print(
            f"  {name}: {row['status']} {row['queries']} q, p95 {row['p95']:.1f} ms",
            file=sys.stderr,
            flush=True,
        )
    dataset = (
        f"{Region.objects.filter(active=True).count()} regions × {ReformCycle.objects.count()} cycles, "
        f"{Task.objects.count()} tasks"
    )
    json.dump(
        {"floor": floor, "pages": results, "notice_render_ms": notice_ms, "dataset": dataset}, sys.stdout
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
