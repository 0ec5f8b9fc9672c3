"""Weighted score → grade at the cut-offs; attainment computed from the targets' actual values."""
from decimal import Decimal

import pytest

from evaluation import rules, services
from evaluation.enums import Grade
from evaluation.models import EvaluationScheme

from . import factories_evaluation as fe

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.mark.parametrize(("score", "grade"), [
    ("100", Grade.EXCELLENT), ("90.00", Grade.EXCELLENT), ("89.99", Grade.GOOD), ("80.00", Grade.GOOD),
    ("79.99", Grade.PASS), ("60.00", Grade.PASS), ("59.99", Grade.FAIL), ("0", Grade.FAIL),
])
def test_default_cut_offs_at_their_boundaries(cycle, score, grade):
    assert rules.grade_for(D(score), EvaluationScheme(cycle=cycle)) == grade


def test_weighted_score_uses_the_cycles_weights(cycle):
    scheme = EvaluationScheme(cycle=cycle)  # 40 / 20 / 25 / 15
    scores = {"attainment": D("100"), "breakthrough": D("80"), "replicability": D("90"), "satisfaction": D("70")}
    # (100×40 + 80×20 + 90×25 + 70×15) / 100 = 89.00
    assert rules.weighted_score(scores, scheme.weights()) == D("89.00")
    assert rules.weighted_score(dict(scores, satisfaction=None), scheme.weights()) is None


def test_weighted_score_is_rounded_half_up_to_two_places(cycle):
    weights = {"attainment": D("33.33"), "breakthrough": D("33.33"), "replicability": D("33.34"),
               "satisfaction": D("0")}
    scores = {"attainment": D("89.99"), "breakthrough": D("90"), "replicability": D("90"), "satisfaction": D("0")}
    # (89.99×33.33 + 90×33.33 + 90×33.34) / 100 = 89.996667 → 90.00
    assert rules.weighted_score(scores, weights) == D("90.00")


def test_changed_cut_offs_and_weights_apply_to_a_saved_assessment(cycle, reviewer):
    services.scheme_update(cycle=cycle, by=reviewer, values={
        "weight_attainment": D("25"), "weight_breakthrough": D("25"), "weight_replicability": D("25"),
        "weight_satisfaction": D("25"), "cut_excellent": D("95"), "cut_good": D("85"), "cut_pass": D("70")})
    org = fe.agency()
    user = fe.evaluator_user(org)
    task = fe.make_task(cycle, reviewer)
    c = fe.commission(cycle, reviewer, org, [task])
    values = {"score_attainment": D("95"), "score_breakthrough": D("95"), "score_replicability": D("94.96"),
              "score_satisfaction": D("95")}
    a = services.assessment_save(commission=c, task=task, values=values, by=user)
    assert (a.weighted_score, a.grade) == (D("94.99"), Grade.GOOD)
    a = services.assessment_save(commission=c, task=task, values=dict(values, score_replicability=D("95")), by=user)
    assert (a.weighted_score, a.grade) == (D("95.00"), Grade.EXCELLENT)


def test_scheme_weights_must_add_up_to_100_and_cut_offs_be_ordered(cycle, reviewer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.scheme_update(cycle=cycle, by=reviewer, values={"weight_attainment": D("50"), "cut_good": D("95")})
    assert exc.value.message_dict == {"weight_satisfaction": ["四项指标的权重之和须为100。"],
                                      "cut_pass": ["分数线须满足：优秀 > 良好 > 合格。"]}


def test_attainment_is_computed_from_actuals(cycle, reviewer):
    task = fe.make_task(cycle, reviewer, targets=[
        (D("0"), D("100"), D("80")),     # 0.8
        (D("10"), D("20"), D("25")),     # capped at 1.0
        (D("50"), D("30"), D("40")),     # a reduction target: (40-50)/(30-50) = 0.5
        (D("0"), D("10"), None),          # no actual reported: counts as 0
    ])
    # (0.8 + 1.0 + 0.5 + 0) / 4 × 100 = 57.50
    assert rules.target_attainment(task.targets.all()) == D("57.50")
    assert rules.target_attainment([]) is None


def test_the_saved_assessment_records_the_computed_attainment_beside_the_score(cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org)
    task = fe.make_task(cycle, reviewer, targets=[(D("0"), D("3"), D("2"))])
    c = fe.commission(cycle, reviewer, org, [task])
    a = services.assessment_save(commission=c, task=task, values={"score_attainment": D("70")}, by=user)
    assert (a.computed_attainment, a.score_attainment) == (D("66.67"), D("70"))
    target = task.targets.get()
    target.latest_actual = D("3")
    target.save()
    a = services.assessment_save(commission=c, task=task, values={}, by=user)
    assert a.computed_attainment == D("100.00")
