"""Load test on the loopback: gunicorn with the production settings on PostgreSQL, 31 regions at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/reform_load /work/main/.venv/bin/python bench/load.py

1. Drops and creates the database named in DATABASE_URL (its name must contain "load"; default
   postgres://postgres@127.0.0.1:5432/reform_load), migrates, runs ``load_regions --all`` and
   ``generate_dataset`` for the past cycles (users ``bench_…``, published 举措清单, whose PDFs are stored as
   publishing does), then opens the current cycle
   (collecting 建议书) and gives every region a draft 建议书 with 3–5 complete proposals through the services.
2. Collects static files to a temporary STATIC_ROOT and starts gunicorn with
   DJANGO_SETTINGS_MODULE=config.settings_production on 127.0.0.1 and a free port — ``--replicas 2`` starts two
   on two ports against the same database (and Redis), and every browser sends its requests to each in turn,
   as a proxy without sticky sessions would, so sessions and caches must be shared. With ``REDIS_URL`` set the
   servers use Redis (cache, broker) and a real Celery worker and the outbox relay run beside them. The portal is meant
   to sit behind a TLS proxy, so every request says ``X-Forwarded-Proto: https`` (and POSTs carry the matching
   ``Origin``), as the proxy would: production settings are not weakened.
3. Drives it with one thread per person (stdlib ``http.client``, a new connection per request):
   - 62 regional users (发展改革委 and 科技厅 of 31 regions) log in and wait for each other, then at once:
     both open proposal 1 of their book and save it at the same moment (one must get the optimistic-locking
     conflict message, reload and save again), each edits its half of the other proposals ``--rounds`` times;
     科技厅 reads the book while 发展改革委 saves one last change, then 确认联合报送 from what it read (the
     portal must say the book changed; it reads again and confirms), 发展改革委 confirms, and 报送;
   - reviewers browse the national inbox and open submitted books (one 建议书 PDF each);
   - anonymous visitors read the home page and the public 举措清单 (its PDF and XLSX a few times).
   Bounded by ``--max-requests`` and ``--time-limit`` seconds.
4. Stops gunicorn (also on Ctrl-C or an exception), checks the database (every book submitted, every proposal
   holds the text of the last save its user was told succeeded, every simultaneous pair gave one save and one
   conflict message), prints throughput, p50/p95/max per request kind and for logins (password hashing)
   apart from ordinary requests, errors, lost edits and conflicts, and
   exits non-zero on any error, lost edit or book left unsubmitted.
"""

import argparse
import dataclasses
import html
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/reform_load"
HOST = "127.0.0.1"
CONFLICT_TEXT = "您的修改尚未保存"  # part of proposals.services.proposal_update's stale-revision message
SAVED_TEXT = "已保存"
SIGNED_TEXT = "已确认联合报送。"
STALE_SIGN_TEXT = "请查看最新内容后再确认联合报送"  # proposals.services.book_sign when the book changed
SUBMITTED_TEXT = "建议书已报送国家发展改革委、科技部。"
MARK = "【负载测试"
LOGIN_KINDS = {"登录 POST"}  # requests that hash a password: reported apart from ordinary ones


# ---- what the driver records and what the database must show -------------------------------------------


@dataclasses.dataclass(frozen=True)
class EditRecord:
    """One POST of the proposal form: the revision the user had loaded, the text sent and what the page said
    (``saved``: redirected with the success message; ``conflict``: the stale-revision message; ``failed``;
    ``unknown``: no answer, so the save may or may not have happened)."""

    proposal: int
    user: str
    revision: int
    text: str
    outcome: str
    pair: bool = False  # one of the two simultaneous saves of the same proposal


@dataclasses.dataclass
class Verification:
    lost_edits: list
    not_submitted: list
    conflict_problems: list

    @property
    def ok(self):
        return not (self.lost_edits or self.not_submitted or self.conflict_problems)


def verify(*, edits, book_ids):
    """Compares the driver's records with the database (Django must be set up).

    A lost edit is a save the user was told succeeded whose text is not in the database although no later
    save superseded it: two successes from the same loaded revision (one overwrote the other), or a proposal
    whose text differs from its last success (highest revision). Every book in ``book_ids`` must be submitted;
    every simultaneous pair must end as one success and one conflict message."""
    from proposals.enums import BookState
    from proposals.models import MeasureProposal, ProposalBook

    by_proposal = defaultdict(list)
    for record in edits:
        by_proposal[record.proposal].append(record)
    texts = dict(MeasureProposal.objects.filter(pk__in=by_proposal).values_list("pk", "content"))
    lost, conflicts = [], []
    for pk, records in sorted(by_proposal.items()):
        saved = sorted((r for r in records if r.outcome == "saved"), key=lambda r: r.revision)
        seen = set()
        for r in saved:
            if r.revision in seen:
                lost.append(
                    f"proposal {pk}: {r.user}'s save from revision {r.revision} was told success, "
                    "but another save from the same revision also succeeded"
                )
            seen.add(r.revision)
        # A save that got no answer (time-out) may have landed after the last one told success.
        maybe = {
            r.text
            for r in records
            if r.outcome == "unknown" and (not saved or r.revision >= saved[-1].revision)
        }
        if pk not in texts:
            lost.append(f"proposal {pk}: missing from the database")
        elif saved and texts[pk] != saved[-1].text and texts[pk] not in maybe:
            lost.append(
                f"proposal {pk}: holds {texts[pk][-40:]!r}, the last save told success "
                f"({saved[-1].user}, revision {saved[-1].revision}) sent {saved[-1].text[-40:]!r}"
            )
        pair = sorted(r.outcome for r in records if r.pair)
        if pair and pair != ["conflict", "saved"]:
            conflicts.append(
                f"proposal {pk}: simultaneous saves ended {pair}, expected one saved, one conflict"
            )
    states = dict(ProposalBook.objects.filter(pk__in=book_ids).values_list("pk", "state"))
    not_submitted = [
        f"book {pk}: {states.get(pk, 'missing')}"
        for pk in sorted(book_ids)
        if states.get(pk) != BookState.SUBMITTED
    ]
    return Verification(lost_edits=lost, not_submitted=not_submitted, conflict_problems=conflicts)


# ---- HTTP: a browser behind the TLS proxy, one connection per request -------------------------------------


class Stop(Exception):
    """The request budget or the time limit is spent."""


class FlowError(Exception):
    """A page did not answer as a correct portal must. ``recorded``: already counted as an error."""

    def __init__(self, message, recorded=False):
        super().__init__(message)
        self.recorded = recorded


class FormParser(HTMLParser):
    """Every <form> of a page with the values a browser would submit (checked boxes, selected options)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._form, self._textarea, self._select = [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._form["fields"].append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._form["fields"].append((a["name"], a.get("value") or ""))
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "first": None, "chosen": []}
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"].append(value)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            name, text = self._textarea
            self._form["fields"].append((name, text[1:] if text.startswith("\n") else text))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            s = self._select
            for value in s["chosen"] or ([s["first"]] if s["first"] is not None else []):
                self._form["fields"].append((s["name"], value))
            self._select = None
        elif tag == "form":
            self._form = None


def forms_of(page):
    parser = FormParser()
    parser.feed(page)
    return parser.forms


def form_with(page, field):
    for form in forms_of(page):
        if any(name == field for name, _v in form["fields"]):
            return form
    raise FlowError(f"no form with a {field!r} field on the page")


class Run:
    """Shared state of one load run: where, limits, every request's timing, errors."""

    def __init__(
        self,
        port,
        *,
        max_requests,
        time_limit,
        think,
        reader_think=None,
        rounds=1,
        quota=None,
        login_ramp=0.0,
    ):
        self.ports = list(port) if isinstance(port, list | tuple) else [port]  # one per web replica
        self.port = self.ports[0]  # the address the proxy would publish: Host and Origin name it
        self.max_requests, self.think, self.rounds = max_requests, think, rounds
        self.reader_think = think if reader_think is None else reader_think
        self.login_ramp = login_ramp
        self.started = time.monotonic()
        self.deadline = self.started + time_limit
        self.lock = threading.Lock()
        self.samples = []  # (kind, ms, status, finished at)
        self.errors = []  # (who, kind, what)
        self.edits = []
        self.quota = dict(quota or {})
        self.regional_done = threading.Event()
        self.minute = threading.Event()  # everybody has logged in: the edits start
        self.minute_started = None
        self.first_edit = self.last_submit = None
        self.stale_signs = 0
        self.finished = None

    def count(self):
        with self.lock:
            if len(self.samples) >= self.max_requests:
                raise Stop("request budget spent")
        if time.monotonic() >= self.deadline:
            raise Stop("time limit reached")

    def record(self, kind, ms, status):
        with self.lock:
            self.samples.append((kind, ms, status, time.monotonic()))

    def error(self, who, kind, what):
        with self.lock:
            self.errors.append((who, kind, what))

    def take(self, name):
        """One of a few expensive requests (PDF, XLSX) that only a few visitors make."""
        with self.lock:
            if self.quota.get(name, 0) > 0:
                self.quota[name] -= 1
                return True
            return False

    def start_minute(self):
        self.minute_started = time.monotonic()
        self.minute.set()

    def wait_minute(self):
        if not self.minute.wait(max(0.0, self.deadline - time.monotonic())):
            raise Stop("the regional users never all logged in")

    def pause(self, reader=False):
        think = self.reader_think if reader else self.think
        if think:
            time.sleep(random.uniform(0, think))  # noqa: S311 - think time, not security


class Browser:
    """One person's browser. With several replicas (``run.ports``) each request goes to the next one in turn,
    as a proxy balancing without sticky sessions would send it: the session and the caches must be shared."""

    def __init__(self, run, who):
        self.run, self.who, self.cookies = run, who, {}
        self.origin = f"https://{HOST}:{run.port}"
        self.turn = random.randrange(len(run.ports))  # noqa: S311 - load spread, not security

    def request(self, kind, method, path, data=None, expect=(200,)):
        self.run.count()
        port = self.run.ports[self.turn % len(self.run.ports)]
        self.turn += 1
        headers = {
            "Host": f"{HOST}:{self.run.port}",
            "X-Forwarded-Proto": "https",
            "Connection": "close",
            "Accept-Language": "zh-CN,zh;q=0.9",
            "User-Agent": "reform-portal-load/1",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode(data or [], doseq=True).encode()
            headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.origin,
                    "Referer": self.origin + path,
                }
            )
        timeout = max(1.0, min(60.0, self.run.deadline - time.monotonic()))
        started = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            ms = (time.perf_counter() - started) * 1000
            self.run.record(kind, ms, 0)
            self.run.error(self.who, kind, f"{method} {path}: {exc.__class__.__name__}: {exc}")
            raise FlowError(f"{method} {path}: connection error", recorded=True) from exc
        finally:
            conn.close()
        ms = (time.perf_counter() - started) * 1000
        self.run.record(kind, ms, response.status)
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _sep, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in rest.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        if response.status not in expect:
            self.run.error(self.who, kind, f"{method} {path}: HTTP {response.status}")
            raise FlowError(f"{method} {path}: HTTP {response.status}", recorded=True)
        return response.status, response.headers.get("Location", ""), content

    def get(self, kind, path, expect=(200,)):
        status, location, content = self.request(kind, "GET", path, expect=expect)
        return status, location, content.decode("utf-8", "replace")

    def post(self, kind, path, data, expect=(302,)):
        status, location, content = self.request(kind, "POST", path, data=data, expect=expect)
        return status, location, content.decode("utf-8", "replace")

    def follow(self, kind, location):
        parts = urlparse(location)
        return self.get(kind, urlunparse(("", "", parts.path, "", parts.query, "")))[2]

    def login(self, username, password):
        page = self.get("登录页", "/accounts/login/")[2]
        form = form_with(page, "csrfmiddlewaretoken")
        data = [(k, v) for k, v in form["fields"] if k == "csrfmiddlewaretoken"]
        data += [("username", username), ("password", password), ("next", "")]
        _s, location, _c = self.post("登录 POST", "/accounts/login/", data)
        self.follow("工作台", location)


# ---- the people ------------------------------------------------------------------------------------------


@dataclasses.dataclass
class Region:
    code: str
    drc: str
    scitech: str
    barrier: threading.Barrier
    book: int | None = None


def _edit_form(browser, pk):
    """The proposal form as loaded: [(name, value), …] including the hidden revision."""
    page = browser.get("编辑举措 GET", f"/proposals/items/{pk}/edit/")[2]
    return form_with(page, "revision")["fields"]


def _save(browser, run, pk, fields, pair=False):
    """POSTs the loaded form with a new 改革内容 and records what the page said."""
    loaded = dict(fields)
    revision = int(loaded["revision"])
    text = f"{loaded.get('content', '').split(MARK)[0]}{MARK}{browser.who} {secrets.token_hex(4)}】"
    data = [(k, text if k == "content" else v) for k, v in fields]
    with run.lock:
        run.first_edit = run.first_edit or time.monotonic()
    path = f"/proposals/items/{pk}/edit/"
    try:
        status, location, page = browser.post("编辑举措 POST", path, data, expect=(200, 302))
    except FlowError as exc:  # no answer: the server may or may not have saved it (already an error)
        with run.lock:
            run.edits.append(
                EditRecord(
                    proposal=pk,
                    user=browser.who,
                    revision=revision,
                    text=text,
                    outcome="unknown" if "connection" in str(exc) else "failed",
                    pair=pair,
                )
            )
        raise
    outcome = "saved" if status == 302 else "conflict" if CONFLICT_TEXT in page else "failed"
    with run.lock:
        run.edits.append(
            EditRecord(
                proposal=pk, user=browser.who, revision=revision, text=text, outcome=outcome, pair=pair
            )
        )
    if outcome == "saved" and SAVED_TEXT not in browser.follow("建议书页面", location):
        run.error(browser.who, "编辑举措 POST", f"{path}: saved without the success message")
    elif outcome == "failed":
        errors = re.findall(r'<ul class="errorlist[^>]*>(.*?)</ul>', page, re.S)
        run.error(
            browser.who, "编辑举措 POST", f"{path}: form refused: {html.unescape(' '.join(errors))[:200]}"
        )
    return outcome


def _book_page(browser, path, expect_text=None):
    page = browser.get("建议书页面", path)[2]
    if expect_text and expect_text not in page:
        raise FlowError(f"{path}: {expect_text!r} not on the page")
    return page


def _version(page):
    return int(re.search(r"第 (\d+) 版", page).group(1))


def _sign(browser, run, book_path, page):
    """确认联合报送 from the book page the user has read; if the book changed since, the portal must say so
    (then the user reads it again and confirms)."""
    form = next((f for f in forms_of(page) if f["action"].endswith("/sign/")), None)
    if form is None:
        raise FlowError(f"{book_path}: no 确认联合报送 button")
    seen = _version(page)
    _s, location, _c = browser.post("确认联合报送 POST", form["action"], form["fields"])
    after = browser.follow("建议书页面", location)
    if STALE_SIGN_TEXT in after:
        with run.lock:
            run.stale_signs += 1
        run.pause()
        return _sign(browser, run, book_path, after)
    if SIGNED_TEXT not in after:
        raise FlowError(f"{book_path}: 确认联合报送 without the success message")
    if _version(after) != seen:
        run.error(
            browser.who,
            "确认联合报送 POST",
            f"{book_path}: confirmed 第{_version(after)}版 having read 第{seen}版, without being told",
        )


def regional(run, region, role, password, start):
    """One regional user's minute: log in, wait for everybody, edit (one proposal at the same moment as the
    other department), confirm, and (发展改革委) submit."""
    username = region.drc if role == "drc" else region.scitech
    browser = Browser(run, username)
    try:
        try:
            time.sleep(random.uniform(0, run.login_ramp))  # noqa: S311 - people log in over a while
            browser.login(username, password)
        finally:
            start.wait()
        _s, location, _c = browser.get("本年度建议书（跳转）", "/proposals/book/", expect=(302,))
        book_path = urlparse(location).path
        page = browser.follow("建议书页面", location)
        region.book = int(re.search(r"/proposals/books/(\d+)/", book_path).group(1))
        items = list(dict.fromkeys(int(pk) for pk in re.findall(r"/proposals/items/(\d+)/edit/", page)))
        if len(items) < 3:
            raise FlowError(f"{book_path}: {len(items)} proposals on the page")

        # Both departments open proposal 1 and save it at the same moment: one wins, the other is told.
        first = items[0]
        fields = _edit_form(browser, first)
        region.barrier.wait()
        outcome = _save(browser, run, first, fields, pair=True)
        region.barrier.wait()
        if outcome == "conflict":  # copy the text, reload, save again (what the message asks)
            run.pause()
            _save(browser, run, first, _edit_form(browser, first))
        region.barrier.wait()

        mine = items[1:][0::2] if role == "drc" else items[1:][1::2]
        for _round in range(run.rounds):
            for pk in mine:
                fields = _edit_form(browser, pk)
                run.pause()
                if _save(browser, run, pk, fields) != "saved":
                    raise FlowError(f"proposal {pk}: an edit nobody else touched was not saved")
        region.barrier.wait()  # everything edited

        # 科技厅 reads the book while 发展改革委 makes one last change, then confirms what it read: the
        # confirmation must not silently apply to the newer version it has not seen.
        page = _book_page(browser, book_path) if role == "scitech" else None
        region.barrier.wait()
        if role == "drc":
            fields = _edit_form(browser, first)
            if _save(browser, run, first, fields) != "saved":
                raise FlowError(f"proposal {first}: the last change was not saved")
        region.barrier.wait()
        if role == "scitech":
            _sign(browser, run, book_path, page)
        region.barrier.wait()
        if role == "drc":
            _sign(browser, run, book_path, _book_page(browser, book_path))
        region.barrier.wait()

        if role == "drc":
            page = _book_page(browser, book_path)
            form = next((f for f in forms_of(page) if f["action"].endswith("/submit/")), None)
            if form is None:
                raise FlowError(f"{book_path}: no 报送 button")
            _s, location, _c = browser.post("报送 POST", form["action"], form["fields"])
            result = browser.follow("建议书页面", location)
            if SUBMITTED_TEXT not in result:
                problems = re.findall(r'<li class="error">(.*?)</li>', result, re.S)
                raise FlowError(f"{book_path}: 报送 refused: {html.unescape(' '.join(problems))[:300]}")
            with run.lock:
                run.last_submit = time.monotonic()
        region.barrier.wait()
        if role == "scitech":
            _book_page(browser, book_path, expect_text="已报送")
    except FlowError as exc:
        region.barrier.abort()
        if not exc.recorded:
            run.error(username, "flow", str(exc))
    except threading.BrokenBarrierError:
        run.error(username, "flow", "the other department's user stopped")
    except Stop as exc:
        region.barrier.abort()
        run.error(username, "flow", f"stopped before the end: {exc}")


def reviewer(run, username, password):
    browser = Browser(run, username)
    try:
        time.sleep(random.uniform(0, run.login_ramp))  # noqa: S311
        browser.login(username, password)
        run.wait_minute()
        while True:
            page = browser.get("审核：建议书收件箱", "/proposals/inbox/")[2]
            books = sorted(set(re.findall(r'href="(/proposals/books/\d+/)"', page)))
            for path in random.sample(books, min(2, len(books))):
                run.pause(reader=True)
                browser.get("审核：已报送建议书", path)
                if run.take("book_pdf"):
                    browser.get("审核：建议书 PDF", path + "pdf/")
            if run.regional_done.is_set():
                return
            run.pause(reader=True)
    except Stop:
        return
    except FlowError as exc:
        if not exc.recorded:
            run.error(username, "flow", str(exc))


def anonymous(run, n):
    browser = Browser(run, f"anonymous{n}")
    try:
        run.wait_minute()
        while True:
            page = browser.get("匿名：首页", "/")[2]
            link = re.search(r'href="(/catalog/[^"]*)" data-testid="home-published-list"', page)
            if link is None:
                raise FlowError("home page without the published list link")
            _s, location, _c = browser.get("匿名：清单入口（跳转）", link.group(1), expect=(302,))
            path = urlparse(location).path
            browser.follow("匿名：公开清单", location)
            if run.take("public_pdf"):
                browser.get("匿名：公开清单 PDF", path + "pdf/")
            if run.take("public_xlsx"):
                browser.get("匿名：公开清单 XLSX", path + "xlsx/")
            if run.regional_done.is_set():
                return
            run.pause(reader=True)
    except Stop:
        return
    except FlowError as exc:
        if not exc.recorded:
            run.error(browser.who, "flow", str(exc))


def drive(run, regions, *, password, reviewers, anonymous_users):
    start = threading.Barrier(
        2 * len(regions), action=run.start_minute, timeout=max(1.0, run.deadline - time.monotonic())
    )
    people = [
        threading.Thread(target=regional, args=(run, r, role, password, start), name=f"{r.code}-{role}")
        for r in regions
        for role in ("drc", "scitech")
    ]
    readers = [threading.Thread(target=reviewer, args=(run, name, password), name=name) for name in reviewers]
    readers += [
        threading.Thread(target=anonymous, args=(run, n), name=f"anon{n}") for n in range(anonymous_users)
    ]
    for t in people + readers:
        t.daemon = True
        t.start()
    for t in people:
        t.join(max(0.0, run.deadline - time.monotonic()) + 5)
    run.regional_done.set()
    for t in readers:
        t.join(max(0.0, run.deadline - time.monotonic()) + 5)
    run.finished = time.monotonic()
    stuck = [t.name for t in people + readers if t.is_alive()]
    for name in stuck:
        run.error(name, "flow", "still running at the time limit")


# ---- the report ------------------------------------------------------------------------------------------


def _pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * len(values)) - 1))]


def _width(text):
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def report(run, verification, regions):
    by_kind = defaultdict(list)
    statuses = defaultdict(lambda: defaultdict(int))
    for kind, ms, status, _at in run.samples:
        by_kind[kind].append(ms)
        statuses[kind][status] += 1
    elapsed = run.finished - run.started
    total = len(run.samples)
    rows = [("request kind", "n", "p50 ms", "p95 ms", "max ms", "statuses")]
    for kind in sorted(by_kind, key=lambda k: -len(by_kind[k])):
        ms = by_kind[kind]
        rows.append(
            (
                kind,
                str(len(ms)),
                f"{statistics.median(ms):.0f}",
                f"{_pct(ms, 0.95):.0f}",
                f"{max(ms):.0f}",
                " ".join(f"{s}×{n}" for s, n in sorted(statuses[kind].items())),
            )
        )
    summary = [("logins (登录 POST: password hashing)", lambda k: k in LOGIN_KINDS)]
    summary += [
        ("ordinary requests (all but logins)", lambda k: k not in LOGIN_KINDS),
        ("all", lambda k: True),
    ]
    for label, chosen in summary:
        ms = [ms for k, ms, _s, _at in run.samples if chosen(k)]
        rows.append(
            (
                label,
                str(len(ms)),
                f"{statistics.median(ms):.0f}" if ms else "-",
                f"{_pct(ms, 0.95):.0f}" if ms else "-",
                f"{max(ms):.0f}" if ms else "-",
                "",
            )
        )
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0] + " " * (widths[0] - _width(row[0]))]
        cells += [" " * (widths[i] - _width(c)) + c for i, c in enumerate(row[1:-1], start=1)] + [row[-1]]
        lines.append(" | ".join(cells))
        if n == 0 or n == len(rows) - len(summary) - 1:
            lines.append("-+-".join("-" * w for w in widths))
    saves = [e for e in run.edits if e.outcome == "saved"]
    pairs = [e for e in run.edits if e.pair]
    conflicts = [e for e in run.edits if e.outcome == "conflict"]
    window = (run.last_submit - run.first_edit) if run.first_edit and run.last_submit else None
    server_errors = sum(1 for _k, _ms, s, _at in run.samples if s >= 500 or s == 0)
    in_minute = sum(1 for *_x, at in run.samples if run.minute_started and at >= run.minute_started)
    print()
    print("\n".join(lines))
    print()
    print(
        f"requests: {total} in {elapsed:.1f} s = {total / elapsed:.1f} req/s "
        f"(2-core machine shared with other work: noisy)"
    )
    if run.minute_started:
        busy = run.finished - run.minute_started
        print(
            f"after everybody logged in ({run.minute_started - run.started:.1f} s): {in_minute} requests in "
            f"{busy:.1f} s = {in_minute / busy:.1f} req/s"
        )
    if window is not None:
        print(
            f"first edit → last 报送: {window:.1f} s; books submitted: "
            f"{len(regions) - len(verification.not_submitted)}/{len(regions)}"
        )
    print(
        f"edits: {len(run.edits)} POSTs, {len(saves)} saved, {len(conflicts)} told of a conflict "
        f"(simultaneous pairs: {len(pairs) // 2}, conflict problems: {len(verification.conflict_problems)})"
    )
    print(f"确认联合报送 of a version changed since it was read: {run.stale_signs} refused with the message")
    print(
        f"errors: {len(run.errors)} (5xx or connection: {server_errors}); lost edits: "
        f"{len(verification.lost_edits)}; books not submitted: {len(verification.not_submitted)}"
    )
    for who, kind, what in run.errors[:30]:
        print(f"  ERROR {who} [{kind}] {what}")
    for line in (verification.lost_edits + verification.not_submitted + verification.conflict_problems)[:30]:
        print(f"  CHECK {line}")


# ---- database, data, server -------------------------------------------------------------------------------


def _admin_connection(url):
    import psycopg

    parts = urlparse(url)
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )


def _recreate(url):
    from psycopg import sql

    name = urlparse(url).path.lstrip("/")
    with _admin_connection(url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _manage(env, *argv, quiet=True):
    subprocess.run(
        [PYTHON, "manage.py", *argv],
        cwd=ROOT,
        env=env,
        check=True,  # noqa: S603 - fixed argv
        stdout=subprocess.DEVNULL if quiet else None,
    )


def prepare(*, past_cycles):
    """Past cycles from generate_dataset, then the current cycle collecting 建议书: every region's book with
    3–5 complete draft proposals, written through the services (history, object permissions)."""
    from proposals import services
    from proposals.demo import CATALOGUE
    from reform_portal.demo import demo_cycle_year
    from reform_portal.enums import OrgKind
    from reform_portal.models import Organization, ReformCycle, Region, User
    from tools.management.commands.generate_dataset import PASSWORD

    year = demo_cycle_year()
    _manage(
        os.environ.copy(),
        "generate_dataset",
        "--regions",
        "31",
        "--cycles",
        str(past_cycles),
        "--last-year",
        str(year - 1),
    )
    # generate_dataset bulk-writes its published lists; publishing through the portal has Celery store each
    # version's PDF right away (catalog.store_list_pdf), so do what that task does for them
    from catalog.models import MeasureList
    from catalog.tasks import store_list_pdf

    for measure_list in MeasureList.objects.filter(state="published"):
        store_list_pdf(measure_list_id=measure_list.pk)
    cycle = ReformCycle.objects.create(
        year=year, title=f"{year}年度全面创新改革", **ReformCycle.defaults_for(year)
    )
    regions = []
    for i, region in enumerate(Region.objects.filter(active=True).order_by("code")):
        drc = User.objects.get(username=f"bench_{region.code}_drc")
        scitech = User.objects.get(username=f"bench_{region.code}_scitech")
        book = services.book_get_or_create(cycle=cycle, region=region, by=drc)
        book = services.book_update_cover(
            book=book,
            contact_name=drc.full_name,
            contact_phone=drc.phone,
            by=drc,
            summary=f"{region.name}围绕创新驱动发展战略，聚焦创新主体反映强烈的痛点堵点，提出以下改革举措建议。",
        )
        entities = list(Organization.objects.filter(region=region, kind__in=OrgKind.implementing()))
        for k in range(3 + i % 3):
            title, area, pain, content, steps, results, consulted, level, coord = CATALOGUE[
                (i + k) % len(CATALOGUE)
            ]
            services.proposal_create(
                book=book,
                by=drc if k % 2 == 0 else scitech,
                entities=entities,
                fields={
                    "title": title,
                    "area": area,
                    "keywords": "改革, 创新",
                    "pain_points": pain,
                    "content": content,
                    "steps": steps,
                    "authority_level": level,
                    "coordination_departments": coord,
                    "consulted_enterprises": "省内创新型领军企业",
                    "consulted_universities": "省内重点高校",
                    "consulted_departments": "省财政厅、省人力资源社会保障厅、省市场监管局",
                },
                results=[{"indicator": ind, "unit": unit, "target": value} for ind, unit, value in results],
            )
        regions.append((region.code, drc.username, scitech.username))
    reviewers = list(
        User.objects.filter(username__startswith="bench_reviewer")
        .order_by("username")
        .values_list("username", flat=True)
    )
    return cycle, regions, reviewers, PASSWORD


def _free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def _wait_healthy(port, proc, log, timeout=60):
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with {proc.returncode}; see {log}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz", headers={"Host": f"{HOST}:{port}"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"gunicorn did not answer /healthz within {timeout} s; see {log}")


def _stop(proc):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()  # SIGTERM to our own gunicorn master: graceful stop of its workers
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    parser.add_argument("--reviewers", type=int, default=3, help="reviewers browsing (at most 3; default 3)")
    parser.add_argument("--anonymous", type=int, default=10, help="anonymous readers (default 10)")
    parser.add_argument(
        "--rounds", type=int, default=1, help="edits of each own proposal per user (default 1)"
    )
    parser.add_argument(
        "--think",
        type=float,
        default=0.5,
        help="max think time of a regional user between steps, s (default 0.5)",
    )
    parser.add_argument(
        "--reader-think",
        type=float,
        default=2.0,
        help="max think time of reviewers and anonymous readers, s (default 2)",
    )
    parser.add_argument("--pdf", type=int, default=3, help="public list PDF downloads (default 3)")
    parser.add_argument("--xlsx", type=int, default=3, help="public list XLSX downloads (default 3)")
    parser.add_argument("--book-pdf", type=int, default=3, help="建议书 PDFs opened by reviewers (default 3)")
    parser.add_argument("--max-requests", type=int, default=6000, help="request budget (default 6000)")
    parser.add_argument(
        "--login-ramp",
        type=float,
        default=30,
        help="users log in at random moments over this many seconds (default 30)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        default=300,
        help="hard limit of the whole load, logins included, s (default 300)",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the temporary folder (gunicorn.log, edits.json) and print its path",
    )
    parser.add_argument("--past-cycles", type=int, default=2, help="generated past cycles (default 2)")
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        help="gunicorn instances on as many ports, one database and one Redis; every browser sends its "
        "requests to each in turn, as a proxy without sticky sessions would (default 1)",
    )
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if not url.startswith(("postgres://", "postgresql://")) or "load" not in name:
        sys.exit(
            "DATABASE_URL must be PostgreSQL and name a throw-away database with 'load' in its name "
            f"(it is dropped and created), e.g. {DEFAULT_URL}"
        )
    # The data is prepared with Celery inline; with REDIS_URL set the servers use it (cache, broker) and a real
    # worker and the outbox relay run beside them, as in production.
    redis_url = os.environ.pop("REDIS_URL", None)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    tmp = Path(tempfile.mkdtemp(prefix="reform-load-"))
    env = {**os.environ, "MEDIA_ROOT": str(tmp / "media"), "STATIC_ROOT": str(tmp / "static")}
    os.environ["MEDIA_ROOT"] = env["MEDIA_ROOT"]
    procs = []
    signal.signal(signal.SIGTERM, lambda *_a: sys.exit(143))
    try:
        started = time.perf_counter()
        _recreate(url)
        _manage(env, "migrate", "-v0")
        _manage(env, "load_regions", "--all")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connections

        cycle, regions, reviewers, password = prepare(past_cycles=args.past_cycles)
        connections.close_all()
        print(
            f"{name}: migrated and filled in {time.perf_counter() - started:.0f} s — current cycle {cycle.year}, "
            f"{len(regions)} regions with a draft 建议书",
            flush=True,
        )

        prod = {
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings_production",
            "SECRET_KEY": secrets.token_urlsafe(60),
            "ALLOWED_HOSTS": HOST,
            "LOG_LEVEL": "WARNING",
        }
        _manage(prod, "collectstatic", "--noinput", "-v0")
        if redis_url:
            prod["REDIS_URL"] = redis_url
            for name_, argv in (
                ("worker", ["-m", "celery", "-A", "config", "worker", "--pool", "solo", "-l", "WARNING"]),
                ("relay", ["manage.py", "outbox_relay"]),
            ):
                with open(tmp / f"{name_}.log", "wb") as out:
                    procs.append(
                        subprocess.Popen(  # noqa: S603 - fixed argv
                            [PYTHON, *argv],
                            cwd=ROOT,
                            env=prod,
                            stdout=out,
                            stderr=subprocess.STDOUT,
                            start_new_session=True,
                        )
                    )
        ports, logs = [], []
        for replica in range(max(1, args.replicas)):
            port = _free_port()
            log = tmp / f"gunicorn-{replica + 1}.log"
            with open(log, "wb") as out:
                proc = subprocess.Popen(  # noqa: S603 - fixed argv, loopback only
                    [
                        PYTHON,
                        "-m",
                        "gunicorn",
                        "config.wsgi:application",
                        "--bind",
                        f"{HOST}:{port}",
                        "--workers",
                        str(args.workers),
                        "--worker-class",
                        "gthread",
                        "--threads",
                        str(args.threads),
                        "--timeout",
                        "60",
                        "--graceful-timeout",
                        "10",
                    ],
                    cwd=ROOT,
                    env=prod,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            procs.append(proc)
            _wait_healthy(port, proc, log)
            ports.append(port)
            logs.append(log)
        print(
            f"{len(ports)} gunicorn (production settings) on ports {', '.join(map(str, ports))}: {args.workers} "
            f"workers × {args.threads} threads each; {'Redis ' + redis_url + ' with a worker and the relay' if redis_url else 'no Redis (Celery inline, local caches)'}; "
            f"{2 * len(regions)} regional users, {min(args.reviewers, len(reviewers))} "
            f"reviewers, {args.anonymous} anonymous readers; limits {args.max_requests} requests, "
            f"{args.time_limit:.0f} s",
            flush=True,
        )

        run = Run(
            ports,
            max_requests=args.max_requests,
            time_limit=args.time_limit,
            think=args.think,
            reader_think=args.reader_think,
            rounds=args.rounds,
            login_ramp=args.login_ramp,
            quota={"public_pdf": args.pdf, "public_xlsx": args.xlsx, "book_pdf": args.book_pdf},
        )
        people = [
            Region(code=c, drc=d, scitech=s, barrier=threading.Barrier(2, timeout=args.time_limit))
            for c, d, s in regions
        ]
        drive(
            run,
            people,
            password=password,
            reviewers=reviewers[: args.reviewers],
            anonymous_users=args.anonymous,
        )
        for proc in procs:
            _stop(proc)
        for log in logs:
            log_text = log.read_text(errors="replace")
            tracebacks = log_text.count("Traceback (most recent call last)")
            if tracebacks:
                run.error(log.name, "log", f"{tracebacks} tracebacks in the server log")
                print(log_text[-4000:])

        from proposals.models import ProposalBook

        book_ids = set(ProposalBook.objects.filter(cycle=cycle).values_list("pk", flat=True))
        verification = verify(edits=run.edits, book_ids=book_ids)
        report(run, verification, people)
        if args.keep:
            (tmp / "edits.json").write_text(
                json.dumps([dataclasses.asdict(e) for e in run.edits], ensure_ascii=False, indent=1)
            )
            print(f"kept {tmp} (gunicorn.log, edits.json)")
        return 0 if verification.ok and not run.errors else 1
    finally:
        for proc in procs:
            _stop(proc)
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
