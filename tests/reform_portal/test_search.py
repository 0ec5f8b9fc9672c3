"""The one search box (DECISIONS §18 search): jieba tokens in a search column, multi-word AND, each kind within
what the role may see, grouped by kind with the year; the index follows the services' saves and deletes."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.urls import reverse

from evaluation import services as es
from proposals import services as ps
from reform_portal import search
from reform_portal.models import SearchDoc

from ..bidding import scenarios as fb
from ..evaluation import scenarios as fe
from ..proposals import scenarios as fp

pytestmark = pytest.mark.django_db

CONTENT = "推行职务科技成果先赋权后转化，建立尽职免责机制。"


def kinds_found(user, query):
    return {g.kind.name: [h["title"] for h in g.hits] for g in search.search(user, query)}


@pytest.fixture
def book(cycle, region_a_drc):
    book = fp.make_book(cycle, region_a_drc, n=3)
    proposal = book.proposals.order_by("position").first()
    ps.proposal_update(
        proposal=proposal,
        revision=proposal.revision,
        fields={"content": CONTENT},
        results=fp.RESULTS,
        by=region_a_drc,
    )
    return book


def test_the_column_holds_tokens_and_characters_between_spaces():
    column = search.column("先赋权后转化")
    assert column.startswith(" ") and column.endswith(" ")
    assert " 赋权 " in column and " 转化 " in column and " 先 " in column


def test_two_words_find_what_holds_both_and_one_missing_word_finds_nothing(book, region_a_drc):
    assert "proposal" in kinds_found(region_a_drc, "先赋权 转化")
    assert "proposal" in kinds_found(region_a_drc, "赋权")
    assert kinds_found(region_a_drc, "先赋权 海洋牧场") == {}
    assert kinds_found(region_a_drc, "   ") == {}


def test_another_region_and_reviewers_see_what_their_pages_show(
    book, cycle, region_a_drc, region_a_scitech, region_b_drc, reviewer
):
    assert kinds_found(region_b_drc, "先赋权") == {}
    assert kinds_found(reviewer, "先赋权") == {}  # a draft book is the region's own
    ps.book_sign(book=book, by=region_a_drc)
    ps.book_sign(book=book, by=region_a_scitech)
    ps.book_submit(book=book, by=region_a_drc)
    assert "proposal" in kinds_found(reviewer, "先赋权")
    assert kinds_found(region_b_drc, "先赋权") == {}


def test_the_index_follows_edits_and_deletes(book, region_a_drc):
    proposal = book.proposals.order_by("position").first()
    ps.proposal_update(
        proposal=proposal,
        revision=proposal.revision,
        fields={"title": "海洋牧场综合改革", "content": "海洋牧场"},
        results=fp.RESULTS,
        by=region_a_drc,
    )
    assert "proposal" in kinds_found(region_a_drc, "海洋牧场")
    assert kinds_found(region_a_drc, "先赋权") == {}
    ps.proposal_delete(proposal=proposal, by=region_a_drc)
    assert not SearchDoc.objects.filter(kind="proposal", object_id=proposal.pk).exists()


def test_anonymous_visitors_find_published_entries_and_outcomes_only(cycle, reviewer):
    entries = fb.publish_list(cycle, n=1, titles=["职务科技成果赋权改革"])
    fc_measure = entries[0].measure
    anon = AnonymousUser()
    assert set(kinds_found(anon, "赋权")) == {"list_entry"}
    assert set(kinds_found(reviewer, "赋权")) == {"list_entry", "measure"}
    assert fc_measure.title in kinds_found(reviewer, "赋权")["measure"]


def test_outcomes_published_for_everyone_drafts_for_reviewers_and_tasks_as_their_pages(
    cycle, reviewer, region_b_drc
):
    task = fe.make_task(cycle, reviewer)
    org = fe.agency()
    user = fe.evaluator_user(org)
    commission = fe.commission(cycle, reviewer, org, [task])
    fe.submitted_assessment(commission, task, user)
    outcome = es.outcome_create(task=task, values=fe.OUTCOME_VALUES, by=reviewer)
    assert "outcome" not in kinds_found(AnonymousUser(), "赋权 转化率")
    assert "outcome" in kinds_found(reviewer, "赋权 转化率")
    es.outcome_publish(outcome=outcome, by=reviewer)
    assert "outcome" in kinds_found(AnonymousUser(), "赋权 转化率")
    search.reindex(["task"])
    title = task.entry.title
    assert "task" in kinds_found(
        reviewer, title
    )  # the scenario's task has no regional grants: reviewers see it
    assert "task" not in kinds_found(region_b_drc, title)
    assert "task" not in kinds_found(AnonymousUser(), title)


def test_the_page_groups_by_kind_with_the_year_and_keeps_the_typed_text(client, book, region_a_drc, cycle):
    client.force_login(region_a_drc)
    page = client.get(reverse("search"), {"q": "先赋权 转化"}).content.decode()
    assert 'data-kind="proposal"' in page and f"{cycle.year}年度" in page
    assert book.proposals.order_by("position").first().title in page
    none = client.get(reverse("search"), {"q": "先赋权 海洋牧场"}).content.decode()
    assert 'data-testid="search-none"' in none
    bad = client.get(reverse("search"), {"q": "赋权\ue000"}).content.decode()
    assert "私用区字符" in bad and "赋权" in bad


def test_reindex_rebuilds_the_index(book, region_a_drc):
    SearchDoc.objects.all().delete()
    assert kinds_found(region_a_drc, "先赋权") == {}
    call_command("search_reindex")
    assert "proposal" in kinds_found(region_a_drc, "先赋权")
