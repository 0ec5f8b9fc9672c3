"""Every bidding URL: anonymous → login; other roles → 403 on role pages; another region's objects → 404;
reviewer-only actions → 403 for regional staff. Nothing changes when a request is refused."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import reverse
from django.utils import timezone

from bidding import services
from bidding.models import BidSet, CoordinationRequest, Milestone, NoticeBatch, Target, TaskNotice
from reform_portal.enums import OrgKind

from .. import factories as f
from . import scenarios as fb

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(region_a_drc, region_a_scitech, reviewer):
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=4)
    tasks = fb.awarded_tasks(cycle, reviewer, region_a_drc, region_a_scitech, entries[:3])
    notice = services.notice_issue(cycle=cycle, region=region_a_drc.region, by=reviewer)
    task = tasks[0]
    task.refresh_from_db()
    fb.confirmed_plan(task, region_a_drc)
    m, t = task.milestones.get(), task.targets.get()
    r = services.report_file(
        task=task,
        by=region_a_drc,
        period_end=timezone.localdate(),
        narrative="进展",
        actuals={t.pk: Decimal("10")},
        statuses={m.pk: ("on_track", "")},
        uploads=[SimpleUploadedFile("a.pdf", PDF)],
    )
    req = services.coordination_raise(task=task, subject="协调", detail="困难", by=region_a_drc)
    batch = NoticeBatch.objects.create(cycle=cycle, started_by=reviewer)
    planning = tasks[1]
    planning.refresh_from_db()
    pm = services.milestone_add(task=planning, fields=fb.milestone_fields(), by=region_a_drc)
    pt = services.target_add(task=planning, fields=fb.target_fields(), by=region_a_drc)
    return {
        "cycle": cycle,
        "entry": entries[3],
        "task": task,
        "notice": notice,
        "attachment": r.attachments.get(),
        "request": req,
        "batch": batch,
        "planning": planning,
        "milestone": pm,
        "target": pt,
    }


def urls(w):
    """(name, args, method, kind): kind is 'region' (regional pages), 'reviewer' (reviewers only),
    'task' (an object of 浙江: 404 to other regions and roles)."""
    task, planning = w["task"].pk, w["planning"].pk
    return [
        ("bidding:bids", [], "get", "region"),
        ("bidding:bid_edit", [w["entry"].pk], "get", "region_only"),
        ("bidding:bid_delete", [w["entry"].pk], "post", "region_only"),
        ("bidding:bid_set_sign", [], "post", "region_only"),
        ("bidding:bid_set_submit", [], "post", "region_only"),
        ("bidding:matrix", [], "get", "reviewer"),
        ("bidding:matrix_xlsx", [], "get", "reviewer"),
        ("bidding:award", [], "post", "reviewer"),
        ("bidding:extend", [], "post", "reviewer"),
        ("bidding:notices_issue", [], "post", "reviewer"),
        ("bidding:notice_progress", [w["batch"].pk], "get", "reviewer"),
        ("bidding:progress", [], "get", "reviewer"),
        ("bidding:coordination_answer", [w["request"].pk], "post", "reviewer"),
        ("bidding:notice_download", [w["notice"].pk], "get", "task"),
        ("bidding:tasks", [], "get", "task_list"),
        ("bidding:task_detail", [task], "get", "task"),
        ("bidding:task_entities", [planning], "post", "task"),
        ("bidding:milestone_add", [planning], "post", "task"),
        ("bidding:target_add", [planning], "post", "task"),
        ("bidding:plan_confirm", [planning], "post", "task"),
        ("bidding:milestone_delete", [w["milestone"].pk], "post", "task"),
        ("bidding:target_delete", [w["target"].pk], "post", "task"),
        ("bidding:report_new", [task], "get", "task"),
        ("bidding:coordination_new", [task], "post", "task"),
        ("bidding:summary", [task], "get", "task"),
        ("bidding:report_attachment", [w["attachment"].pk], "get", "task"),
    ]


def _call(client, name, args, method):
    response = getattr(client, method)(reverse(name, args=args))
    if response.streaming:
        # A file response holds its file open until closed. Closing sends request_finished, whose
        # close_old_connections would drop the test's database connection, so detach it meanwhile
        # (as Django's test client does for streamed content).
        request_finished.disconnect(close_old_connections)
        try:
            response.close()
        finally:
            request_finished.connect(close_old_connections)
    return response


def _snapshot():
    return (
        BidSet.objects.filter(region__code="330000").count(),
        TaskNotice.objects.count(),
        Milestone.objects.count(),
        Target.objects.count(),
        CoordinationRequest.objects.count(),
        NoticeBatch.objects.count(),
        list(CoordinationRequest.objects.values_list("answer", flat=True)),
    )


def test_anonymous_visitors_are_sent_to_login(client, world):
    for name, args, method, _kind in urls(world):
        response = _call(client, name, args, method)
        assert response.status_code == 302, name
        assert response["Location"].startswith("/accounts/login/"), name


def test_other_roles_are_refused(client, world, expert, liaison, evaluator):
    before = _snapshot()
    for user in (expert, liaison, evaluator):
        client.force_login(user)
        for name, args, method, kind in urls(world):
            status = _call(client, name, args, method).status_code
            expected = 404 if kind == "task" else 403
            assert status == expected, (user.username, name, status)
    assert _snapshot() == before


def test_another_regions_staff_get_404_for_this_regions_objects(client, world, region_b_drc):
    before = _snapshot()
    client.force_login(region_b_drc)
    for name, args, method, kind in urls(world):
        status = _call(client, name, args, method).status_code
        if kind == "task":
            assert status == 404, name
        elif kind == "reviewer":
            assert status == 403, name
    assert _snapshot() == before


def test_regional_staff_are_refused_reviewer_actions(client, world, region_a_drc):
    before = _snapshot()
    client.force_login(region_a_drc)
    for name, args, method, kind in urls(world):
        if kind == "reviewer":
            assert _call(client, name, args, method).status_code == 403, name
    assert _snapshot() == before


def test_an_implementer_not_named_gets_404_and_reviewer_pages_403(client, world, implementer):
    client.force_login(implementer)
    for name, args, method, kind in urls(world):
        status = _call(client, name, args, method).status_code
        if kind == "task":
            assert status == 404, name
        elif kind in ("reviewer", "region", "region_only"):
            assert status == 403, name


def test_reviewers_cannot_edit_a_regions_plan(client, world, reviewer):
    client.force_login(reviewer)
    planning = world["planning"].pk
    assert client.post(reverse("bidding:milestone_add", args=[planning])).status_code == 403
    assert client.post(reverse("bidding:plan_confirm", args=[planning])).status_code == 403
    world["planning"].refresh_from_db()
    assert world["planning"].state == "planning"


def test_the_owners_and_reviewers_open_the_pages(client, world, region_a_drc, reviewer):
    client.force_login(region_a_drc)
    for name, args in [
        ("bidding:bids", []),
        ("bidding:tasks", []),
        ("bidding:task_detail", [world["task"].pk]),
        ("bidding:notice_download", [world["notice"].pk]),
        ("bidding:report_attachment", [world["attachment"].pk]),
    ]:
        assert _call(client, name, args, "get").status_code == 200, name
    client.force_login(reviewer)
    for name, args in [
        ("bidding:matrix", []),
        ("bidding:matrix_xlsx", []),
        ("bidding:progress", []),
        ("bidding:tasks", []),
        ("bidding:task_detail", [world["task"].pk]),
        ("bidding:notice_progress", [world["batch"].pk]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 200, name
    assert client.get(reverse("bidding:bids")).status_code == 302  # reviewers land on the matrix


def test_regional_users_of_the_other_department_share_the_regions_view(client, world, region_a_scitech):
    assert region_a_scitech.organization.kind == OrgKind.REGIONAL_SCITECH
    client.force_login(region_a_scitech)
    assert client.get(reverse("bidding:task_detail", args=[world["task"].pk])).status_code == 200
    colleague = f.regional_user("330000", OrgKind.REGIONAL_DRC, username="zj_new")  # joins after the grant
    client.force_login(colleague)
    assert client.get(reverse("bidding:task_detail", args=[world["task"].pk])).status_code == 200


def test_bidding_closes_for_all_at_the_latest_extension_in_one_query(
    bcycle, region_a_drc, region_b_drc, reviewer, django_assert_num_queries
):
    """赛马 counts show once the window has closed for every region: at the latest extension's end (Asia/Shanghai),
    read in one query (issue 19: it read the extension with its region, then the region's extension again)."""
    import datetime

    from bidding import rules
    from reform_portal.enums import Stage
    from reform_portal.services import extension_grant

    deadline = bcycle.closes_at(Stage.BIDDING)
    for region, days in ((region_a_drc.region, 2), (region_b_drc.region, 5)):
        extension_grant(
            cycle=bcycle,
            region=region,
            stage=Stage.BIDDING,
            until=bcycle.bidding_deadline + datetime.timedelta(days=days),
            reason="补报",
            by=reviewer,
        )
    with django_assert_num_queries(1):
        assert not rules.bidding_closed_for_all(bcycle, now=deadline + datetime.timedelta(days=4))
    assert not rules.bidding_closed_for_all(bcycle, now=deadline + datetime.timedelta(days=5, seconds=-1))
    assert rules.bidding_closed_for_all(bcycle, now=deadline + datetime.timedelta(days=5))
    assert not rules.bidding_closed_for_all(bcycle, now=deadline - datetime.timedelta(seconds=1))
