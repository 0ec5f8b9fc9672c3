"""The bidding pages: the bid form, the reviewers' matrix (highlights, unclaimed entries, XLSX), awards, the
letters batch page, the progress dashboard with filters, dashboard panels, query counts with 1 and 3 items,
optimistic locking, pagination."""

import datetime
import io
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from bidding import services
from bidding.models import Bid, NoticeBatch, Task

from ..pagination_scenarios import _ids, _link, _login, _queries, pages
from ..reform_portal.scenarios import _assert_refused, _loaded
from . import scenarios as fb

pytestmark = pytest.mark.django_db
CODES = ["330000", "320000", "440000"]


def test_claiming_through_the_form_keeps_input_on_errors(client, bcycle, entries, region_a_drc):
    client.force_login(region_a_drc)
    url = reverse("bidding:bid_edit", args=[entries[0].pk])
    page = client.post(
        url,
        {
            "approach": "先行先试",
            "entity_names": "浙江大学",
            "contact_name": "王建国",
            "contact_phone": "电话",
        },
    )
    assert page.status_code == 200
    assert page.context["form"].errors == {
        "entity_kinds": ["请至少选择一类拟定实施主体。"],
        "contact_phone": ["请填写有效的电话号码（数字、空格、+、-、括号，7—30位）。"],
    }
    assert "先行先试" in page.content.decode()
    page = client.post(
        url,
        {
            "approach": "先行先试",
            "entity_kinds": ["university", "enterprise"],
            "entity_names": "浙江大学",
            "contact_name": "王建国",
            "contact_phone": "0571-87051234",
        },
        follow=True,
    )
    assert f"已揭榜“{entries[0].title}”。" in page.content.decode()
    bid = page.context["bid_set"].bids.get()
    assert (bid.approach, bid.entity_kinds) == ("先行先试", ["enterprise", "university"])


def test_the_bids_page_walks_sign_off_and_submission(client, bcycle, entries, region_a_drc, region_a_scitech):
    fb.make_bid_set(bcycle, region_a_drc, entries[:3])
    client.force_login(region_a_drc)
    client.post(reverse("bidding:bid_set_sign"))
    page = client.post(reverse("bidding:bid_set_submit"), follow=True)
    assert "须经本地区发展改革委和科技厅（委、局）双方确认联合报送后方可报送。" in page.content.decode()
    client.force_login(region_a_scitech)
    client.post(reverse("bidding:bid_set_sign"))
    page = client.post(reverse("bidding:bid_set_submit"), follow=True)
    assert "揭榜申报已报送国家发展改革委、科技部。" in page.content.decode()
    assert page.context["bid_set"].state == "submitted"


def _regions(bcycle, entries, n):
    for i, code in enumerate(CODES[:n]):
        drc, scitech = fb.region_pair(code)
        fb.submitted_bid_set(bcycle, drc, scitech, entries[i : i + 3])


def test_matrix_counts_highlights_and_unclaimed(client, bcycle, entries, reviewer):
    _regions(bcycle, entries, 2)
    drc, scitech = fb.region_pair("510000")
    bcycle.min_bids = 2
    bcycle.save()
    fb.submitted_bid_set(bcycle, drc, scitech, entries[:2])
    bcycle.min_bids = 3
    bcycle.save()
    client.force_login(reviewer)
    page = client.get(reverse("bidding:matrix"))
    rows = {r["region"].code: r for r in page.context["rows"]}
    assert [c["count"] for c in page.context["columns"]] == [2, 3, 2, 1, 0]
    assert [e.number for e in page.context["unclaimed"]] == [entries[4].number]
    assert (rows["330000"]["n"], rows["320000"]["n"], rows["510000"]["n"], rows["110000"]["n"]) == (
        3,
        3,
        2,
        0,
    )
    assert {c for c, r in rows.items() if r["under_minimum"] and r["bid_set"]} == {"510000"}
    html = page.content.decode()
    assert 'data-region="510000" class="highlight under-minimum"' in html


def test_the_matrix_reads_the_entries_headings_only(
    client, bcycle, entries, reviewer, django_assert_max_num_queries
):
    """The matrix and its XLSX print each entry's number and title: the entries' texts (改革内容, 改革目标…) stay in
    the database, no entry field is read one at a time, and a title is escaped in 无人揭榜的条目 (issue 19)."""
    from catalog.models import ListEntry

    _regions(bcycle, entries, 1)
    ListEntry.objects.filter(pk=entries[4].pk).update(title="<script>x</script>")
    client.force_login(reviewer)
    for url in (reverse("bidding:matrix"), reverse("bidding:matrix_xlsx")):
        client.get(url)
        with django_assert_max_num_queries(40) as ctx:
            assert client.get(url).status_code == 200
        sql = " ".join(q["sql"] for q in ctx.captured_queries)
        assert sql.count('FROM "catalog_listentry"') == 1
        assert '"catalog_listentry"."description"' not in sql and '"catalog_listentry"."goals"' not in sql
    html = client.get(reverse("bidding:matrix")).content.decode()
    unclaimed = html.split('data-testid="unclaimed">')[1].split("</ul>")[0]
    assert unclaimed == (
        f"<li>{entries[3].number} {entries[3].title}</li><li>{entries[4].number} &lt;script&gt;x&lt;/script&gt;</li>"
    )


def test_matrix_reads_its_stored_tally_and_every_change_shows(
    client, bcycle, entries, reviewer, django_assert_max_num_queries
):
    """The matrix's cells are a stored per-cycle tally (issue 19): read, not recomputed, while nothing changes;
    a submission, a withdrawal and an award each show on the next view (their services invalidate it)."""
    from reform_portal.models import CycleTally

    _regions(bcycle, entries, 1)
    client.force_login(reviewer)

    def cells():
        page = client.get(reverse("bidding:matrix"))
        return {
            r["region"].code: [("awarded" if c["awarded"] else "bid" if c["bid"] else "") for c in r["cells"]]
            for r in page.context["rows"]
            if r["n"]
        }

    assert cells() == {"330000": ["bid", "bid", "bid", "", ""]}
    stored = CycleTally.objects.get(cycle=bcycle, key="bidding.matrix")
    assert stored.data_generation == stored.generation
    CycleTally.objects.filter(pk=stored.pk).update(data={"bids": [], "awarded": []})
    assert cells() == {}  # the page shows the stored tally: nothing recomputed
    drc, scitech = fb.region_pair("320000")
    bid_set = fb.submitted_bid_set(bcycle, drc, scitech, entries[1:4])
    assert cells() == {"330000": ["bid", "bid", "bid", "", ""], "320000": ["", "bid", "bid", "bid", ""]}
    services.bid_set_withdraw(bid_set=bid_set, by=drc)
    assert cells() == {"330000": ["bid", "bid", "bid", "", ""]}
    services.tasks_award(
        cycle=bcycle, bids=list(Bid.objects.filter(bid_set__region__code="330000")), by=reviewer
    )
    assert cells() == {"330000": ["awarded", "awarded", "awarded", "", ""]}
    workbook = load_workbook(io.BytesIO(client.get(reverse("bidding:matrix_xlsx")).content))
    by_region = {row[0]: row for row in workbook["揭榜结果"].iter_rows(min_row=3, values_only=True)}
    assert by_region["浙江省"][1:6] == (
        "已确认",
        "已确认",
        "已确认",
        None,
        None,
    )  # the XLSX reads the same tally


def test_matrix_exports_to_xlsx(client, bcycle, entries, reviewer):
    _regions(bcycle, entries, 2)
    client.force_login(reviewer)
    response = client.get(reverse("bidding:matrix_xlsx"))
    assert response["Content-Disposition"] == (
        f'attachment; filename="bidding-matrix-{bcycle.year}.xlsx"; '
        f"filename*=UTF-8''{quote(f'{bcycle.year}年度揭榜结果汇总.xlsx')}"
    )
    wb = load_workbook(io.BytesIO(response.content))
    ws = wb["揭榜结果"]
    assert ws["A1"].value == f"{bcycle.year}年度全面改革创新举措揭榜结果汇总"
    assert ws["B2"].value == f"{entries[0].number} {entries[0].title}"
    by_region = {row[0]: row for row in ws.iter_rows(min_row=3, values_only=True)}
    assert by_region["浙江省"][1:9] == ("揭榜", "揭榜", "揭榜", None, None, 3, 0, None)
    assert by_region["北京市"][-1] == "少于3项"
    assert by_region["揭榜地区数"][1:6] == (1, 2, 2, 1, 0)
    assert [r for r in wb["无人揭榜条目"].iter_rows(values_only=True)] == [
        ("编号", "举措名称"),
        (entries[4].number, entries[4].title),
    ]


def test_awarding_from_the_matrix_creates_tasks(client, bcycle, entries, reviewer):
    _regions(bcycle, entries, 2)
    from bidding.models import Bid

    chosen = list(Bid.objects.filter(bid_set__region__code="330000"))
    client.force_login(reviewer)
    page = client.post(
        reverse("bidding:award"), {"year": bcycle.year, "bid": [b.pk for b in chosen]}, follow=True
    )
    assert "已确认3项揭榜任务。" in page.content.decode()
    assert sorted(Task.objects.values_list("region__code", "entry__number")) == sorted(
        ("330000", b.entry.number) for b in chosen
    )
    client.post(reverse("bidding:award"), {"year": bcycle.year, "bid": [b.pk for b in chosen]})
    assert Task.objects.count() == 3  # awarding twice does not duplicate


def test_issuing_from_the_page_shows_progress(
    client, bcycle, entries, reviewer, django_capture_on_commit_callbacks
):
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
    assert (
        'http-equiv="refresh"' not in html
        and "已生成 1 / 1 份通知书" in html
        and "全部通知书已生成。" in html
    )


def test_progress_dashboard_filters_and_figures(client, bcycle, entries, reviewer):
    drc, scitech = fb.region_pair("330000")
    tasks = fb.allocated(bcycle, reviewer, drc, scitech, entries[:3])
    services.milestone_add(task=tasks[0], by=drc, fields=fb.milestone_fields(days=1, title="节点1"))
    services.milestone_add(task=tasks[0], by=drc, fields=fb.milestone_fields(days=40, title="节点2"))
    services.target_add(task=tasks[0], fields=fb.target_fields(), by=drc)
    services.plan_confirm(task=tasks[0], by=drc)
    m1, m2 = tasks[0].milestones.all()
    services.report_file(
        task=tasks[0],
        by=drc,
        period_end=timezone.localdate(),
        narrative="进展",
        actuals={tasks[0].targets.get().pk: Decimal("25")},
        statuses={m1.pk: ("late", ""), m2.pk: ("on_track", "")},
    )
    client.force_login(reviewer)
    later = timezone.localdate() + datetime.timedelta(days=5)
    from bidding import selectors

    rows = selectors.with_attainment(selectors.progress_rows(selectors.progress_tasks(bcycle), today=later))
    regions = selectors.progress_regions(selectors.progress_tasks(bcycle), today=later)
    first = rows[0]
    assert (first.n_milestones, first.n_late, first.n_overdue, first.last_report, first.attainment) == (
        2,
        1,
        1,
        timezone.localdate(),
        0.25,
    )
    assert regions[0]["tasks"] == 3 and regions[0]["overdue"] == 1
    page = client.get(reverse("bidding:progress"), {"state": "in_progress"})
    assert [t.pk for t in page.context["rows"]] == [tasks[0].pk]
    page = client.get(reverse("bidding:progress"), {"region": "320000"})
    assert page.context["rows"] == []
    from reform_portal.models import Region

    html = page.content.decode()  # the region filter keeps the region chosen, every active region offered
    assert '<option value="320000" selected>江苏省</option>' in html
    assert html.count('<option value="3') >= Region.objects.filter(active=True, code__startswith="3").count()
    assert "25%" in client.get(reverse("bidding:progress")).content.decode()


def test_dashboard_panels(client, bcycle, entries, region_a_drc, region_a_scitech, reviewer):
    fb.signed_bid_set(bcycle, region_a_drc, region_a_scitech, entries[:3])
    client.force_login(region_a_drc)
    html = client.get(reverse("dashboard")).content.decode()
    assert "已联合确认，待报送" in html and "已揭榜 3 项（不少于 3 项）" in html
    client.force_login(reviewer)
    html = client.get(reverse("dashboard")).content.decode()
    assert "已报送揭榜申报 0 个地区 · 确认任务 0 项 · 已下达通知书 0 份" in html
    assert "有滞后里程碑的任务 0 项 · 待评估 0 项" in html


def test_reviewer_panel_counts_each_late_task_once(client, bcycle, entries, reviewer):
    from bidding.enums import MilestoneStatus, TaskState
    from bidding.models import Milestone

    drc, scitech = fb.region_pair("330000")
    tasks = fb.allocated(bcycle, reviewer, drc, scitech, entries[:3])
    for task in tasks[:2]:
        for days in (10, 20):
            services.milestone_add(task=task, by=drc, fields=fb.milestone_fields(days=days))
    Milestone.objects.filter(task=tasks[0]).update(
        status=MilestoneStatus.LATE
    )  # two late milestones: one task
    Milestone.objects.filter(
        task=tasks[1], due_date__gt=timezone.localdate() + datetime.timedelta(days=15)
    ).update(status=MilestoneStatus.LATE)
    Task.objects.filter(pk=tasks[2].pk).update(state=TaskState.PENDING_EVALUATION)
    client.force_login(reviewer)
    html = client.get(reverse("dashboard"), {"year": bcycle.year}).content.decode()
    assert "已报送揭榜申报 1 个地区 · 确认任务 3 项" in html
    assert "有滞后里程碑的任务 2 项 · 待评估 1 项" in html


def test_reviewer_figures_are_stored_and_follow_every_change(
    client, bcycle, entries, reviewer, django_assert_num_queries
):
    """The reviewers' bidding figures are stored per year (DECISIONS §19) and read in one query; submitting a bid
    set, awarding tasks, a milestone turning late and a 通知书 each invalidate them in the service's own
    transaction, so the next visit shows the change."""
    from bidding.enums import MilestoneStatus
    from bidding.models import Milestone, TaskNotice
    from bidding.panels import REVIEWER_FIGURES, reviewer_figures
    from reform_portal import tallies
    from reform_portal.models import CycleTally

    client.force_login(reviewer)

    def panel():
        return client.get(reverse("dashboard"), {"year": bcycle.year}).content.decode()

    def stored():
        row = CycleTally.objects.get(cycle=bcycle, key=REVIEWER_FIGURES)
        return row.data if row.generation == row.data_generation else None

    assert "已报送揭榜申报 0 个地区 · 确认任务 0 项 · 已下达通知书 0 份" in panel()
    assert stored() == reviewer_figures(bcycle)
    with django_assert_num_queries(1):  # stored: one read, no count
        assert tallies.read(bcycle, REVIEWER_FIGURES, reviewer_figures)["n_tasks"] == 0

    drc, scitech = fb.region_pair("330000")
    bid_set = fb.submitted_bid_set(bcycle, drc, scitech, entries[:3])
    assert stored() is None  # the submission invalidated it
    assert "已报送揭榜申报 1 个地区 · 确认任务 0 项" in panel()
    tasks = services.tasks_award(cycle=bcycle, bids=list(bid_set.bids.all()), by=reviewer)
    assert "已报送揭榜申报 1 个地区 · 确认任务 3 项" in panel()
    services.notice_allocate(cycle=bcycle, region=drc.region, by=reviewer)  # numbered, not rendered yet
    assert "已下达通知书 0 份" in panel()
    services.milestone_add(task=tasks[0], by=drc, fields=fb.milestone_fields(days=10))
    assert "有滞后里程碑的任务 0 项" in panel()
    milestone = Milestone.objects.get(task=tasks[0])
    milestone.status = MilestoneStatus.LATE
    milestone.save()  # any save of a counted row invalidates, whoever makes it (a service, the admin)
    assert "有滞后里程碑的任务 1 项" in panel()
    milestone.delete()
    assert "有滞后里程碑的任务 0 项" in panel()
    rendered = services.notice_render(notice=TaskNotice.objects.get(cycle=bcycle), by=reviewer)
    assert rendered.pdf
    assert "已下达通知书 1 份" in panel()
    assert stored() == reviewer_figures(bcycle)


# ---- query counts with 1 and 3 items ----------------------------------------------------------------


def _count(client, url, django_assert_max_num_queries, limit=40, **params):
    client.get(url, params)  # warm the content-type cache guardian uses, so only the page's own queries count
    with django_assert_max_num_queries(limit) as ctx:
        assert client.get(url, params).status_code == 200
    return len(ctx.captured_queries)


def test_matrix_query_count_does_not_grow_with_regions(
    client, bcycle, entries, reviewer, django_assert_max_num_queries
):
    client.force_login(reviewer)
    _regions(bcycle, entries, 1)
    one = _count(client, reverse("bidding:matrix"), django_assert_max_num_queries)
    for i, code in enumerate(CODES[1:], start=1):
        drc, scitech = fb.region_pair(code)
        fb.submitted_bid_set(bcycle, drc, scitech, entries[i : i + 3])
    assert _count(client, reverse("bidding:matrix"), django_assert_max_num_queries) == one


def test_bids_page_query_count_does_not_grow_with_claims(
    client, bcycle, entries, region_a_drc, django_assert_max_num_queries
):
    fb.make_bid_set(bcycle, region_a_drc, entries[:1])
    client.force_login(region_a_drc)
    one = _count(client, reverse("bidding:bids"), django_assert_max_num_queries)
    fb.make_bid_set(bcycle, region_a_drc, entries[1:3])
    assert _count(client, reverse("bidding:bids"), django_assert_max_num_queries) == one


def test_bids_page_reads_the_region_with_its_bid_set(
    client, bcycle, entries, region_a_drc, django_assert_max_num_queries
):
    """Issue 19: the region of the page's bid set is joined to it, not read by a query of its own."""
    fb.make_bid_set(bcycle, region_a_drc, entries[:2])
    client.force_login(region_a_drc)
    url = reverse("bidding:bids")
    client.get(url)
    with django_assert_max_num_queries(40) as ctx:
        html = client.get(url).content.decode()
    assert region_a_drc.region.name in html
    assert not [q["sql"] for q in ctx.captured_queries if 'FROM "reform_portal_region"' in q["sql"]]


def _tasks(bcycle, entries, reviewer, n):
    drc, scitech = fb.region_pair("330000")
    tasks = fb.allocated(bcycle, reviewer, drc, scitech, entries[:3])
    for t in tasks[:n]:
        fb.confirmed_plan(t, drc, milestones=2)
    return drc, tasks


def test_task_list_and_progress_query_counts(
    client, bcycle, entries, reviewer, django_assert_max_num_queries
):
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


def test_progress_page_reads_its_region_figures_and_filter_stored(client, bcycle, entries, reviewer):
    """实施进展看板 without a state, level or overdue filter reads the per-region figures and the 地区 filter's
    regions from the year's stored figures (``selectors.PROGRESS_REGIONS``, issue 19): no per-region aggregate
    over the milestones and no query of the regions; the same table as the live count."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bidding import selectors

    drc, tasks = _tasks(bcycle, entries, reviewer, 2)
    client.force_login(reviewer)
    url = reverse("bidding:progress")
    client.get(url)  # computes and stores them
    for params in ({}, {"region": "330000"}):
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(url, params).content.decode()
        sqls = [q["sql"] for q in ctx.captured_queries]
        assert not [s for s in sqls if "COUNT(DISTINCT" in s], sqls  # the per-region aggregate
        assert not [s for s in sqls if s.startswith('SELECT "reform_portal_region"."code" AS "code"')]
        assert len([s for s in sqls if selectors.PROGRESS_REGIONS in s]) == 1
        assert '<tr data-region="330000"><td>浙江省</td><td>3</td><td>0 / 4</td><td>0</td></tr>' in html
        assert '<option value="330000"' in html and '<option value="320000"' in html
    with CaptureQueriesContext(connection) as ctx:  # a state filter: counted over the filtered tasks
        html = client.get(url, {"state": "in_progress"}).content.decode()
    assert [q for q in ctx.captured_queries if "COUNT(DISTINCT" in q["sql"]]
    assert '<tr data-region="330000"><td>浙江省</td><td>2</td><td>0 / 4</td><td>0</td></tr>' in html


def test_task_page_query_count_does_not_grow_with_reports(
    client, bcycle, entries, reviewer, django_assert_max_num_queries
):
    drc, tasks = _tasks(bcycle, entries, reviewer, 1)
    task = tasks[0]
    ms, tg = list(task.milestones.all()), task.targets.get()

    def add_report(days_ago):
        services.report_file(
            task=task,
            by=drc,
            period_end=timezone.localdate() - datetime.timedelta(days=days_ago),
            narrative="进展",
            actuals={tg.pk: Decimal(days_ago)},
            statuses={m.pk: ("on_track", "") for m in ms},
        )

    add_report(10)
    client.force_login(drc)
    url = reverse("bidding:task_detail", args=[task.pk])
    one = _count(client, url, django_assert_max_num_queries)
    add_report(5)
    add_report(1)
    assert _count(client, url, django_assert_max_num_queries) == one


def test_task_page_reads_its_rows_by_key_and_prints_each_report_with_its_own_rows(
    client, bcycle, entries, reviewer, django_assert_max_num_queries, settings, tmp_path
):
    """Issue 19: the page reads milestones, targets and reports by the task's key without joining the task, its
    cycle, region and list entry to sort one task's rows (their default ordering is by the task), and a report's
    actuals and updates name the target and milestone read already; each report still prints its own rows."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    drc, tasks = _tasks(bcycle, entries, reviewer, 1)
    task = tasks[0]
    ms = list(task.milestones.all())
    tg = task.targets.get()
    for days_ago, value, note in ((20, "12", "<b>一期</b>"), (2, "34", "二期")):
        services.report_file(
            task=task,
            by=drc,
            period_end=timezone.localdate() - datetime.timedelta(days=days_ago),
            narrative=f"进展{days_ago}",
            actuals={tg.pk: Decimal(value)},
            statuses={m.pk: ("at_risk", note) for m in ms},
            uploads=[
                SimpleUploadedFile(
                    f"附件{days_ago}.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
                )
            ],
        )
    client.force_login(drc)
    url = reverse("bidding:task_detail", args=[task.pk])
    client.get(url)
    with django_assert_max_num_queries(40) as ctx:
        html = client.get(url).content.decode()
    row_tables = ("bidding_milestone", "bidding_target", "bidding_progressreport")
    for query in ctx.captured_queries:
        sql = query["sql"]
        if any(f'FROM "{table}"' in sql for table in row_tables):
            assert 'JOIN "bidding_task"' not in sql, sql
        if 'FROM "bidding_targetactual"' in sql or 'FROM "bidding_milestoneupdate"' in sql:
            assert "JOIN" not in sql, sql
    reports = html.split('data-testid="report"')[1:]
    assert len(reports) == 2
    newest, oldest = reports
    assert "进展2" in newest and "赋权成果数：34.00项" in newest and "附件2.pdf" in newest
    assert "进展20" in oldest and "赋权成果数：12.00项" in oldest and "附件20.pdf" in oldest
    assert "节点1：存在风险（&lt;b&gt;一期&lt;/b&gt;）" in oldest and "<b>一期</b>" not in html
    assert "节点2：存在风险（二期）" in newest and "一期" not in newest


def test_confirm_button_sends_the_version_read_and_a_newer_version_is_not_confirmed(
    client, bcycle, entries, region_a_drc, region_a_scitech
):
    bid_set = fb.make_bid_set(bcycle, region_a_drc, entries[:3])
    client.force_login(region_a_scitech)
    page = client.get(reverse("bidding:bids")).content.decode()
    assert f'<input type="hidden" name="version" value="{bid_set.version}">' in page
    # the 发展改革委 changes a claim after the 科技厅 opened the page
    services.bid_save(
        bid_set=bid_set, entry=entries[0], fields=fb.bid_fields(approach="读后才改的思路"), by=region_a_drc
    )
    page = client.post(reverse("bidding:bid_set_sign"), {"version": str(bid_set.version)}, follow=True)
    assert [str(m) for m in page.context["messages"]] == [
        f"揭榜申报在您查看后已被修改（您看到的是第{bid_set.version}版，现为第{bid_set.version + 1}版），本次确认未生效。"
        "请查看最新内容后再确认联合报送。"
    ]
    bid_set.refresh_from_db()
    assert bid_set.scitech_signed_by is None
    # confirming what it now sees works; junk in the field is treated as unknown, not a 500
    page = client.post(reverse("bidding:bid_set_sign"), {"version": str(bid_set.version)}, follow=True)
    assert [str(m) for m in page.context["messages"]] == ["已确认联合报送。"]
    assert client.post(reverse("bidding:bid_set_sign"), {"version": "²"}).status_code == 302


# ------------------------------------------------------------------------------------------------------------
# Two people editing the same thing: the second save is refused with who saved first and when, the second
# person's text stays on the page, and the database keeps the first save (nothing silently overwritten).


def test_two_departments_editing_one_claim(client, region_a_drc, region_a_scitech):
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    fb.make_bid_set(cycle, region_a_drc, entries[:1])
    url = reverse("bidding:bid_edit", args=[entries[0].pk])
    other = type(client)()
    client.force_login(region_a_drc)
    other.force_login(region_a_scitech)
    rev_drc, rev_scitech = _loaded(client, url), _loaded(other, url)
    assert rev_drc == rev_scitech == 1
    form = {
        "entity_kinds": ["university"],
        "entity_names": "浙江大学",
        "contact_name": "王建国",
        "contact_phone": "0571-87051234",
    }
    first = client.post(url, {**form, "approach": "发改委的改革思路", "revision": rev_drc})
    assert first.status_code == 302
    second = other.post(url, {**form, "approach": "科技厅的改革思路", "revision": rev_scitech})
    _assert_refused(second, region_a_drc, "科技厅的改革思路", "揭榜事项")
    bid = Bid.objects.get(entry=entries[0])
    assert (bid.approach, bid.revision) == ("发改委的改革思路", 2)
    # after reloading, the 科技厅 saves on top of what it now sees
    again = other.post(url, {**form, "approach": "科技厅的改革思路", "revision": _loaded(other, url)})
    assert again.status_code == 302
    assert Bid.objects.get(entry=entries[0]).approach == "科技厅的改革思路"


def test_a_claim_made_meanwhile_by_the_other_department_is_not_overwritten(
    client, region_a_drc, region_a_scitech
):
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    fb.make_bid_set(cycle, region_a_drc, entries[1:2])
    url = reverse("bidding:bid_edit", args=[entries[0].pk])
    client.force_login(region_a_scitech)
    loaded = _loaded(client, url)
    assert loaded == 0  # nothing claimed yet
    from bidding import services as bs

    bs.bid_save(
        bid_set=Bid.objects.first().bid_set,
        entry=entries[0],
        by=region_a_drc,
        fields=fb.bid_fields(approach="发改委先认领"),
    )
    page = client.post(
        url,
        {
            "approach": "科技厅也想认领",
            "entity_kinds": ["university"],
            "entity_names": "",
            "contact_name": "陈海燕",
            "contact_phone": "0571-87050000",
            "revision": loaded,
        },
    )
    _assert_refused(page, region_a_drc, "科技厅也想认领", "揭榜事项")
    assert Bid.objects.get(entry=entries[0]).approach == "发改委先认领"


# ------------------------------------------------------------------------------------------------------------
# The long list pages are paginated (the pages and their rows: tests/pagination_scenarios.py): only one page
# of rows is loaded and shown, ?page=2 shows the rest, the GET filters survive in the page links, and the number
# of queries is the same with 1 and with 3 pages of rows.


PAGINATED = pages("bidding")


@pytest.mark.parametrize("page", PAGINATED, ids=repr)
def test_first_page_then_the_rest(client, small_pages, cycle, cast, page):
    cache.clear()
    page.make(cycle, cast, page.size + 1)
    _login(client, cast[page.who])
    url, params = reverse(page.name), page.params(cycle)
    first = client.get(url, params)
    assert first.status_code == 200
    assert len(first.context[page.key]) == page.size
    assert first.context["page"].paginator.count == page.size + 1
    assert _link(params, 2) in first.content.decode()
    second = client.get(url, {**params, "page": 2})
    assert len(second.context[page.key]) == 1
    assert _link(params, 1) in second.content.decode()
    assert len(set(_ids(first.context[page.key]) + _ids(second.context[page.key]))) == page.size + 1


@pytest.mark.parametrize("page", [p for p in PAGINATED if p.filters], ids=repr)
def test_filters_survive_in_the_page_links(client, small_pages, cycle, cast, page):
    cache.clear()
    page.make(cycle, cast, page.size + 1)
    page.make(cycle, cast, page.size + 1)
    _login(client, cast[page.who])
    url, params = reverse(page.name), page.params(cycle, filtered=True)
    first = client.get(url, params)
    assert first.context["page"].paginator.count == page.size + 1
    assert _link(params, 2) in first.content.decode()
    second = client.get(url, {**params, "page": 2})
    assert len(second.context[page.key]) == 1
    assert client.get(url, page.params(cycle)).context["page"].paginator.count == 2 * (page.size + 1)


@pytest.mark.parametrize("page", PAGINATED, ids=repr)
def test_queries_do_not_grow_with_pages(client, small_pages, cycle, cast, page):
    cache.clear()
    url, params = reverse(page.name), page.params(cycle)
    page.make(cycle, cast, page.size)
    _login(client, cast[page.who])
    one, response = _queries(client, url, params)
    assert response.context["page"].paginator.num_pages == 1
    page.make(cycle, cast, 2 * page.size)
    three, response = _queries(client, url, params)
    assert response.context["page"].paginator.num_pages == 3
    assert one == three


@pytest.mark.django_db
def test_progress_and_task_list_filter_by_the_entities_level(reviewer, region_a_drc, region_a_scitech):
    """分层推进 (notice 四, issue 20 §5): tasks by the level of their implementing entities."""
    from bidding import services as bidding_services
    from reform_portal.enums import OrgKind
    from reform_portal.models import Organization

    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    city_task, other_task, _third = fb.allocated(cycle, reviewer, region_a_drc, region_a_scitech, entries)
    city = Organization.objects.create(
        name="宁波市人民政府", kind=OrgKind.LOCAL_GOV, region=region_a_drc.region, level="key_city"
    )
    lab = Organization.objects.create(name="某实验室", kind=OrgKind.INSTITUTE, region=region_a_drc.region)
    bidding_services.plan_set_entities(task=city_task, organizations=[city, lab], by=region_a_drc)
    bidding_services.plan_set_entities(task=other_task, organizations=[lab], by=region_a_drc)
    c = Client()
    c.force_login(reviewer)
    page = c.get(reverse("bidding:progress"), {"level": "key_city"})
    assert [t.pk for t in page.context["rows"]] == [city_task.pk]
    assert len(c.get(reverse("bidding:progress"), {"level": "nonsense"}).context["rows"]) == 3
    c.force_login(region_a_drc)
    page = c.get(reverse("bidding:tasks"), {"level": "key_city", "year": cycle.year})
    assert [t.pk for t in page.context["tasks"]] == [city_task.pk]


# ---- 发文字号 register: a number typed at issue (issue 15 §3) ------------------------------------------------


@pytest.mark.django_db
def test_a_typed_number_that_exists_is_refused_at_the_field_and_kept(client, entries, reviewer):
    from reform_portal import docnumbers
    from reform_portal.services import local_today

    year = local_today().year
    docnumbers.take(year=year, prefix="发改高技", kind="其他公文", subject="", by=None, typed=31)
    drc, scitech = fb.region_pair("330000")
    fb.awarded_tasks(entries[0].measure_list.cycle, reviewer, drc, scitech, entries[:3])
    client.force_login(reviewer)
    url = reverse("bidding:notice_issue_one") + f"?year={entries[0].measure_list.cycle.year}"
    response = client.post(
        url, {"region": drc.region.pk, "number": "31", "year": entries[0].measure_list.cycle.year}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"number"}
    assert errors["number"] == [
        f"发改高技〔{year}〕31号已被使用（含已作废的公文），请按登记簿填写未用的序号。"
    ]
    assert 'value="31"' in response.content.decode()
    assert not services.TaskNotice.objects.exists()
    # a free number is taken as typed
    response = client.post(
        url, {"region": drc.region.pk, "number": "32", "year": entries[0].measure_list.cycle.year}
    )
    assert response.status_code == 302
    notice = services.TaskNotice.objects.get()
    assert notice.doc_number == f"发改高技〔{year}〕32号" and notice.number.typed


@pytest.mark.django_db
def test_the_office_sets_the_next_number_on_the_register_page(client, reviewer, region_a_drc):
    from reform_portal.models import DocNumberRegister

    client.force_login(reviewer)
    url = reverse("bidding:doc_number_register")
    assert client.get(url).status_code == 200
    assert client.post(url, {"next_number": "0"}).status_code == 200  # refused at the field
    assert client.post(url, {"next_number": "120"}).status_code == 302
    assert DocNumberRegister.objects.get().next_number == 120
    client.force_login(region_a_drc)
    assert client.get(url).status_code == 403


# The matrix's region rows as the template wrote them before they were built in Python (issue 19).
_MATRIX_ROW_TEMPLATE = """{% load i18n %}{% for row in rows %}<tr data-region="{{ row.region.code }}"{% if row.under_minimum %} class="highlight under-minimum"{% endif %}>
            <td>{{ row.region }}{% if row.bid_set and row.bid_set.state == "draft" %} <span class="muted">{% translate "（未报送）" %}</span>{% endif %}</td>
            {{ row.cells_html }}
            <td data-testid="region-count">{{ row.n }}</td>
            <td>{{ row.n_awarded }}</td>
            <td>{% if row.notice and row.notice.pdf %}<a href="{% url 'bidding:notice_download' row.notice.pk %}">{{ row.notice.doc_number }}</a> · <a href="{% url 'bidding:notice_docx' row.notice.pk %}" title="{% translate "下载Word版（.docx）" %}">Word</a>{% elif row.notice %}{{ row.notice.doc_number }}（{% translate "生成中" %}）{% else %}—{% endif %}</td>
          </tr>{% endfor %}"""


def test_matrix_rows_are_the_template_markup(bcycle, entries, reviewer):
    """揭榜矩阵 (issue 19): each region's row is built in Python; a draft set, a region under the minimum, a stored
    letter, one being generated and none, and hostile text give exactly what the template gave."""
    from types import SimpleNamespace

    from django.template import engines

    from bidding import markup, selectors

    _regions(bcycle, entries, 2)
    drc, _scitech = fb.region_pair("440000")
    fb.make_bid_set(bcycle, drc, entries[:1])  # a draft
    data = selectors.matrix(bcycle, entries)
    markup.matrix_cells(data["rows"])
    hostile = '<script>alert("x")</script>&\'甲'
    rows = data["rows"]
    rows[0]["region"].name = hostile
    rows[0]["notice"] = SimpleNamespace(pk=7, pdf="letters/7.pdf", doc_number=hostile)
    rows[1]["notice"] = SimpleNamespace(pk=8, pdf="", doc_number="国科发〔2026〕8号")
    markup.matrix_rows(rows)
    assert {r["under_minimum"] for r in rows} == {True, False}
    assert any(r["bid_set"] and r["bid_set"].state == "draft" for r in rows)
    expected = engines["django"].from_string(_MATRIX_ROW_TEMPLATE).render({"rows": rows})
    built = "".join(r["html"] for r in rows)
    assert built == expected
    assert "<script>" not in built and "（未报送）" in built and "（生成中）" in built


def test_the_matrix_xlsx_is_written_once_per_content(client, bcycle, entries, reviewer, monkeypatch):
    """揭榜矩阵 XLSX (issue 19): written once per distinct content and then read from the cache; a submission, an
    award and a renamed region each give a new workbook at once (the cache key is a digest of what it prints)."""
    from bidding import exports as bidding_exports
    from reform_portal.models import Region

    written = []
    workbook = bidding_exports.matrix_workbook
    monkeypatch.setattr(
        bidding_exports, "matrix_workbook", lambda *args: written.append(1) or workbook(*args)
    )

    _regions(bcycle, entries, 1)
    client.force_login(reviewer)
    url = reverse("bidding:matrix_xlsx")

    def regions():
        book = load_workbook(io.BytesIO(client.get(url).content))
        return {row[0]: row[1:6] for row in book["揭榜结果"].iter_rows(min_row=3, values_only=True) if row[0]}

    assert regions()["浙江省"] == ("揭榜", "揭榜", "揭榜", None, None)
    first = client.get(url).content
    assert client.get(url).content == first and len(written) == 1  # read from the cache, not written again
    drc, scitech = fb.region_pair("320000")
    fb.submitted_bid_set(bcycle, drc, scitech, entries[1:4])
    assert regions()["江苏省"] == (None, "揭榜", "揭榜", "揭榜", None)
    services.tasks_award(
        cycle=bcycle, bids=list(Bid.objects.filter(bid_set__region__code="330000")), by=reviewer
    )
    assert regions()["浙江省"] == ("已确认", "已确认", "已确认", None, None)
    Region.objects.filter(code="330000").update(name="浙江")
    assert regions()["浙江"] == ("已确认", "已确认", "已确认", None, None)
    assert len(written) == 4
