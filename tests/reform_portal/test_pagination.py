"""The kernel's pagination: the page size, the page number asked for, the links' query string (the paginated
pages themselves are tested in each stage's test_views)."""

import pytest
from django.test import RequestFactory

from reform_portal import pagination

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
