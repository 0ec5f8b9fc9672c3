"""Stage 3 pages: the bid form, the reviewers' matrix (highlights, unclaimed entries, XLSX), awards, the
letters batch page, the progress dashboard with filters, dashboard panels, and query counts with 1 and 3 items."""
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bidding import services
from bidding.models import NoticeBatch, Task

from . import factories_bidding as fb

pytestmark = pytest.mark.django_db
CODES = ["330000", "320000", "440000"]


@pytest.fixture
def bcycle(db):
    return fb.bidding_cycle()


@pytest.fixture
def entries(bcycle):
    return fb.publish_list(bcycle, n=5)


def test_claiming_through_the_form_keeps_input_on_errors(client, bcycle, entries, region_a_drc):
    client.force_login(region_a_drc)
    url = reverse("bidding:bid_edit", args=[entries[0].pk])
    page = client.post(url, {"approach": "先行先试", "entity_names": "浙江大学", "contact_name": "王建国",
                             "contact_phone": "电话"})
    assert page.status_code == 200
    assert page.context["form"].errors == {"entity_kinds": ["请至少选择一类拟定实施主体。"],
                                           "contact_phone": ["请填写有效的电话号码（数字、空格、+、-、括号，7—30位）。"]}
    assert "先行先试" in page.content.decode()
    page = client.post(url, {"approach": "先行先试", "entity_kinds": ["university", "enterprise"],
                             "entity_names": "浙江大学", "contact_name": "王建国", "contact_phone": "0571-87051234"},
                       follow=True)
    assert f"已揭榜“{entries[0].title}”。" in page.content.decode()
    bid = page.context["bid_set"].bids.get()
    assert (bid.approach, bid.entity_kinds) == ("先行先试", ["enterprise", "university"])


def test_the_bids_page_walks_sign_off_and_submission(client, bcycle, entries, region_a_drc, region_a_std):
    fb.make_bid_set(bcycle, region_a_drc, entries[:3])
    client.force_login(region_a_drc)
    client.post(reverse("bidding:bid_set_sign"))
    page = client.post(reverse("bidding:bid_set_submit"), follow=True)
    assert "须经本地区发展改革委和科技厅（委、局）双方确认联合报送后方可报送。" in page.content.decode()
    client.force_login(region_a_std)
    client.post(reverse("bidding:bid_set_sign"))
    page = client.post(reverse("bidding:bid_set_submit"), follow=True)
    assert "揭榜申报已报送国家发展改革委、科技部。" in page.content.decode()
    assert page.context["bid_set"].state == "submitted"


def _regions(bcycle, entries, n):
    for i, code in enumerate(CODES[:n]):
        drc, std = fb.region_pair(code)
        fb.submitted_bid_set(bcycle, drc, std, entries[i:i + 3])


def test_matrix_counts_highlights_and_unclaimed(client, bcycle, entries, reviewer):
    _regions(bcycle, entries, 2)
    drc, std = fb.region_pair("510000")
    bcycle.min_bids = 2
    bcycle.save()
    fb.submitted_bid_set(bcycle, drc, std, entries[:2])
    bcycle.min_bids = 3
    bcycle.save()
    client.force_login(reviewer)
    page = client.get(reverse("bidding:matrix"))
    rows = {r["region"].code: r for r in page.context["rows"]}
    assert [c["count"] for c in page.context["columns"]] == [2, 3, 2, 1, 0]
    assert [e.number for e in page.context["unclaimed"]] == [entries[4].number]
    assert (rows["330000"]["n"], rows["320000"]["n"], rows["510000"]["n"], rows["110000"]["n"]) == (3, 3, 2, 0)
    assert {c for c, r in rows.items() if r["under_minimum"] and r["bid_set"]} == {"510000"}
    html = page.content.decode()
    assert 'data-region="510000" class="highlight under-minimum"' in html


def test_matrix_exports_to_xlsx(client, bcycle, entries, reviewer):
    _regions(bcycle, entries, 2)
    client.force_login(reviewer)
    response = client.get(reverse("bidding:matrix_xlsx"))
    assert response["Content-Disposition"] == f'attachment; filename="bidding-matrix-{bcycle.year}.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["揭榜结果"]
    assert ws["A1"].value == f"{bcycle.year}年度全面改革创新举措揭榜结果汇总"
    assert ws["B2"].value == f"{entries[0].number} {entries[0].title}"
    by_region = {row[0]: row for row in ws.iter_rows(min_row=3, values_only=True)}
    assert by_region["浙江省"][1:9] == ("揭榜", "揭榜", "揭榜", None, None, 3, 0, None)
    assert by_region["北京市"][-1] == "少于3项"
    assert by_region["揭榜地区数"][1:6] == (1, 2, 2, 1, 0)
    assert [r for r in wb["无人揭榜条目"].iter_rows(values_only=True)] == [
        ("编号", "举措名称"), (entries[4].number, entries[4].title)]


def test_awarding_from_the_matrix_creates_tasks(client, bcycle, entries, reviewer):
    _regions(bcycle, entries, 2)
    from bidding.models import Bid

    chosen = list(Bid.objects.filter(bid_set__region__code="330000"))
    client.force_login(reviewer)
    page = client.post(reverse("bidding:award"), {"year": bcycle.year, "bid": [b.pk for b in chosen]}, follow=True)
    assert "已确认3项揭榜任务。" in page.content.decode()
    assert sorted(Task.objects.values_list("region__code", "entry__number")) == sorted(
        ("330000", b.entry.number) for b in chosen)
    client.post(reverse("bidding:award"), {"year": bcycle.year, "bid": [b.pk for b in chosen]})
    assert Task.objects.count() == 3  # awarding twice does not duplicate


def test_issuing_from_the_page_shows_progress(client, bcycle, entries, reviewer, django_capture_on_commit_callbacks):
    _regions(bcycle, entries, 1)
    services.tasks_award(cycle=bcycle, bids=list(services.Bid.objects.all()), by=reviewer)
    client.force_login(reviewer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("bidding:notices_issue"), {"year": bcycle.year})
    batch = NoticeBatch.objects.get()
    assert response["Location"] == reverse("bidding:notice_progress", args=[batch.pk])
    html = client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html and "已生成 0 / 1 份通知书" in html
    for callback in callbacks:  # the queued chord, run eagerly here
        callback()
    html = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in html and "已生成 1 / 1 份通知书" in html and "全部通知书已生成。" in html


def test_progress_dashboard_filters_and_figures(client, bcycle, entries, reviewer):
    drc, std = fb.region_pair("330000")
    tasks = fb.allocated(bcycle, reviewer, drc, std, entries[:3])
    services.milestone_add(task=tasks[0], by=drc, fields=fb.milestone_fields(days=1, title="节点1"))
    services.milestone_add(task=tasks[0], by=drc, fields=fb.milestone_fields(days=40, title="节点2"))
    services.target_add(task=tasks[0], fields=fb.target_fields(), by=drc)
    services.plan_confirm(task=tasks[0], by=drc)
    m1, m2 = tasks[0].milestones.all()
    services.report_file(task=tasks[0], by=drc, period_end=timezone.localdate(), narrative="进展",
                         actuals={tasks[0].targets.get().pk: Decimal("25")},
                         statuses={m1.pk: ("late", ""), m2.pk: ("on_track", "")})
    client.force_login(reviewer)
    later = timezone.localdate() + datetime.timedelta(days=5)
    from bidding import selectors

    rows = selectors.with_attainment(selectors.progress_rows(selectors.progress_tasks(bcycle), today=later))
    regions = selectors.progress_regions(selectors.progress_tasks(bcycle), today=later)
    first = rows[0]
    assert (first.n_milestones, first.n_late, first.n_overdue, first.last_report, first.attainment) == (
        2, 1, 1, timezone.localdate(), 0.25)
    assert regions[0]["tasks"] == 3 and regions[0]["overdue"] == 1
    page = client.get(reverse("bidding:progress"), {"state": "in_progress"})
    assert [t.pk for t in page.context["rows"]] == [tasks[0].pk]
    page = client.get(reverse("bidding:progress"), {"region": "320000"})
    assert page.context["rows"] == []
    assert "25%" in client.get(reverse("bidding:progress")).content.decode()


def test_dashboard_panels(client, bcycle, entries, region_a_drc, region_a_std, reviewer):
    fb.signed_bid_set(bcycle, region_a_drc, region_a_std, entries[:3])
    client.force_login(region_a_drc)
    html = client.get(reverse("dashboard")).content.decode()
    assert "已联合确认，待报送" in html and "已揭榜 3 项（不少于 3 项）" in html
    client.force_login(reviewer)
    html = client.get(reverse("dashboard")).content.decode()
    assert "已报送揭榜申报 0 个地区 · 确认任务 0 项 · 已下达通知书 0 份" in html


# ---- query counts with 1 and 3 items ----------------------------------------------------------------

def _count(client, url, django_assert_max_num_queries, limit=40, **params):
    client.get(url, params)  # warm the content-type cache guardian uses, so only the page's own queries count
    with django_assert_max_num_queries(limit) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_matrix_query_count_does_not_grow_with_regions(client, bcycle, entries, reviewer,
                                                        django_assert_max_num_queries):
    client.force_login(reviewer)
    _regions(bcycle, entries, 1)
    one = _count(client, reverse("bidding:matrix"), django_assert_max_num_queries)
    for i, code in enumerate(CODES[1:], start=1):
        drc, std = fb.region_pair(code)
        fb.submitted_bid_set(bcycle, drc, std, entries[i:i + 3])
    assert _count(client, reverse("bidding:matrix"), django_assert_max_num_queries) == one


def test_bids_page_query_count_does_not_grow_with_claims(client, bcycle, entries, region_a_drc,
                                                         django_assert_max_num_queries):
    fb.make_bid_set(bcycle, region_a_drc, entries[:1])
    client.force_login(region_a_drc)
    one = _count(client, reverse("bidding:bids"), django_assert_max_num_queries)
    fb.make_bid_set(bcycle, region_a_drc, entries[1:3])
    assert _count(client, reverse("bidding:bids"), django_assert_max_num_queries) == one


def _tasks(bcycle, entries, reviewer, n):
    drc, std = fb.region_pair("330000")
    tasks = fb.allocated(bcycle, reviewer, drc, std, entries[:3])
    for t in tasks[:n]:
        fb.confirmed_plan(t, drc, milestones=2)
    return drc, tasks


def test_task_list_and_progress_query_counts(client, bcycle, entries, reviewer, django_assert_max_num_queries):
    drc, tasks = _tasks(bcycle, entries, reviewer, 1)
    client.force_login(drc)
    Task.objects.exclude(pk=tasks[0].pk).delete()
    list_one = _count(client, reverse("bidding:tasks"), django_assert_max_num_queries)
    client.force_login(reviewer)
    progress_one = _count(client, reverse("bidding:progress"), django_assert_max_num_queries)
    for entry in entries[3:5]:
        drc2, std2 = fb.region_pair("320000") if entry == entries[3] else fb.region_pair("440000")
        for t in fb.allocated(bcycle, reviewer, drc2, std2, [entry, entries[0], entries[1]])[:1]:
            fb.confirmed_plan(t, drc2, milestones=2)
    assert Task.objects.count() == 7
    assert _count(client, reverse("bidding:progress"), django_assert_max_num_queries) == progress_one
    client.force_login(drc)
    assert _count(client, reverse("bidding:tasks"), django_assert_max_num_queries) == list_one


def test_task_page_query_count_does_not_grow_with_reports(client, bcycle, entries, reviewer,
                                                          django_assert_max_num_queries):
    drc, tasks = _tasks(bcycle, entries, reviewer, 1)
    task = tasks[0]
    ms, tg = list(task.milestones.all()), task.targets.get()

    def add_report(days_ago):
        services.report_file(task=task, by=drc, period_end=timezone.localdate() - datetime.timedelta(days=days_ago),
                             narrative="进展", actuals={tg.pk: Decimal(days_ago)},
                             statuses={m.pk: ("on_track", "") for m in ms})

    add_report(10)
    client.force_login(drc)
    url = reverse("bidding:task_detail", args=[task.pk])
    one = _count(client, url, django_assert_max_num_queries)
    add_report(5)
    add_report(1)
    assert _count(client, url, django_assert_max_num_queries) == one


def test_confirm_button_sends_the_version_read_and_a_newer_version_is_not_confirmed(client, bcycle, entries,
                                                                                     region_a_drc, region_a_std):
    bid_set = fb.make_bid_set(bcycle, region_a_drc, entries[:3])
    client.force_login(region_a_std)
    page = client.get(reverse("bidding:bids")).content.decode()
    assert f'<input type="hidden" name="version" value="{bid_set.version}">' in page
    # the 发展改革委 changes a claim after the 科技厅 opened the page
    services.bid_save(bid_set=bid_set, entry=entries[0], fields=fb.bid_fields(approach="读后才改的思路"),
                      by=region_a_drc)
    page = client.post(reverse("bidding:bid_set_sign"), {"version": str(bid_set.version)}, follow=True)
    assert [str(m) for m in page.context["messages"]] == [
        f"揭榜申报在您查看后已被修改（您看到的是第{bid_set.version}版，现为第{bid_set.version + 1}版），本次确认未生效。"
        "请查看最新内容后再确认联合报送。"]
    bid_set.refresh_from_db()
    assert bid_set.std_signed_by is None
    # confirming what it now sees works; junk in the field is treated as unknown, not a 500
    page = client.post(reverse("bidding:bid_set_sign"), {"version": str(bid_set.version)}, follow=True)
    assert [str(m) for m in page.context["messages"]] == ["已确认联合报送。"]
    assert client.post(reverse("bidding:bid_set_sign"), {"version": "²"}).status_code == 302
