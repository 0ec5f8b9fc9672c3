import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalog import services

from . import factories_catalog as fc

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure(cycle, reviewer):
    books = fc.two_region_books(cycle)
    zj = books["330000"][0].proposals.order_by("position").first()
    js = books["320000"][0].proposals.order_by("position").first()
    return fc.measure_from(cycle, reviewer, [zj, js])


def test_conflict_of_interest_blocks_assignment_and_the_page_says_why(measure, reviewer, expert, client):
    zj_expert = fc.expert_in("330000", username="zj_expert")
    with pytest.raises(PermissionDenied) as exc:
        services.expert_assign(measure=measure, expert=zj_expert, by=reviewer)
    reason = f"利益冲突：专家所在单位“{zj_expert.organization.name}”位于浙江省，该地区是本举措的建议来源地区。"
    assert str(exc.value) == reason
    client.force_login(reviewer)
    page = client.get(reverse("catalog:measure_detail", args=[measure.pk]))
    rows = {r["expert"].username: r for r in page.context["experts"]}
    assert rows["zj_expert"]["allowed"] is False and rows["zj_expert"]["reason"] == reason
    assert rows["expert"]["allowed"] is True
    assert reason in page.content.decode()
    page = client.post(reverse("catalog:assign", args=[measure.pk]), {"expert": zj_expert.pk}, follow=True)
    assert reason in page.content.decode()
    assert measure.reviews.count() == 0
    page = client.post(reverse("catalog:assign", args=[measure.pk]), {"expert": expert.pk}, follow=True)
    assert f"已分配专家{expert}论证。" in page.content.decode()
    assert [r.expert for r in measure.reviews.all()] == [expert]


def test_an_expert_cannot_be_assigned_twice_nor_a_non_expert(measure, reviewer, expert, liaison):
    services.expert_assign(measure=measure, expert=expert, by=reviewer)
    with pytest.raises(PermissionDenied) as exc:
        services.expert_assign(measure=measure, expert=expert, by=reviewer)
    assert str(exc.value) == "该专家已分配论证此举措。"
    with pytest.raises(PermissionDenied) as exc:
        services.expert_assign(measure=measure, expert=liaison, by=reviewer)
    assert str(exc.value) == "只能分配评审专家。"


def test_an_expert_sees_only_their_assignments(cycle, measure, reviewer, expert, client):
    other_expert = fc.expert_in("440000", username="gd_expert")
    mine = services.expert_assign(measure=measure, expert=expert, by=reviewer)
    theirs = services.expert_assign(measure=measure, expert=other_expert, by=reviewer)
    client.force_login(expert)
    page = client.get(reverse("catalog:my_reviews"))
    assert list(page.context["reviews"]) == [mine]
    assert client.get(reverse("catalog:review", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("catalog:review", args=[mine.pk])).status_code == 200
    # the reviewer's measure pages are not for experts
    assert client.get(reverse("catalog:measure_detail", args=[measure.pk])).status_code == 403


def test_others_scores_stay_hidden_until_the_expert_submits(measure, reviewer, expert, client):
    other_expert = fc.expert_in("440000", username="gd_expert")
    mine = services.expert_assign(measure=measure, expert=expert, by=reviewer)
    theirs = services.expert_assign(measure=measure, expert=other_expert, by=reviewer)
    fc.score(theirs, other_expert, scores={"value": 2, "bold": 2, "small": 2, "easy": 2, "exemplary": 2},
             recommendation="exclude")
    client.force_login(expert)
    page = client.get(reverse("catalog:review", args=[mine.pk]))
    assert page.context["peers"] == []
    assert "peer-reviews" not in page.content.decode()
    assert other_expert.full_name not in page.content.decode()
    data = {f"{k}_score": str(v) for k, v in fc.SCORES.items()}
    data.update({f"{k}_comment": c for k, c in fc.COMMENTS.items()}, recommendation="include")
    page = client.post(reverse("catalog:review", args=[mine.pk]), data, follow=True)
    assert "论证意见已提交。" in page.content.decode()
    assert [p.expert for p in page.context["peers"]] == [other_expert]
    assert f"{other_expert}：总分 10，不列入" in page.content.decode()
    with pytest.raises(PermissionDenied) as exc:
        fc.score(mine, expert)
    assert str(exc.value) == "您已提交论证意见，不能再修改。"


def test_scores_must_be_1_to_5_with_a_recommendation(measure, reviewer, expert, client):
    mine = services.expert_assign(measure=measure, expert=expert, by=reviewer)
    with pytest.raises(ValidationError) as exc:
        services.review_submit(review=mine, scores={**fc.SCORES, "easy": 6}, comments={}, recommendation="",
                               by=expert)
    assert exc.value.message_dict == {"easy_score": ["“易操作、可考核”请打1—5分。"], "recommendation": ["请选择论证意见。"]}
    client.force_login(expert)
    page = client.post(reverse("catalog:review", args=[mine.pk]), {"value_comment": "写了一半的评语"})
    assert page.status_code == 200
    assert page.context["form"].errors["value_score"] == ["这个字段是必填项。"]
    assert "写了一半的评语" in page.content.decode()


def test_another_expert_cannot_score_someone_elses_assignment(measure, reviewer, expert):
    mine = services.expert_assign(measure=measure, expert=expert, by=reviewer)
    intruder = fc.expert_in("440000")
    with pytest.raises(PermissionDenied):
        fc.score(mine, intruder)


def test_reviewer_sees_averages_spread_and_comments(measure, reviewer, expert, client):
    other_expert = fc.expert_in("440000", username="gd_expert")
    fc.score(services.expert_assign(measure=measure, expert=expert, by=reviewer), expert)
    fc.score(services.expert_assign(measure=measure, expert=other_expert, by=reviewer), other_expert,
             scores={"value": 3, "bold": 2, "small": 4, "easy": 3, "exemplary": 3}, recommendation="revise")
    client.force_login(reviewer)
    page = client.get(reverse("catalog:measure_detail", args=[measure.pk]))
    stats = page.context["measure"].stats
    assert [(c["avg"], c["min"], c["max"]) for c in stats["criteria"]] == [
        (4.0, 3, 5), (3.0, 2, 4), (4.0, 4, 4), (3.0, 3, 3), (4.0, 3, 5)]
    assert (stats["total_avg"], stats["total_min"], stats["total_max"], stats["total_stdev"]) == (18.0, 15, 21, 3.0)
    assert stats["recommendations"] == {"列入": 1, "修改后列入": 1}
    html = page.content.decode()
    assert "含金量高" in html and "切口精准" in html
    assert "18.0（15—21，标准差 3.0）" in html
    page = client.get(reverse("catalog:measures"))
    assert "18.0（15—21）" in page.content.decode()
