"""The long list pages of every stage are paginated: this module describes them (``Page``, ``PAGES``) and
makes their rows; the tests are in tests/<app>/test_views.py (``pages(app)``), the kernel's paginator in
tests/reform_portal/test_pagination.py. The tests lower the page size to 2 (3 for the merge page; ``PAGE_SIZE``
is read on every request: the ``small_pages`` fixture in tests/conftest.py) so a few rows make three pages;
``test_page_size_and_links`` checks the real size."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bidding.models import Task
from catalog import services as catalog_services
from catalog.models import Measure
from evaluation import services as evaluation_services
from evaluation.models import Assessment
from proposals.models import ProposalBook

from .catalog import scenarios as fc
from .evaluation import scenarios as fe

# ---- the rows each page lists. Each make(cycle, cast, k) adds k rows in a region not used yet, so a
# filter on the first region (or on what the first call made) keeps exactly the first call's rows.

REGIONS = ["330000", "320000", "440000", "310000", "510000"]
ITEMS = [fc.ZJ_ITEMS[0], *fc.TOPICS]  # a book holds 3–5 proposals
FIRST = REGIONS[0]
LOWER = dict.fromkeys(fe.SCORES, fe.SCORES["score_attainment"] - 25)


def proposals(cycle, k):
    """k proposals (3–6) in books of 3–5 of fresh regions."""
    made = []
    for size in [3, 3] if k == 6 else [k]:
        code = REGIONS[ProposalBook.objects.filter(cycle=cycle).count()]
        book, _drc, _std = fc.submitted_region_book(cycle, code, ITEMS[:size])
        made += list(book.proposals.order_by("position"))
    return made


def measures(cycle, reviewer, k):
    """k measures, one a proposal, from a book of a fresh region."""
    code = REGIONS[ProposalBook.objects.filter(cycle=cycle).count()]
    book, _drc, _std = fc.submitted_region_book(cycle, code, ITEMS[: max(3, k)])
    start = Measure.objects.filter(cycle=cycle).count()
    return [
        fc.measure_from(cycle, reviewer, [p], title=f"举措{start + i}")
        for i, p in enumerate(book.proposals.order_by("position")[:k])
    ]


def tasks(cycle, reviewer, k):
    """k tasks of a fresh region (list entries 1…k)."""
    code = REGIONS[Task.objects.filter(cycle=cycle).values("region").distinct().count()]
    return [
        fe.make_task(cycle, reviewer, region_code=code, position=pos, with_report=False)
        for pos in range(1, k + 1)
    ]


def evaluated(cycle, reviewer, evaluator, k):
    """k tasks of a fresh region commissioned to the evaluator's agency, assessed (the first region's with
    higher scores than the others'), promoted to published outcomes and incentivised."""
    first = not Task.objects.filter(cycle=cycle).exists()
    made = tasks(cycle, reviewer, k)
    commission = fe.commission(
        cycle,
        reviewer,
        evaluator.organization,
        made,
        due=datetime.date(cycle.year + 1, 9, 1 + Task.objects.filter(cycle=cycle).count()),
    )
    for task in made:
        fe.submitted_assessment(commission, task, evaluator, scores=fe.SCORES if first else LOWER)
        outcome = evaluation_services.outcome_create(
            task=task, values=dict(fe.OUTCOME_VALUES, title=f"改革成果{task.pk}"), by=reviewer
        )
        evaluation_services.outcome_publish(outcome=outcome, by=reviewer)
        evaluation_services.incentive_create(
            cycle=cycle,
            kind="commendation",
            reason=f"完成较好{task.pk}。",
            region=task.region,
            tasks=[task],
            by=reviewer,
        )


def _first_grade(cycle):
    return Assessment.objects.filter(task__cycle=cycle).order_by("pk").first().grade


class Page:
    """A paginated page: URL name, who looks, the context key of its rows, how to add rows, the page size
    used here, GET parameters every request carries, and filters that keep the first call's rows
    (callables get the cycle)."""

    def __init__(self, name, who, key, make, size=2, base=None, filters=None):
        self.name, self.who, self.key, self.make, self.size = name, who, key, make, size
        self.base, self.filters = base or {}, filters or {}

    def __repr__(self):
        return self.name

    def params(self, cycle, filtered=False, **extra):
        values = {**self.base, **(self.filters if filtered else {}), **extra}
        return {k: (v(cycle) if callable(v) else v) for k, v in values.items()}


def _reviews(cycle, cast, k):
    for m in measures(cycle, cast["reviewer"], k):
        catalog_services.expert_assign(measure=m, expert=cast["expert"], by=cast["reviewer"])


def _evaluated(cycle, cast, k):
    evaluated(cycle, cast["reviewer"], cast["evaluator"], k)


def _year(cycle):
    return cycle.year


PAGES = [
    # a book holds at least 3 proposals: the merge page is paged by 3 here
    Page(
        "catalog:merge",
        "reviewer",
        "rows",
        lambda c, cast, k: proposals(c, k),
        size=3,
        base={"year": _year},
        filters={"region": FIRST},
    ),
    Page(
        "catalog:measures",
        "reviewer",
        "measures",
        lambda c, cast, k: measures(c, cast["reviewer"], k),
        base={"year": _year},
    ),
    Page("catalog:my_reviews", "expert", "reviews", _reviews),
    Page("evaluation:assignments", "evaluator", "rows", _evaluated),
    Page("evaluation:assessments", "reviewer", "assessments", _evaluated, filters={"grade": _first_grade}),
    Page("evaluation:library", "anonymous", "outcomes", _evaluated, filters={"region": FIRST}),
    Page("evaluation:incentives", "reviewer", "incentives", _evaluated),
    Page("bidding:tasks", "reviewer", "tasks", lambda c, cast, k: tasks(c, cast["reviewer"], k)),
    Page(
        "bidding:progress",
        "reviewer",
        "rows",
        lambda c, cast, k: tasks(c, cast["reviewer"], k),
        base={"year": _year},
        filters={"region": FIRST},
    ),
]


def _ids(rows):
    out = []
    for row in rows:
        if isinstance(row, dict) and "task_id" in row:  # a row of values (the evaluator's assignments)
            out.append(row["task_id"])
            continue
        if isinstance(row, dict) and "pk" in row:  # a row of columns (the merge page's)
            out.append(row["pk"])
            continue
        if isinstance(row, dict):
            row = row.get("proposal") or row["task"]
        out.append(row.pk)
    return out


def _login(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)


def _link(params, page):
    return 'href="?' + "&amp;".join(f"{k}={v}" for k, v in {**params, "page": page}.items()) + '"'


def _queries(client, url, params):
    client.get(url, params)  # warm the per-process caches (content types, permissions) first
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def pages(app):
    """The paginated pages of ``app`` (its tests are in tests/<app>/test_views.py)."""
    return [p for p in PAGES if p.name.split(":")[0] == app]
