from collections import Counter

import pytest
from django.core.management import call_command

from grassroots.enums import CollectionState, SuggestionState
from grassroots.models import Collection, Suggestion
from proposals.models import ProposalBook
from reform_portal.demo import demo_cycle_year

pytestmark = pytest.mark.django_db


def test_demo_has_a_closed_collection_feeding_the_book_and_an_open_one_idempotently():
    call_command("seed_demo")
    year = demo_cycle_year()
    closed = Collection.objects.get(cycle__year=year, region__code="510000")
    assert closed.state == CollectionState.CLOSED
    suggestions = Suggestion.objects.filter(collection=closed)
    assert suggestions.count() == 20
    assert suggestions.values("organization").distinct().count() == 8
    states = Counter(suggestions.values_list("state", flat=True))
    assert states[SuggestionState.ADOPTED] == 4 and states[SuggestionState.MERGED] == 2
    assert states[SuggestionState.DECLINED] == 4
    assert all(s.reply for s in suggestions.filter(state=SuggestionState.DECLINED))
    book = ProposalBook.objects.get(cycle__year=year, region__code="510000")
    fed = [p for p in book.proposals.all() if p.provenance.get("count")]
    assert sorted(p.provenance["count"] for p in fed) == [2, 3]
    opened = Collection.objects.get(cycle__year=year, region__code="330000")
    assert opened.state == CollectionState.OPEN and opened.invited.filter(name="浙江大学").exists()
    call_command("seed_demo")
    assert Suggestion.objects.count() == 20 and Collection.objects.filter(cycle__year=year).count() == 2
