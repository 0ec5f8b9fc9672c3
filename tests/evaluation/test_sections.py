"""The 激励 of a task on its page in 揭榜任务 (evaluation.sections through bidding.sections): the region's staff
follow the incentive notification's link to the task and read what was granted (issue 14 §4: incentive → the
recipient and its region; the link opens the item)."""

import pytest
from django.urls import reverse

from bidding.enums import TaskState
from bidding.rules import VIEW_TASK
from evaluation import services
from reform_portal.services import grant_region_departments

from .. import factories as f
from . import scenarios as fe


@pytest.mark.django_db
def test_the_region_reads_the_incentive_on_the_task_it_links_to(client):
    cycle = f.CycleFactory(stage="evaluation")
    reviewer = f.national_user()
    task = fe.make_task(cycle, reviewer, region_code="330000", position=1, state=TaskState.EVALUATED)
    other = fe.make_task(cycle, reviewer, region_code="330000", position=2)
    for t in (task, other):
        grant_region_departments(t, [VIEW_TASK])  # as 确认揭榜 does
    staff = f.regional_user("330000", "regional_drc")
    services.incentive_create(
        cycle=cycle,
        kind="commendation",
        reason="赋权改革成效显著，予以通报表扬。",
        region=task.region,
        tasks=[task],
        by=reviewer,
    )
    client.force_login(staff)
    page = client.get(reverse("bidding:task_detail", args=[task.pk])).content.decode()
    assert "赋权改革成效显著，予以通报表扬。" in page
    assert 'data-testid="task-incentive"' in page and "通报表扬" in page
    page = client.get(reverse("bidding:task_detail", args=[other.pk])).content.decode()
    assert 'data-testid="task-section"' not in page
