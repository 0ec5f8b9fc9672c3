"""The kernel's pagination: the page size, the page number asked for, the links' query string (the paginated
pages themselves are tested in each stage's test_views)."""

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from reform_portal import pagination
from reform_portal.models import Region

pytestmark = pytest.mark.django_db


def test_page_size_and_links():
    assert pagination.PAGE_SIZE == 50
    request = RequestFactory().get("/x/", {"region": "330000", "q": "赋权 改革", "page": "3"})
    page, query = pagination.paginate(request, list(range(120)))
    assert (page.number, len(page), page.paginator.num_pages) == (3, 20, 3)
    assert query == "region=330000&q=%E8%B5%8B%E6%9D%83+%E6%94%B9%E9%9D%A9"
    for asked, number in (("99", 3), ("abc", 1), ("", 1)):
        request = RequestFactory().get("/x/", {"page": asked})
        assert pagination.paginate(request, list(range(120)))[0].number == number


# ---- the page and the list's length in one query (issue 19) ----------------------------------------------


def _page(queryset, asked, per_page=5):
    request = RequestFactory().get("/x/", {} if asked is None else {"page": asked})
    with CaptureQueriesContext(connection) as ctx:
        page, _query = pagination.paginate(request, queryset, per_page)
        rows = list(page.object_list)
        facts = (
            page.number,
            page.paginator.count,
            page.paginator.num_pages,
            page.has_next(),
            page.has_previous(),
        )
    return rows, facts, len(ctx.captured_queries)


def _django(queryset, asked, per_page=5):
    page = Paginator(queryset, per_page).get_page(asked)
    return list(page.object_list), (
        page.number,
        page.paginator.count,
        page.paginator.num_pages,
        page.has_next(),
        page.has_previous(),
    )


@pytest.mark.parametrize("asked", [None, "1", "2", "3"])
def test_a_page_and_the_length_in_one_query(asked):
    regions = Region.objects.order_by("code")
    assert regions.count() == 13  # 13 regions: pages of 5, 5 and 3
    rows, facts, queries = _page(regions, asked)
    assert (rows, facts) == _django(regions, asked)
    assert queries == 1


def test_rows_as_dicts_keep_their_keys():
    regions = Region.objects.order_by("code").values("code", "name")
    rows, facts, queries = _page(regions, "3")
    assert (rows, facts) == _django(regions, "3")
    assert queries == 1
    assert set(rows[0]) == {"code", "name"}  # the window's column is not left in the row


def test_a_grouped_list_counts_its_groups():
    grouped = Region.objects.values("active").annotate(n=Count("pk")).order_by("active")
    rows, facts, queries = _page(grouped, None, per_page=1)
    assert (rows, facts) == _django(grouped, None, per_page=1)
    assert queries == 1


def test_an_empty_list_is_one_empty_page_in_one_query():
    rows, facts, queries = _page(
        Region.objects.none().order_by("code") | Region.objects.filter(code="x"), None
    )
    assert (rows, facts, queries) == ([], (1, 0, 1, False, False), 1)


@pytest.mark.parametrize(
    ("asked", "queries"),
    [
        ("9", 3),
        ("0", 2),
        ("-1", 2),
        ("abc", 2),
        ("", 2),
        ("2.5", 2),
        ("9999999999999999999", 2),
        ("9" * 40, 2),
    ],
)
def test_out_of_range_or_nonsense_asks_djangos_paginator(asked, queries):
    """Past the end gives the last page, nonsense the first (as Django's get_page): a COUNT and the rows (past
    the end, after the window's query found no row)."""
    regions = Region.objects.order_by("code")
    rows, facts, ran = _page(regions, asked)
    assert (rows, facts) == _django(regions, asked)
    assert ran == queries


def test_distinct_lists_are_counted_after_distinct():
    """DISTINCT comes after the window in SQL: such a list is counted by Django's COUNT, not by the window."""
    joined = Region.objects.filter(organizations__isnull=False).distinct().order_by("code")
    rows, facts, queries = _page(joined, None)
    assert facts[1] == len({r.pk for r in joined}) == len(list(joined))
    assert (rows, facts) == _django(joined, None)
    assert queries == 2
