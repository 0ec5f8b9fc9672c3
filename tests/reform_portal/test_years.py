"""reform_portal.years: the year a cycle page shows (``?year=``), the default year, the year switch, the open-item
registry the 工作台 lists; and the public archive (reform_portal.navigation.register_archive)."""

import datetime

import pytest
from django.http import Http404
from django.test import RequestFactory
from django.urls import reverse

from evaluation import services as es
from reform_portal import years
from reform_portal.enums import Role, Stage
from reform_portal.models import ReformCycle
from reform_portal.services import local_today

from .. import factories as f
from ..bidding import scenarios as fb
from ..evaluation import scenarios as fe

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    """The registered providers, restored after the test (a test registers its own to know the numbers)."""
    saved = list(years._PROVIDERS)
    yield years
    years._PROVIDERS[:] = saved


def two_years():
    """Year N (being implemented) and N+1 (collecting 建议书), both alive."""
    now = local_today().year
    return (
        f.CycleFactory(year=now, stage=Stage.IMPLEMENTATION),
        f.CycleFactory(year=now + 1, stage=Stage.PROPOSAL),
    )


def request(user, **params):
    req = RequestFactory().get("/some/page/", params)
    req.user = user
    return req


@pytest.mark.parametrize(
    "value, year",
    [
        ("2027", 2027),
        (" 2027 ", 2027),
        ("²", None),
        ("2027\x00", None),
        ("\x00", None),
        ("99999", None),
        ("-1", None),
        ("0", None),
        ("abc", None),
        ("2027.0", None),
        ("١٢٣٤", None),  # Arabic-Indic digits are digits to Python, not to the database
        ("", None),
        (None, None),
        ("1" * 40, None),
    ],
)
def test_parse_year_accepts_only_a_year(value, year):
    assert years.parse_year(value) == year


def test_an_explicit_year_is_shown_and_an_unknown_one_is_404(reviewer):
    n, n1 = two_years()
    assert years.selected_cycle(request(reviewer, year=str(n.year))) == n
    with pytest.raises(Http404):
        years.selected_cycle(request(reviewer, year="1999"))
    with pytest.raises(Http404):
        years.selected_cycle(request(reviewer, year="9999"))


@pytest.mark.parametrize("bad", ["²", "\x00", "99999", "-1", "abc"])
def test_a_value_that_is_not_a_year_gives_the_default(reviewer, bad):
    n, n1 = two_years()
    assert years.selected_cycle(request(reviewer, year=bad)) == n1  # no open items: the latest year


def test_the_default_is_the_earliest_year_with_open_items_of_the_page(registry, reviewer, expert):
    n, n1 = two_years()
    older = f.CycleFactory(year=n.year - 1, stage=Stage.EVALUATION)

    def provider(user):
        return [
            years.OpenItem(year=n1.year, kind="a", title="甲", url="/a/"),
            years.OpenItem(year=n.year, kind="b", title="乙", url="/b/"),
            years.OpenItem(year=older.year, kind="a", title="丙", url="/c/", count=0),  # nothing waits
        ]

    registry.register_open_items(provider, roles=[Role.NATIONAL_REVIEWER], kinds=["a", "b"])
    assert years.selected_cycle(request(reviewer)) == n  # every kind: the earliest year with work
    assert years.selected_cycle(request(reviewer), kinds=["a"]) == n1
    assert years.selected_cycle(request(reviewer), kinds=()) == n1  # a page of no kind: the latest year
    # a page that shows only some years: the latest of those when none has work
    assert (
        years.selected_cycle(request(reviewer), kinds=["a"], cycles=ReformCycle.objects.filter(pk=older.pk))
        == older
    )
    assert years.selected_cycle(request(expert)) == n1  # another role: none of these items
    assert years.selected_cycle(request(reviewer, year=str(older.year)), kinds=["a"]) == older  # ?year= wins


def test_a_form_posted_without_its_year_acts_on_the_latest_year(registry, reviewer):
    n, n1 = two_years()
    registry.register_open_items(
        lambda user: [years.OpenItem(year=n.year, kind="a", title="甲", url="/a/")],
        roles=[Role.NATIONAL_REVIEWER],
        kinds=["a"],
    )
    post = RequestFactory().post("/some/page/", {})
    post.user = reviewer
    assert years.selected_cycle(post, kinds=["a"]) == n1  # not the year open items point at
    post = RequestFactory().post("/some/page/", {"year": str(n.year)})
    post.user = reviewer
    assert years.selected_cycle(post, kinds=["a"]) == n  # the page's year, sent by its form
    post = RequestFactory().post(f"/some/page/?year={n1.year}", {"year": str(n.year)})
    post.user = reviewer
    assert years.selected_cycle(post, kinds=["a"]) == n1  # the URL's year first


def test_no_cycle_at_all_gives_none_or_404(reviewer):
    assert years.selected_cycle(request(reviewer)) is None
    with pytest.raises(Http404):
        years.cycle_or_404(request(reviewer))


def test_open_items_are_ordered_filtered_by_role_and_kind_and_cached(registry, reviewer, expert):
    calls = []

    def provider(user):
        calls.append(user)
        return [
            years.OpenItem(
                year=2028, kind="a", title="乙", url="/2/", due=datetime.date(2028, 5, 1), count=2
            ),
            years.OpenItem(year=2027, kind="b", title="丙", url="/3/", due=None),
            years.OpenItem(year=2028, kind="a", title="甲", url="/1/", due=datetime.date(2028, 4, 1)),
        ]

    registry.register_open_items(provider, roles=[Role.NATIONAL_REVIEWER], kinds=["a", "b"])
    registry.register_open_items(provider, roles=[Role.NATIONAL_REVIEWER], kinds=["a", "b"])  # idempotent
    assert [i.title for i in years.open_items(reviewer)] == ["丙", "甲", "乙"]
    assert [i.title for i in years.open_items(reviewer, kinds=["a"])] == ["甲", "乙"]
    assert years.open_count(reviewer) == 4
    assert years.open_items(expert) == []
    assert years.open_items(reviewer) and len(calls) == 2  # once per kinds asked, then cached on the user


def test_the_year_switch_keeps_the_filters_and_drops_the_page(reviewer):
    n, n1 = two_years()
    req = RequestFactory().get("/catalog/merge/", {"year": str(n.year), "region": "330000", "page": "3"})
    req.user = reviewer
    cycle = years.selected_cycle(req)
    assert cycle == n and req.selected_cycle == n
    links = [(link.year, link.url, link.current) for link in req.year_switch.links]
    assert links == [
        (n1.year, f"/catalog/merge/?region=330000&year={n1.year}", False),
        (n.year, f"/catalog/merge/?region=330000&year={n.year}", True),
    ]


def test_with_year():
    assert years.with_year("/x/", 2027) == "/x/?year=2027"
    assert years.with_year("/x/?a=1", 2027) == "/x/?a=1&year=2027"


# ---- the 工作台 --------------------------------------------------------------------------------------------


def test_dashboard_lists_every_years_items_and_never_says_idle_while_work_waits(client, registry, expert):
    n, n1 = two_years()
    client.force_login(expert)
    page = client.get(reverse("dashboard"))
    assert "暂无需要您办理的事项" in page.content.decode()

    def provider(user):
        return [
            years.OpenItem(
                year=n.year, kind="k", title="论证去年的举措", url="/n/", due=local_today(), count=2
            ),
            years.OpenItem(year=n1.year, kind="k", title="论证今年的举措", url="/n1/", count=1),
        ]

    registry.register_open_items(provider, roles=[Role.EXPERT], kinds=["k"])
    page = client.get(reverse("dashboard"))
    html = page.content.decode()
    assert "暂无需要您办理的事项" not in html
    assert [(i.year, i.count) for i in page.context["items"]] == [(n.year, 2), (n1.year, 1)]
    assert f'data-year="{n.year}" data-count="2"' in html and '<a href="/n1/">论证今年的举措</a>' in html
    assert page.context["cycle"] == n  # the dashboard's year: the earliest with work
    assert "论证去年的举措" in page.context["next_due"].title
    assert 'data-testid="year-switch"' in html


# ---- the public archive ------------------------------------------------------------------------------------


def test_archive_lists_every_published_version_and_every_years_outcomes(client, reviewer):
    n, n1 = two_years()
    fb.publish_list(n, n=2, version=1)
    fb.publish_list(n, n=3, version=2)
    fb.publish_list(n1, n=2, version=1)
    task = fe.make_task(n, reviewer)
    evaluator = fe.evaluator_user(fe.agency())
    fe.submitted_assessment(fe.commission(n, reviewer, evaluator.organization, [task]), task, evaluator)
    es.outcome_publish(
        outcome=es.outcome_create(task=task, values=fe.OUTCOME_VALUES, by=reviewer), by=reviewer
    )
    es.results_publish(cycle=n, by=reviewer)  # the year's results are listed once the reviewers publish them

    assert f'href="{reverse("archive")}"' in client.get(reverse("home")).content.decode()
    page = client.get(reverse("archive"))
    assert page.status_code == 200
    got = {year: [link.label for link in links] for year, links in page.context["years"]}
    assert got == {
        n1.year: [f"《{n1.year}年度全面改革创新举措清单》第1版"],
        n.year: [
            f"《{n.year}年度全面改革创新举措清单》第1版",
            f"《{n.year}年度全面改革创新举措清单》第2版",
            f"{n.year}年度可复制推广的改革成果（1项）",
            f"{n.year}年度评估结果",
        ],
    }
    [first_year, second_year] = page.context["years"]
    assert first_year[0] == n1.year  # the latest year first
    for _year, links in page.context["years"]:
        for link in links:
            assert client.get(link.url).status_code == 200, link.url
    library = client.get(f"{reverse('evaluation:library')}?year={n.year}")
    assert [o.title for o in library.context["outcomes"]] == [fe.OUTCOME_VALUES["title"]]


KIND_ROLES = [
    ("merge", "reviewer"),
    ("opinion_response", "reviewer"),
    ("award", "reviewer"),
    ("notice", "reviewer"),
    ("coordination", "reviewer"),
    ("commission", "reviewer"),
    ("reopen", "reviewer"),
    ("outcome", "reviewer"),
    ("bid_set", "region_a_drc"),
    ("task_plan", "region_a_drc"),
    ("task_report", "implementer"),
    ("assessment", "evaluator"),
    ("expert_review", "expert"),
    ("consultation", "liaison"),
]


@pytest.mark.parametrize("kind, role", KIND_ROLES)
def test_a_page_of_one_kind_runs_only_that_kinds_query(kind, role, request, django_assert_num_queries):
    """A page's default year asks for its own kinds: the providers are registered one per kind (or per kinds one
    query counts together), so 评估报告's 改革成果 year costs one query, not the three of every evaluation item
    (issue 19)."""
    two_years()
    user = request.getfixturevalue(role)
    assert kind in years.registered_kinds()
    years.open_items(user, kinds=[kind])  # warm: the user's roles, the content types guardian looks up
    del user.__dict__["_open_items"]
    with django_assert_num_queries(1):
        years.open_items(user, kinds=[kind])
