"""Bad input over every form of stage 3 (悬榜揭榜), through the real views: over-long text, control characters,
HTML payloads, wrong dates, huge or non-numeric numbers, forged IDs and double submits each get a Chinese message,
and what was saved stays as it was."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from bidding import services
from bidding.models import Bid, CoordinationRequest, Milestone, ProgressReport, Target, Task
from reform_portal.enums import OrgKind
from reform_portal.models import DeadlineExtension

from .. import factories as f
from . import scenarios as fb

pytestmark = pytest.mark.django_db

FORGED_IDS = ["abc", "²", "-1", "1.5", "99999999999999999999"]
TODAY = timezone.localdate


def _messages(page):
    return [str(m) for m in page.context["messages"]]


# ---- 揭榜 (BidForm) --------------------------------------------------------------------------------------


def _bid_data(**overrides):
    data = {
        "approach": "在杭州、宁波先行试点。",
        "entity_kinds": ["university"],
        "entity_names": "浙江大学",
        "contact_name": "王建国",
        "contact_phone": "0571-87051234",
    }
    data.update(overrides)
    return data


def _bid_state(bid):
    b = Bid.objects.get(pk=bid.pk)
    return (b.approach, b.entity_kinds, b.entity_names, b.contact_name, b.contact_phone)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("contact_name", "王" * 31, "确保该变量包含不超过 30 字符 (目前字符数 31)。"),
        ("contact_phone", "<script>", "请填写有效的电话号码（数字、空格、+、-、括号，7—30位）。"),
        ("contact_phone", "1" * 31, "确保该变量包含不超过 30 字符 (目前字符数 31)。"),
        ("entity_kinds", ["national_ndrc"], "选择一个有效的选项。 national_ndrc 不在可用的选项中。"),
        ("approach", "思" * 5001, "确保该变量包含不超过 5000 字符 (目前字符数 5001)。"),
        ("entity_names", "单" * 1001, "确保该变量包含不超过 1000 字符 (目前字符数 1001)。"),
        ("approach", " \x00\u200b ", "这个字段是必填项。"),
    ],
)
def test_bid_bad_input_keeps_the_saved_bid(client, bcycle, entries, region_a_drc, field, value, message):
    bid_set = fb.make_bid_set(bcycle, region_a_drc, entries[:1])
    bid = bid_set.bids.get()
    before = _bid_state(bid)
    client.force_login(region_a_drc)
    page = client.post(
        reverse("bidding:bid_edit", args=[entries[0].pk]),
        _bid_data(
            entity_names="用户新填的实施主体" if field != "entity_names" else value,
            **({field: value} if field != "entity_names" else {}),
        ),
    )
    assert page.status_code == 200
    assert page.context["form"].errors[field] == [message]
    if field != "entity_names":
        assert "用户新填的实施主体" in page.content.decode()
    assert _bid_state(bid) == before


def test_bid_text_is_cleaned_and_shown_escaped(client, bcycle, entries, region_a_drc):
    client.force_login(region_a_drc)
    client.post(
        reverse("bidding:bid_edit", args=[entries[0].pk]),
        _bid_data(approach="<script>alert(1)</script>先行\x0b先试\u202e"),
    )
    assert Bid.objects.get().approach == "<script>alert(1)</script>先行先试"
    html = client.get(reverse("bidding:bids")).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;先行先试" in html


def test_bid_on_an_entry_of_another_cycle_or_a_missing_one_is_404(client, bcycle, entries, region_a_drc):
    old = f.CycleFactory(year=bcycle.year - 1)
    stray = fb.publish_list(old, n=1)[0]
    client.force_login(region_a_drc)
    assert client.post(reverse("bidding:bid_edit", args=[stray.pk]), _bid_data()).status_code == 404
    assert client.post(reverse("bidding:bid_edit", args=[999999]), _bid_data()).status_code == 404
    assert not Bid.objects.exists()


def test_bid_posted_twice_is_one_bid(client, bcycle, entries, region_a_drc):
    client.force_login(region_a_drc)
    url = reverse("bidding:bid_edit", args=[entries[0].pk])
    assert client.post(url, _bid_data()).status_code == 302
    assert client.post(url, _bid_data()).status_code == 302
    assert Bid.objects.count() == 1


def test_bid_set_submitted_twice_says_it_is_already_submitted(
    client, bcycle, entries, region_a_drc, region_a_scitech
):
    fb.signed_bid_set(bcycle, region_a_drc, region_a_scitech, entries[:3])
    client.force_login(region_a_drc)
    client.post(reverse("bidding:bid_set_submit"))
    page = client.post(reverse("bidding:bid_set_submit"))
    assert page.status_code == 403
    assert "揭榜申报已报送，不能再修改。" in page.content.decode()
    assert (
        services.bid_set_get_or_create(cycle=bcycle, region=region_a_drc.region, by=region_a_drc)
        .history.filter(history_change_reason="报送揭榜申报")
        .count()
        == 1
    )


# ---- 汇总揭榜结果: award and extension (POST without a form; ExtensionForm) -----------------------------


@pytest.mark.parametrize("forged", [*FORGED_IDS, ""])
def test_award_with_forged_bid_ids_awards_nothing(client, bcycle, entries, reviewer, forged):
    client.force_login(reviewer)
    page = client.post(reverse("bidding:award"), {"bid": [forged], "year": str(bcycle.year)}, follow=True)
    assert _messages(page) == ["请勾选要确认的揭榜事项。"]
    assert not Task.objects.exists()


def test_award_of_a_draft_bid_is_refused(client, bcycle, entries, reviewer, region_b_drc):
    draft = fb.make_bid_set(bcycle, region_b_drc, entries[:1]).bids.get()
    client.force_login(reviewer)
    page = client.post(reverse("bidding:award"), {"bid": [draft.pk], "year": str(bcycle.year)}, follow=True)
    assert _messages(page) == ["只能确认已报送的揭榜申报中的事项。"]
    assert not Task.objects.exists()


def test_award_posted_twice_makes_each_task_once(
    client, bcycle, entries, reviewer, region_a_drc, region_a_scitech
):
    bids = fb.submitted_bid_set(bcycle, region_a_drc, region_a_scitech, entries[:3]).bids.all()
    client.force_login(reviewer)
    data = {"bid": [b.pk for b in bids], "year": str(bcycle.year)}
    assert _messages(client.post(reverse("bidding:award"), data, follow=True)) == ["已确认3项揭榜任务。"]
    assert _messages(client.post(reverse("bidding:award"), data, follow=True)) == ["已确认0项揭榜任务。"]
    assert Task.objects.count() == 3


@pytest.mark.parametrize("year", ["²", "abc", "99999999999999999999"])
def test_matrix_with_a_forged_year_is_the_default_year_not_500(client, bcycle, entries, reviewer, year):
    """Not a year: the page's default year (DECISIONS §14), and nothing is awarded."""
    client.force_login(reviewer)
    page = client.get(reverse("bidding:matrix"), {"year": year})
    assert page.status_code == 200
    assert page.context["cycle"] == bcycle
    page = client.post(reverse("bidding:award"), {"year": year, "bid": ["1"]})
    assert page.status_code == 302
    assert not Task.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("until", "2027-02-30", "延长至：输入一个有效的日期。"),
        ("until", "abc", "延长至：输入一个有效的日期。"),
        ("until", "9999-12-31", "延长至：请填写2000年至2100年之间的日期。"),
        ("region", "abc", "地区：选择一个有效的选项： 该选择不在可用的选项中。"),
        ("region", "99999999999999999999", "地区：选择一个有效的选项： 该选择不在可用的选项中。"),
        ("reason", "因" * 501, "延期理由：确保该变量包含不超过 500 字符 (目前字符数 501)。"),
    ],
)
def test_extension_bad_input_grants_nothing(
    client, bcycle, entries, reviewer, region_a_drc, field, value, message
):
    client.force_login(reviewer)
    data = {
        "region": str(region_a_drc.region.pk),
        "until": (bcycle.bidding_deadline + datetime.timedelta(days=5)).isoformat(),
        "reason": "受灾延误",
        "year": str(bcycle.year),
        field: value,
    }
    page = client.post(reverse("bidding:extend"), data, follow=True)
    assert page.status_code == 200
    assert _messages(page) == [message]
    assert not DeadlineExtension.objects.exists()


def test_extension_before_the_deadline_is_refused(client, bcycle, entries, reviewer, region_a_drc):
    client.force_login(reviewer)
    page = client.post(
        reverse("bidding:extend"),
        {
            "region": region_a_drc.region.pk,
            "until": (bcycle.bidding_deadline - datetime.timedelta(days=1)).isoformat(),
            "reason": "x",
            "year": str(bcycle.year),
        },
        follow=True,
    )
    assert _messages(page) == ["延长日期不能早于原截止日期。"]
    assert not DeadlineExtension.objects.exists()


# ---- 实施方案 (EntitiesForm, MilestoneForm, TargetForm) ----------------------------------------------------


@pytest.fixture
def task(bcycle, entries, reviewer, region_a_drc, region_a_scitech):
    return fb.allocated(bcycle, reviewer, region_a_drc, region_a_scitech, entries[:3])[0]


@pytest.mark.parametrize("forged", [*FORGED_IDS, "other_region"])
def test_entities_with_forged_ids_change_nothing(client, task, region_a_drc, forged):
    zju = f.OrganizationFactory(name="浙江大学", kind=OrgKind.UNIVERSITY, region=f.region("330000"))
    services.plan_set_entities(task=task, organizations=[zju], by=region_a_drc)
    if forged == "other_region":
        forged = str(
            f.OrganizationFactory(name="南京大学", kind=OrgKind.UNIVERSITY, region=f.region("320000")).pk
        )
    client.force_login(region_a_drc)
    page = client.post(reverse("bidding:task_entities", args=[task.pk]), {"entities": [forged]})
    assert page.status_code == 200
    [error] = page.context["entities_form"].errors["entities"]
    assert error in (f"“{forged}”不是一个有效的值", f"选择一个有效的选项。 {forged} 不在可用的选项中。")
    assert list(Task.objects.get(pk=task.pk).entities.all()) == [zju]


def _milestone_data(**overrides):
    data = {
        "m-title": "出台实施办法",
        "m-due_date": (TODAY() + datetime.timedelta(days=30)).isoformat(),
        "m-deliverable": "省政府办公厅印发实施办法",
        "m-responsible_name": "李明",
        "m-responsible_post": "处长",
        "m-responsible_phone": "0571-87050000",
        "m-responsible_email": "",
    }
    data.update({f"m-{k}": v for k, v in overrides.items()})
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("due_date", "2027-02-30", "输入一个有效的日期。"),
        ("due_date", "abc", "输入一个有效的日期。"),
        ("due_date", "9999-12-31", "请填写2000年至2100年之间的日期。"),
        ("due_date", "2001-01-01", "完成时限不能早于揭榜确认日期。"),
        ("title", "节" * 101, "确保该变量包含不超过 100 字符 (目前字符数 101)。"),
        ("deliverable", "成" * 201, "确保该变量包含不超过 200 字符 (目前字符数 201)。"),
        ("responsible_email", "<script>@x", "输入一个有效的 Email 地址。"),
    ],
)
def test_milestone_bad_input_adds_nothing(client, task, region_a_drc, field, value, message):
    client.force_login(region_a_drc)
    page = client.post(
        reverse("bidding:milestone_add", args=[task.pk]),
        _milestone_data(responsible_post="用户填的职务", **{field: value}),
    )
    assert page.status_code == 200
    assert page.context["milestone_form"].errors[field] == [message]
    assert 'value="用户填的职务"' in page.content.decode()
    assert not Milestone.objects.exists()


def test_milestone_text_is_cleaned_and_escaped(client, task, region_a_drc):
    client.force_login(region_a_drc)
    client.post(
        reverse("bidding:milestone_add", args=[task.pk]),
        _milestone_data(title="<script>alert(1)</script>出台\x00办法\u202e"),
    )
    assert Milestone.objects.get().title == "<script>alert(1)</script>出台办法"
    html = client.get(reverse("bidding:task_detail", args=[task.pk])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;出台办法" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("baseline", str(10**20), "确认总共不超过 14 个数字."),
        ("target", "NaN", "输入一个数字。"),
        ("target", "inf", "输入一个数字。"),
        ("target", "-Infinity", "输入一个数字。"),
        ("target", "1.234", "确认小数不超过 2 位."),
        ("target", "0", "目标值须与基期值不同，才能考核。"),
        ("unit", "单" * 21, "确保该变量包含不超过 20 字符 (目前字符数 21)。"),
    ],
)
def test_target_bad_numbers_add_nothing(client, task, region_a_drc, field, value, message):
    client.force_login(region_a_drc)
    data = {
        "t-indicator": "赋权成果数",
        "t-unit": "项",
        "t-baseline": "0",
        "t-target": "100",
        f"t-{field}": value,
    }
    page = client.post(reverse("bidding:target_add", args=[task.pk]), data)
    assert page.status_code == 200
    assert page.context["target_form"].errors[field] == [message]
    assert 'value="赋权成果数"' in page.content.decode()
    assert not Target.objects.exists()


def test_plan_confirmed_twice_says_it_is_confirmed(client, task, region_a_drc):
    services.milestone_add(task=task, fields=fb.milestone_fields(), by=region_a_drc)
    services.target_add(task=task, fields=fb.target_fields(), by=region_a_drc)
    client.force_login(region_a_drc)
    client.post(reverse("bidding:plan_confirm", args=[task.pk]))
    page = client.post(reverse("bidding:plan_confirm", args=[task.pk]))
    assert page.status_code == 403
    assert "实施方案已确认，不能再修改。" in page.content.decode()
    assert Task.objects.get(pk=task.pk).history.filter(history_change_reason="确认实施方案").count() == 1


def test_deleting_a_milestone_of_another_region_is_404(client, task, region_a_drc, region_b_drc):
    milestone = services.milestone_add(task=task, fields=fb.milestone_fields(), by=region_a_drc)
    client.force_login(region_b_drc)
    assert client.post(reverse("bidding:milestone_delete", args=[milestone.pk])).status_code == 404
    assert client.post(reverse("bidding:milestone_delete", args=[999999])).status_code == 404
    assert Milestone.objects.filter(pk=milestone.pk).exists()


# ---- 进展报告 (ReportForm) -------------------------------------------------------------------------------


@pytest.fixture
def running(task, region_a_drc):
    fb.confirmed_plan(task, region_a_drc)
    return task


def _report_data(task, **overrides):
    [m] = task.milestones.all()
    [t] = task.targets.all()
    data = {
        "period_end": (TODAY() - datetime.timedelta(days=1)).isoformat(),
        "narrative": "首批试点已启动",
        f"actual_{t.pk}": "40",
        f"status_{m.pk}": "on_track",
        f"note_{m.pk}": "",
    }
    for key, value in overrides.items():
        name = {"actual": f"actual_{t.pk}", "status": f"status_{m.pk}", "note": f"note_{m.pk}"}.get(key, key)
        data[name] = value
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("actual", str(10**20), "确认总共不超过 14 个数字."),
        ("actual", "NaN", "实际值须为数字。"),
        ("actual", "Infinity", "实际值须为数字。"),
        ("actual", "1e400", "确认总共不超过 14 个数字."),
        ("period_end", "2027-02-30", "输入一个有效的日期。"),
        ("period_end", "abc", "输入一个有效的日期。"),
        ("period_end", "2100-01-01", "报告期截至日期不能晚于今天。"),
        ("narrative", "进" * 5001, "确保该变量包含不超过 5000 字符 (目前字符数 5001)。"),
        ("status", "planned", "选择一个有效的选项。 planned 不在可用的选项中。"),
        ("note", "说" * 301, "确保该变量包含不超过 300 字符 (目前字符数 301)。"),
    ],
)
def test_report_bad_input_files_nothing(client, running, region_a_drc, field, value, message):
    client.force_login(region_a_drc)
    data = _report_data(running, **{field: value})
    if field != "narrative":
        data["narrative"] = "用户写的进展情况"
    page = client.post(reverse("bidding:report_new", args=[running.pk]), data)
    assert page.status_code == 200
    key = {
        "actual": f"actual_{running.targets.get().pk}",
        "status": f"status_{running.milestones.get().pk}",
        "note": f"note_{running.milestones.get().pk}",
    }.get(field, field)
    assert page.context["form"].errors[key] == [message]
    if field != "narrative":
        assert "用户写的进展情况" in page.content.decode()
    assert not ProgressReport.objects.exists()
    assert Target.objects.get(task=running).latest_actual is None


def test_report_posted_twice_files_one_report(client, running, region_a_drc):
    client.force_login(region_a_drc)
    url = reverse("bidding:report_new", args=[running.pk])
    assert (
        client.post(url, _report_data(running, narrative="<script>alert(1)</script>首批\x00试点")).status_code
        == 302
    )
    page = client.post(url, _report_data(running, actual="90"))
    assert page.status_code == 200
    day = TODAY() - datetime.timedelta(days=1)
    assert page.context["form"].errors["period_end"] == [
        f"报告期须晚于上一期报告（截至{day}），已报送的进展不能修改。"
    ]
    report = ProgressReport.objects.get()
    assert report.narrative == "<script>alert(1)</script>首批试点"
    assert Target.objects.get(task=running).latest_actual == Decimal("40")
    html = client.get(reverse("bidding:task_detail", args=[running.pk])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;首批试点" in html


# ---- 协调事项 (CoordinationForm, AnswerForm) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("subject", "事" * 101, "确保该变量包含不超过 100 字符 (目前字符数 101)。"),
        ("detail", "困" * 3001, "确保该变量包含不超过 3000 字符 (目前字符数 3001)。"),
        ("detail", "\x00\u200b", "这个字段是必填项。"),
    ],
)
def test_coordination_bad_input_raises_nothing(client, running, region_a_drc, field, value, message):
    client.force_login(region_a_drc)
    data = {"c-subject": "国资管理口径", "c-detail": "用户写的具体困难", f"c-{field}": value}
    page = client.post(reverse("bidding:coordination_new", args=[running.pk]), data)
    assert page.status_code == 200
    assert page.context["coordination_form"].errors[field] == [message]
    if field != "detail":
        assert "用户写的具体困难" in page.content.decode()
    assert not CoordinationRequest.objects.exists()


def test_coordination_posted_twice_is_raised_once(client, running, region_a_drc):
    client.force_login(region_a_drc)
    url = reverse("bidding:coordination_new", args=[running.pk])
    data = {"c-subject": "国资管理口径", "c-detail": "<script>alert(1)</script>需明确口径"}
    assert client.post(url, data).status_code == 302
    page = client.post(url, data)
    assert page.status_code == 200
    assert page.context["coordination_form"].non_field_errors() == ["该协调事项已提交，请勿重复提交。"]
    assert CoordinationRequest.objects.count() == 1
    html = client.get(reverse("bidding:task_detail", args=[running.pk])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;需明确口径" in html


def test_answer_bad_input_keeps_the_earlier_answer(client, running, region_a_drc, reviewer):
    req = services.coordination_raise(task=running, subject="口径", detail="需明确", by=region_a_drc)
    services.coordination_answer(request=req, answer="财政部已明确", by=reviewer)
    client.force_login(reviewer)
    url = reverse("bidding:coordination_answer", args=[req.pk])
    page = client.post(url, {"answer": "答" * 3001})
    assert page.status_code == 200  # the form again, with the text typed (issue 17 §4)
    assert page.context["answer_form"].errors["answer"] == [
        "确保该变量包含不超过 3000 字符 (目前字符数 3001)。"
    ]
    assert "答" * 3001 in page.content.decode()
    page = client.post(url, {"answer": "\x00 "})
    assert page.context["answer_form"].errors["answer"] == ["这个字段是必填项。"]
    req.refresh_from_db()
    assert req.answer == "财政部已明确"
    assert (
        client.post(reverse("bidding:coordination_answer", args=[999999]), {"answer": "x"}).status_code == 404
    )


# ---- 完成总结 (SummaryForm) ------------------------------------------------------------------------------


@pytest.fixture
def finished(running):
    Milestone.objects.filter(task=running).update(status="done")
    return running


def test_summary_bad_input_files_nothing(client, finished, region_a_drc):
    client.force_login(region_a_drc)
    url = reverse("bidding:summary", args=[finished.pk])
    page = client.post(url, {"achieved": "完" * 5001, "replicable": "用户写的经验"})
    assert page.status_code == 200
    assert page.context["form"].errors["achieved"] == ["确保该变量包含不超过 5000 字符 (目前字符数 5001)。"]
    assert "用户写的经验" in page.content.decode()
    task = Task.objects.get(pk=finished.pk)
    assert (task.state, task.summary_replicable) == ("in_progress", "")


def test_summary_filed_twice_keeps_the_first(client, finished, region_a_drc):
    client.force_login(region_a_drc)
    url = reverse("bidding:summary", args=[finished.pk])
    assert client.post(url, {"achieved": "全部完成", "replicable": "经验一"}).status_code == 302
    page = client.post(url, {"achieved": "改写", "replicable": "经验二"})
    assert page.status_code == 403
    assert "只有实施中的任务可以报送完成总结。" in page.content.decode()
    task = Task.objects.get(pk=finished.pk)
    assert (task.state, task.summary_achieved, task.summary_replicable) == (
        "pending_evaluation",
        "全部完成",
        "经验一",
    )


# ---- Two people saving the same thing (issue 17 §4): the second is refused with who saved first and when, the
# second person's input stays on the page, and the database keeps the first save.


def _stale(errors, who, what):
    return (
        len(errors) == 1
        and errors[0].startswith(f"该{what}已被{who}于")
        and errors[0].endswith("修改，您的修改尚未保存。请复制您的内容，刷新页面后重新修改。")
    )


def _two(client, first, second):
    other = type(client)()
    client.force_login(first)
    other.force_login(second)
    return client, other


def test_two_departments_naming_the_entities(client, task, region_a_drc, region_a_scitech):
    zju = f.OrganizationFactory(name="浙江大学", kind=OrgKind.UNIVERSITY, region=f.region("330000"))
    zjlab = f.OrganizationFactory(name="之江实验室", kind=OrgKind.INSTITUTE, region=f.region("330000"))
    a, b = _two(client, region_a_drc, region_a_scitech)
    page = reverse("bidding:task_detail", args=[task.pk])
    rev_a = a.get(page).context["entities_form"]["revision"].value()
    rev_b = b.get(page).context["entities_form"]["revision"].value()
    url = reverse("bidding:task_entities", args=[task.pk])
    assert a.post(url, {"entities": [zju.pk], "revision": rev_a}).status_code == 302
    refused = b.post(url, {"entities": [zjlab.pk], "revision": rev_b})
    assert refused.status_code == 200
    form = refused.context["entities_form"]
    assert _stale(form.non_field_errors(), region_a_drc, "揭榜任务")
    assert form["entities"].value() == [str(zjlab.pk)]  # the choice the second person made, still ticked
    assert list(Task.objects.get(pk=task.pk).entities.all()) == [zju]


def test_two_reviewers_answering_one_coordination_request(client, running, region_a_drc, reviewer):
    req = services.coordination_raise(task=running, subject="口径", detail="需明确", by=region_a_drc)
    colleague = f.national_user(username="most_reviewer", full_name="科技部审核员")
    a, b = _two(client, reviewer, colleague)
    page = reverse("bidding:task_detail", args=[running.pk])
    assert f'name="revision" value="{req.revision}"' in a.get(page).content.decode()
    assert f'name="revision" value="{req.revision}"' in b.get(page).content.decode()
    url = reverse("bidding:coordination_answer", args=[req.pk])
    assert a.post(url, {"answer": "财政部已明确口径", "revision": req.revision}).status_code == 302
    refused = b.post(url, {"answer": "科技部的另一答复", "revision": req.revision})
    assert refused.status_code == 200
    assert _stale(refused.context["answer_form"].non_field_errors(), reviewer, "协调事项")
    assert "科技部的另一答复" in refused.content.decode()
    req.refresh_from_db()
    assert (req.answer, req.answered_by) == ("财政部已明确口径", reviewer)


def test_two_departments_filing_the_summary(client, finished, region_a_drc, region_a_scitech):
    a, b = _two(client, region_a_drc, region_a_scitech)
    url = reverse("bidding:summary", args=[finished.pk])
    rev_a = a.get(url).context["form"]["revision"].value()
    rev_b = b.get(url).context["form"]["revision"].value()
    assert a.post(url, {"achieved": "全部完成", "replicable": "经验一", "revision": rev_a}).status_code == 302
    refused = b.post(url, {"achieved": "科技厅写的完成情况", "replicable": "经验二", "revision": rev_b})
    assert refused.status_code == 200
    assert _stale(refused.context["form"].non_field_errors(), region_a_drc, "揭榜任务")
    assert "科技厅写的完成情况" in refused.content.decode()
    task = Task.objects.get(pk=finished.pk)
    assert (task.state, task.summary_achieved) == ("pending_evaluation", "全部完成")


def test_two_reviewers_setting_the_next_document_number(client, reviewer):
    from reform_portal.models import DocNumberRegister

    colleague = f.national_user(username="most_reviewer", full_name="科技部审核员")
    a, b = _two(client, reviewer, colleague)
    url = reverse("bidding:doc_number_register")
    rev_a = a.get(url).context["form"]["revision"].value()
    rev_b = b.get(url).context["form"]["revision"].value()
    assert a.post(url, {"next_number": "20", "revision": rev_a}).status_code == 302
    refused = b.post(url, {"next_number": "37", "revision": rev_b})
    assert refused.status_code == 200
    assert _stale(refused.context["form"].non_field_errors(), reviewer, "发文字号登记簿")
    assert refused.context["form"]["next_number"].value() == "37"
    assert DocNumberRegister.objects.get().next_number == 20


def test_the_region_drop_downs_write_their_options_in_python(client, reviewer):
    """揭榜矩阵's 延期 form and the 下达 form list the regions with the portal's Python-written <select> (issue 19: a
    Django Select renders a template per option, ≈1.7 ms for 31 regions), with Django's markup."""
    from django import forms as django_forms

    from bidding.forms import ExtensionForm, NoticeIssueForm
    from reform_portal import widgets
    from reform_portal.models import Region

    f.region("330000")
    notice = NoticeIssueForm(regions=list(Region.objects.all()), year=2027, doc_prefix="发改高技")
    for form in (ExtensionForm(), notice):
        field = form.fields["region"]
        assert isinstance(field.widget, widgets.Select)
        ours = str(form["region"])
        field.widget = django_forms.Select(choices=field.choices)
        assert ours == str(form["region"])  # byte for byte
        assert ours.count("<option") == Region.objects.count() + 1 and "浙江省" in ours
