"""揭榜 over the API (DECISIONS §18): bid sets and tasks read through the pages' selectors, progress reports filed
through the page's form and the service (dates, every target's actual value, Chinese messages at the field)."""

import datetime

import pytest
from django.utils import timezone

from bidding import services as bs
from reform_portal.enums import OrgKind, Role

from .. import factories as f
from ..reform_portal.api_scenarios import token_client
from . import scenarios as fb

pytestmark = pytest.mark.django_db


@pytest.fixture
def implementer(db):
    return f.UserFactory(
        role=Role.IMPLEMENTER,
        organization=f.OrganizationFactory(
            name="浙江大学", kind=OrgKind.UNIVERSITY, region=f.region("330000")
        ),
    )


@pytest.fixture
def task(reviewer, region_a_drc, region_a_scitech, implementer):
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    task, *_others = fb.allocated(cycle, reviewer, region_a_drc, region_a_scitech, entries)
    bs.plan_set_entities(task=task, organizations=[implementer.organization], by=region_a_drc)
    fb.confirmed_plan(task, region_a_drc)
    task.refresh_from_db()
    return task


def report(task, **overrides):
    data = {
        "period_end": timezone.localdate().isoformat(),
        "narrative": "已完成首批试点。",
        "actuals": {str(t.pk): "40" for t in task.targets.all()},
        "statuses": {str(m.pk): {"status": "on_track", "note": ""} for m in task.milestones.all()},
    }
    data.update(overrides)
    return data


def test_tasks_and_bid_sets_are_the_regions_own(task, region_a_drc, region_b_drc, reviewer):
    mine = token_client(region_a_drc)
    assert task.pk in [t["id"] for t in mine.get("/api/v1/tasks/").json()]
    assert [s["region"] for s in mine.get("/api/v1/bid-sets/").json()] == ["330000"]
    detail = mine.get(f"/api/v1/tasks/{task.pk}/").json()
    assert detail["targets"][0]["indicator"] == "赋权成果数" and detail["milestones"]
    other = token_client(region_b_drc)
    assert other.get("/api/v1/tasks/").json() == []
    assert other.get(f"/api/v1/tasks/{task.pk}/").status_code == 404
    assert other.post(f"/api/v1/tasks/{task.pk}/reports/", report(task), format="json").status_code == 404
    assert task.pk in [t["id"] for t in token_client(reviewer).get("/api/v1/tasks/").json()]


def test_a_region_files_a_progress_report_through_the_service(task, region_a_drc):
    client = token_client(region_a_drc)
    created = client.post(f"/api/v1/tasks/{task.pk}/reports/", report(task), format="json")
    assert created.status_code == 201, created.json()
    target = task.targets.get()
    target.refresh_from_db()
    assert target.latest_actual == 40
    assert [r["id"] for r in client.get(f"/api/v1/tasks/{task.pk}/reports/").json()] == [created.json()["id"]]
    again = client.post(f"/api/v1/tasks/{task.pk}/reports/", report(task), format="json")
    assert again.status_code == 400 and "上一期报告" in again.json()["period_end"][0]


def test_a_report_is_checked_like_the_page(task, region_a_drc):
    client = token_client(region_a_drc)
    target = task.targets.get()
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    late = client.post(f"/api/v1/tasks/{task.pk}/reports/", report(task, period_end=future), format="json")
    assert late.status_code == 400 and "不能晚于今天" in late.json()["period_end"][0]
    missing = client.post(f"/api/v1/tasks/{task.pk}/reports/", report(task, actuals={}), format="json")
    assert missing.status_code == 400 and missing.json()[f"actual_{target.pk}"] == ["请填写实际值。"]
    bad = client.post(
        f"/api/v1/tasks/{task.pk}/reports/", report(task, narrative="进展\ue000顺利"), format="json"
    )
    assert bad.status_code == 400 and "私用区字符" in bad.json()["narrative"][0]
    assert not task.reports.exists()


def test_the_tasks_implementer_reports_and_reviewers_only_read(task, reviewer, implementer):
    refused = token_client(reviewer).post(f"/api/v1/tasks/{task.pk}/reports/", report(task), format="json")
    assert refused.status_code == 403
    client = token_client(implementer)
    assert [t["id"] for t in client.get("/api/v1/tasks/").json()] == [task.pk]
    assert client.post(f"/api/v1/tasks/{task.pk}/reports/", report(task), format="json").status_code == 201
