"""Stage 3's open items on the 工作台 (bidding/open_items.py), each equal to what its page lists, in every year; and
the year of the 揭榜 pages: an older year's bids stay reachable (with its extension) after a newer list is
published."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bidding import rules
from bidding import services as bs
from bidding.enums import TaskState
from bidding.models import BidSet, Task
from reform_portal.enums import CycleState, Stage
from reform_portal.models import ReformCycle
from reform_portal.services import extension_grant, grant_region_departments, local_today

from .. import factories as f
from ..evaluation import scenarios as fe
from . import scenarios as fb

pytestmark = pytest.mark.django_db


def set_stage(cycle, stage):
    for name, value in f.cycle_dates(stage).items():
        setattr(cycle, name, value)
    cycle.save()


def items(client, user, kind):
    client.force_login(user)
    return [(i.year, i.count) for i in client.get(reverse("dashboard")).context["items"] if i.kind == kind]


def item_urls(client, user, kind):
    client.force_login(user)
    return {i.year: i.url for i in client.get(reverse("dashboard")).context["items"] if i.kind == kind}


def dashboard_queries(client, user):
    client.force_login(user)
    client.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse("dashboard"))
    return len(ctx.captured_queries)


def task(cycle, reviewer, code, position, state):
    """A task of region ``code`` that the region's departments may see (as awarding grants)."""
    t = fe.make_task(cycle, reviewer, region_code=code, position=position, state=state, with_report=False)
    grant_region_departments(t, [rules.VIEW_TASK, rules.CHANGE_TASK])
    return t


def test_an_older_years_bids_stay_reachable_after_a_newer_list(
    client, reviewer, region_a_drc, region_a_scitech
):
    now = local_today().year
    n = fb.bidding_cycle(year=now)
    n_entries = fb.publish_list(n, n=4)
    fb.make_bid_set(n, region_a_drc, n_entries[:1])
    set_stage(n, Stage.IMPLEMENTATION)  # N's window closed...
    extension_grant(
        cycle=n,
        region=region_a_drc.region,
        stage=Stage.BIDDING,
        until=local_today() + datetime.timedelta(days=5),
        reason="省政府常务会议推迟",
        by=reviewer,
    )  # ...but 浙江 has an extension
    n1 = fb.bidding_cycle(year=now + 1)
    fb.publish_list(n1, n=3)  # a newer list

    assert items(client, region_a_drc, "bid_set") == [(n.year, 1), (n1.year, 1)]
    page = client.get(reverse("bidding:bids"))
    assert page.context["cycle"] == n  # the earliest year in which bids wait
    page = client.get(reverse("bidding:bids"), {"year": n.year})
    assert (page.context["bid_set"].cycle, page.context["editable"]) == (n, True)
    html = page.content.decode()
    assert f'<input type="hidden" name="year" value="{n.year}">' in html  # the forms post the page's year
    for entry in n_entries[1:3]:
        page = client.post(reverse("bidding:bid_edit", args=[entry.pk]), {**fb.bid_fields(), "revision": 0})
        assert page["Location"] == f"{reverse('bidding:bids')}?year={n.year}"
    bid_set = BidSet.objects.get(cycle=n, region=region_a_drc.region)
    assert bid_set.bids.count() == 3
    for user in (region_a_drc, region_a_scitech):
        client.force_login(user)
        client.post(reverse("bidding:bid_set_sign"), {"version": bid_set.version, "year": n.year})
    page = client.post(reverse("bidding:bid_set_submit"), {"year": n.year})
    assert page["Location"] == f"{reverse('bidding:bids')}?year={n.year}"
    bid_set.refresh_from_db()
    assert bid_set.state == "submitted"
    assert not BidSet.objects.filter(cycle=n1).exists()  # nothing was done to the newer year
    assert items(client, region_a_drc, "bid_set") == [(n1.year, 1)]
    # the newer year's page is that year's
    client.force_login(region_a_drc)
    assert client.get(reverse("bidding:bids"), {"year": n1.year}).context["bid_set"].cycle == n1


def test_a_closed_year_without_bids_shows_the_list_and_makes_nothing(client, region_a_drc):
    n = fb.bidding_cycle(year=local_today().year)
    fb.publish_list(n, n=3)
    set_stage(n, Stage.IMPLEMENTATION)
    client.force_login(region_a_drc)
    page = client.get(reverse("bidding:bids"), {"year": n.year})
    assert page.status_code == 200 and page.context["bid_set"] is None
    assert 'data-testid="no-bid-set"' in page.content.decode()
    assert not BidSet.objects.exists()


def test_region_task_counts_equal_the_task_list(client, reviewer, region_a_drc, region_b_drc):
    now = local_today().year
    n = f.CycleFactory(year=now, stage=Stage.IMPLEMENTATION)
    n1 = f.CycleFactory(year=now + 1, stage=Stage.IMPLEMENTATION)
    task(n, reviewer, "330000", 1, TaskState.PLANNING)
    task(n, reviewer, "330000", 2, TaskState.PLANNING)
    task(n, reviewer, "330000", 3, TaskState.PENDING_EVALUATION)  # done (for the region)
    task(n1, reviewer, "330000", 1, TaskState.PLANNING)
    task(n, reviewer, "320000", 1, TaskState.PLANNING)  # another region
    task(n1, reviewer, "330000", 2, TaskState.IN_PROGRESS)

    assert items(client, region_a_drc, "task_plan") == [(n.year, 2), (n1.year, 1)]
    assert items(client, region_a_drc, "task_report") == [(n1.year, 1)]
    for kind in ("task_plan", "task_report"):
        for year, url in item_urls(client, region_a_drc, kind).items():
            page = client.get(url)
            count = dict(items(client, region_a_drc, kind))[year]
            assert page.context["cycle"].year == year
            assert page.context["page"].paginator.count == count, (kind, year)
            assert {t.region.code for t in page.context["tasks"]} == {"330000"}
    # the list of a year shows that year's tasks only; another region's task is still 404
    page = client.get(reverse("bidding:tasks"), {"year": n.year})
    assert sorted(t.entry.position for t in page.context["tasks"]) == [1, 2, 3]
    theirs = Task.objects.get(region__code="320000")
    assert client.get(reverse("bidding:task_detail", args=[theirs.pk])).status_code == 404
    assert items(client, region_b_drc, "task_plan") == [(n.year, 1)]
    one = dashboard_queries(client, region_a_drc)
    task(n1, reviewer, "330000", 3, TaskState.PLANNING)
    task(n1, reviewer, "330000", 4, TaskState.IN_PROGRESS)
    assert items(client, region_a_drc, "task_plan") == [(n.year, 2), (n1.year, 2)]
    assert dashboard_queries(client, region_a_drc) == one


def test_the_dashboard_counts_the_users_tasks_once(client, reviewer, region_a_drc, implementer):
    """The open items (by live year) and the selected year's panel share one count of the tasks the user may see
    (``selectors.live_task_counts``, read once per page); a closed year's panel counts its own."""
    now = local_today().year
    n = f.CycleFactory(year=now, stage=Stage.IMPLEMENTATION)
    old = f.CycleFactory(year=now - 1, stage=Stage.IMPLEMENTATION)
    planning = task(n, reviewer, "330000", 1, TaskState.PLANNING)
    task(n, reviewer, "330000", 2, TaskState.PLANNING)
    task(n, reviewer, "330000", 3, TaskState.PENDING_EVALUATION)
    task(n, reviewer, "320000", 1, TaskState.PLANNING)  # another region's
    task(old, reviewer, "330000", 1, TaskState.EVALUATED)
    bs.plan_set_entities(task=planning, organizations=[implementer.organization], by=region_a_drc)

    def counted(user, year):
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse("dashboard"), {"year": year})
        panel = next(p for p in page.context["panels"] if p["template"].startswith("bidding/panel_"))
        counts = [
            q["sql"]
            for q in ctx.captured_queries
            if 'FROM "bidding_task"' in q["sql"] and "COUNT(" in q["sql"]
        ]
        return panel, len(counts)

    panel, queries = counted(region_a_drc, n.year)
    assert queries == 1
    assert panel["n_tasks"] == 3
    assert dict(panel["task_counts"]) == {TaskState.PLANNING.label: 2, TaskState.PENDING_EVALUATION.label: 1}
    panel, queries = counted(implementer, n.year)
    assert (panel["n_tasks"], queries) == (1, 1)
    old.state = CycleState.CLOSED
    old.save()
    panel, queries = counted(region_a_drc, old.year)  # not live: its panel asks its own count
    assert panel["n_tasks"] == 1
    assert dict(panel["task_counts"]) == {TaskState.EVALUATED.label: 1}
    assert queries == 2


def test_implementer_counts_equal_the_task_list(client, reviewer, region_a_drc, implementer):
    now = local_today().year
    n = f.CycleFactory(year=now, stage=Stage.IMPLEMENTATION)
    n1 = f.CycleFactory(year=now + 1, stage=Stage.IMPLEMENTATION)
    ours = [
        task(n, reviewer, "330000", 1, TaskState.PLANNING),
        task(n, reviewer, "330000", 2, TaskState.PLANNING),
        task(n1, reviewer, "330000", 1, TaskState.PLANNING),
        task(n, reviewer, "330000", 3, TaskState.PLANNING),  # done below
    ]
    task(n, reviewer, "330000", 4, TaskState.IN_PROGRESS)  # not naming the implementer
    for t in ours:
        bs.plan_set_entities(task=t, organizations=[implementer.organization], by=region_a_drc)
    Task.objects.filter(pk__in=[t.pk for t in ours[:3]]).update(state=TaskState.IN_PROGRESS)
    Task.objects.filter(pk=ours[3].pk).update(state=TaskState.EVALUATED)

    assert items(client, implementer, "task_report") == [(n.year, 2), (n1.year, 1)]
    for year, url in item_urls(client, implementer, "task_report").items():
        page = client.get(url)
        assert page.context["page"].paginator.count == dict(items(client, implementer, "task_report"))[year]
    assert client.get(reverse("bidding:tasks")).context["cycle"] == n
    assert client.get(reverse("dashboard")).context["cycle"] == n
    assert "暂无需要您办理的事项" not in client.get(reverse("dashboard")).content.decode()


def test_reviewer_counts_equal_the_matrix_and_progress_pages(client, reviewer):
    now = local_today().year
    n = fb.bidding_cycle(year=now)
    entries = fb.publish_list(n, n=4)
    pairs = {code: fb.region_pair(code) for code in ("330000", "320000", "440000", "310000")}
    for code in ("330000", "320000", "440000"):
        fb.submitted_bid_set(n, *pairs[code], entries[:3])
    fb.make_bid_set(n, pairs["310000"][0], entries[:3])  # a draft: nothing to confirm
    n1 = fb.bidding_cycle(year=now + 1)
    n1_entries = fb.publish_list(n1, n=3)
    fb.submitted_bid_set(n1, *pairs["330000"], n1_entries)  # N+1's window is still open: not yet
    set_stage(n, Stage.IMPLEMENTATION)
    guangdong = BidSet.objects.get(cycle=n, region__code="440000")
    bs.tasks_award(cycle=n, bids=list(guangdong.bids.all()), by=reviewer)

    assert items(client, reviewer, "award") == [(n.year, 2)]
    assert items(client, reviewer, "notice") == [(n.year, 1)]
    page = client.get(item_urls(client, reviewer, "award")[n.year])
    assert page.context["cycle"] == n
    assert [r["region"].code for r in page.context["to_award"]] == ["320000", "330000"]
    assert len(page.context["to_notify"]) == 1
    assert client.get(reverse("bidding:matrix")).context["cycle"] == n
    # N+1 closes: its region waits too
    set_stage(n1, Stage.IMPLEMENTATION)
    assert items(client, reviewer, "award") == [(n.year, 2), (n1.year, 1)]

    Task.objects.filter(cycle=n).update(state=TaskState.PLANNING)  # letters issued: plans being made
    [t1, t2, t3] = Task.objects.filter(cycle=n).order_by("pk")
    for t in (t1, t2):
        bs.coordination_raise(
            task=t, subject="需部委协调", detail="涉及国有资产管理。", by=pairs["440000"][0]
        )
    done = bs.coordination_raise(task=t3, subject="已答复事项", detail="无。", by=pairs["440000"][0])
    bs.coordination_answer(request=done, answer="已协调。", by=reviewer)
    assert items(client, reviewer, "coordination") == [(n.year, 2)]
    page = client.get(item_urls(client, reviewer, "coordination")[n.year])
    assert page.context["open_requests"] == 2 and "待答复的协调事项 2 项" in page.content.decode()
    assert sum(t.n_open_requests for t in page.context["rows"]) == 2
    # the page's default year is the one whose requests wait: its figure is the stored one the year was chosen by,
    # not counted again
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("bidding:progress"))
    assert page.context["cycle"] == n and page.context["open_requests"] == 2
    assert not [
        q
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "bidding_coord')
    ]

    one = dashboard_queries(client, reviewer)
    bs.tasks_award(
        cycle=n, bids=list(BidSet.objects.get(cycle=n, region__code="320000").bids.all()), by=reviewer
    )
    assert items(client, reviewer, "award") == [(n.year, 1), (n1.year, 1)]
    assert items(client, reviewer, "notice") == [(n.year, 2)]
    assert dashboard_queries(client, reviewer) == one
    # 关闭年度: what N left open was confirmed with a reason; it waits for nobody (and costs no query) any more
    ReformCycle.objects.filter(pk=n.pk).update(state=CycleState.CLOSED)
    assert items(client, reviewer, "award") == [(n1.year, 1)]
    assert items(client, reviewer, "notice") == [] and items(client, reviewer, "coordination") == []
    assert dashboard_queries(client, reviewer) == one


def test_reviewer_pages_show_the_year_asked_for(client, reviewer):
    now = local_today().year
    n, n1 = fb.bidding_cycle(year=now), fb.bidding_cycle(year=now + 1)
    fb.publish_list(n, n=2)
    fb.publish_list(n1, n=3)
    client.force_login(reviewer)
    for name in ("bidding:matrix", "bidding:progress"):
        for cycle, k in ((n, 2), (n1, 3)):
            page = client.get(reverse(name), {"year": cycle.year})
            assert page.context["cycle"] == cycle
            html = page.content.decode()
            assert f'<strong aria-current="page" data-year="{cycle.year}">' in html  # the year switch
            if name == "bidding:matrix":
                assert len(page.context["entries"]) == k
        assert client.get(reverse(name), {"year": "1999"}).status_code == 404
    sheet = client.get(reverse("bidding:matrix_xlsx"), {"year": n.year})
    assert (
        f"bidding-matrix-{n.year}.xlsx" in sheet["Content-Disposition"]
    )  # the export follows the page's year


def test_reviewer_items_follow_an_extension_and_a_region_leaving(client, reviewer):
    """The reviewers' 揭榜 items are counted from their stored figures (issue 19): an extension granted after the
    window closed (a DeadlineExtension saved by its service) and a region leaving the round (a Region saved) each
    invalidate them; whether the window has closed is worked out on each visit, from today."""
    from reform_portal.models import Region

    now = local_today().year
    n = fb.bidding_cycle(year=now)
    entries = fb.publish_list(n, n=3)
    for code in ("330000", "320000"):
        fb.submitted_bid_set(n, *fb.region_pair(code), entries)
    set_stage(n, Stage.IMPLEMENTATION)  # the window has closed: both wait for 确认揭榜
    assert items(client, reviewer, "award") == [(n.year, 2)]
    assert items(client, reviewer, "award") == [(n.year, 2)]  # now read from the stored figures

    def extend(days):
        extension_grant(
            cycle=n,
            region=Region.objects.get(code="330000"),
            stage=Stage.BIDDING,
            until=local_today() + datetime.timedelta(days=days),
            reason="补充材料",
            by=reviewer,
        )

    extend(3)  # the window is open again until the extension ends: nothing to confirm yet
    assert items(client, reviewer, "award") == []
    extend(-1)  # the extension replaced by one that ended yesterday
    assert items(client, reviewer, "award") == [(n.year, 2)]
    jiangsu = Region.objects.get(code="320000")
    jiangsu.active = False
    jiangsu.save()
    assert items(client, reviewer, "award") == [(n.year, 1)]
