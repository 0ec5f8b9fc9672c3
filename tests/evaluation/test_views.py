"""The evaluation pages: the public library, query counts, optimistic locking, pagination."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation import services
from evaluation import services as es
from evaluation.enums import IncentiveKind, OutcomeState
from evaluation.models import Assessment, Outcome

from .. import factories as f
from ..pagination_scenarios import _ids, _link, _login, _queries, pages
from ..reform_portal.scenarios import _assert_refused, _loaded
from . import scenarios as fe

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------------------------
# The public outcomes library: anonymous, searchable by keyword, area, region and year; drafts invisible.
# Outcomes come only from recommended tasks; incentives name a region and/or unit.


@pytest.fixture
def library(cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org)
    zj = fe.make_task(cycle, reviewer, region_code="330000", position=1)  # tech_market
    js = fe.make_task(cycle, reviewer, region_code="320000", position=2)  # core_tech
    gd = fe.make_task(cycle, reviewer, region_code="440000", position=5)  # tech_market
    c = fe.commission(cycle, reviewer, org, [zj, js, gd])
    out = {}
    for key, task, title in [
        ("zj", zj, "职务科技成果赋权改革经验"),
        ("js", js, "揭榜挂帅项目组织经验"),
        ("gd", gd, "技术转移机构市场化运营经验"),
    ]:
        fe.submitted_assessment(c, task, user)
        out[key] = services.outcome_create(
            task=task, values=dict(fe.OUTCOME_VALUES, title=title), by=reviewer
        )
    services.outcome_publish(outcome=out["zj"], by=reviewer)
    services.outcome_publish(outcome=out["js"], by=reviewer)  # gd stays unpublished
    return out


def titles(response):
    return [o.title for o in response.context["outcomes"]]


def test_anonymous_visitors_read_the_library_without_login(client, library):
    response = client.get(reverse("evaluation:library"))
    assert response.status_code == 200
    assert sorted(titles(response)) == ["揭榜挂帅项目组织经验", "职务科技成果赋权改革经验"]
    detail = client.get(reverse("evaluation:library_detail", args=[library["zj"].pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "制定赋权办法，单列管理赋权成果，建立尽职免责机制。" in html and "浙江省" in html


def test_unpublished_outcomes_are_invisible(client, library, reviewer):
    assert "技术转移机构市场化运营经验" not in client.get(reverse("evaluation:library")).content.decode()
    assert client.get(reverse("evaluation:library_detail", args=[library["gd"].pk])).status_code == 404
    services.outcome_unpublish(outcome=library["zj"], by=reviewer)
    assert titles(client.get(reverse("evaluation:library"))) == ["揭榜挂帅项目组织经验"]
    assert client.get(reverse("evaluation:library_detail", args=[library["zj"].pk])).status_code == 404


def test_search_by_area_region_year_and_keyword(client, cycle, library):
    url = reverse("evaluation:library")
    assert titles(client.get(url, {"area": "tech_market"})) == ["职务科技成果赋权改革经验"]
    assert titles(client.get(url, {"region": "320000"})) == ["揭榜挂帅项目组织经验"]
    assert titles(client.get(url, {"region": "440000"})) == []
    assert len(titles(client.get(url, {"year": cycle.year}))) == 2
    assert titles(client.get(url, {"year": cycle.year - 1})) == []
    assert titles(client.get(url, {"q": "揭榜挂帅"})) == ["揭榜挂帅项目组织经验"]
    assert titles(client.get(url, {"q": "揭榜挂帅", "area": "tech_market"})) == []


def test_home_page_links_to_the_library(client, cycle):
    assert f'href="{reverse("evaluation:library")}"' in client.get(reverse("home")).content.decode()


def test_outcome_copies_source_region_area_and_task(cycle, library):
    o = library["zj"]
    o.refresh_from_db()
    assert (o.region.code, o.area, o.cycle, o.state) == (
        "330000",
        "tech_market",
        cycle,
        OutcomeState.PUBLISHED,
    )


def test_outcome_needs_a_recommending_submitted_assessment(cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org)
    task = fe.make_task(cycle, reviewer)
    c = fe.commission(cycle, reviewer, org, [task])
    with pytest.raises(PermissionDenied) as exc:
        services.outcome_create(task=task, values=fe.OUTCOME_VALUES, by=reviewer)
    assert str(exc.value) == "该任务尚无已提交的评估报告。"
    fe.submitted_assessment(c, task, user, recommend=False)
    with pytest.raises(PermissionDenied) as exc:
        services.outcome_create(task=task, values=fe.OUTCOME_VALUES, by=reviewer)
    assert str(exc.value) == "第三方评估未建议复制推广该任务。"


def test_reviewer_turns_a_recommended_task_into_an_outcome_through_the_page(client, cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org)
    task = fe.make_task(cycle, reviewer)
    fe.submitted_assessment(fe.commission(cycle, reviewer, org, [task]), task, user)
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:outcomes"))
    assert list(page.context["candidates"]) == [task]
    response = client.post(
        reverse("evaluation:outcome_new", args=[task.pk]), dict(fe.OUTCOME_VALUES, title="")
    )
    assert response.context["form"].errors["title"] == ["这个字段是必填项。"]
    client.post(reverse("evaluation:outcome_new", args=[task.pk]), fe.OUTCOME_VALUES)
    outcome = task.__class__.objects.get(pk=task.pk).outcome
    assert outcome.state == OutcomeState.DRAFT
    client.post(reverse("evaluation:outcome_publish", args=[outcome.pk]), {"action": "publish"})
    outcome.refresh_from_db()
    assert (outcome.state, outcome.published_by) == (OutcomeState.PUBLISHED, reviewer)


def test_incentives_for_a_region_and_or_a_unit(client, cycle, reviewer):
    task = fe.make_task(cycle, reviewer)
    unit = f.OrganizationFactory(name="杭州市人民政府", kind="local_gov")
    task.entities.add(unit)
    other_years_unit = f.OrganizationFactory(name="宁波市人民政府", kind="local_gov")
    fe.make_task(f.CycleFactory(year=cycle.year - 1), reviewer).entities.add(other_years_unit)
    client.force_login(reviewer)
    offered = client.get(reverse("evaluation:incentives")).context["form"].fields["organization"].queryset
    assert list(offered) == [unit]  # the year's 实施主体 only
    response = client.post(reverse("evaluation:incentives"), {"kind": "commendation", "reason": ""})
    assert response.context["form"].errors == {
        "reason": ["请填写激励理由。"],
        "region": ["请选择受激励的地区或单位（至少一项）。"],
    }
    client.post(
        reverse("evaluation:incentives"),
        {
            "kind": IncentiveKind.PRIORITY_SUPPORT,
            "region": f.region("330000").pk,
            "organization": unit.pk,
            "tasks": [task.pk],
            "reason": "改革任务完成较好，优先支持承担创新创业创造重大项目。",
        },
    )
    incentive = cycle.incentives.get()
    assert (incentive.kind, incentive.region.code, incentive.organization, list(incentive.tasks.all())) == (
        IncentiveKind.PRIORITY_SUPPORT,
        "330000",
        unit,
        [task],
    )
    with pytest.raises(ValidationError):
        services.incentive_create(cycle=cycle, kind=IncentiveKind.OTHER, reason="x", by=reviewer)


# ------------------------------------------------------------------------------------------------------------
# Query counts of every evaluation list page with 1 and with 3 items: an N+1 fails here.

REGIONS = ["330000", "320000", "440000"]


def build(cycle, reviewer, n):
    """``n`` tasks in different regions, each in its own commission to one agency, assessed, promoted,
    published and incentivised. The second call makes a later cycle, which becomes the current one."""
    org = fe.agency(f"第三方评估机构{n}")
    user = fe.evaluator_user(org, username=f"ev{n}")
    for i in range(n):
        task = fe.make_task(
            cycle, reviewer, region_code=REGIONS[i], position=i + 1, entities=[f.OrganizationFactory()]
        )
        c = fe.commission(cycle, reviewer, org, [task], due=datetime.date(2030, 9, i + 1))
        fe.submitted_assessment(c, task, user)
        outcome = services.outcome_create(task=task, values=fe.OUTCOME_VALUES, by=reviewer)
        services.outcome_publish(outcome=outcome, by=reviewer)
        services.incentive_create(
            cycle=cycle,
            kind="commendation",
            reason="完成较好。",
            region=task.region,
            tasks=[task],
            by=reviewer,
        )
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
        if name == "public_results":
            es.results_publish(cycle=cycle, by=reviewer, reason="部分任务尚未评估")
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


# ------------------------------------------------------------------------------------------------------------
# Two people editing the same thing: the second save is refused with who saved first and when, the second
# person's text stays on the page, and the database keeps the first save (nothing silently overwritten).


@pytest.fixture
def commissioned(cycle, reviewer):
    org = fe.agency()
    first, second = (
        fe.evaluator_user(org, username="ciecc_a", full_name="冯涛"),
        fe.evaluator_user(org, username="ciecc_b"),
    )
    task = fe.make_task(cycle, reviewer)
    fe.commission(cycle, reviewer, org, [task])
    return task, first, second


def _assessment_post(conclusion, revision):
    return {
        "score_attainment": "80",
        "score_breakthrough": "80",
        "score_replicability": "80",
        "score_satisfaction": "80",
        "conclusion": conclusion,
        "revision": revision,
    }


@pytest.mark.parametrize("existing", [False, True], ids=["first-saves", "later-saves"])
def test_two_agency_users_filling_one_assessment(client, commissioned, existing):
    task, first, second = commissioned
    if existing:
        c = task.commissions.get()
        es.assessment_save(commission=c, task=task, by=first, values={"conclusion": "草稿"})
    url = reverse("evaluation:assessment_edit", args=[task.pk])
    other = type(client)()
    client.force_login(first)
    other.force_login(second)
    rev_a, rev_b = _loaded(client, url), _loaded(other, url)
    assert rev_a == rev_b == (1 if existing else 0)
    assert client.post(url, _assessment_post("冯涛的结论", rev_a)).status_code == 302
    page = other.post(url, _assessment_post("同事的结论", rev_b))
    _assert_refused(page, first, "同事的结论", "评估报告")
    saved = Assessment.objects.get(task=task)
    assert (saved.conclusion, saved.score_attainment) == ("冯涛的结论", Decimal("80"))


def test_two_reviewers_editing_one_outcome(client, cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org)
    task = fe.make_task(cycle, reviewer)
    fe.submitted_assessment(fe.commission(cycle, reviewer, org, [task]), task, user)
    outcome = es.outcome_create(task=task, values=fe.OUTCOME_VALUES, by=reviewer)
    colleague = f.national_user(username="most_reviewer")
    url = reverse("evaluation:outcome_edit", args=[outcome.pk])
    other = type(client)()
    client.force_login(reviewer)
    other.force_login(colleague)
    rev_a, rev_b = _loaded(client, url), _loaded(other, url)
    assert (
        client.post(url, {**fe.OUTCOME_VALUES, "summary": "第一位的摘要", "revision": rev_a}).status_code
        == 302
    )
    page = other.post(url, {**fe.OUTCOME_VALUES, "summary": "第二位的摘要", "revision": rev_b})
    _assert_refused(page, reviewer, "第二位的摘要", "改革成果")
    assert Outcome.objects.get(pk=outcome.pk).summary == "第一位的摘要"


# ------------------------------------------------------------------------------------------------------------
# The long list pages are paginated (the pages and their rows: tests/pagination_scenarios.py): only one page
# of rows is loaded and shown, ?page=2 shows the rest, the GET filters survive in the page links, and the number
# of queries is the same with 1 and with 3 pages of rows.


PAGINATED = pages("evaluation")


@pytest.mark.parametrize("page", PAGINATED, ids=repr)
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


@pytest.mark.parametrize("page", [p for p in PAGINATED if p.filters], ids=repr)
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


@pytest.mark.parametrize("page", PAGINATED, ids=repr)
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


@pytest.mark.parametrize("existing", [False, True], ids=["defaults", "saved-before"])
def test_two_reviewers_setting_the_scheme(client, cycle, reviewer, existing):
    from evaluation.models import EvaluationScheme

    if existing:
        es.scheme_update(cycle=cycle, values={"cut_pass": Decimal("61")}, by=reviewer)
    colleague = f.national_user(username="most_reviewer", full_name="科技部审核员")
    url = reverse("evaluation:scheme") + f"?year={cycle.year}"
    other = type(client)()
    client.force_login(reviewer)
    other.force_login(colleague)
    rev_a, rev_b = _loaded(client, url), _loaded(other, url)
    assert rev_a == rev_b == (1 if existing else 0)
    values = {
        "weight_attainment": "40",
        "weight_breakthrough": "20",
        "weight_replicability": "25",
        "weight_satisfaction": "15",
        "cut_excellent": "90",
        "cut_good": "80",
        "year": cycle.year,
    }
    assert client.post(url, {**values, "cut_pass": "65", "revision": rev_a}).status_code == 302
    page = other.post(url, {**values, "cut_pass": "55.5", "revision": rev_b})
    _assert_refused(page, reviewer, "55.5", "评估权重和等次分数线")
    assert EvaluationScheme.objects.get(cycle=cycle).cut_pass == Decimal("65")


def test_list_queries_run_with_the_joins_as_written_and_guardian_read_once(
    client, cycle, reviewer, evaluator
):
    """The 评估报告 and 受托评估任务 lists plan their joins in the order written (``reform_portal.planning``), and
    the evaluator's page reads the agency's commissions through guardian once: its list, count and open items
    then filter by their keys (issue 19)."""
    tasks = [fe.make_task(cycle, reviewer, position=i) for i in (1, 2, 3)]
    commission = fe.commission(cycle, reviewer, evaluator.organization, tasks)
    fe.submitted_assessment(commission, tasks[0], evaluator)

    def sql(user, name):
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            page = client.get(reverse(name), {"year": cycle.year})
        assert page.status_code == 200
        return page, [q["sql"] for q in ctx.captured_queries]

    page, queries = sql(reviewer, "evaluation:assessments")
    assert len(page.context["page"].object_list) == 1
    if connection.vendor == "postgresql":
        planned = next(i for i, q in enumerate(queries) if "set_config('join_collapse_limit', '1'" in q)
        listed = next(i for i, q in enumerate(queries) if 'FROM "evaluation_assessment"' in q)
        assert planned < listed
    page, queries = sql(evaluator, "evaluation:assignments")
    assert len(page.context["rows"]) == 3 and page.context["n_open"] == 2
    assert sum("guardian_" in q for q in queries) == 1
    commissions = [q for q in queries if "evaluation_commission_tasks" in q]
    assert len(commissions) >= 2 and not any("guardian_" in q for q in commissions)
