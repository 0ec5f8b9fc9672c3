"""evaluation/rules.py: who may see and do what; the weighted score, the grade and the attainment."""

from decimal import Decimal

import pytest
from django.urls import reverse

from evaluation import rules, selectors, services
from evaluation.enums import Grade
from evaluation.models import EvaluationScheme, Outcome
from reform_portal.enums import Role

from . import scenarios as fe

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------------------------
# Every evaluation URL for every role: evaluators reach only tasks commissioned to their agency (pages,
# files, exports); reviewer-only pages answer 403 to other roles; public pages need no login.


@pytest.fixture
def world(cycle, reviewer, role_users):
    evaluator = role_users[Role.EVALUATOR]  # 某评估中心 (北京)
    other_agency = fe.agency("国家科技评估中心", "110000")
    evaluator_b = fe.evaluator_user(other_agency, username="evaluator_b")
    t1 = fe.make_task(cycle, reviewer, region_code="330000", position=1)
    t_draft = fe.make_task(cycle, reviewer, region_code="330000", position=2)
    t_other = fe.make_task(cycle, reviewer, region_code="320000", position=1)
    t_published = fe.make_task(cycle, reviewer, region_code="320000", position=2)
    t_hidden = fe.make_task(cycle, reviewer, region_code="440000", position=3)
    fe.make_task(cycle, reviewer, region_code="510000", position=4)  # still 待评估
    mine = fe.commission(cycle, reviewer, evaluator.organization, [t1, t_draft])
    theirs = fe.commission(cycle, reviewer, other_agency, [t_other, t_published, t_hidden])
    a1 = fe.submitted_assessment(mine, t1, evaluator)
    fe.submitted_assessment(theirs, t_other, evaluator_b)
    fe.submitted_assessment(theirs, t_published, evaluator_b)
    fe.submitted_assessment(theirs, t_hidden, evaluator_b)
    published = services.outcome_create(task=t_published, values=fe.OUTCOME_VALUES, by=reviewer)
    services.outcome_publish(outcome=published, by=reviewer)
    hidden = services.outcome_create(
        task=t_hidden, values=dict(fe.OUTCOME_VALUES, title="未发布的成果"), by=reviewer
    )
    att = t1.reports.get().attachments.get()
    att_other = t_other.reports.get().attachments.get()
    return {
        "evaluator": evaluator,
        "evaluator_b": evaluator_b,
        "t1": t1,
        "t_draft": t_draft,
        "t_other": t_other,
        "mine": mine,
        "theirs": theirs,
        "a1": a1,
        "a_other": t_other.assessment,
        "published": published,
        "hidden": hidden,
        "att": att,
        "att_other": att_other,
    }


def users(role_users, world):
    return {
        "anon": None,
        "staff": role_users[Role.REGIONAL_STAFF],
        "reviewer": role_users[Role.NATIONAL_REVIEWER],
        "expert": role_users[Role.EXPERT],
        "liaison": role_users[Role.MINISTRY_LIAISON],
        "implementer": role_users[Role.IMPLEMENTER],
        "evaluator": world["evaluator"],
        "evaluator_b": world["evaluator_b"],
    }


LOGIN = "login"  # anonymous is sent to the login page


def table(w):
    """(name, method, url, {role: status}, default status for the other logged-in roles)."""
    r = reverse
    obj = {"reviewer": 200, "evaluator": 200}  # commissioned agency + reviewers; everyone else 404
    return [
        (
            "commissions",
            "get",
            r("evaluation:commissions"),
            {"reviewer": 200, "evaluator": 302, "evaluator_b": 302},
            403,
        ),
        ("commission_new", "get", r("evaluation:commission_new"), {"reviewer": 200}, 403),
        ("commission_detail", "get", r("evaluation:commission_detail", args=[w["mine"].pk]), obj, 404),
        ("assignments", "get", r("evaluation:assignments"), {"evaluator": 200, "evaluator_b": 200}, 403),
        ("task_detail", "get", r("evaluation:task_detail", args=[w["t1"].pk]), obj, 404),
        ("task_export", "get", r("evaluation:task_export", args=[w["t1"].pk]), obj, 404),
        ("report_attachment", "get", r("evaluation:report_attachment", args=[w["att"].pk]), obj, 404),
        (
            "assessment_edit",
            "get",
            r("evaluation:assessment_edit", args=[w["t_draft"].pk]),
            {"reviewer": 403, "evaluator": 200},
            404,
        ),
        (
            "assessment_edit_locked",
            "get",
            r("evaluation:assessment_edit", args=[w["t1"].pk]),
            {"reviewer": 403, "evaluator": 403},
            404,
        ),
        ("assessment_detail", "get", r("evaluation:assessment_detail", args=[w["a1"].pk]), obj, 404),
        ("assessment_report", "get", r("evaluation:assessment_report", args=[w["a1"].pk]), obj, 404),
        (
            "assessment_request_reopen",
            "post",
            r("evaluation:assessment_request_reopen", args=[w["a1"].pk]),
            {"reviewer": 403, "evaluator": 302},
            404,
        ),
        (
            "assessment_decide_reopen",
            "post",
            r("evaluation:assessment_decide_reopen", args=[w["a_other"].pk]),
            {"reviewer": 403},
            403,
        ),  # nothing requested yet: refused for the reviewer too
        ("assessments", "get", r("evaluation:assessments"), {"reviewer": 200}, 403),
        ("scheme", "get", r("evaluation:scheme"), {"reviewer": 200}, 403),
        ("outcomes", "get", r("evaluation:outcomes"), {"reviewer": 200}, 403),
        ("outcome_new", "get", r("evaluation:outcome_new", args=[w["t1"].pk]), {"reviewer": 200}, 403),
        ("outcome_edit", "get", r("evaluation:outcome_edit", args=[w["hidden"].pk]), {"reviewer": 200}, 403),
        (
            "outcome_publish",
            "post",
            r("evaluation:outcome_publish", args=[w["hidden"].pk]),
            {"reviewer": 302},
            403,
        ),
        ("incentives", "get", r("evaluation:incentives"), {"reviewer": 200}, 403),
        ("results", "get", r("evaluation:results"), {"reviewer": 200}, 403),
        ("results_export", "get", r("evaluation:results_export"), {"reviewer": 200}, 403),
        ("library", "get", r("evaluation:library"), {"anon": 200}, 200),
        (
            "library_detail",
            "get",
            r("evaluation:library_detail", args=[w["published"].pk]),
            {"anon": 200},
            200,
        ),
        (
            "library_detail_unpublished",
            "get",
            r("evaluation:library_detail", args=[w["hidden"].pk]),
            {"anon": 404},
            404,
        ),
        ("public_results", "get", r("evaluation:public_results"), {"anon": 200}, 200),
    ]


ROLES = ["anon", "staff", "reviewer", "expert", "liaison", "implementer", "evaluator", "evaluator_b"]


@pytest.mark.parametrize("role", ROLES)
def test_every_evaluation_url_for_every_role(client, world, role_users, role):
    user = users(role_users, world)[role]
    if user is not None:
        client.force_login(user)
    got, expected = {}, {}
    for name, method, url, special, default in table(world):
        data = (
            {"reason": "更正满意度得分。", "decision": "approve", "action": "unpublish"}
            if method == "post"
            else {}
        )
        response = getattr(client, method)(url, data)
        if (
            response.streaming
        ):  # consume, don't close(): close() fires request_finished and drops the connection
            b"".join(response.streaming_content)
        status = response.status_code
        if role == "anon" and "anon" not in special:
            got[name] = (
                LOGIN if status == 302 and response["Location"].startswith("/accounts/login/") else status
            )
            expected[name] = LOGIN
        else:
            got[name] = status
            expected[name] = special.get(role, default)
    assert got == expected


def test_evaluators_cannot_read_another_agencys_task_pages_files_or_exports(client, world):
    client.force_login(world["evaluator"])
    r = reverse
    for url in [
        r("evaluation:task_detail", args=[world["t_other"].pk]),
        r("evaluation:task_export", args=[world["t_other"].pk]),
        r("evaluation:report_attachment", args=[world["att_other"].pk]),
        r("evaluation:assessment_detail", args=[world["a_other"].pk]),
        r("evaluation:assessment_report", args=[world["a_other"].pk]),
        r("evaluation:assessment_edit", args=[world["t_other"].pk]),
        r("evaluation:commission_detail", args=[world["theirs"].pk]),
    ]:
        assert client.get(url).status_code == 404, url
    assignments = client.get(r("evaluation:assignments")).context["rows"]
    assert [row["task_id"] for row in assignments] == [world["t1"].pk, world["t_draft"].pk]
    assert set(selectors.tasks_visible_to(world["evaluator"])) == {world["t1"], world["t_draft"]}


def test_evaluators_read_their_own_tasks_files_and_exports(client, world):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(world["evaluator"])
    page = client.get(reverse("evaluation:task_detail", args=[world["t1"].pk]))
    html = page.content.decode()
    assert "进展材料.pdf" in html and "已完成全部量化目标。" in html and "出台实施方案" in html
    download = client.get(reverse("evaluation:report_attachment", args=[world["att"].pk]))
    assert b"".join(download.streaming_content) == fe.PDF
    export = client.get(reverse("evaluation:task_export", args=[world["t1"].pk]))
    wb = load_workbook(BytesIO(export.content))
    assert wb.sheetnames == ["量化目标", "时间表路线图", "进展报告"]
    assert [c.value for c in wb["量化目标"][2]] == ["指标1", "项", 0, 100, 80, 80.0]


def test_a_colleague_who_joins_the_agency_later_sees_the_commission(world):
    colleague = fe.evaluator_user(world["evaluator"].organization, username="newcomer")
    assert set(selectors.tasks_visible_to(colleague)) == {world["t1"], world["t_draft"]}


def test_outcome_publish_refused_for_an_unrecommended_task(client, cycle, reviewer, world):
    a = world["a1"]
    a.recommend_promotion = False
    a.save()
    client.force_login(reviewer)
    response = client.get(reverse("evaluation:outcome_new", args=[world["t1"].pk]))
    assert response.status_code == 403
    assert Outcome.objects.filter(task=world["t1"]).count() == 0


# ------------------------------------------------------------------------------------------------------------
# Weighted score → grade at the cut-offs; attainment computed from the targets' actual values.

D = Decimal


@pytest.mark.parametrize(
    ("score", "grade"),
    [
        ("100", Grade.EXCELLENT),
        ("90.00", Grade.EXCELLENT),
        ("89.99", Grade.GOOD),
        ("80.00", Grade.GOOD),
        ("79.99", Grade.PASS),
        ("60.00", Grade.PASS),
        ("59.99", Grade.FAIL),
        ("0", Grade.FAIL),
    ],
)
def test_default_cut_offs_at_their_boundaries(cycle, score, grade):
    assert rules.grade_for(D(score), EvaluationScheme(cycle=cycle)) == grade


def test_weighted_score_uses_the_cycles_weights(cycle):
    scheme = EvaluationScheme(cycle=cycle)  # 40 / 20 / 25 / 15
    scores = {
        "attainment": D("100"),
        "breakthrough": D("80"),
        "replicability": D("90"),
        "satisfaction": D("70"),
    }
    # (100×40 + 80×20 + 90×25 + 70×15) / 100 = 89.00
    assert rules.weighted_score(scores, scheme.weights()) == D("89.00")
    assert rules.weighted_score(dict(scores, satisfaction=None), scheme.weights()) is None


def test_weighted_score_is_rounded_half_up_to_two_places(cycle):
    weights = {
        "attainment": D("33.33"),
        "breakthrough": D("33.33"),
        "replicability": D("33.34"),
        "satisfaction": D("0"),
    }
    scores = {
        "attainment": D("89.99"),
        "breakthrough": D("90"),
        "replicability": D("90"),
        "satisfaction": D("0"),
    }
    # (89.99×33.33 + 90×33.33 + 90×33.34) / 100 = 89.996667 → 90.00
    assert rules.weighted_score(scores, weights) == D("90.00")


def test_changed_cut_offs_and_weights_apply_to_a_saved_assessment(cycle, reviewer):
    services.scheme_update(
        cycle=cycle,
        by=reviewer,
        values={
            "weight_attainment": D("25"),
            "weight_breakthrough": D("25"),
            "weight_replicability": D("25"),
            "weight_satisfaction": D("25"),
            "cut_excellent": D("95"),
            "cut_good": D("85"),
            "cut_pass": D("70"),
        },
    )
    org = fe.agency()
    user = fe.evaluator_user(org)
    task = fe.make_task(cycle, reviewer)
    c = fe.commission(cycle, reviewer, org, [task])
    values = {
        "score_attainment": D("95"),
        "score_breakthrough": D("95"),
        "score_replicability": D("94.96"),
        "score_satisfaction": D("95"),
    }
    a = services.assessment_save(commission=c, task=task, values=values, by=user)
    assert (a.weighted_score, a.grade) == (D("94.99"), Grade.GOOD)
    a = services.assessment_save(
        commission=c, task=task, values=dict(values, score_replicability=D("95")), by=user
    )
    assert (a.weighted_score, a.grade) == (D("95.00"), Grade.EXCELLENT)


def test_scheme_weights_must_add_up_to_100_and_cut_offs_be_ordered(cycle, reviewer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.scheme_update(
            cycle=cycle, by=reviewer, values={"weight_attainment": D("50"), "cut_good": D("95")}
        )
    assert exc.value.message_dict == {
        "weight_satisfaction": ["四项指标的权重之和须为100。"],
        "cut_pass": ["分数线须满足：优秀 > 良好 > 合格。"],
    }


def test_attainment_is_computed_from_actuals(cycle, reviewer):
    task = fe.make_task(
        cycle,
        reviewer,
        targets=[
            (D("0"), D("100"), D("80")),  # 0.8
            (D("10"), D("20"), D("25")),  # capped at 1.0
            (D("50"), D("30"), D("40")),  # a reduction target: (40-50)/(30-50) = 0.5
            (D("0"), D("10"), None),  # no actual reported: counts as 0
        ],
    )
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
