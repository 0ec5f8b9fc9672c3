"""撤回分配: a national reviewer takes back an expert's unanswered assignment; the expert loses access to it
and to the measure; an answered one stays (its scores are part of the record)."""
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from catalog import selectors, services
from catalog.models import ExpertReview

from . import factories_catalog as fc

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure(cycle, reviewer):
    books = fc.two_region_books(cycle)
    zj = books["330000"][0].proposals.order_by("position").first()
    return fc.measure_from(cycle, reviewer, [zj])


def test_unassigning_removes_the_assignment_and_the_experts_access(measure, reviewer, expert, client):
    review = services.expert_assign(measure=measure, expert=expert, by=reviewer)
    client.force_login(expert)
    assert client.get(reverse("catalog:review", args=[review.pk])).status_code == 200
    client.force_login(reviewer)
    page = client.post(reverse("catalog:unassign", args=[review.pk]), follow=True)
    assert f"已撤回专家{expert}的论证分配。" in page.content.decode()
    assert measure.reviews.count() == 0
    assert not expert.has_perm("catalog.view_measure", measure)
    deleted = ExpertReview.history.filter(id=review.pk, history_type="-").get()
    assert (deleted.history_user, deleted.history_change_reason) == (reviewer, f"撤回分配：{expert}")
    client.force_login(expert)
    assert client.get(reverse("catalog:review", args=[review.pk])).status_code == 404
    assert list(selectors.reviews_for_expert(expert)) == []
    # the expert can be assigned again afterwards
    assert services.expert_assign(measure=measure, expert=expert, by=reviewer).pk != review.pk


def test_an_answered_assignment_cannot_be_taken_back(measure, reviewer, expert, client):
    review = services.expert_assign(measure=measure, expert=expert, by=reviewer)
    fc.score(review, expert)
    with pytest.raises(PermissionDenied) as exc:
        services.expert_unassign(review=review, by=reviewer)
    assert str(exc.value) == "专家已提交论证意见，不能撤回分配。"
    client.force_login(reviewer)
    page = client.get(reverse("catalog:measure_detail", args=[measure.pk]))
    assert reverse("catalog:unassign", args=[review.pk]) not in page.content.decode()
    page = client.post(reverse("catalog:unassign", args=[review.pk]), follow=True)
    assert "专家已提交论证意见，不能撤回分配。" in page.content.decode()
    assert measure.reviews.count() == 1


def test_only_reviewers_unassign(measure, reviewer, expert):
    review = services.expert_assign(measure=measure, expert=expert, by=reviewer)
    with pytest.raises(PermissionDenied):
        services.expert_unassign(review=review, by=expert)
    assert measure.reviews.count() == 1


def test_the_measure_page_offers_unassign_for_unanswered_assignments(measure, reviewer, expert, client):
    review = services.expert_assign(measure=measure, expert=expert, by=reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("catalog:measure_detail", args=[measure.pk]))
    assert f'action="{reverse("catalog:unassign", args=[review.pk])}"' in page.content.decode()
