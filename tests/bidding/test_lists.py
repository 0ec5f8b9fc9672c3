"""The 揭榜任务 list as users expect (issue 18 §4): sortable columns, filters that narrow but never widen what a
user may see, and CSV/XLSX exports holding the page's rows in the page's order."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from bidding.models import Milestone, Task
from catalog.models import ListEntry
from reform_portal import listing
from reform_portal.enums import OrgKind
from reform_portal.models import ExportJob, Notification, OutboxMessage

from .. import factories as f
from . import scenarios as fb

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_regions(bcycle, four_entries, region_a_drc, region_a_scitech, region_b_drc, reviewer):
    js_scitech = f.regional_user("320000", OrgKind.REGIONAL_SCITECH)
    zj = fb.allocated(bcycle, reviewer, region_a_drc, region_a_scitech, four_entries[:3])
    js = fb.allocated(bcycle, reviewer, region_b_drc, js_scitech, four_entries[1:4])
    return zj, js


def _pks(response):
    return [t.pk for t in response.context["tasks"]]


def _titles(tasks):
    return [t.entry.title for t in tasks]


def test_sorting_by_a_whitelisted_column_both_ways_with_pk_tiebreak(client, bcycle, two_regions, reviewer):
    zj, js = two_regions
    client.force_login(reviewer)
    url = reverse("bidding:tasks")
    by_title = _pks(client.get(url, {"year": bcycle.year, "sort": "title"}))
    expected = sorted(zj + js, key=lambda t: (t.entry.title, t.pk))
    assert by_title == [t.pk for t in expected]
    # Equal titles (the same entry claimed by both regions) keep pk order in both directions.
    descending = _pks(client.get(url, {"year": bcycle.year, "sort": "-title"}))
    expected_desc = sorted(zj + js, key=lambda t: t.pk)
    expected_desc.sort(key=lambda t: t.entry.title, reverse=True)
    assert descending == [t.pk for t in expected_desc]
    by_region = _pks(client.get(url, {"year": bcycle.year, "sort": "region"}))  # 江苏 320000 first
    assert by_region == [t.pk for t in js] + [t.pk for t in zj]
    assert _pks(client.get(url, {"year": bcycle.year, "sort": "-region"})) == [t.pk for t in zj + js]


def test_unknown_sort_keys_are_ignored_and_the_default_order_kept(client, bcycle, two_regions, reviewer):
    client.force_login(reviewer)
    url = reverse("bidding:tasks")
    default = _pks(client.get(url, {"year": bcycle.year}))
    for nonsense in ("awarded_by__password", "-entry__title", "--title", "pk; DROP TABLE", "-"):
        response = client.get(url, {"year": bcycle.year, "sort": nonsense})
        assert response.status_code == 200
        assert _pks(response) == default
        assert 'aria-sort="' not in response.content.decode()


def test_the_active_header_carries_aria_sort_and_links_keep_the_filters(
    client, bcycle, two_regions, reviewer
):
    client.force_login(reviewer)
    response = client.get(
        reverse("bidding:tasks"), {"year": bcycle.year, "state": "planning", "sort": "-region", "page": "1"}
    )
    html = response.content.decode()
    assert html.count('aria-sort="descending"') == 1
    headers = response.context["sorting"].th
    assert headers["region"].aria_sort == "descending"
    assert headers["region"].url == f"?year={bcycle.year}&state=planning&sort=region"  # a click reverses
    assert headers["title"].url == f"?year={bcycle.year}&state=planning&sort=title"
    assert "page=" not in headers["title"].url


def test_filters_narrow_by_region_state_area_and_title_words(client, bcycle, two_regions, reviewer):
    zj, js = two_regions
    client.force_login(reviewer)
    url = reverse("bidding:tasks")
    assert sorted(_pks(client.get(url, {"year": bcycle.year, "region": "320000"}))) == sorted(
        t.pk for t in js
    )
    Task.objects.filter(pk=zj[0].pk).update(state="in_progress")
    assert _pks(client.get(url, {"year": bcycle.year, "state": "in_progress"})) == [zj[0].pk]
    ListEntry.objects.filter(pk=zj[2].entry_id).update(area="core_tech")
    talent = _pks(client.get(url, {"year": bcycle.year, "area": "core_tech"}))
    assert sorted(talent) == sorted(t.pk for t in zj + js if t.entry_id == zj[2].entry_id)
    # every word of the search, anywhere in the title (科技成果 and 转化 are both in two titles, 贷款 in one)
    words = _pks(client.get(url, {"year": bcycle.year, "q": "转化 贷款"}))
    assert sorted(words) == sorted(t.pk for t in zj + js if "贷款" in t.entry.title)
    assert _pks(client.get(url, {"year": bcycle.year, "q": "转化 不存在的词"})) == []


def test_a_region_cannot_widen_its_list_by_filtering_for_another_region(
    client, bcycle, two_regions, region_a_drc
):
    zj, _js = two_regions
    client.force_login(region_a_drc)
    url = reverse("bidding:tasks")
    response = client.get(url, {"year": bcycle.year, "region": "320000"})
    assert response.status_code == 200
    assert sorted(_pks(response)) == sorted(t.pk for t in zj)  # the value is refused, not applied to all
    assert "筛选条件无效" in response.content.decode()
    assert 'name="region"' not in response.content.decode()  # no region choice for a region's staff
    export = client.get(reverse("bidding:tasks_csv"), {"year": bcycle.year, "region": "320000"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + len(zj)
    assert {r[1] for r in rows[1:]} == {str(zj[0].region)}


def test_bad_filter_values_give_a_chinese_message_never_500(client, bcycle, two_regions, reviewer):
    client.force_login(reviewer)
    url = reverse("bidding:tasks")
    for params in ({"state": "nonsense"}, {"area": "x" * 300}, {"region": "abc"}, {"level": "\x00"}):
        response = client.get(url, {"year": bcycle.year, **params})
        assert response.status_code == 200
        assert "筛选条件无效，已忽略" in response.content.decode()
        assert len(_pks(response)) == 6


def _csv_rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _xlsx_rows(response):
    ws = load_workbook(io.BytesIO(response.content)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_exports_hold_the_pages_rows_in_the_pages_order_with_its_header(
    client, bcycle, two_regions, reviewer
):
    client.force_login(reviewer)
    params = {"year": bcycle.year, "sort": "-title", "q": "科技成果"}
    page = client.get(reverse("bidding:tasks"), params)
    tasks = list(page.context["tasks"])
    assert len(tasks) == 5  # 浙江's three, 江苏's two titles with 科技成果
    html = page.content.decode()
    for fmt, read in (("csv", _csv_rows), ("xlsx", _xlsx_rows)):
        response = client.get(reverse(f"bidding:tasks_{fmt}"), params)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        rows = read(response)
        assert rows[0] == ["年度", "地区", "任务", "状态", "里程碑完成", "最近报告", "通知书"]
        for label in rows[0][:6]:
            assert f">{label}</a></th>" in html or f">{label} ▼</a></th>" in html
        assert [r[2] for r in rows[1:]] == _titles(tasks)
        assert [r[1] for r in rows[1:]] == [str(t.region) for t in tasks]
        assert [str(r[0]) for r in rows[1:]] == [str(bcycle.year)] * 5


def test_formula_text_is_exported_as_text(client, bcycle, two_regions, reviewer):
    zj, _js = two_regions
    ListEntry.objects.filter(pk=zj[0].entry_id).update(title='=HYPERLINK("http://x","y")')
    client.force_login(reviewer)
    params = {"year": bcycle.year, "q": "HYPERLINK"}
    [row] = _csv_rows(client.get(reverse("bidding:tasks_csv"), params))[1:]
    assert row[2] == '\'=HYPERLINK("http://x","y")'
    ws = load_workbook(io.BytesIO(client.get(reverse("bidding:tasks_xlsx"), params).content)).active
    assert ws.cell(2, 3).data_type == "s"
    assert ws.cell(2, 3).value == '=HYPERLINK("http://x","y")'


def test_exports_above_the_limit_are_queued_built_by_the_worker_and_offered_to_their_user(
    client, bcycle, two_regions, reviewer, region_b_drc, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(listing, "EXPORT_LIMIT", 5)
    client.force_login(reviewer)
    params = {"year": bcycle.year, "state": "planning", "sort": "-title"}
    with django_capture_on_commit_callbacks(
        execute=True
    ):  # the outbox runs the worker's task after the commit
        response = client.get(reverse("bidding:tasks_xlsx"), params)
    assert response.status_code == 302
    assert (
        response["Location"] == reverse("bidding:tasks") + f"?year={bcycle.year}&state=planning&sort=-title"
    )
    assert "超过在线导出上限 5 行，已转入后台生成" in client.get(response["Location"]).content.decode()
    job = ExportJob.objects.get()
    message = OutboxMessage.objects.get(task_name=listing.EXPORT_TASK)  # queued through the outbox
    assert message.kwargs == {"job_id": job.pk}
    job = listing.build_export(job.pk)  # what the worker runs
    assert (job.user, job.state, job.rows, job.filename) == (
        reviewer,
        "done",
        6,
        f"{bcycle.year}年度揭榜任务.xlsx",
    )
    note = Notification.objects.get(recipient=reviewer, kind="export")
    assert note.url == reverse("export_download", args=[job.pk])
    download = client.get(note.url)
    assert download.status_code == 200 and "no-store" in download["Cache-Control"]
    rows = _xlsx_rows(download)
    page = client.get(reverse("bidding:tasks"), params)
    assert [r[2] for r in rows[1:]] == _titles(page.context["tasks"])  # the page's filters and sort
    client.force_login(region_b_drc)
    assert client.get(note.url).status_code == 404  # nobody else's
    # narrowed to the limit, it runs in the request
    assert client.get(reverse("bidding:tasks_xlsx"), {"year": bcycle.year}).status_code == 200


def test_a_queued_export_is_built_with_the_users_own_permissions(
    bcycle, two_regions, region_a_drc, monkeypatch
):
    zj, js = two_regions
    job = ExportJob.objects.create(
        user=region_a_drc, path=reverse("bidding:tasks_csv"), query=f"year={bcycle.year}&region=320000"
    )
    job = listing.build_export(job.pk)
    assert job.state == "done" and job.rows == len(zj)  # 江苏's filter ignored: 浙江's own tasks only
    with job.file.open("rb") as fh:
        text = fh.read().decode("utf-8-sig")
    assert all(t.entry.title in text for t in zj)
    assert str(js[0].region) not in text
    assert listing.build_export(job.pk).file.name == job.file.name  # idempotent: built once
    refused = ExportJob.objects.create(user=region_a_drc, path=reverse("bidding:progress_csv"), query="")
    assert listing.build_export(refused.pk).state == "failed"  # reviewers' page: PermissionDenied


def test_the_export_limit_is_five_thousand_rows():
    assert listing.EXPORT_LIMIT == 5000


def test_export_query_count_does_not_grow_with_rows(
    client, bcycle, entries, reviewer, django_assert_max_num_queries
):
    drc, scitech = fb.region_pair("330000")
    fb.allocated(bcycle, reviewer, drc, scitech, entries[:3])
    client.force_login(reviewer)
    counts = {}
    for fmt in ("csv", "xlsx"):
        with django_assert_max_num_queries(50) as one:
            client.get(reverse(f"bidding:tasks_{fmt}"), {"year": bcycle.year})
        counts[fmt] = len(one.captured_queries)
    for code in ("320000", "440000"):
        fb.allocated(bcycle, reviewer, *fb.region_pair(code), entries[:4])
    assert Task.objects.count() == 11
    for fmt in ("csv", "xlsx"):
        with django_assert_max_num_queries(50) as many:
            response = client.get(reverse(f"bidding:tasks_{fmt}"), {"year": bcycle.year})
        assert response.status_code == 200
        assert len(many.captured_queries) == counts[fmt]


def test_the_progress_dashboard_sorts_and_exports_its_rows(
    client, bcycle, two_regions, reviewer, region_a_drc
):
    zj, js = two_regions
    fb.confirmed_plan(zj[1], region_a_drc, milestones=2)
    Milestone.objects.filter(task=zj[1]).update(status="done")
    client.force_login(reviewer)
    params = {"year": bcycle.year, "sort": "-done"}
    page = client.get(reverse("bidding:progress"), params)
    pks = [t.pk for t in page.context["rows"]]
    assert len(pks) == 6
    assert pks[0] == zj[1].pk and pks[1:] == sorted(pks[1:])  # then ties (0 done) by pk
    rows = _csv_rows(client.get(reverse("bidding:progress_csv"), params))
    assert rows[0][:3] == ["地区", "任务", "状态"] and "目标完成度" in rows[0]
    assert [r[1] for r in rows[1:]] == [t.entry.title for t in page.context["rows"]]
    narrowed = _xlsx_rows(client.get(reverse("bidding:progress_xlsx"), {**params, "region": "320000"}))
    assert {r[0] for r in narrowed[1:]} == {str(js[0].region)} and len(narrowed) == 1 + 3


def test_the_progress_export_is_for_national_reviewers(client, bcycle, two_regions, region_a_drc):
    client.force_login(region_a_drc)
    assert client.get(reverse("bidding:progress_csv"), {"year": bcycle.year}).status_code == 403


# ---- 揭榜 (a region's own bids) and the 发文字号 register --------------------------------------------------


def _rows(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _neutralised(response, text):
    ws = load_workbook(io.BytesIO(response.content)).active
    [cell] = [c for row in ws.iter_rows() for c in row if c.value == text]
    assert cell.data_type == "s" and cell.quotePrefix


@pytest.fixture
def claimed(bcycle, region_a_drc, region_b_drc):
    entries = fb.publish_list(bcycle, n=3, titles=["=SUM(A1:A2)", "乙举措", "甲举措"])
    fb.make_bid_set(bcycle, region_a_drc, entries[:2])
    js = fb.make_bid_set(bcycle, region_b_drc, [])
    from bidding import services

    services.bid_save(
        bid_set=js, entry=entries[2], fields=fb.bid_fields(contact_name="江苏联系人"), by=region_b_drc
    )
    return entries


def test_bids_sort_filter_and_export_the_regions_own_bids(
    client, bcycle, claimed, region_a_drc, reviewer, django_assert_max_num_queries
):
    client.force_login(region_a_drc)
    url = reverse("bidding:bids")

    def page(**params):
        return [r["entry"].title for r in client.get(url, {"year": bcycle.year, **params}).context["rows"]]

    titles = [e.title for e in claimed]
    assert page() == titles
    assert page(sort="title") == sorted(titles)
    assert page(sort="-title") == sorted(titles, reverse=True)
    assert page(sort="-number") == titles[::-1]
    assert page(sort="bid__contact_phone") == titles  # unknown key: the list's order
    assert page(bid="yes") == titles[:2]
    assert page(bid="no") == titles[2:]  # 江苏's bid is not 浙江's
    assert page(area="core_tech") == []
    html = client.get(url, {"year": bcycle.year, "sort": "-title"}).content.decode()
    assert 'aria-sort="descending"' in html and "bids.csv?year=" in html
    params = {"year": bcycle.year, "bid": "yes", "sort": "-title"}
    rows = _rows(client.get(reverse("bidding:bids_csv"), params))
    assert rows[0] == ["编号", "举措名称", "改革任务领域", "本地区揭榜", "改革思路", "联系人", "联系电话"]
    assert [r[1].removeprefix("'") for r in rows[1:]] == page(bid="yes", sort="-title")
    assert {r[5] for r in rows[1:]} == {"王建国"}
    everything = client.get(reverse("bidding:bids_csv"), {"year": bcycle.year}).content.decode("utf-8-sig")
    assert "江苏联系人" not in everything
    assert _rows(client.get(reverse("bidding:bids_csv"), {"year": bcycle.year}))[3][3] == "未揭榜"
    _neutralised(client.get(reverse("bidding:bids_xlsx"), {"year": bcycle.year}), "=SUM(A1:A2)")
    url_csv, year = reverse("bidding:bids_csv"), {"year": bcycle.year}
    one = _queries(client, django_assert_max_num_queries, url_csv, {**year, "bid": "no"})
    assert one == _queries(client, django_assert_max_num_queries, url_csv, year)  # 1 row, 3 rows
    client.force_login(reviewer)  # reviewers read the 汇总 matrix; the page sends them there
    assert client.get(url, {"year": bcycle.year}).status_code == 302
    assert client.get(reverse("bidding:bids_csv"), {"year": bcycle.year}).status_code == 403


def test_another_regions_bids_export_holds_its_own_bids_only(client, bcycle, claimed, region_b_drc):
    client.force_login(region_b_drc)
    rows = _rows(client.get(reverse("bidding:bids_csv"), {"year": bcycle.year, "bid": "yes"}))
    assert [(r[1], r[5]) for r in rows[1:]] == [("甲举措", "江苏联系人")]


def test_the_doc_number_register_sorts_filters_and_exports_every_number(
    client, monkeypatch, region_a_drc, reviewer, django_assert_max_num_queries
):
    from django.conf import settings

    from reform_portal import docnumbers, pagination
    from reform_portal.services import local_today

    year, prefix = local_today().year, settings.PORTAL_NOTICE_NUMBER_PREFIX
    taken = [
        docnumbers.take(year=year, prefix=prefix, kind=kind, subject=subject, by=reviewer)
        for kind, subject in [("通知", "=HYPERLINK(1)"), ("函", "乙事由"), ("通知", "丙事由")]
    ]
    docnumbers.void(number=taken[1], by=reviewer, reason="作废")
    monkeypatch.setattr(pagination, "PAGE_SIZE", 2)
    client.force_login(reviewer)
    url = reverse("bidding:doc_number_register")

    def page(**params):
        return [n.number for n in client.get(url, params).context["numbers"]]

    numbers = [n.number for n in taken]
    assert page() == sorted(numbers, reverse=True)[:2]  # newest first, one page
    assert page(sort="number") == sorted(numbers)[:2]
    assert page(sort="-number") == sorted(numbers, reverse=True)[:2]
    assert page(sort="register__prefix") == page()
    assert page(state="voided") == [taken[1].number]
    assert page(kind="通知", sort="number") == [taken[0].number, taken[2].number]
    rows = _rows(client.get(reverse("bidding:doc_number_register_csv"), {"sort": "number", "page": "2"}))
    assert rows[0] == ["发文字号", "公文种类", "事由", "状态", "取号方式", "取号人", "取号时间"]
    assert [r[0] for r in rows[1:]] == [n.text for n in taken]  # every number, not the page's two
    assert rows[1][2] == "'=HYPERLINK(1)"
    rows = _rows(client.get(reverse("bidding:doc_number_register_csv"), {"state": "voided"}))
    assert [r[0] for r in rows[1:]] == [taken[1].text]
    _neutralised(client.get(reverse("bidding:doc_number_register_xlsx")), "=HYPERLINK(1)")
    url_csv = reverse("bidding:doc_number_register_csv")
    one = _queries(client, django_assert_max_num_queries, url_csv, {"state": "voided"})
    assert one == _queries(client, django_assert_max_num_queries, url_csv, {})  # 1 row, 3 rows
    client.force_login(region_a_drc)
    assert client.get(reverse("bidding:doc_number_register_csv")).status_code == 403


def _queries(client, django_assert_max_num_queries, url, params):
    """The queries of one export (warmed first): the same whatever the number of rows."""
    client.get(url, params)
    with django_assert_max_num_queries(40) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)
