"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls in tests are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", accept_downloads=True, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login(page, username, password):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/dashboard/")


def logout(page):
    page.click("text=退出")
    page.wait_for_url("**/")


# ---- the demo site: the README's demo (seed_demo) served by its own server, once per session ------------------

DEMO_ROLES = {
    # role → the demo account whose pages it checks (tools/seed_demo prints them; one password for all)
    "公众": None,
    "国家审核": "ndrc_reviewer",
    "省级填报": "zhejiang_fgw",
    "评审专家": "expert_bj",
    "部门联络": "liaison_miit",
    "第三方评估": "evaluator_ciecc",
    "实施主体": "impl_zju",
}


class DemoSite:
    def __init__(self, url, password):
        self.url = url
        self.password = password

    def pages_of(self, browser, username, **context_options):
        """A new browser context on the demo site, logged in as ``username`` (None: anonymous), and the paths of
        the pages its header links to (the role's navigation, the 工作台, messages and settings), in order."""
        context = browser.new_context(locale="zh-CN", base_url=self.url, **context_options)
        page = context.new_page()
        page.set_default_timeout(30000)
        if username:
            page.goto("/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", self.password)
            page.click("main button[type=submit]")
            page.wait_for_url("**/dashboard/**")
        else:
            page.goto("/")
        # a user's header links to its pages; the public's pages are linked from the home page's body
        where = ".site-header a[href]" if username else ".site-header a[href], main a[href]"
        hrefs = page.eval_on_selector_all(where, "links => links.map(a => a.getAttribute('href'))")
        paths = []
        for href in [page.url.removeprefix(self.url)] + hrefs:
            if href.startswith("/") and href not in paths:
                paths.append(href)
        return context, page, paths


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory):
    """Migrate an embedded SQLite database, load the demo and serve it, as ``make run`` does (its own process;
    the tests' database is not involved). About a minute, once per session."""
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    from reform_portal.demo import DEMO_PASSWORD

    from ..reform_portal.fault_servers import free_port

    root = Path(__file__).resolve().parents[2]
    folder = tmp_path_factory.mktemp("demo_site")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'demo.sqlite3'}", DEBUG="1", MEDIA_ROOT=str(folder / "media")
    )
    for command in (["migrate", "-v0", "--noinput"], ["seed_demo"]):
        subprocess.run(  # noqa: S603 - fixed argv
            [sys.executable, "manage.py", *command],
            cwd=root,
            env=env,
            check=True,
            capture_output=True,
            timeout=600,
        )
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - fixed argv
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)  # noqa: S310 - loopback
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise
            time.sleep(0.3)
    yield DemoSite(url, DEMO_PASSWORD)
    server.terminate()
    server.wait(10)
