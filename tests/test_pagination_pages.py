"""The long list pages are paginated: only one page of rows is loaded and shown, ?page=2 shows the rest,
the GET filters survive in the page links, and the number of queries is the same with 1 and with 3 pages
of rows. The page size is lowered to 2 here (3 for the merge page; ``PAGE_SIZE`` is read on every request) so a
few rows make three pages; ``test_page_size_and_links`` checks the real size."""
import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bidding.models import Task
from catalog import services as catalog_services
from catalog.models import Measure
from evaluation import services as evaluation_services
from evaluation.models import Assessment
from proposals.models import ProposalBook
from reform_portal import pagination

from . import factories_catalog as fc
from . import factories_evaluation as fe

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_pages(monkeypatch, page):
    monkeypatch.setattr(pagination, "PAGE_SIZE", page.size)


def test_page_size_and_links():
    assert pagination.PAGE_SIZE == 50
    request = RequestFactory().get("/x/", {"region": "330000", "q": "赋权 改革", "page": "3"})
    page, query = pagination.paginate(request, list(range(120)))
    assert (page.number, len(page), page.paginator.num_pages) == (3, 20, 3)
    assert query == "region=330000&q=%E8%B5%8B%E6%9D%83+%E6%94%B9%E9%9D%A9"
    for asked, number in (("99", 3), ("abc", 1), ("", 1)):
        request = RequestFactory().get("/x/", {"page": asked})
        assert pagination.paginate(request, list(range(120)))[0].number == number


# ---- the rows each page lists. Each make(cycle, cast, k) adds k rows in a region not used yet, so a
# filter on the first region (or on what the first call made) keeps exactly the first call's rows.

REGIONS = ["330000", "320000", "440000", "310000", "510000"]
ITEMS = [fc.ZJ_ITEMS[0], *fc.TOPICS]  # a book holds 3–5 proposals
FIRST = REGIONS[0]
LOWER = dict.fromkeys(fe.SCORES, fe.SCORES["score_attainment"] - 25)


def proposals(cycle, k):
    """k proposals (3–6) in books of 3–5 of fresh regions."""
    made = []
    for size in ([3, 3] if k == 6 else [k]):
        code = REGIONS[ProposalBook.objects.filter(cycle=cycle).count()]
        book, _drc, _std = fc.submitted_region_book(cycle, code, ITEMS[:size])
        made += list(book.proposals.order_by("position"))
    return made


def measures(cycle, reviewer, k):
    """k measures, one a proposal, from a book of a fresh region."""
    code = REGIONS[ProposalBook.objects.filter(cycle=cycle).count()]
    book, _drc, _std = fc.submitted_region_book(cycle, code, ITEMS[:max(3, k)])
    start = Measure.objects.filter(cycle=cycle).count()
    return [fc.measure_from(cycle, reviewer, [p], title=f"举措{start + i}")
            for i, p in enumerate(book.proposals.order_by("position")[:k])]


def tasks(cycle, reviewer, k):
    """k tasks of a fresh region (list entries 1…k)."""
    code = REGIONS[Task.objects.filter(cycle=cycle).values("region").distinct().count()]
    return [fe.make_task(cycle, reviewer, region_code=code, position=pos, with_report=False)
            for pos in range(1, k + 1)]


def evaluated(cycle, reviewer, evaluator, k):
    """k tasks of a fresh region commissioned to the evaluator's agency, assessed (the first region's with
    higher scores than the others'), promoted to published outcomes and incentivised."""
    first = not Task.objects.filter(cycle=cycle).exists()
    made = tasks(cycle, reviewer, k)
    commission = fe.commission(cycle, reviewer, evaluator.organization, made,
                               due=datetime.date(cycle.year + 1, 9, 1 + Task.objects.filter(cycle=cycle).count()))
    for task in made:
        fe.submitted_assessment(commission, task, evaluator, scores=fe.SCORES if first else LOWER)
        outcome = evaluation_services.outcome_create(
            task=task, values=dict(fe.OUTCOME_VALUES, title=f"改革成果{task.pk}"), by=reviewer)
        evaluation_services.outcome_publish(outcome=outcome, by=reviewer)
        evaluation_services.incentive_create(cycle=cycle, kind="commendation", reason=f"完成较好{task.pk}。",
                                             region=task.region, tasks=[task], by=reviewer)


@pytest.fixture
def cast(reviewer):
    return {"reviewer": reviewer, "expert": fc.expert_in("110000", username="expert_b"),
            "evaluator": fe.evaluator_user(fe.agency("第三方评估机构"), username="ev_b"), "anonymous": None}


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
    Page("catalog:merge", "reviewer", "rows", lambda c, cast, k: proposals(c, k), size=3, base={"year": _year},
         filters={"region": FIRST}),
    Page("catalog:measures", "reviewer", "measures", lambda c, cast, k: measures(c, cast["reviewer"], k),
         base={"year": _year}),
    Page("catalog:my_reviews", "expert", "reviews", _reviews),
    Page("evaluation:assignments", "evaluator", "rows", _evaluated),
    Page("evaluation:assessments", "reviewer", "assessments", _evaluated, filters={"grade": _first_grade}),
    Page("evaluation:library", "anonymous", "outcomes", _evaluated, filters={"region": FIRST}),
    Page("evaluation:incentives", "reviewer", "incentives", _evaluated),
    Page("bidding:tasks", "reviewer", "tasks", lambda c, cast, k: tasks(c, cast["reviewer"], k)),
    Page("bidding:progress", "reviewer", "rows", lambda c, cast, k: tasks(c, cast["reviewer"], k),
         base={"year": _year}, filters={"region": FIRST}),
]


def _ids(rows):
    out = []
    for row in rows:
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


@pytest.mark.parametrize("page", PAGES, ids=repr)
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


@pytest.mark.parametrize("page", [p for p in PAGES if p.filters], ids=repr)
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


def _queries(client, url, params):
    client.get(url, params)  # warm the per-process caches (content types, permissions) first
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("page", PAGES, ids=repr)
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
