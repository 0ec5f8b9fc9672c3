"""The API's permission matrix (DECISIONS §18): every route of the ``api`` namespace × every method it answers ×
every actor of tests/config/test_urls.py's world, under session authentication and under API-token authentication.

Each route lists its methods and, per method, which actors may use it (the same as the route's page):
- allowed actors get a status below 500 that is not 401/403/404/405 (an empty write may answer 400 with the
  fields' messages; that is past the permission check);
- anonymous callers get 401 on an authenticated route (200 on a public one);
- every other actor gets 403 or 404; for an object of region A, region B's staff get 404.
A route of the URL conf without an entry, or a method a route answers that its entry does not list (or the
reverse), fails here naming it."""

import pytest
from django.db import transaction
from django.urls import reverse
from rest_framework.test import APIClient

from reform_portal.enums import Stage
from reform_portal.services import api_token_create

from . import test_urls as matrix
from .test_api import api_routes
from .test_urls import (
    ANON,
    EVERYONE,
    IMPLEMENTER,
    REVIEWER,
    A,
    B,
    _cycle,
    _set_stage,
    open_book,
    pk,
)

pytestmark = pytest.mark.django_db

# The world of the page matrix, built once for this module too.
_world = matrix._world
world = matrix.world

STAFF = {A, B}
OWN = {A}


class Route:
    """``prepare``: {method: world -> None}, puts the world where the allowed actors may act (e.g. the book
    withdrawn to 草稿 in the proposal window before a write)."""

    def __init__(self, kwargs=None, owned=False, prepare=None, **methods):
        self.kwargs = kwargs or (lambda w: {})
        self.owned = owned
        self.prepare = prepare or {}
        self.methods = {m: frozenset(actors) for m, actors in methods.items()}


WRITE_BOOK = {m: open_book for m in ("post", "put", "patch", "delete")}


def _a_bid_set(w):
    from bidding.models import BidSet

    return BidSet.objects.get(cycle=w["cycle"], region=w["users"][A].region)


def a_bid_set(w):
    return {"pk": _a_bid_set(w).pk}


def a_bid(w):
    return {"pk": _a_bid_set(w).bids.order_by("pk").first().pk}


def _reopen_bids(w, state):
    """The bidding window open again and 浙江's bid set in ``state``, its claims not yet awarded (the tasks let go
    of them), so the region may edit, cancel, sign, submit or withdraw."""
    from bidding.models import BidSet, Task

    _set_stage(_cycle(w), Stage.BIDDING)
    bid_set = _a_bid_set(w)
    Task.objects.filter(bid__bid_set=bid_set).update(bid=None)
    BidSet.objects.filter(pk=bid_set.pk).update(state=state)


def open_bids(w):
    _reopen_bids(w, "draft")


def submitted_bids(w):
    _reopen_bids(w, "submitted")


WRITE_BIDS = {m: open_bids for m in ("post", "put", "patch", "delete")}


def published_results(w):
    """The reviewers have published the year's results (until then the API answers 404 to everyone)."""
    from evaluation import services as es

    es.results_publish(cycle=_cycle(w), by=w["users"][REVIEWER], reason="接口权限测试")


API = {
    "api:schema": Route(get=EVERYONE),
    "api:docs": Route(get=EVERYONE),
    # public (DECISIONS §18 "Public read")
    "api:lists": Route(get=EVERYONE),
    "api:list_detail": Route(pk("published_list"), get=EVERYONE),
    "api:outcomes": Route(get=EVERYONE),
    "api:outcome_detail": Route(pk("published_outcome"), get=EVERYONE),
    "api:results": Route(
        lambda w: {"year": w["cycle"].year}, prepare={"get": published_results}, get=EVERYONE
    ),
    # 建议书: the region's own (江苏 gets 404), reviewers read submitted ones; writes through the services
    "api:books": Route(get=STAFF | {REVIEWER}, post=STAFF),
    "api:book_detail": Route(pk("book"), owned=True, prepare=WRITE_BOOK, get=OWN | {REVIEWER}, patch=OWN),
    "api:book_sign": Route(pk("book"), owned=True, prepare=WRITE_BOOK, post=OWN),
    "api:book_submit": Route(pk("book"), owned=True, prepare=WRITE_BOOK, post=OWN),
    "api:book_proposals": Route(pk("book"), owned=True, prepare=WRITE_BOOK, get=OWN | {REVIEWER}, post=OWN),
    "api:proposal_detail": Route(
        pk("proposal"),
        owned=True,
        prepare=WRITE_BOOK,
        get=OWN | {REVIEWER},
        put=OWN,
        patch=OWN,
        delete=OWN,
    ),
    # 揭榜: bid sets and tasks read; progress reports filed by the region or the task's implementer
    "api:bid_sets": Route(get=STAFF | {REVIEWER}, post=STAFF),
    "api:bid_set_detail": Route(a_bid_set, owned=True, get=OWN | {REVIEWER}),
    "api:bid_set_bids": Route(a_bid_set, owned=True, prepare=WRITE_BIDS, get=OWN | {REVIEWER}, post=OWN),
    "api:bid_set_sign": Route(a_bid_set, owned=True, prepare=WRITE_BIDS, post=OWN),
    "api:bid_set_submit": Route(a_bid_set, owned=True, prepare=WRITE_BIDS, post=OWN),
    "api:bid_set_withdraw": Route(a_bid_set, owned=True, prepare={"post": submitted_bids}, post=OWN),
    "api:bid_detail": Route(
        a_bid, owned=True, prepare=WRITE_BIDS, get=OWN | {REVIEWER}, put=OWN, patch=OWN, delete=OWN
    ),
    "api:tasks": Route(get=STAFF | {REVIEWER, IMPLEMENTER}),
    "api:task_detail": Route(pk("task"), owned=True, get=OWN | {REVIEWER, IMPLEMENTER}),
    "api:task_reports": Route(
        pk("task"), owned=True, get=OWN | {REVIEWER, IMPLEMENTER}, post=OWN | {IMPLEMENTER}
    ),
    # 实施方案 of the task in planning (its implementer is not named on it): the region writes, reviewers read
    "api:task_milestones": Route(pk("planning"), owned=True, get=OWN | {REVIEWER}, post=OWN),
    "api:task_targets": Route(pk("planning"), owned=True, get=OWN | {REVIEWER}, post=OWN),
    "api:task_plan_confirm": Route(pk("planning"), owned=True, post=OWN),
    "api:milestone_detail": Route(
        pk("milestone"), owned=True, get=OWN | {REVIEWER}, put=OWN, patch=OWN, delete=OWN
    ),
    "api:target_detail": Route(
        pk("target"), owned=True, get=OWN | {REVIEWER}, put=OWN, patch=OWN, delete=OWN
    ),
    # 协调解决: raised by the region or the task's implementer, answered by reviewers
    "api:task_coordination": Route(
        pk("task"), owned=True, get=OWN | {REVIEWER, IMPLEMENTER}, post=OWN | {IMPLEMENTER}
    ),
    "api:coordination_answer": Route(pk("coordination"), post={REVIEWER}),
}

AUTHS = ("session", "token")


def client_for(world, actor, auth):
    client = APIClient()
    if actor == ANON:
        return client
    user = world["users"][actor]
    if auth == "session":
        client.force_login(user)
    else:
        _token, secret = api_token_create(user=user, name=f"矩阵{actor}", days=30, by=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def expected(route, method, actor):
    if actor in route.methods[method]:
        return "allowed"
    if actor == ANON:
        return "401"
    if actor == B and route.owned:
        return "404"
    return "refused"


def outcome_of(status):
    if status in (401, 404):
        return str(status)
    if status == 403:
        return "refused"
    if status < 500 and status != 405:
        return "allowed"
    return f"status {status}"


def matches(want, status):
    got = outcome_of(status)
    return got == want or (want == "refused" and got == "404")


def test_every_api_route_is_in_the_matrix():
    names = set(api_routes())
    assert not sorted(names - set(API)), f"API routes without a matrix entry: {sorted(names - set(API))}"
    assert not sorted(set(API) - names), (
        f"matrix entries for API routes that no longer exist: {sorted(set(API) - names)}"
    )


CASES = sorted((name, method) for name, route in API.items() for method in route.methods)


@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_api_permissions(world, name, method):
    route = API[name]
    if method in route.prepare:
        route.prepare[method](world)
    url = reverse(name, kwargs=route.kwargs(world))
    wrong = []
    # refused actors first: an allowed write may change the world
    for actor in sorted(EVERYONE, key=lambda a: a in route.methods[method]):
        for auth in AUTHS if actor != ANON else ("none",):
            client = client_for(world, actor, auth)
            with transaction.atomic():  # each request on the same world: an allowed write is undone
                response = getattr(client, method)(url, {}, format="json")
                transaction.set_rollback(True)
            want = expected(route, method, actor)
            if not matches(want, response.status_code):
                wrong.append(f"{actor}/{auth}: {response.status_code} (expected {want})")
    assert not wrong, f"{name} {method.upper()}: " + "; ".join(wrong)


@pytest.mark.parametrize("name", sorted(API))
def test_unlisted_methods_are_refused(world, name):
    """A method the entry does not list answers 405 (or the permission refusal first) to a reviewer."""
    route = API[name]
    url = reverse(name, kwargs=route.kwargs(world))
    client = client_for(world, REVIEWER, "token")
    for method in {"get", "post", "put", "patch", "delete"} - set(route.methods):
        status = getattr(client, method)(url, {}, format="json").status_code
        assert status in (403, 404, 405), f"{name} {method.upper()}: {status}"
