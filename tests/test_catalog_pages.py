"""Query counts of every catalog list page with 1 and with 3 items (an N+1 fails here), and the pages'
navigation."""
import pytest
from django.core.cache import cache
from django.urls import reverse

from catalog import services

from . import factories_catalog as fc

pytestmark = pytest.mark.django_db


def _count(client, url, django_assert_max_num_queries, limit=30):
    client.get(url)  # warm the per-process caches (content types, permissions) first
    with django_assert_max_num_queries(limit) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def proposals(cycle):
    books = fc.two_region_books(cycle)
    zj = list(books["330000"][0].proposals.order_by("position"))
    js = list(books["320000"][0].proposals.order_by("position"))
    return [zj[0], js[0], zj[1], js[1], zj[2], js[2]]


def _merge(cycle, reviewer, proposals, n):
    return [fc.measure_from(cycle, reviewer, [p], title=f"举措{i}") for i, p in enumerate(proposals[:n])]


def test_merge_page(client, cycle, reviewer, django_assert_max_num_queries):
    cache.clear()
    fc.submitted_region_book(cycle, "330000", fc.ZJ_ITEMS)
    client.force_login(reviewer)
    url = reverse("catalog:merge")
    one = _count(client, url, django_assert_max_num_queries)
    fc.submitted_region_book(cycle, "320000", fc.JS_ITEMS)
    fc.submitted_region_book(cycle, "440000", fc.TOPICS[:3])
    three = _count(client, url, django_assert_max_num_queries)
    assert one == three


def test_merge_page_with_outcomes(client, cycle, reviewer, proposals, django_assert_max_num_queries):
    client.force_login(reviewer)
    url = reverse("catalog:merge")
    _merge(cycle, reviewer, proposals, 1)
    services.proposal_reject(proposal=proposals[5], reason="理由", by=reviewer)
    one = _count(client, url, django_assert_max_num_queries)
    _merge(cycle, reviewer, proposals[1:], 2)
    services.proposal_reject(proposal=proposals[4], reason="理由", by=reviewer)
    assert _count(client, url, django_assert_max_num_queries) == one


def test_measures_page(client, cycle, reviewer, expert, proposals, django_assert_max_num_queries):
    client.force_login(reviewer)
    url = reverse("catalog:measures")
    [m] = _merge(cycle, reviewer, proposals, 1)
    fc.score(services.expert_assign(measure=m, expert=expert, by=reviewer), expert)
    one = _count(client, url, django_assert_max_num_queries)
    for m in _merge(cycle, reviewer, proposals[1:], 2):
        fc.score(services.expert_assign(measure=m, expert=expert, by=reviewer), expert)
    assert _count(client, url, django_assert_max_num_queries) == one


def test_measure_detail_page(client, cycle, reviewer, expert, proposals, django_assert_max_num_queries):
    client.force_login(reviewer)
    [m] = _merge(cycle, reviewer, proposals, 1)
    url = reverse("catalog:measure_detail", args=[m.pk])
    fc.score(services.expert_assign(measure=m, expert=expert, by=reviewer), expert)
    one = _count(client, url, django_assert_max_num_queries, 40)
    services.measure_add_sources(measure=m, proposals=proposals[1:3], by=reviewer)
    for code in ("440000", "510000"):
        e = fc.expert_in(code)
        fc.score(services.expert_assign(measure=m, expert=e, by=reviewer), e)
    assert _count(client, url, django_assert_max_num_queries, 40) == one


def test_my_reviews_page(client, cycle, reviewer, expert, proposals, django_assert_max_num_queries):
    client.force_login(expert)
    url = reverse("catalog:my_reviews")
    measures = _merge(cycle, reviewer, proposals, 3)
    services.expert_assign(measure=measures[0], expert=expert, by=reviewer)
    one = _count(client, url, django_assert_max_num_queries)
    for m in measures[1:]:
        services.expert_assign(measure=m, expert=expert, by=reviewer)
    assert len(client.get(url).context["reviews"]) == 3
    assert _count(client, url, django_assert_max_num_queries) == one


def test_lists_consultations_and_public_pages(client, cycle, reviewer, liaison, proposals,
                                              django_assert_max_num_queries):
    measures = _merge(cycle, reviewer, proposals, 1)
    urls = {}

    def round_of_consultation():
        draft = services.list_draft(cycle=cycle, by=reviewer)
        [c] = services.consultation_send(measure_list=draft, ministries=[liaison.organization], by=reviewer)
        for m in measures:
            services.opinion_give(consultation=c, measure=m, stance="revise", text="意见", by=liaison)
        services.list_publish(measure_list=draft, by=reviewer)
        return draft, c

    v1, c1 = round_of_consultation()
    v2, _c2 = round_of_consultation()  # so that the public page has a previous version to diff against

    def counts():
        client.force_login(reviewer)
        result = [_count(client, reverse("catalog:lists"), django_assert_max_num_queries),
                  _count(client, reverse("catalog:list_manage", args=[v1.pk]), django_assert_max_num_queries)]
        client.force_login(liaison)
        result += [_count(client, reverse("catalog:consultations"), django_assert_max_num_queries),
                   _count(client, reverse("catalog:consultation", args=[c1.pk]), django_assert_max_num_queries)]
        client.logout()
        result.append(_count(client, urls["public"], django_assert_max_num_queries))
        return result

    urls["public"] = reverse("catalog:public_list", args=[v2.pk])
    one = counts()
    measures += _merge(cycle, reviewer, proposals[1:], 2)
    v3, _c3 = round_of_consultation()
    urls["public"] = reverse("catalog:public_list", args=[v3.pk])
    assert len(v3.entries.all()) == 3
    assert counts() == one


def test_reviewer_navigation_and_dashboard(client, reviewer, cycle):
    client.force_login(reviewer)
    html = client.get(reverse("dashboard")).content.decode()
    assert f'href="{reverse("catalog:merge")}"' in html
    assert f'href="{reverse("catalog:lists")}"' in html


def test_expert_and_liaison_dashboards_link_their_pages(client, expert, liaison, cycle):
    client.force_login(expert)
    assert f'href="{reverse("catalog:my_reviews")}"' in client.get(reverse("dashboard")).content.decode()
    client.force_login(liaison)
    assert f'href="{reverse("catalog:consultations")}"' in client.get(reverse("dashboard")).content.decode()
