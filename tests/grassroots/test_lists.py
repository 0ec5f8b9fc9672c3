"""The 征集 desk as users expect (issue 18 §4): sortable, filtered, and exported as CSV/XLSX for the region's own
staff alone, without the submitters' names and phones (DECISIONS §20)."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from grassroots import services

from . import scenarios as s

pytestmark = pytest.mark.django_db

CONTACTS = ["王老师", "0571-87951234", "李先生", "13800000000"]


def _rows(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def suggestions(collection, university, enterprise, region_a_drc):
    invited = [
        services.suggestion_submit(collection=collection, fields=s.suggestion_fields(title), by=user)
        for title, user in [("=1+2", university), ("乙建议", enterprise)]
    ]
    public, _token = services.suggestion_submit_public(
        collection=collection, fields=s.public_fields("甲建议"), ip_address="192.0.2.1"
    )
    services.suggestion_review(suggestion=invited[1], score=90, opinion="可行", tags="", by=region_a_drc)
    return [*invited, public]


def test_the_desk_sorts_filters_and_exports_its_rows_without_contacts(
    client, collection, suggestions, region_a_drc, django_assert_max_num_queries
):
    client.force_login(region_a_drc)
    url = reverse("grassroots:desk", args=[collection.pk])

    def page(**params):
        return [x.title for x in client.get(url, params).context["suggestions"]]

    titles = sorted(x.title for x in suggestions)
    assert page(sort="title") == titles
    assert page(sort="-title") == titles[::-1]
    assert page(sort="contact_phone") == page()  # not a column: ignored
    assert page(sort="-drc")[0] == "乙建议"  # the scored one first, empty scores last
    assert page(source="public") == ["甲建议"]
    html = client.get(url, {"sort": "-title", "source": "invited"}).content.decode()
    assert 'aria-sort="descending"' in html and "suggestions.csv?sort=-title&amp;source=invited" in html
    params = {"source": "invited", "sort": "-title"}
    rows = _rows(client.get(reverse("grassroots:desk_csv", args=[collection.pk]), params))
    assert rows[0][:5] == ["建议名称", "单位", "单位类型", "来源", "审核"]
    assert [r[0].removeprefix("'") for r in rows[1:]] == page(**params)
    assert "'=1+2" in [r[0] for r in rows]
    everything = client.get(reverse("grassroots:desk_csv", args=[collection.pk])).content.decode("utf-8-sig")
    xlsx = load_workbook(
        io.BytesIO(client.get(reverse("grassroots:desk_xlsx", args=[collection.pk])).content)
    )
    cells = [c for row in xlsx.active.iter_rows() for c in row]
    for contact in CONTACTS:  # names and phones stay on the suggestion's own page
        assert contact not in everything
        assert contact not in [c.value for c in cells]
    [formula] = [c for c in cells if c.value == "=1+2"]
    assert formula.data_type == "s" and formula.quotePrefix
    url_csv = reverse("grassroots:desk_csv", args=[collection.pk])
    one = _queries(client, django_assert_max_num_queries, url_csv, {"source": "public"})
    assert one == _queries(client, django_assert_max_num_queries, url_csv, {})  # 1 row, 3 rows


def test_only_the_regions_staff_get_the_desks_export(
    client, collection, suggestions, university, region_b_drc, reviewer
):
    url = reverse("grassroots:desk_csv", args=[collection.pk])
    for user in (
        region_b_drc,
        reviewer,
        university,
    ):  # another region, the national reviewer, an invited unit
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def _queries(client, django_assert_max_num_queries, url, params):
    """The queries of one export (warmed first): the same whatever the number of rows."""
    client.get(url, params)
    with django_assert_max_num_queries(40) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)
