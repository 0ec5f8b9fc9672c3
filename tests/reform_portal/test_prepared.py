"""reform_portal.prepared: a values_list() queryset compiled once per process, run with new parameters, returns
the queryset's own rows; what it cannot run as the same SQL it refuses when compiled."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.test.utils import CaptureQueriesContext

from reform_portal.models import DeadlineExtension, ReformCycle, Region
from reform_portal.prepared import Prepared

from .. import factories as f


def _cycles(year_from: int, last_day: datetime.date, region_id: int):
    extended = DeadlineExtension.objects.filter(cycle=OuterRef("pk"), region_id=region_id)
    return (
        ReformCycle.objects.filter(
            Q(year__gte=year_from) & (Q(proposal_deadline__gte=last_day) | Exists(extended))
        )
        .annotate(n=Count("pk"))
        .order_by("year")
        .values_list("year", "proposal_deadline", "title", "n", named=True)
    )


@pytest.fixture
def years(db):
    made = [
        f.CycleFactory(year=year, proposal_deadline=datetime.date(year, 4, 30)) for year in (2024, 2025, 2026)
    ]
    region = Region.objects.get(code="330000") if Region.objects.filter(code="330000").exists() else None
    return made, region


@pytest.mark.django_db
def test_the_rows_are_the_querysets_rows_for_every_value(years):
    made, region = years
    region_id = region.pk if region else 1
    prepared = Prepared(_cycles, year_from=int, last_day=datetime.date, region_id=int)
    for year_from in (2023, 2025, 2027):
        for last_day in (datetime.date(2024, 1, 1), datetime.date(2025, 4, 30), datetime.date(2030, 1, 1)):
            expected = list(_cycles(year_from, last_day, region_id))
            got = prepared.rows(year_from=year_from, last_day=last_day, region_id=region_id)
            assert got == expected
            assert [r.proposal_deadline for r in got] == [r.proposal_deadline for r in expected]
            assert all(
                isinstance(r.proposal_deadline, datetime.date) for r in got
            )  # converted as Django does
    assert [
        r.year for r in prepared.rows(year_from=2025, last_day=datetime.date(2025, 1, 1), region_id=0)
    ] == [
        2025,
        2026,
    ]


@pytest.mark.django_db
def test_it_is_compiled_once_and_runs_the_same_sql_each_time(years):
    built = []

    def build(year_from):
        built.append(year_from)
        return ReformCycle.objects.filter(year__gte=year_from).order_by("year").values_list("year")

    prepared = Prepared(build, year_from=int)
    with CaptureQueriesContext(connection) as ctx:
        assert prepared.rows(year_from=2025) == [(2025,), (2026,)]
        assert prepared.rows(year_from=2026) == [(2026,)]
    assert len(built) == 1  # the stand-in build, once
    first, second = (q["sql"] for q in ctx.captured_queries)
    assert first.replace("2025", "?") == second.replace("2026", "?")  # one statement, two values


@pytest.mark.django_db
def test_a_none_value_runs_the_queryset_itself(years):
    calls = []

    def build(title):
        calls.append(title)
        return ReformCycle.objects.filter(title=title).values_list("year")

    prepared = Prepared(build, title=str)
    assert prepared.rows(title=None) == list(ReformCycle.objects.filter(title=None).values_list("year"))
    assert None in calls


def test_what_cannot_be_run_as_the_same_sql_is_refused_when_compiled(db):
    with pytest.raises(ValueError, match="does not reach"):
        Prepared(lambda s: ReformCycle.objects.filter(title__contains=s).values_list("year"), s=str).rows(
            s="x"
        )
    with pytest.raises(ValueError, match="does not reach"):
        Prepared(lambda n: ReformCycle.objects.values_list("year"), n=int).rows(n=1)
    with pytest.raises(TypeError, match="values_list"):
        Prepared(lambda n: ReformCycle.objects.filter(year=n), n=int).rows(n=1)
    with pytest.raises(TypeError, match="parameters"):
        Prepared(lambda n: ReformCycle.objects.filter(year=n).values_list("year"), n=int).rows(m=1)
    with pytest.raises(TypeError, match="int, str or datetime.date"):
        Prepared(lambda n: ReformCycle.objects.filter(year=n).values_list("year"), n=float).rows(n=1.0)


@pytest.mark.django_db
def test_the_regions_open_items_are_not_compiled_on_every_visit(cycle, region_a_drc, monkeypatch):
    """The 工作台's and 揭榜 page's open items of a region and its task counts (issue 19): their SQL is compiled when
    first run, not on every visit (Django compiles a queryset each time it runs)."""
    from django.db.models.sql.compiler import SQLCompiler

    from bidding.open_items import bid_set_items
    from bidding.selectors import live_task_counts
    from proposals.open_items import region_books

    assert region_a_drc.region_id  # the user's region, read once as the header reads it
    original = SQLCompiler.as_sql
    compiled = []

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model)
        return original(self, *args, **kwargs)

    for items in (region_books, bid_set_items, live_task_counts):
        items(region_a_drc)
        compiled.clear()
        monkeypatch.setattr(SQLCompiler, "as_sql", counting)
        with CaptureQueriesContext(connection) as ctx:
            items(region_a_drc)
            items(region_a_drc)
        monkeypatch.setattr(SQLCompiler, "as_sql", original)
        assert len(ctx.captured_queries) == 2  # one query a visit…
        assert compiled == [], items.__name__  # …and no compiling


@pytest.mark.django_db
def test_live_task_counts_are_the_querysets_for_every_kind_of_user(reviewer, admin_user):
    """A reviewer counts every task, a regional user the tasks granted to them (guardian), a superuser as guardian
    answers for one: the same rows as the queryset each stands for."""
    from bidding import selectors

    from ..bidding import scenarios as fb

    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=4)
    drc, scitech = fb.region_pair("330000")
    other_drc, other_scitech = fb.region_pair("320000")
    fb.awarded_tasks(cycle, reviewer, drc, scitech, entries[:3])
    fb.awarded_tasks(cycle, reviewer, other_drc, other_scitech, entries[1:])
    counts = {}
    for user in (drc, other_drc, reviewer, admin_user):
        expected = sorted(selectors._live_task_counts(selectors.tasks_visible_to(user)))
        counts[user.username] = sorted(tuple(vars(r).values()) for r in selectors.live_task_counts(user))
        assert counts[user.username] == expected
    assert sum(row[-1] for row in counts[drc.username]) == 3
    assert sum(row[-1] for row in counts[reviewer.username]) == 6


@pytest.mark.django_db
def test_a_migrate_or_flush_has_every_prepared_query_compiled_again(years):
    """A flush of a test database recreates content types and permissions under new keys, constants a prepared
    query may hold (guardian's filters): ``post_migrate`` makes every prepared query compile again."""
    from django.apps import apps
    from django.db.models.signals import post_migrate

    built = []

    def build(year_from):
        built.append(year_from)
        return ReformCycle.objects.filter(year__gte=year_from).values_list("year")

    prepared = Prepared(build, year_from=int)
    prepared.rows(year_from=2025)
    prepared.rows(year_from=2025)
    assert len(built) == 1
    post_migrate.send(
        sender=apps.get_app_config("reform_portal"), app_config=apps.get_app_config("reform_portal")
    )
    assert prepared.rows(year_from=2026) == [(2026,)]
    assert len(built) == 2
