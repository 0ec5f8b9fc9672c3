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
