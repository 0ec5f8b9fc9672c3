"""axe-core (issue 18 §8) on every page each role's header links to, on the README's demo: no serious or critical
violation. axe-core is vendored (tests/e2e/vendor/axe.min.js, the npm package's build, version and sha256 pinned
below) and run with pinned options once the role's content is on the page."""

import hashlib
from pathlib import Path

import pytest

from .conftest import DEMO_ROLES

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
AXE_VERSION = "4.11.0"
AXE_SHA256 = "e9e5863c33a874f09bc01acd9234b7e3c871479f5eef8802fa582544465e6d01"
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations", "passes"],
}
BLOCKING = {"serious", "critical"}


def test_the_vendored_axe_is_the_pinned_release():
    source = AXE.read_bytes()
    assert hashlib.sha256(source).hexdigest() == AXE_SHA256
    assert f"axe v{AXE_VERSION}".encode() in source[:400]


def axe(page):
    """Run axe on the page as it stands; evaluate() runs in the page's own world, outside its CSP."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("options => window.axe.run(document, options)", AXE_OPTIONS)


@pytest.mark.parametrize("role", list(DEMO_ROLES))
def test_every_page_of_the_role_has_no_serious_axe_violation(browser, demo_site, role):
    context, page, paths = demo_site.pages_of(browser, DEMO_ROLES[role])
    try:
        assert len(paths) >= 3, paths
        found = {}
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, path
            if not response.headers["content-type"].startswith("text/html"):
                continue  # a download (PDF, spreadsheet) linked from the page
            page.locator("main h1").first.wait_for()  # the role's content is there before axe looks
            result = axe(page)
            assert len(result["passes"]) > 10, (path, "axe tested (almost) nothing")
            bad = [
                f"{v['id']} ({v['impact']}): {v['help']} — "
                + "; ".join(node["target"][0] if node["target"] else "?" for node in v["nodes"][:5])
                for v in result["violations"]
                if v["impact"] in BLOCKING
            ]
            if bad:
                found[path] = bad
        assert found == {}
    finally:
        context.close()


def test_the_first_tab_offers_the_skip_link_and_it_moves_the_focus_to_the_content(browser, demo_site):
    context, page, _paths = demo_site.pages_of(browser, "zhejiang_fgw")
    try:
        page.goto("/proposals/book/")
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => [document.activeElement.dataset.testid, document.activeElement.innerText]"
        )
        assert focused == ["skip-link", "跳到正文"]
        assert page.get_by_test_id("skip-link").is_visible()  # shown while it has the focus
        page.keyboard.press("Enter")
        page.wait_for_function("() => location.hash === '#main'")
        assert page.evaluate("() => document.activeElement.tagName") == "MAIN"
    finally:
        context.close()
