"""Printing the 建议书's page from the browser (issue 15 §10): with print media emulated, the header, its menus, the
skip link, buttons and forms are not shown, the content is, and its tables span the printed width."""

from reform_portal.enums import OrgKind

from .. import factories as f
from ..proposals import scenarios as fp
from .conftest import login


def test_the_book_page_prints_without_navigation_buttons_or_forms(page, transactional_db):
    cycle = f.CycleFactory()
    drc = f.regional_user("330000", OrgKind.REGIONAL_DRC, username="zhejiang_fgw")
    book = fp.make_book(cycle, drc)
    login(page, "zhejiang_fgw", f.PASSWORD)
    page.goto(book.get_absolute_url())
    assert page.locator("header.site-header").is_visible()
    page.emulate_media(media="print")
    for selector in ("header.site-header", "nav.user-nav", "[data-testid=skip-link]"):
        assert page.locator(selector).is_hidden(), selector
    assert (
        page.locator("main button").evaluate_all("els => els.filter(e => e.offsetParent !== null).length")
        == 0
    )
    assert (
        page.locator("main form").evaluate_all("els => els.filter(e => e.offsetParent !== null).length") == 0
    )
    assert page.get_by_test_id("proposal-title").first.is_visible()
    widths = page.evaluate(
        "() => [...document.querySelectorAll('main table')].filter(t => t.offsetParent !== null)"
        ".map(t => [t.getBoundingClientRect().width, t.parentElement.getBoundingClientRect().width])"
    )
    assert widths and all(abs(table - parent) <= 2 for table, parent in widths), widths
    page.emulate_media(media="screen")
    assert page.locator("header.site-header").is_visible()
