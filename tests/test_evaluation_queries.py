"""Query counts of every evaluation list page with 1 and with 3 items: an N+1 fails here."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation import services

from . import factories as f
from . import factories_evaluation as fe

pytestmark = pytest.mark.django_db
REGIONS = ["330000", "320000", "440000"]


def build(cycle, reviewer, n):
    """``n`` tasks in different regions, each in its own commission to one agency, assessed, promoted,
    published and incentivised. The second call makes a later cycle, which becomes the current one."""
    org = fe.agency(f"第三方评估机构{n}")
    user = fe.evaluator_user(org, username=f"ev{n}")
    for i in range(n):
        task = fe.make_task(cycle, reviewer, region_code=REGIONS[i], position=i + 1,
                            entities=[f.OrganizationFactory()])
        c = fe.commission(cycle, reviewer, org, [task], due=datetime.date(2030, 9, i + 1))
        fe.submitted_assessment(c, task, user)
        outcome = services.outcome_create(task=task, values=fe.OUTCOME_VALUES, by=reviewer)
        services.outcome_publish(outcome=outcome, by=reviewer)
        services.incentive_create(cycle=cycle, kind="commendation", reason="完成较好。", region=task.region,
                                  tasks=[task], by=reviewer)
    return user


PAGES = [
    ("commissions", "reviewer", "commissions"),
    ("assignments", "evaluator", "rows"),
    ("assessments", "reviewer", "assessments"),
    ("outcomes", "reviewer", "outcomes"),
    ("incentives", "reviewer", "incentives"),
    ("results", "reviewer", "rows"),
    ("library", None, "outcomes"),
    ("public_results", None, "rows"),
]


def count(client, url):
    client.get(url)  # warm the process-wide caches (content types, guardian) so both runs compare alike
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize(("name", "who", "key"), PAGES)
def test_list_page_queries_do_not_grow_with_items(client, reviewer, name, who, key):
    counts = []
    for n in (1, 3):
        cycle = f.CycleFactory(year=2040 + n)
        user = build(cycle, reviewer, n)
        client.logout()
        if who == "reviewer":
            client.force_login(reviewer)
        elif who == "evaluator":
            client.force_login(user)
        url = reverse(f"evaluation:{name}")
        if name in ("results", "public_results", "library"):
            url += f"?year={cycle.year}"
        queries, response = count(client, url)
        assert len(response.context[key]) == n
        counts.append(queries)
    assert counts[0] == counts[1], counts

