"""Phones (issue 18 §7): at 360 px every page each role's header links to fits the screen. Every element's box lies
within the viewport, except inside a scroll box (an element whose overflow-x is auto or scroll, as a wide table is
at this width: it scrolls inside its own box, which itself must fit), and neither html nor body hides what
overflows (which would only cut it off)."""

import pytest

from .conftest import DEMO_ROLES

WIDTH = 360

OUTSIDE = """width => {
  const bad = [];
  const all = [...document.querySelectorAll('body *')];
  const scrollers = all.filter(el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX));
  for (const el of all) {
    if (el.closest('.visually-hidden, .skip-link, script, style, template')) continue;
    if (scrollers.some(box => box !== el && box.contains(el))) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 1 || box.left < -1) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
      bad.push(`${name} [${Math.round(box.left)}, ${Math.round(box.right)}] ${(el.innerText || '').slice(0, 30)}`);
    }
  }
  return bad;
}"""

HIDDEN = """() => [document.documentElement, document.body].map(e => getComputedStyle(e).overflowX)"""


@pytest.mark.parametrize("role", list(DEMO_ROLES))
def test_every_page_of_the_role_fits_a_360_px_phone(browser, demo_site, role):
    context, page, paths = demo_site.pages_of(
        browser, DEMO_ROLES[role], viewport={"width": WIDTH, "height": 740}
    )
    try:
        found = {}
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, path
            if not response.headers["content-type"].startswith("text/html"):
                continue
            page.locator("main h1").first.wait_for()
            assert page.evaluate("() => window.innerWidth") == WIDTH
            assert "hidden" not in page.evaluate(HIDDEN), path
            outside = page.evaluate(OUTSIDE, WIDTH)
            if outside:
                found[path] = outside[:8]
            elif page.evaluate("() => document.documentElement.scrollWidth") > WIDTH:
                found[path] = ["the page scrolls sideways"]
        assert found == {}
    finally:
        context.close()


def test_the_public_list_reads_as_cards_on_a_phone(browser, demo_site):
    context, page, _paths = demo_site.pages_of(browser, None, viewport={"width": WIDTH, "height": 740})
    try:
        page.goto("/catalog/published/")
        table = page.get_by_test_id("public-entries")
        assert table.locator("thead").evaluate("e => getComputedStyle(e).display") == "none"
        first = table.locator("tbody tr").first
        assert first.evaluate("e => getComputedStyle(e).display") == "block"
        labels = first.locator("td").evaluate_all(
            "cells => cells.map(c => getComputedStyle(c, '::before').content.replaceAll('\"', ''))"
        )
        assert labels == ["编号", "举措名称", "改革任务领域", "改革内容与目标", "事权层级", "建议来源地区"]
        box = first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH
        # a card's title is on one line of its own width, not squeezed into a sixth of the screen
        assert first.locator("td").nth(1).bounding_box()["width"] > WIDTH * 0.7
    finally:
        context.close()
