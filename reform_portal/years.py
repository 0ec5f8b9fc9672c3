"""Several years alive at once (notice 三: 按年部署、压茬推进): which year a cycle-scoped page shows, the year
switch, and each user's open items across years (the 工作台's to-do list and the default year).

A page that belongs to a cycle takes ``?year=YYYY`` (in the query string, also on the URL a form posts to)::

    from reform_portal.years import cycle_or_404

    def inbox(request):
        cycle = cycle_or_404(request, kinds=("book",))   # ?year=, else the default year; shows the year switch

Without ``?year=`` (or with a value that is not a year: "²", "-1", "abc"), the page shows the *default year*: the
earliest year in which the user has an open item of the page's kinds, else the latest year among the page's
``cycles`` (all cycles unless the page narrows them). A well-formed year that has no cycle answers 404.

Open items come from providers the stage apps register from ``AppConfig.ready`` (the kernel names no stage)::

    register_open_items(expert_reviews, roles=[Role.EXPERT], kinds=["expert_review"])

    def expert_reviews(user) -> list[OpenItem]:   # one query, grouped by year: no query per item
        ...

A provider returns what waits for ``user`` now, one ``OpenItem`` per (year, kind) with its count: the same
number the item's page lists (``url`` opens it, with ``?year=``)."""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from .enums import CycleState
from .models import ReformCycle, User
from .services import local_today

YEAR_PARAM = "year"
MAX_YEAR = 9999


@dataclass(frozen=True)
class OpenItem:
    """Work waiting for a user: ``count`` things of ``kind`` in ``year``, listed at ``url``, due on ``due`` (the
    last day on which it is on time; None when no date applies)."""

    year: int
    kind: str
    title: str
    url: str
    due: datetime.date | None = None
    count: int = 1

    @property
    def days_left(self) -> int | None:
        return (self.due - local_today()).days if self.due is not None else None


Provider = Callable[[User], Iterable[OpenItem]]


@dataclass(frozen=True)
class _Registered:
    func: Provider
    roles: frozenset[str]
    kinds: frozenset[str]


_PROVIDERS: list[_Registered] = []


def live_cycles() -> QuerySet[ReformCycle]:
    """The cycles that can still hold open items: all but the closed ones (关闭年度: 本年度各阶段工作已完成; what was
    left open was confirmed with a reason on its confirmation page). Providers filter by it first, so a user's
    工作台 costs the same after ten years as after one (issue 19)."""
    return ReformCycle.objects.exclude(state=CycleState.CLOSED)


def register_open_items(func: Provider, *, roles: Iterable[Any], kinds: Iterable[str]) -> Provider:
    """Register ``func(user) -> iterable of OpenItem``, called for users with one of ``roles``; ``kinds`` are the
    kinds of item it returns (a page asks only the providers of its own kinds). Idempotent."""
    if all(p.func is not func for p in _PROVIDERS):
        _PROVIDERS.append(_Registered(func, frozenset(str(r) for r in roles), frozenset(kinds)))
    return func


def registered_kinds() -> frozenset[str]:
    return frozenset().union(*(p.kinds for p in _PROVIDERS))


def open_items(user: User, *, kinds: Iterable[str] | None = None) -> list[OpenItem]:
    """What waits for ``user`` across years (only ``kinds`` when given), by year, then due date, then title.
    Items with a count of 0 are dropped. Cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return []
    wanted = frozenset(kinds) if kinds is not None else None
    cache: dict[frozenset[str] | None, list[OpenItem]] = user.__dict__.setdefault("_open_items", {})
    if wanted in cache:
        return cache[wanted]
    roles = user.role_names()
    items: list[OpenItem] = []
    for provider in _PROVIDERS:
        if not (provider.roles & roles) or (wanted is not None and not (provider.kinds & wanted)):
            continue
        items += [i for i in provider.func(user) if i.count > 0 and (wanted is None or i.kind in wanted)]
    items.sort(key=lambda i: (i.year, i.due or datetime.date.max, i.title))
    cache[wanted] = items
    return items


def open_count(user: User, *, kinds: Iterable[str] | None = None) -> int:
    return sum(i.count for i in open_items(user, kinds=kinds))


def parse_year(value: object) -> int | None:
    """A year from a request ("2027"), or None for anything else ("²", "-1", "abc", "2027\\x00", 10**20)."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        return None
    year = int(text)
    return year if 0 < year <= MAX_YEAR else None


def requested_year(request: HttpRequest) -> int | None:
    """``?year=`` of the page (a form posts to its page's URL, query string included), else a posted field."""
    value = request.GET.get(YEAR_PARAM)
    if value is None and request.method == "POST":
        value = request.POST.get(YEAR_PARAM)
    return parse_year(value)


def default_year(
    user: User, *, kinds: Iterable[str] | None = None, years: Sequence[int] | None = None
) -> int | None:
    """The earliest year (among ``years`` when given) in which ``user`` has an open item of ``kinds``, else the
    latest of ``years`` (of all cycles when not given), else None."""
    if years is None:
        years = list(ReformCycle.objects.order_by("year").values_list("year", flat=True))
    allowed = set(years)
    for item in open_items(user, kinds=kinds):
        if item.year in allowed:
            return item.year
    return max(years) if years else None


@dataclass
class YearLink:
    year: int
    url: str
    current: bool
    open: int = 0


@dataclass
class YearSwitch:
    cycle: ReformCycle
    links: list[YearLink] = field(default_factory=list)


def with_year(url: str, year: int) -> str:
    """``url`` with ``?year=`` (or ``&year=``) appended."""
    return f"{url}{'&' if '?' in url else '?'}{urlencode({YEAR_PARAM: year})}"


def switch_for(request: HttpRequest, cycle: ReformCycle, years: Iterable[int]) -> YearSwitch:
    """Links to the same page in each of ``years`` (and ``cycle``'s), keeping the page's other GET filters but
    not its page number."""
    params = request.GET.copy()
    for name in ("page", YEAR_PARAM):
        params.pop(name, None)
    base = request.path
    years = sorted({*years, cycle.year}, reverse=True)
    links = []
    for year in years:
        query = params.copy()
        query[YEAR_PARAM] = str(year)
        links.append(YearLink(year=year, url=f"{base}?{query.urlencode()}", current=year == cycle.year))
    return YearSwitch(cycle=cycle, links=links)


def selected_cycle(
    request: HttpRequest,
    *,
    kinds: Iterable[str] | None = None,
    cycles: QuerySet[ReformCycle] | None = None,
    switch: bool = True,
) -> ReformCycle | None:
    """The cycle the page shows: ``?year=`` (404 when no cycle has that year), else the default year for the user
    among ``cycles`` (default: every cycle; for a POST without a year, the latest of them), else None when there
    is no cycle at all. Remembers it on the request
    (``request.selected_cycle``) with the year switch the layout shows (``switch=False``: none, e.g. for a
    download)."""
    kinds = tuple(kinds) if kinds is not None else None
    # the pool's cycles themselves (a handful of rows), so the chosen one needs no second query
    pooled = list(
        ReformCycle.objects.order_by("year")
        if cycles is None
        else ReformCycle.objects.filter(pk__in=cycles.values("pk")).order_by("year")
    )
    years = [c.year for c in pooled]
    year = requested_year(request)
    if year is None and request.method == "POST":
        # The page's forms send their year; a POST without one acts on the latest year (as before years were
        # chosen), never on a year worked out from what happens to be open at that moment.
        year = max(years) if years else None
    elif year is None:
        year = default_year(request.user, kinds=kinds, years=years) if years else None  # type: ignore[arg-type]
    if year is None:
        return None
    cycle = next((c for c in pooled if c.year == year), None)
    if cycle is None:  # ?year= of a year outside the page's cycles: that year's page, when the year exists
        cycle = ReformCycle.objects.filter(year=year).first()
    if cycle is None:
        raise Http404
    request.selected_cycle = cycle  # type: ignore[attr-defined]
    if switch:
        request.year_switch = switch_for(request, cycle, years)  # type: ignore[attr-defined]
    return cycle


def cycle_or_404(request: HttpRequest, **kwargs: Any) -> ReformCycle:
    """``selected_cycle`` for a page that cannot be shown without a cycle."""
    cycle = selected_cycle(request, **kwargs)
    if cycle is None:
        raise Http404
    return cycle


def show_switch(
    request: HttpRequest, cycle: ReformCycle, *, url: str, cycles: QuerySet[ReformCycle] | None = None
) -> None:
    """On a page of one object of ``cycle`` (a 建议书, a task): the year switch leads to ``url?year=`` of each year
    (the object's list page), and the header shows the object's year."""
    pool = cycles if cycles is not None else ReformCycle.objects.all()
    years = sorted({*pool.values_list("year", flat=True), cycle.year}, reverse=True)
    request.selected_cycle = cycle  # type: ignore[attr-defined]
    request.year_switch = YearSwitch(  # type: ignore[attr-defined]
        cycle=cycle,
        links=[YearLink(year=y, url=with_year(url, y), current=y == cycle.year) for y in years],
    )
