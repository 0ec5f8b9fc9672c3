"""A region never sees other regions' bids before the window closes (then only per-entry counts), nor other
regions' tasks and letters ever; an implementer sees only the tasks naming its organization."""

import datetime

import pytest
from django.urls import reverse

from bidding import selectors, services
from reform_portal.enums import OrgKind, Role, Stage
from reform_portal.services import extension_grant

from .. import factories as f
from . import scenarios as fb

pytestmark = pytest.mark.django_db


def _close_window(cycle):
    cycle.bidding_deadline = datetime.date.today() - datetime.timedelta(days=1)
    cycle.save()


def test_bids_page_shows_own_claims_only_and_no_counts_while_open(
    client, bcycle, four_entries, region_a_drc, region_a_scitech, region_b_drc
):
    js_scitech = f.regional_user("320000", OrgKind.REGIONAL_SCITECH)
    fb.submitted_bid_set(bcycle, region_b_drc, js_scitech, four_entries[:3])
    services.bid_save(
        bid_set=services.bid_set_get_or_create(cycle=bcycle, region=region_a_drc.region, by=region_a_drc),
        entry=four_entries[3],
        fields=fb.bid_fields(approach="浙江的思路"),
        by=region_a_drc,
    )
    client.force_login(region_a_drc)
    page = client.get(reverse("bidding:bids"))
    assert page.context["show_counts"] is False
    assert [(r["entry"].number, r["bid"] is not None) for r in page.context["rows"]] == [
        (e.number, e == four_entries[3]) for e in four_entries
    ]
    html = page.content.decode()
    assert "浙江的思路" in html and "在杭州、宁波先行试点" not in html  # 江苏's approach is not shown
    assert 'data-testid="entry-count"' not in html


def test_counts_per_entry_appear_once_the_window_has_closed(
    client, bcycle, four_entries, region_a_drc, region_a_scitech, region_b_drc
):
    js_scitech = f.regional_user("320000", OrgKind.REGIONAL_SCITECH)
    fb.submitted_bid_set(bcycle, region_a_drc, region_a_scitech, four_entries[:3])
    fb.submitted_bid_set(bcycle, region_b_drc, js_scitech, four_entries[1:4])
    _close_window(bcycle)
    client.force_login(region_a_drc)
    page = client.get(reverse("bidding:bids"))
    assert page.context["show_counts"] is True
    assert [r["count"] for r in page.context["rows"]] == [1, 2, 2, 1]


def test_counts_stay_hidden_while_any_region_still_has_an_extension(
    client, bcycle, four_entries, region_a_drc, reviewer
):
    _close_window(bcycle)
    extension_grant(
        cycle=bcycle,
        region=f.region("320000"),
        stage=Stage.BIDDING,
        until=datetime.date.today() + datetime.timedelta(days=3),
        reason="延期",
        by=reviewer,
    )
    client.force_login(region_a_drc)
    assert client.get(reverse("bidding:bids")).context["show_counts"] is False


def test_reviewers_see_only_submitted_bid_sets(
    bcycle, four_entries, region_a_drc, region_a_scitech, region_b_drc, reviewer
):
    js_scitech = f.regional_user("320000", OrgKind.REGIONAL_SCITECH)
    zj = fb.submitted_bid_set(bcycle, region_a_drc, region_a_scitech, four_entries[:3])
    fb.make_bid_set(bcycle, region_b_drc, four_entries[:3])
    assert list(selectors.bid_sets_visible_to(reviewer)) == [zj]
    assert js_scitech.region.code == "320000"
    assert list(selectors.bid_sets_visible_to(js_scitech).values_list("region__code", flat=True)) == [
        "320000"
    ]


def _two_regions_with_letters(bcycle, four_entries, region_a_drc, region_a_scitech, region_b_drc, reviewer):
    js_scitech = f.regional_user("320000", OrgKind.REGIONAL_SCITECH)
    zj_tasks = fb.allocated(bcycle, reviewer, region_a_drc, region_a_scitech, four_entries[:3])
    js_tasks = fb.allocated(bcycle, reviewer, region_b_drc, js_scitech, four_entries[1:4])
    return zj_tasks, js_tasks


def test_other_regions_tasks_and_letters_answer_404(
    client, bcycle, four_entries, region_a_drc, region_a_scitech, region_b_drc, reviewer
):
    zj_tasks, js_tasks = _two_regions_with_letters(
        bcycle, four_entries, region_a_drc, region_a_scitech, region_b_drc, reviewer
    )
    client.force_login(region_a_drc)
    page = client.get(reverse("bidding:tasks"))
    assert [t.pk for t in page.context["tasks"]] == [t.pk for t in zj_tasks]
    for task in js_tasks:
        assert client.get(reverse("bidding:task_detail", args=[task.pk])).status_code == 404
    from bidding.models import TaskNotice

    js_notice = TaskNotice.objects.get(region=region_b_drc.region)
    assert client.get(reverse("bidding:notice_download", args=[js_notice.pk])).status_code == 404
    assert list(selectors.notices_visible_to(region_a_drc).values_list("region__code", flat=True)) == [
        "330000"
    ]


def test_an_implementer_sees_only_tasks_naming_its_organization(
    client, bcycle, four_entries, region_a_drc, region_a_scitech, reviewer, implementer
):
    tasks = fb.allocated(bcycle, reviewer, region_a_drc, region_a_scitech, four_entries[:3])
    other = f.OrganizationFactory(name="杭州市人民政府", kind=OrgKind.LOCAL_GOV)
    services.plan_set_entities(task=tasks[0], organizations=[implementer.organization], by=region_a_drc)
    services.plan_set_entities(task=tasks[1], organizations=[other], by=region_a_drc)
    client.force_login(implementer)
    page = client.get(reverse("bidding:tasks"))
    assert [t.pk for t in page.context["tasks"]] == [tasks[0].pk]
    assert client.get(reverse("bidding:task_detail", args=[tasks[0].pk])).status_code == 200
    assert client.get(reverse("bidding:task_detail", args=[tasks[1].pk])).status_code == 404
    # Removing the organization from the plan takes the task away again.
    services.plan_set_entities(task=tasks[0], organizations=[other], by=region_a_drc)
    assert list(selectors.tasks_visible_to(implementer)) == []


def test_an_implementer_of_another_organization_sees_nothing(
    bcycle, four_entries, region_a_drc, region_a_scitech, reviewer
):
    tasks = fb.allocated(bcycle, reviewer, region_a_drc, region_a_scitech, four_entries[:3])
    zju = f.OrganizationFactory(name="浙江大学", kind=OrgKind.UNIVERSITY)
    services.plan_set_entities(task=tasks[0], organizations=[zju], by=region_a_drc)
    stranger = f.UserFactory(
        organization=f.OrganizationFactory(name="之江实验室", kind=OrgKind.INSTITUTE), role=Role.IMPLEMENTER
    )
    assert list(selectors.tasks_visible_to(stranger)) == []
    assert list(selectors.notices_visible_to(stranger)) == []


def test_matrix_cells_and_regions_to_notify(bcycle, entries, reviewer):
    """The matrix's rows hold a cell per entry (the claimed ones with their bid and award) and its regions to
    notify equal ``services.regions_to_notify``; a region with tasks that left the round makes the caller ask the
    database (None)."""
    from reform_portal.models import Region

    zj = fb.region_pair("330000")
    js = fb.region_pair("320000")
    zj_tasks = fb.awarded_tasks(bcycle, reviewer, *zj, entries[:3])
    fb.submitted_bid_set(bcycle, *js, entries[1:4])
    data = selectors.matrix(bcycle, entries)
    rows = {row["region"].code: row for row in data["rows"]}
    zhejiang, jiangsu = rows["330000"], rows["320000"]
    assert [bool(c["bid"]) for c in zhejiang["cells"]] == [i < 3 for i in range(len(entries))]
    assert [c["awarded"] for c in zhejiang["cells"]] == [i < 3 for i in range(len(entries))]
    assert [bool(c["bid"]) for c in jiangsu["cells"]] == [1 <= i < 4 for i in range(len(entries))]
    assert not any(c["awarded"] for c in jiangsu["cells"])
    assert [c["entry"] for c in jiangsu["cells"]] == list(entries)
    assert (zhejiang["n"], zhejiang["n_awarded"], jiangsu["n"], jiangsu["n_awarded"]) == (3, 3, 3, 0)
    assert all(row["n"] == 0 for code, row in rows.items() if code not in ("330000", "320000"))
    assert data["to_notify"] == services.regions_to_notify(bcycle) == [zj_tasks[0].region]
    gone = Region.objects.get(code="330000")
    gone.active = False
    gone.save()
    assert selectors.matrix(bcycle, entries)["to_notify"] is None
    assert services.regions_to_notify(bcycle) == [gone]


def test_progress_rows_load_the_printed_columns_and_count_milestones_over_one_join(
    bcycle, entries, reviewer, django_assert_num_queries
):
    """实施进展看板 (issue 19): the rows' query selects the task's state, the region's name and the entry's title
    (not the entries' descriptions and goals) and counts the milestones with ``Count(filter=)`` over one join,
    two subqueries left (the last report, the open requests): five milestone subqueries cost most of the page's
    ORM time. Filters combine with the join without multiplying it."""
    from bidding.enums import MilestoneStatus
    from bidding.models import Milestone

    drc, scitech = fb.region_pair("330000")
    first, second, third = fb.allocated(bcycle, reviewer, drc, scitech, entries[:3])
    fb.confirmed_plan(first, drc, milestones=3)
    fb.confirmed_plan(second, drc, milestones=1)
    today = datetime.date.today()
    late, done, _open = Milestone.objects.filter(task=first).order_by("pk")
    late.status, late.due_date = MilestoneStatus.LATE, today - datetime.timedelta(days=3)
    late.save()
    done.status, done.due_date = MilestoneStatus.DONE, today - datetime.timedelta(days=3)
    done.save()
    for t in (first, second):
        t.refresh_from_db()  # the plan confirmed: 实施中
    rows = selectors.progress_rows(selectors.progress_tasks(bcycle), today=today)
    sql = str(rows.query)
    assert sql.count("SELECT") == 3, sql
    assert '"description"' not in sql and '"goals"' not in sql
    with django_assert_num_queries(1):  # what the page and the export print: nothing read again
        printed = [
            (
                str(t.region),
                t.entry.title,
                t.get_state_display(),
                t.n_milestones,
                t.n_done,
                t.n_late,
                t.n_overdue,
            )
            for t in rows
        ]
    assert printed == [
        (str(t.region), t.entry.title, t.get_state_display(), n, d, lt, o)
        for t, n, d, lt, o in ((first, 3, 1, 1, 1), (second, 1, 0, 0, 0), (third, 0, 0, 0, 0))
    ]
    filtered = selectors.progress_tasks(bcycle, region="330000", overdue_only=True, today=today)
    assert [(t.pk, t.n_milestones, t.n_overdue) for t in selectors.progress_rows(filtered, today=today)] == [
        (first.pk, 3, 1)
    ]


def test_progress_attainment_reads_the_targets_without_joining_the_tasks(
    bcycle, entries, reviewer, django_assert_num_queries
):
    """``with_attainment`` orders the targets by ``task_id``: ordering by ``task`` followed Task's default ordering
    and joined the task, its cycle, region and entry to every target of the page."""
    from decimal import Decimal

    from bidding.models import Target

    drc, scitech = fb.region_pair("330000")
    first, second, third = fb.allocated(bcycle, reviewer, drc, scitech, entries[:3])
    fb.confirmed_plan(first, drc)
    Target.objects.filter(task=first).update(latest_actual=Decimal("25"))
    rows = list(selectors.progress_rows(selectors.progress_tasks(bcycle)))
    with django_assert_num_queries(1) as captured:
        rows = selectors.with_attainment(rows)
    assert "JOIN" not in captured.captured_queries[0]["sql"]
    assert [(t.pk, t.attainment) for t in rows] == [(first.pk, 0.25), (second.pk, None), (third.pk, None)]


def _live_regions(cycle, today, region=""):
    return [
        {**r, "region": (r["region"].pk, r["region"].code, r["region"].name, r["region"].active)}
        for r in selectors.progress_regions(selectors.progress_tasks(cycle, region=region), today=today)
    ]


def _stored_regions(cycle, today, region=""):
    rows, active = selectors.stored_progress_regions(cycle, region=region, today=today)
    return [
        {**r, "region": (r["region"].pk, r["region"].code, r["region"].name, r["region"].active)}
        for r in rows
    ], active


def test_stored_progress_regions_equal_the_live_count_and_follow_every_change(
    bcycle, entries, reviewer, django_assert_num_queries
):
    """实施进展看板's per-region figures and 地区 filter are stored per year (``PROGRESS_REGIONS``, issue 19): equal
    to the live aggregate on any day (overdue milestones are counted from the stored due dates on reading), and
    a milestone or task saved or deleted, or a region changed, invalidates them in the saving transaction."""
    from bidding.enums import MilestoneStatus, TaskState
    from bidding.models import Milestone
    from reform_portal import tallies
    from reform_portal.models import CycleTally, Region

    zj_drc, zj_sci = fb.region_pair("330000")
    js_drc, js_sci = fb.region_pair("320000")
    zj = fb.allocated(bcycle, reviewer, zj_drc, zj_sci, entries[:3])
    js = fb.allocated(bcycle, reviewer, js_drc, js_sci, entries[2:5])
    fb.confirmed_plan(zj[0], zj_drc, milestones=3)  # due in 30, 60, 90 days
    fb.confirmed_plan(js[1], js_drc, milestones=2)
    today = datetime.date.today()
    days = [today + datetime.timedelta(days=d) for d in (-1, 0, 31, 61, 200)]

    def stored():
        row = CycleTally.objects.get(cycle=bcycle, key=selectors.PROGRESS_REGIONS)
        return row.data if row.generation == row.data_generation else None

    def same_as_live():
        for day in days:
            for region in ("", "330000", "320000", "110000"):
                rows, active = _stored_regions(bcycle, day, region)
                assert rows == _live_regions(bcycle, day, region), (day, region)
        assert active == list(Region.objects.filter(active=True).order_by("code").values_list("code", "name"))

    same_as_live()
    assert stored() is not None
    with django_assert_num_queries(1):  # stored: one read, no aggregate
        rows, _active = selectors.stored_progress_regions(bcycle, today=days[3])
    assert [(r["region"].code, r["tasks"], r["milestones"], r["done"], r["overdue"]) for r in rows] == [
        ("320000", 3, 2, 0, 2),
        ("330000", 3, 3, 0, 2),
    ]

    def changed(change):
        change()
        assert stored() is None, change  # invalidated in the saving transaction
        same_as_live()

    done = Milestone.objects.filter(task=zj[0]).order_by("pk").first()

    def mark_done():
        done.status = MilestoneStatus.DONE
        done.save()

    changed(mark_done)
    changed(lambda: services.milestone_add(task=zj[1], by=zj_drc, fields=fb.milestone_fields(days=5)))
    changed(lambda: Milestone.objects.filter(task=js[1]).order_by("pk").first().delete())

    def task_state():
        js[2].state = TaskState.PENDING_EVALUATION
        js[2].save()

    changed(task_state)
    changed(lambda: js[0].delete())
    region = Region.objects.get(code="320000")

    def rename():
        region.name = '江苏<省>&"'
        region.save()

    changed(rename)

    def leave():
        region.active = False
        region.save()

    changed(leave)
    tallies.invalidate(bcycle, selectors.PROGRESS_REGIONS)
    assert stored() is None
    same_as_live()
