"""reform_portal.listing (issue 18 §4): the sort whitelist, header links, Python-side sorting, the export limit;
and the reminder log, the kernel's list, sorted and exported like its page."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reform_portal import listing
from reform_portal.models import Region, ReminderLog

from .reminder_scenarios import fixed_cycle

COLUMNS = [
    listing.Column("name", "名称", ("name",), value=lambda r: r["name"]),
    listing.Column("code", "代码", ("code",), value=lambda r: r["code"]),
]


def _request(**params):
    request = RequestFactory().get("/list/", params)
    request.user = AnonymousUser()
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_unknown_keys_never_reach_order_by():
    for raw in ("password", "-password", "--name", "name__pk", "", "-", "名称"):
        sorting = listing.Sorting(_request(sort=raw), COLUMNS)
        assert sorting.key == "" and not sorting.descending and sorting.param == ""
        assert all(h.aria_sort == "" for h in sorting.th.values())


@pytest.mark.django_db
def test_a_whitelisted_key_orders_by_its_fields_with_a_pk_tiebreak():
    sorting = listing.Sorting(_request(sort="-code"), COLUMNS)
    assert sorting.key == "code" and sorting.descending
    sql = str(sorting.apply(Region.objects.all()).query)
    assert "ORDER BY" in sql and sql.rstrip().endswith('"reform_portal_region"."id" ASC')
    codes = list(sorting.apply(Region.objects.all()).values_list("code", flat=True))
    assert codes == sorted(codes, reverse=True)
    unsorted = listing.Sorting(_request(sort="bogus"), COLUMNS)
    assert unsorted.apply(Region.objects.order_by("name")).query.order_by == ("name",)


def test_header_links_reverse_the_active_column_keep_filters_and_drop_the_page():
    sorting = listing.Sorting(_request(sort="name", year="2027", state="x", page="3"), COLUMNS)
    assert sorting.th["name"].aria_sort == "ascending"
    assert sorting.th["name"].url == "?year=2027&state=x&sort=-name"
    assert sorting.th["code"].aria_sort == ""
    assert sorting.th["code"].url == "?year=2027&state=x&sort=code"
    assert listing.page_query(_request(sort="name", page="3")) == "sort=name"


def test_rows_built_in_python_sort_with_empty_values_last_and_ties_by_pk():
    rows = [
        {"pk": 3, "name": "b", "code": ""},
        {"pk": 1, "name": "b", "code": "2"},
        {"pk": 2, "name": "a", "code": "1"},
    ]
    by_name = listing.Sorting(_request(sort="-name"), COLUMNS).apply_rows(rows, pk=lambda r: r["pk"])
    assert [r["pk"] for r in by_name] == [1, 3, 2]  # b twice: pk order kept when descending too
    for raw in ("code", "-code"):
        by_code = listing.Sorting(_request(sort=raw), COLUMNS).apply_rows(rows, pk=lambda r: r["pk"])
        assert by_code[-1]["pk"] == 3  # the empty code last both ways
    assert listing.Sorting(_request(), COLUMNS).apply_rows(rows, pk=lambda r: r["pk"]) == rows


def test_an_anonymous_export_above_the_limit_is_refused_in_chinese_and_nothing_is_written(monkeypatch):
    request = _request(year="2027")
    monkeypatch.setattr(listing, "EXPORT_LIMIT", 2)

    def rows():
        raise AssertionError("rows are not read when refused")
        yield

    response = listing.export_response(
        request,
        "xlsx",
        title="t",
        header=["a"],
        rows=rows(),
        count=3,
        filename="f",
        fallback="f",
        back="/x/?y=1",
    )
    assert response.status_code == 302 and response["Location"] == "/x/?y=1"
    [message] = list(request._messages)
    assert "本次导出共 3 行，超过在线导出上限 2 行" in str(message)


def test_csv_and_xlsx_write_formula_text_as_text():
    request = _request()
    kw = dict(
        title="t", header=["名称", "数"], rows=[["=1+1", 5]], count=1, filename="f", fallback="f", back="/"
    )
    text = listing.export_response(request, "csv", **kw).content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [["名称", "数"], ["'=1+1", "5"]]
    response = listing.export_response(request, "xlsx", **kw)
    ws = load_workbook(io.BytesIO(response.content)).active
    assert (ws["A2"].value, ws["A2"].data_type, ws["B2"].value) == ("=1+1", "s", 5)


def _log(cycle, user, n, status="sent", label=None):
    return ReminderLog.objects.create(
        key=f"list:{cycle.pk}:{user.pk}:{n}",
        kind="test",
        cycle=cycle,
        object_label=label or f"事项{n}",
        recipient=user,
        offset_days=n,
        due_at=datetime.datetime(2027, 4, 30, 16, tzinfo=datetime.UTC),
        status=status,
        attempts=n % 3,
        sent_at=timezone.now() if status == "sent" else None,
    )


@pytest.mark.django_db
def test_the_reminder_log_sorts_and_exports_the_pages_rows(client, reviewer, region_a_drc):
    cycle = fixed_cycle()
    for n in (7, 30, 1, -1):
        _log(cycle, region_a_drc, n, status="failed" if n == 1 else "sent")
    _log(cycle, region_a_drc, 3, label="@SUM(1)")
    client.force_login(reviewer)
    params = {"year": "2027", "sort": "-offset"}
    page = client.get(reverse("reminder_log"), params)
    labels = [r.object_label for r in page.context["page"]]
    assert labels == ["事项30", "事项7", "@SUM(1)", "事项1", "事项-1"]
    assert 'aria-sort="descending"' in page.content.decode()
    rows = list(
        csv.reader(io.StringIO(client.get(reverse("reminder_log_csv"), params).content.decode("utf-8-sig")))
    )
    assert rows[0][:4] == ["事项", "类型", "接收人", "提醒"]
    assert [r[0] for r in rows[1:]] == [("'" + x if x.startswith("@") else x) for x in labels]
    assert rows[1][3] == "截止前 30 天" and rows[-1][3] == "逾期后 1 天"
    xlsx = client.get(reverse("reminder_log_xlsx"), {**params, "status": "failed"})
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in ws["A"]][1:] == ["事项1"]
    assert "no-store" in xlsx["Cache-Control"]


@pytest.mark.django_db
def test_the_reminder_log_export_is_for_national_reviewers_only(client, region_a_drc):
    client.force_login(region_a_drc)
    assert client.get(reverse("reminder_log_xlsx")).status_code == 403
    client.logout()
    assert client.get(reverse("reminder_log_csv")).status_code == 302
