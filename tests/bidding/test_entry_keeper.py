"""A corrected list version keeps the bids and tasks (DECISIONS §14): they follow their measure into the new
version (which keeps the measure's 编号); a version that drops an entry with bids, tasks or letters is refused."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bidding import selectors
from bidding import services as bs
from bidding.models import Bid, Task
from catalog import services as cs
from catalog.models import ListEntry, Measure

from . import scenarios as s


@pytest.fixture
def world(db, reviewer):
    cycle = s.bidding_cycle()
    entries = s.publish_list(cycle, n=4)
    zj = s.region_pair("330000")
    js = s.region_pair("320000")
    s.submitted_bid_set(cycle, *zj, entries[:3])
    bid_set = s.submitted_bid_set(cycle, *js, entries[1:4])
    bs.tasks_award(cycle=cycle, bids=[bid_set.bids.get(entry=entries[3])], by=reviewer)
    return cycle, entries


def test_version_2_carries_the_bids_and_tasks_and_the_matrix_still_shows_them(world, reviewer, client):
    cycle, v1 = world
    measures = [e.measure for e in v1]
    cs.measure_update(
        measure=measures[0], fields={"goals": "年内赋权300项。"}, reason="更正目标", by=reviewer
    )
    v2 = cs.list_publish(measure_list=cs.list_draft(cycle=cycle, by=reviewer), by=reviewer, notify=False)
    new = {e.measure_id: e for e in ListEntry.objects.filter(measure_list=v2)}
    assert [new[m.pk].number for m in measures] == [e.number for e in v1]  # each measure keeps its 编号
    assert not Bid.objects.filter(entry__measure_list__version=1).exists()
    assert Bid.objects.filter(entry__measure_list=v2).count() == 6
    assert Task.objects.get().entry == new[measures[3].pk]
    data = selectors.matrix(cycle, bs.published_entries(cycle))
    assert [c["count"] for c in data["columns"]] == [1, 2, 2, 1]
    client.force_login(reviewer)
    page = client.get(reverse("bidding:matrix") + f"?year={cycle.year}")
    assert [c["count"] for c in page.context["columns"]] == [1, 2, 2, 1]
    assert (
        Bid.objects.filter(entry__measure_list=v2)
        .first()
        .history.first()
        .history_change_reason.startswith("清单第2版公布")
    )


def test_a_version_that_drops_an_entry_with_bids_or_a_task_is_refused(world, reviewer):
    cycle, v1 = world
    cs.measure_set_inclusion(measure=v1[3].measure, included=False, note="与国家部署重复", by=reviewer)
    draft = cs.list_draft(cycle=cycle, by=reviewer)
    with pytest.raises(ValidationError) as refused:
        cs.list_publish(measure_list=draft, by=reviewer, notify=False)
    message = refused.value.messages[0]
    assert (
        f"{v1[3].number} {v1[3].title}" in message
        and "江苏省揭榜申报" in message
        and "江苏省揭榜任务" in message
    )
    draft.refresh_from_db()
    assert draft.state != "published" and Bid.objects.filter(entry__measure_list__version=1).count() == 6


def test_a_new_measure_gets_the_next_number_and_an_unused_entry_may_go(db, reviewer):
    cycle = s.bidding_cycle()
    v1 = s.publish_list(cycle, n=3)
    s.make_bid_set(cycle, s.region_pair("330000")[0], v1[:1])  # a draft bid holds its entry too
    cs.measure_set_inclusion(measure=v1[1].measure, included=False, note="不再列入", by=reviewer)
    Measure.objects.create(cycle=cycle, title="新增举措", area="tech_market", position=0, created_by=reviewer)
    v2 = cs.list_publish(measure_list=cs.list_draft(cycle=cycle, by=reviewer), by=reviewer, notify=False)
    numbers = dict(ListEntry.objects.filter(measure_list=v2).values_list("measure__title", "number"))
    assert numbers == {v1[0].title: v1[0].number, v1[2].title: v1[2].number, "新增举措": f"{cycle.year}-04"}


def test_a_number_reused_by_an_older_list_is_not_given_twice(db, reviewer):
    """Versions made before numbers were kept may give one number to two measures: the latest version's holder
    keeps it, the other measure gets the next free number (the unique number per version holds)."""
    cycle = s.bidding_cycle()
    old = s.publish_list(cycle, n=2, version=1)
    new = s.publish_list(cycle, n=2, version=2, titles=["另一举措甲", "另一举措乙"])  # numbers 01, 02 again
    v3 = cs.list_publish(measure_list=cs.list_draft(cycle=cycle, by=reviewer), by=reviewer, notify=False)
    numbers = dict(ListEntry.objects.filter(measure_list=v3).values_list("measure_id", "number"))
    assert [numbers[e.measure_id] for e in new] == [e.number for e in new]
    assert sorted(numbers[e.measure_id] for e in old) == [f"{cycle.year}-03", f"{cycle.year}-04"]
