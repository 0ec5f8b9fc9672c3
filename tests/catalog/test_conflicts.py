"""Conflict of interest kept true after a merge (issue 16, DECISIONS §16), and experts see the sources.

When a merge brings in a proposal of an assigned expert's region, an unanswered assignment is withdrawn
(history kept), a submitted review is kept, marked and left out of the averages; the expert and the national
reviewers are told. An expert whose region is among the sources cannot submit."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from catalog import rules, selectors, services
from catalog.models import ExpertReview
from proposals.models import MeasureProposal
from reform_portal.models import Notification

from . import scenarios as fc

pytestmark = pytest.mark.django_db


@pytest.fixture
def zj_only(cycle, reviewer):
    """A measure from 浙江's 赋权 proposal alone; 江苏's near-duplicate still open."""
    fc.two_region_books(cycle)
    zj = MeasureProposal.objects.get(title=fc.ZJ_ITEMS[0][0])
    js = MeasureProposal.objects.get(title=fc.JS_ITEMS[0][0])
    return fc.measure_from(cycle, reviewer, [zj]), js


@pytest.fixture
def js_expert(db):
    return fc.expert_in("320000", username="js_expert")


@pytest.fixture
def gd_expert(db):
    return fc.expert_in("440000", username="gd_expert")


def test_a_merge_withdraws_the_unanswered_assignment_of_an_expert_of_the_new_region(
    zj_only, reviewer, js_expert, gd_expert, client
):
    measure, js = zj_only
    review = services.expert_assign(measure=measure, expert=js_expert, by=reviewer)
    kept = services.expert_assign(measure=measure, expert=gd_expert, by=reviewer)
    Notification.objects.all().delete()
    services.measure_add_sources(measure=measure, proposals=[js], by=reviewer)
    assert list(measure.reviews.values_list("pk", flat=True)) == [kept.pk]  # 广东's expert stays
    history = ExpertReview.history.filter(id=review.pk).order_by("history_date")
    assert [h.history_type for h in history] == ["+", "-"]
    assert history.last().history_change_reason.startswith("利益冲突，撤回分配")
    told = Notification.objects.filter(kind__startswith="expert_conflict")
    assert {n.recipient for n in told} == {js_expert, reviewer}
    assert all("撤回" in n.title for n in told)
    client.force_login(js_expert)
    assert client.get(reverse("catalog:review", args=[review.pk])).status_code == 404


def test_a_review_submitted_before_the_merge_is_kept_marked_and_left_out_of_averages(
    zj_only, reviewer, js_expert, gd_expert, client
):
    measure, js = zj_only
    conflicted = services.expert_assign(measure=measure, expert=js_expert, by=reviewer)
    counted = services.expert_assign(measure=measure, expert=gd_expert, by=reviewer)
    fc.score(conflicted, js_expert, scores={"value": 1, "bold": 1, "small": 1, "easy": 1, "exemplary": 1})
    fc.score(counted, gd_expert)
    before = selectors.measure_detail(measure.pk).stats
    assert before["submitted"] == 2
    services.measure_add_sources(measure=measure, proposals=[js], by=reviewer)
    conflicted.refresh_from_db()
    assert conflicted.conflict_at is not None and "江苏省" in conflicted.conflict_reason
    assert conflicted.value_score == 1  # the review itself is kept
    assert ExpertReview.history.filter(id=conflicted.pk).first().history_change_reason.startswith("利益冲突")
    stats = selectors.measure_detail(measure.pk).stats
    assert stats["submitted"] == 1 and stats["conflicted"] == 1
    assert stats["total_avg"] == counted.__class__.objects.get(pk=counted.pk).total  # only 广东's review
    assert stats["total_avg"] != before["total_avg"]
    told = Notification.objects.filter(kind__startswith="expert_conflict")
    assert {n.recipient for n in told} == {js_expert, reviewer} and all("不计入" in n.title for n in told)
    client.force_login(reviewer)
    page = client.get(reverse("catalog:measure_detail", args=[measure.pk])).content.decode()
    assert "利益冲突，不计入平均分" in page
    client.force_login(js_expert)
    page = client.get(reverse("catalog:review", args=[conflicted.pk])).content.decode()
    assert "利益冲突，不计入" in page


def test_an_expert_whose_region_is_among_the_sources_cannot_submit(zj_only, reviewer, js_expert):
    measure, js = zj_only
    review = services.expert_assign(measure=measure, expert=js_expert, by=reviewer)
    # a source added without the merge service (e.g. an old row): the rule still refuses the expert
    from catalog.models import MeasureSource

    MeasureSource.objects.create(
        measure=measure, proposal=js, region=js.book.region, proposal_title=js.title, added_by=reviewer
    )
    allowed, reason = rules.can_score(js_expert, review)
    assert not allowed and "利益冲突" in reason
    with pytest.raises(PermissionDenied, match="利益冲突"):
        fc.score(review, js_expert)
    review.refresh_from_db()
    assert review.submitted_at is None


def test_the_expert_sees_the_source_proposals_and_regions(zj_only, reviewer, gd_expert, client):
    measure, js = zj_only
    services.measure_add_sources(measure=measure, proposals=[js], by=reviewer)
    review = services.expert_assign(measure=measure, expert=gd_expert, by=reviewer)
    client.force_login(gd_expert)
    response = client.get(reverse("catalog:review", args=[review.pk]))
    page = response.content.decode()
    assert 'data-testid="measure-sources"' in page
    for title, region in ((fc.ZJ_ITEMS[0][0], "浙江省"), (fc.JS_ITEMS[0][0], "江苏省")):
        assert title in page and region in page
    assert fc.JS_ITEMS[0][1] in page  # the proposal's 痛点
