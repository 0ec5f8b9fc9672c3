"""Bad input over every form of stage 4 (评估激励), through the real views: over-long text, control characters,
HTML payloads, wrong dates, negative, huge and non-finite numbers, forged IDs and double submits each get a
Chinese message, and what was saved stays as it was."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bidding.enums import TaskState
from bidding.models import Task
from evaluation import services
from evaluation.models import Assessment, Commission, EvaluationScheme, Incentive, Outcome
from reform_portal.enums import OrgKind

from .. import factories as f
from ..model_counts import models_built
from . import scenarios as fe

pytestmark = pytest.mark.django_db

FORGED_IDS = ["abc", "²", "-1", "1.5", "99999999999999999999"]


def _messages(page):
    return [str(m) for m in page.context["messages"]]


# ---- 委托 (CommissionForm) ------------------------------------------------------------------------------


@pytest.fixture
def pending(cycle, reviewer):
    return {"agency": fe.agency(), "task": fe.make_task(cycle, reviewer, with_report=False)}


def _commission_data(pending, **overrides):
    data = {
        "agency": str(pending["agency"].pk),
        "tasks": [str(pending["task"].pk)],
        "due_date": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
        "terms": "对照任务目标开展第三方评估。",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("due_date", "2027-02-30", "请填写有效日期，例如 2028-09-30。"),
        ("due_date", "abc", "请填写有效日期，例如 2028-09-30。"),
        ("due_date", "9999-12-31", "请填写2000年至2100年之间的日期。"),
        ("due_date", "2001-01-01", "评估完成时限不能早于今天。"),
        ("terms", "委" * 3001, "确保该变量包含不超过 3000 字符 (目前字符数 3001)。"),
        ("terms", "\x00 \u200b", "请填写委托事项与评估要求。"),
        ("agency", "abc", "请选择有效的评估机构。"),
        ("agency", "99999999999999999999", "请选择有效的评估机构。"),
        ("tasks", ["abc"], "所选任务无效。"),
        ("tasks", ["²"], "所选任务无效。"),
        ("tasks", ["99999999999999999999"], "所选任务无效。"),
        ("tasks", ["999999"], "所选任务已不在“待评估”状态，请刷新页面。"),
    ],
)
def test_commission_bad_input_commissions_nothing(client, reviewer, pending, field, value, message):
    client.force_login(reviewer)
    data = _commission_data(pending, **{field: value})
    if field != "terms":
        data["terms"] = "用户写的委托要求"
    page = client.post(reverse("evaluation:commission_new"), data)
    assert page.status_code == 200
    assert page.context["form"].errors[field] == [message]
    if field != "terms":
        assert "用户写的委托要求" in page.content.decode()
    assert not Commission.objects.exists()
    assert Task.objects.get(pk=pending["task"].pk).state == TaskState.PENDING_EVALUATION


def test_commission_of_a_task_of_another_cycle_or_to_a_non_agency_is_refused(
    client, cycle, reviewer, pending, region_a_drc
):
    old = f.CycleFactory(year=cycle.year - 1)
    stray = fe.make_task(old, reviewer, with_report=False)
    client.force_login(reviewer)
    page = client.post(reverse("evaluation:commission_new"), _commission_data(pending, tasks=[str(stray.pk)]))
    assert page.context["form"].errors["tasks"] == ["所选任务已不在“待评估”状态，请刷新页面。"]
    page = client.post(
        reverse("evaluation:commission_new"),
        _commission_data(pending, agency=str(region_a_drc.organization_id)),
    )
    assert page.context["form"].errors["agency"] == ["请选择有效的评估机构。"]
    assert not Commission.objects.exists()


def test_commission_posted_twice_commissions_once(client, reviewer, pending):
    client.force_login(reviewer)
    data = _commission_data(pending, terms="<script>alert(1)</script>评估\x00要求")
    assert client.post(reverse("evaluation:commission_new"), data).status_code == 302
    page = client.post(reverse("evaluation:commission_new"), data)
    assert page.status_code == 200
    assert page.context["form"].errors["tasks"] == ["所选任务已不在“待评估”状态，请刷新页面。"]
    commission = Commission.objects.get()
    assert commission.terms == "<script>alert(1)</script>评估要求"
    html = client.get(reverse("evaluation:commission_detail", args=[commission.pk])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;评估要求" in html


# ---- 评估报告 (AssessmentForm), 更正 (ReopenRequestForm) ---------------------------------------------------------


@pytest.fixture
def setup(cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org, username="ciecc")
    task = fe.make_task(cycle, reviewer)
    c = fe.commission(cycle, reviewer, org, [task])
    draft = services.assessment_save(
        commission=c,
        task=task,
        by=user,
        values={**fe.SCORES, "conclusion": "初稿结论", "recommend_promotion": True},
    )
    return {"user": user, "task": task, "commission": c, "draft": draft}


def _assessment_data(**overrides):
    data = {
        "score_attainment": "90",
        "score_breakthrough": "85",
        "score_replicability": "88",
        "score_satisfaction": "92",
        "conclusion": "用户新写的结论",
        "recommend_promotion": "on",
    }
    data.update(overrides)
    return data


def _assessment_state(pk):
    a = Assessment.objects.get(pk=pk)
    return (a.score_attainment, a.score_breakthrough, a.conclusion, a.weighted_score, a.state)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("score_attainment", str(10**20), "请输入0—100之间、最多两位小数的数字。"),
        ("score_attainment", "NaN", "请输入0—100之间的数字。"),
        ("score_attainment", "inf", "请输入0—100之间的数字。"),
        ("score_attainment", "-0.01", "确保该值大于或等于0。"),
        ("score_attainment", "100.01", "确保该值小于或等于100。"),
        ("score_attainment", "99.999", "最多保留两位小数。"),
        ("score_breakthrough", "八十", "请输入0—100之间的数字。"),
        ("conclusion", "结" * 5001, "确保该变量包含不超过 5000 字符 (目前字符数 5001)。"),
    ],
)
def test_assessment_bad_input_keeps_the_saved_draft(client, setup, field, value, message):
    before = _assessment_state(setup["draft"].pk)
    client.force_login(setup["user"])
    page = client.post(
        reverse("evaluation:assessment_edit", args=[setup["task"].pk]), _assessment_data(**{field: value})
    )
    assert page.status_code == 200
    assert page.context["form"].errors[field] == [message]
    if field != "conclusion":
        assert "用户新写的结论" in page.content.decode()
    assert _assessment_state(setup["draft"].pk) == before


def test_assessment_submitted_twice_stays_the_first_version(client, setup):
    client.force_login(setup["user"])
    url = reverse("evaluation:assessment_edit", args=[setup["task"].pk])
    data = _assessment_data(
        conclusion="<script>alert(1)</script>完成\x00较好", report_file=fe.pdf_upload(), submit="1"
    )
    assert client.post(url, data).status_code == 302
    page = client.post(url, _assessment_data(conclusion="改写", score_attainment="10", submit="1"))
    assert page.status_code == 403
    assert "评估报告已提交并锁定；如需更正，请申请更正并经国家审核人员同意。" in page.content.decode()
    a = Assessment.objects.get(pk=setup["draft"].pk)
    assert (a.conclusion, a.score_attainment, a.version) == (
        "<script>alert(1)</script>完成较好",
        Decimal("90"),
        1,
    )
    html = client.get(reverse("evaluation:assessment_detail", args=[a.pk])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;完成较好" in html


@pytest.fixture
def submitted(setup):
    a = services.assessment_save(
        commission=setup["commission"],
        task=setup["task"],
        values={},
        upload=fe.pdf_upload(),
        by=setup["user"],
    )
    return services.assessment_submit(assessment=a, by=setup["user"])


def test_reopen_request_over_long_or_blank_is_refused(client, setup, submitted):
    client.force_login(setup["user"])
    url = reverse("evaluation:assessment_request_reopen", args=[submitted.pk])
    page = client.post(url, {"reason": "更" * 1001}, follow=True)
    assert _messages(page) == ["确保该变量包含不超过 1000 字符 (目前字符数 1001)。"]
    page = client.post(url, {"reason": "\x00\u200b "}, follow=True)
    assert _messages(page) == ["请说明需要更正的内容和理由。"]
    assert Assessment.objects.get(pk=submitted.pk).state == "submitted"


def test_reopen_requested_and_decided_twice(client, setup, submitted, reviewer):
    client.force_login(setup["user"])
    url = reverse("evaluation:assessment_request_reopen", args=[submitted.pk])
    client.post(url, {"reason": "得分录入有误"})
    page = client.post(url, {"reason": "再次申请"})
    assert page.status_code == 403
    assert "只有已提交的评估报告可以申请更正。" in page.content.decode()
    assert Assessment.objects.get(pk=submitted.pk).reopen_reason == "得分录入有误"
    client.force_login(reviewer)
    decide = reverse("evaluation:assessment_decide_reopen", args=[submitted.pk])
    client.post(decide, {"decision": "approve"})
    page = client.post(decide, {"decision": "approve"})
    assert page.status_code == 403
    assert "该评估报告没有待处理的更正申请。" in page.content.decode()
    assert Assessment.objects.get(pk=submitted.pk).version == 2


# ---- 权重与分数线 (SchemeForm) ---------------------------------------------------------------------------

SCHEME = {
    "weight_attainment": "40",
    "weight_breakthrough": "20",
    "weight_replicability": "25",
    "weight_satisfaction": "15",
    "cut_excellent": "90",
    "cut_good": "80",
    "cut_pass": "60",
}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weight_attainment", str(10**20), "确认总共不超过 5 个数字."),
        ("weight_attainment", "-40", "确保该值大于或等于0。"),
        ("weight_attainment", "NaN", "输入一个数字。"),
        ("cut_good", "-Infinity", "输入一个数字。"),
        ("cut_pass", "95", "分数线须满足：优秀 > 良好 > 合格。"),
        ("weight_satisfaction", "16", "四项指标的权重之和须为100。"),
    ],
)
def test_scheme_bad_numbers_keep_the_saved_scheme(client, cycle, reviewer, field, value, message):
    services.scheme_update(
        cycle=cycle,
        values={"weight_attainment": Decimal("50"), "weight_satisfaction": Decimal("5")},
        by=reviewer,
    )
    client.force_login(reviewer)
    page = client.post(reverse("evaluation:scheme"), {**SCHEME, field: value})
    assert page.status_code == 200
    assert page.context["form"].errors[field] == [message]
    scheme = EvaluationScheme.objects.get()
    assert (scheme.weight_attainment, scheme.weight_satisfaction, scheme.cut_pass) == (
        Decimal("50"),
        Decimal("5"),
        Decimal("60"),
    )


# ---- 改革成果 (OutcomeForm), 成果库 (LibrarySearchForm) ------------------------------------------------------


@pytest.fixture
def promotable(setup, submitted):
    return Task.objects.get(pk=setup["task"].pk)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "成" * 101, "确保该变量包含不超过 100 字符 (目前字符数 101)。"),
        ("summary", "概" * 5001, "确保该变量包含不超过 5000 字符 (目前字符数 5001)。"),
        ("applicable_scope", "\x00\u200b", "这个字段是必填项。"),
    ],
)
def test_outcome_bad_input_saves_nothing(client, reviewer, promotable, field, value, message):
    client.force_login(reviewer)
    data = {**fe.OUTCOME_VALUES, "how_to_replicate": "用户写的推广方法", field: value}
    page = client.post(reverse("evaluation:outcome_new", args=[promotable.pk]), data)
    assert page.status_code == 200
    assert page.context["form"].errors[field] == [message]
    assert "用户写的推广方法" in page.content.decode()
    assert not Outcome.objects.exists()


def test_outcome_posted_twice_is_one_outcome_shown_escaped(client, reviewer, promotable):
    client.force_login(reviewer)
    url = reverse("evaluation:outcome_new", args=[promotable.pk])
    data = {**fe.OUTCOME_VALUES, "title": "<script>alert(1)</script>赋权\x00经验"}
    assert client.post(url, data).status_code == 302
    page = client.post(url, data)
    assert page.status_code == 403
    assert "该任务已整理为改革成果。" in page.content.decode()
    outcome = Outcome.objects.get()
    assert outcome.title == "<script>alert(1)</script>赋权经验"
    client.post(reverse("evaluation:outcome_publish", args=[outcome.pk]))
    client.post(reverse("evaluation:outcome_publish", args=[outcome.pk]))
    client.logout()
    html = client.get(reverse("evaluation:library_detail", args=[outcome.pk])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;赋权经验" in html
    assert Outcome.objects.get().history.filter(history_change_reason="发布到改革成果库").count() == 1


def test_outcome_edit_bad_input_keeps_the_outcome(client, reviewer, promotable):
    outcome = services.outcome_create(task=promotable, values=fe.OUTCOME_VALUES, by=reviewer)
    client.force_login(reviewer)
    page = client.post(
        reverse("evaluation:outcome_edit", args=[outcome.pk]),
        {**fe.OUTCOME_VALUES, "title": "成" * 101, "summary": "用户改写的概要"},
    )
    assert page.context["form"].errors["title"] == ["确保该变量包含不超过 100 字符 (目前字符数 101)。"]
    assert "用户改写的概要" in page.content.decode()
    outcome.refresh_from_db()
    assert (outcome.title, outcome.summary) == (fe.OUTCOME_VALUES["title"], fe.OUTCOME_VALUES["summary"])
    assert client.post(reverse("evaluation:outcome_new", args=[999999]), fe.OUTCOME_VALUES).status_code == 404
    assert (
        client.post(reverse("evaluation:outcome_edit", args=[999999]), fe.OUTCOME_VALUES).status_code == 404
    )


@pytest.mark.parametrize(
    "params",
    [
        {"q": "<script>alert(1)</script>"},
        {"q": "词" * 51},
        {"year": str(10**20)},
        {"year": "abc"},
        {"region": "<script>"},
        {"area": "x"},
    ],
)
def test_library_search_with_bad_input_is_not_an_error(client, params):
    page = client.get(reverse("evaluation:library"), params)
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.content.decode()


@pytest.mark.parametrize("year", ["²", "abc", "99999999999999999999"])
def test_results_with_a_forged_year_use_the_current_cycle(client, cycle, reviewer, year):
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:results"), {"year": year})
    assert page.status_code == 200
    assert page.context["cycle"] == cycle
    assert client.get(reverse("evaluation:public_results"), {"year": year}).status_code == 200


# ---- 激励 (IncentiveForm) ------------------------------------------------------------------------------


def _incentive_data(**overrides):
    data = {
        "kind": "commendation",
        "region": str(f.region("330000").pk),
        "organization": "",
        "tasks": [],
        "reason": "改革成效显著",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reason", "激" * 2001, "确保该变量包含不超过 2000 字符 (目前字符数 2001)。"),
        ("kind", "cash", "选择一个有效的选项。 cash 不在可用的选项中。"),
        ("region", "abc", "选择一个有效的选项： 该选择不在可用的选项中。"),
        ("region", "", "请选择受激励的地区或单位（至少一项）。"),
        ("organization", "99999999999999999999", "选择一个有效的选项： 该选择不在可用的选项中。"),
        ("tasks", ["99999999999999999999"], "“99999999999999999999”不是一个有效的值"),
        ("tasks", ["²"], "“²”不是一个有效的值"),
    ],
)
def test_incentive_bad_input_registers_nothing(client, cycle, reviewer, field, value, message):
    client.force_login(reviewer)
    data = _incentive_data(**{field: value})
    if field != "reason":
        data["reason"] = "用户写的激励理由"
    page = client.post(reverse("evaluation:incentives"), data)
    assert page.status_code == 200
    assert page.context["form"].errors[field] == [message]
    if field != "reason":
        assert "用户写的激励理由" in page.content.decode()
    assert not Incentive.objects.exists()


def test_incentive_for_a_national_department_or_a_task_of_another_cycle_is_refused(client, cycle, reviewer):
    old = f.CycleFactory(year=cycle.year - 1)
    stray = fe.make_task(old, reviewer, with_report=False)
    client.force_login(reviewer)
    page = client.post(reverse("evaluation:incentives"), _incentive_data(tasks=[str(stray.pk)]))
    assert page.context["form"].errors["tasks"] == [f"选择一个有效的选项。 {stray.pk} 不在可用的选项中。"]
    page = client.post(
        reverse("evaluation:incentives"),
        _incentive_data(region="", organization=str(reviewer.organization_id)),
    )
    assert page.context["form"].errors["organization"] == ["选择一个有效的选项： 该选择不在可用的选项中。"]
    assert reviewer.organization.kind == OrgKind.NATIONAL_NDRC
    assert not Incentive.objects.exists()


def test_incentive_posted_twice_is_registered_once(client, cycle, reviewer):
    client.force_login(reviewer)
    data = _incentive_data(reason="<script>alert(1)</script>成效\x00显著")
    assert client.post(reverse("evaluation:incentives"), data).status_code == 302
    page = client.post(reverse("evaluation:incentives"), data)
    assert page.status_code == 200
    assert page.context["form"].non_field_errors() == ["该激励已登记，请勿重复登记。"]
    assert Incentive.objects.get().reason == "<script>alert(1)</script>成效显著"
    html = page.content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;成效显著" in html


def test_after_a_refused_submit_the_evaluator_does_not_conflict_with_herself(client, cycle, reviewer):
    """Bug: after any validation error the assessment form told the evaluator she conflicted with herself: the
    draft was saved before the submit was refused, and the page still carried the version she had loaded."""
    org = fe.agency()
    user = fe.evaluator_user(org, username="ciecc")
    task = fe.make_task(cycle, reviewer)
    fe.commission(cycle, reviewer, org, [task])
    client.force_login(user)
    url = reverse("evaluation:assessment_edit", args=[task.pk])
    loaded = client.get(url).context["form"]["revision"].value()
    page = client.post(url, _assessment_data(revision=loaded, submit="1"))  # no report file: submit refused
    assert page.status_code == 200
    shown = page.context["form"]["revision"].value()
    page = client.post(url, _assessment_data(revision=shown, report_file=fe.pdf_upload(), submit="1"))
    assert "修改，您的修改尚未保存" not in page.content.decode()
    assert page.status_code == 302
    assert Assessment.objects.get(task=task).state == "submitted"


def test_incentive_tasks_load_their_labels_and_year_only_and_still_register(
    client, cycle, reviewer, django_assert_max_num_queries
):
    """激励登记 (issue 19): the form's task checkboxes load the label's texts and the task's year, not every column
    of the year's tasks; a registration with tasks still passes the service's year check without a query per
    task."""
    from evaluation.forms import IncentiveForm

    tasks = [
        fe.make_task(cycle, reviewer, region_code=code, with_report=False) for code in ("330000", "320000")
    ]
    loaded = list(IncentiveForm(cycle=cycle).fields["tasks"].queryset)
    assert {t.pk for t in loaded} == {t.pk for t in tasks}
    assert {"summary_achieved", "summary_replicable", "state"} <= loaded[0].get_deferred_fields()
    assert "cycle_id" not in loaded[0].get_deferred_fields()
    assert "title" not in loaded[0].entry.get_deferred_fields()
    client.force_login(reviewer)
    page = client.get(reverse("evaluation:incentives"), {"year": cycle.year}).content.decode()
    assert f"{tasks[0].region}：{tasks[0].entry.number} {tasks[0].entry.title}" in page
    data = _incentive_data(tasks=[str(t.pk) for t in tasks])
    with django_assert_max_num_queries(60):
        assert client.post(reverse("evaluation:incentives"), data).status_code == 302
    assert set(Incentive.objects.get().tasks.all()) == set(tasks)


def test_the_task_checkboxes_are_written_from_three_columns_not_from_tasks(cycle, reviewer):
    """激励登记's 相关任务 (every task of the year) lists each task's region, number and title as the field's
    label_from_instance would, without building the tasks as models (issue 19); a chosen task still validates
    against the field's queryset."""
    from django.forms.models import ModelChoiceIterator

    from evaluation.forms import IncentiveForm, TaskChoiceField

    tasks = [fe.make_task(cycle, reviewer, position=n, with_report=False) for n in (1, 2)]
    with models_built(Task) as built:
        ours = IncentiveForm(cycle=cycle).as_p()
    assert built == []
    form = IncentiveForm(cycle=cycle)
    form.fields["tasks"].iterator = ModelChoiceIterator  # Django's: one task model per option
    assert ours == form.as_p()
    for task in tasks:
        assert TaskChoiceField.option_label(task.region, task.entry.number, task.entry.title) in ours
    data = {
        "kind": "commendation",
        "region": str(tasks[0].region_id),
        "reason": "成效显著。",
        "tasks": [str(tasks[1].pk)],
    }
    form = IncentiveForm(data=data, cycle=cycle)
    assert form.is_valid(), form.errors
    assert list(form.cleaned_data["tasks"]) == [tasks[1]]


def test_incentive_form_and_region_filters_build_no_region_or_unit_models(cycle, reviewer):
    """激励登记's 地区 and 单位 and the lists' 地区 filter (issue 19): their options are the names read as columns
    (reform_portal.forms.NameChoiceField), not a model per region and unit on every visit."""
    from evaluation.filters import IncentiveFilter, OutcomeFilter
    from evaluation.forms import IncentiveForm
    from evaluation.models import Incentive, Outcome
    from reform_portal.models import Organization, Region

    task = fe.make_task(cycle, reviewer, position=1, with_report=False)
    unit = Organization.objects.filter(region=task.region).first()
    task.entities.add(unit)
    with models_built(Region, Organization) as built:
        form = IncentiveForm(cycle=cycle).as_p()
        filters = [
            IncentiveFilter(None, queryset=Incentive.objects.none()).form.as_p(),
            OutcomeFilter(None, queryset=Outcome.objects.none()).form.as_p(),
        ]
    assert built == []
    assert f'<option value="{unit.pk}">{unit.name}</option>' in form
    assert f'<option value="{task.region.pk}">{task.region.name}</option>' in form
    assert all(f'<option value="{task.region.code}">{task.region.name}</option>' in html for html in filters)
