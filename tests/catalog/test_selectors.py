"""catalog.selectors."""

from catalog import selectors, services

from . import scenarios as fc


def test_measure_detail_sorts_one_measures_rows_without_joining_the_measure(
    measure, reviewer, django_assert_num_queries
):
    """Issue 19: a measure's sources, reviews and opinions are read in their default order within the measure
    (sources by region code, reviews as assigned), without joining the measure and its cycle to every query to
    sort by the measure (their models' default orderings begin with it)."""
    later, earlier = fc.expert_in("440000", "expert_later"), fc.expert_in("110000", "expert_earlier")
    services.expert_assign(measure=measure, expert=earlier, by=reviewer)
    services.expert_assign(measure=measure, expert=later, by=reviewer)
    with django_assert_num_queries(4) as ctx:
        detail = selectors.measure_detail(measure.pk)
        sources = [s.region.code for s in detail.sources.all()]
        reviews = [r.expert.username for r in detail.reviews.all()]
        list(detail.opinions.all())
    assert sources == ["320000", "330000"]
    assert reviews == ["expert_earlier", "expert_later"]
    for query in ctx.captured_queries[1:]:
        assert 'JOIN "catalog_measure"' not in query["sql"], query["sql"]


def test_measure_detail_reads_only_what_its_page_prints(measure, reviewer, liaison, client):
    """Issue 19: the measure page prints a source's region and proposal, a review's expert and unit, an opinion's
    ministry, stance, text and answer. The measure's creator, the proposal's book, the unit's region, the users who
    gave and answered an opinion and the list version's columns are not read (they were built on every visit); the
    page still prints everything with the same queries (nothing is fetched row by row)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    services.expert_assign(measure=measure, expert=fc.expert_in("440000", "expert_unit"), by=reviewer)
    draft = services.list_draft(cycle=measure.cycle, by=reviewer)
    [consultation] = services.consultation_send(
        measure_list=draft, ministries=[liaison.organization], by=reviewer
    )
    opinion = services.opinion_give(
        consultation=consultation, measure=measure, stance="revise", text="建议<细化>考核", by=liaison
    )
    services.opinion_respond(opinion=opinion, response="已采纳 & 修改", by=reviewer)
    with CaptureQueriesContext(connection) as ctx:
        selectors.measure_detail(measure.pk)
    measure_sql, sources_sql, reviews_sql, opinions_sql = (q["sql"] for q in ctx.captured_queries)
    assert '"reform_portal_user"' not in measure_sql  # created_by
    assert '"proposals_measureproposal"."id"' in sources_sql
    assert '"proposals_proposalbook"' not in sources_sql
    assert '"reform_portal_organization"."id"' in reviews_sql
    assert '"reform_portal_region"' not in reviews_sql
    assert '"reform_portal_organization"."name"' in opinions_sql  # the ministry
    assert '"reform_portal_user"' not in opinions_sql
    assert '"catalog_measurelist"."pdf"' not in opinions_sql  # joined to sort by version, not read

    client.force_login(reviewer)
    url = reverse("catalog:measure_detail", args=[measure.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as page:
        html = client.get(url).content.decode()
    assert "建议&lt;细化&gt;考核" in html and "已采纳 &amp; 修改" in html
    assert liaison.organization.name in html and "expert_unit" in html
    sql = [q["sql"] for q in page.captured_queries]
    # one user read by key: the session's (a creator, giver or answerer read lazily would add one each)
    assert sum('FROM "reform_portal_user" WHERE "reform_portal_user"."id" =' in q for q in sql) == 1
    assert not any('FROM "proposals_proposalbook"' in q or 'FROM "reform_portal_region"' in q for q in sql)
