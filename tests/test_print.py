"""The print stylesheet (issue 15 §10): static/css/print.css, a file of its own linked from base.html for print, hides
navigation, header menus, skip links, buttons and forms, and prints tables the full width of the page."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from .proposals import scenarios as fp

PRINT_CSS = Path(settings.BASE_DIR) / "static" / "css" / "print.css"


def print_rules():
    """{selector: declarations} of the rules inside the stylesheet's @media print block."""
    css = re.sub(r"/\*.*?\*/", "", PRINT_CSS.read_text(encoding="utf-8"), flags=re.S)
    start = css.index("@media print")
    body = css[css.index("{", start) + 1 : css.rindex("}")]
    body = re.sub(r"@page\s*\{[^}]*\}", "", body)
    rules = {}
    for selectors, declarations in re.findall(r"([^{}]+)\{([^{}]*)\}", body):
        for selector in selectors.split(","):
            rules.setdefault(selector.strip(), "")
            rules[selector.strip()] += declarations
    return rules


def test_every_rule_is_for_print_and_hides_the_chrome():
    css = PRINT_CSS.read_text(encoding="utf-8")
    assert css.count("@media print") == 1
    rules = print_rules()
    for selector in (
        ".skip-link",
        ".site-header",
        ".user-nav",
        "nav",
        "form",
        "button",
        ".button",
        ".actions",
    ):
        assert re.search(r"display:\s*none", rules[selector]), selector
    assert re.search(r"width:\s*100%", rules["table"])
    assert re.search(r"display:\s*table\b", rules["table"])  # responsive.css's scroll box is undone on paper


@pytest.mark.django_db
def test_the_pages_link_the_print_stylesheet_after_the_others(client, cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc)
    client.force_login(region_a_drc)
    html = client.get(reverse("proposals:book_detail", args=[book.pk])).content.decode()
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)"( media="print")?>', html)
    assert [href.rsplit("/", 1)[-1] for href, _media in links][-1] == "print.css"
    assert links[-1][1] == ' media="print"'
