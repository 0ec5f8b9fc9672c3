"""Bad input over every form of stage 2 (制定清单), through the real views: over-long text, control characters,
HTML payloads, forged IDs and double submits each get a Chinese message, and what was saved stays as it was."""

import pytest
from django.urls import reverse

from catalog import services
from catalog.models import (
    Consultation,
    DepartmentOpinion,
    ExpertReview,
    Measure,
    MeasureInclusion,
    MeasureList,
    ProposalRejection,
)
from reform_portal.models import ReformCycle
from tests.factories import ended_proposals

from .. import factories as f
from ..proposals import scenarios as fp
from . import scenarios as fc

pytestmark = pytest.mark.django_db

FORGED_IDS = ["abc", "²", "-1", "1.5", "99999999999999999999", ""]


def _messages(page):
    return [str(m) for m in page.context["messages"]]


@pytest.fixture
def world(cycle, reviewer):
    books = fc.two_region_books(cycle)
    zj = list(books["330000"][0].proposals.order_by("position"))
    js = list(books["320000"][0].proposals.order_by("position"))
    measure = fc.measure_from(cycle, reviewer, [zj[0], js[0]])
    return {"zj": zj, "js": js, "measure": measure}


def _measure_state(measure):
    m = Measure.objects.get(pk=measure.pk)
    return (
        m.title,
        m.area,
        m.description,
        m.goals,
        m.authority_level,
        m.coordination_departments,
        m.revision,
        m.sources.count(),
    )


def _merge_data(chosen, **overrides):
    data = {**fc.MEASURE, "proposals": [str(p.pk) for p in chosen]}
    data.update(overrides)
    return data


# ---- 汇总与合并 (MeasureForm) ----------------------------------------------------------------------------


def test_merge_over_long_title_is_refused_and_the_typed_text_stays(client, reviewer, world):
    client.force_login(reviewer)
    page = client.post(
        reverse("catalog:merge"),
        _merge_data([world["zj"][1]], title="很" * 81, description="把科研仪器开放共享纳入绩效评价"),
    )
    assert page.status_code == 200
    assert page.context["form"].errors["title"] == ["确保该变量包含不超过 80 字符 (目前字符数 81)。"]
    assert "把科研仪器开放共享纳入绩效评价" in page.content.decode()
    assert Measure.objects.count() == 1


def test_merge_control_characters_are_stripped_and_html_is_shown_as_text(client, reviewer, world):
    client.force_login(reviewer)
    page = client.post(
        reverse("catalog:merge"),
        _merge_data(
            [world["zj"][1]], title="<script>alert(1)</script>仪器\x00共享\u202e", description="开放\x07共享"
        ),
    )
    assert page.status_code == 302
    measure = Measure.objects.exclude(pk=world["measure"].pk).get()
    assert (measure.title, measure.description) == ("<script>alert(1)</script>仪器共享", "开放共享")
    html = client.get(reverse("catalog:measure_detail", args=[measure.pk])).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;仪器共享" in html


@pytest.mark.parametrize("forged", FORGED_IDS)
def test_merge_with_forged_proposal_ids_is_refused(client, reviewer, world, forged):
    client.force_login(reviewer)
    page = client.post(reverse("catalog:merge"), _merge_data([], proposals=[forged]))
    assert page.status_code == 200
    assert page.context["form"].non_field_errors() == ["请选择要合并的建议。"]
    assert Measure.objects.count() == 1


def test_merge_of_a_proposal_from_another_cycle_is_refused(client, reviewer, world):
    other = f.CycleFactory(year=world["measure"].cycle.year - 1)
    book, _drc, _std = fc.submitted_region_book(other, "440000", fc.TOPICS[:3])
    stray = book.proposals.first()
    client.force_login(reviewer)
    page = client.post(reverse("catalog:merge"), _merge_data([stray]))
    assert page.status_code == 200
    assert page.context["form"].non_field_errors() == [
        f"建议“{stray.title}”不属于本年度已报送的建议书，不能合并。"
    ]
    assert Measure.objects.count() == 1


@pytest.mark.parametrize("year", ["²", "abc", "99999999999999999999"])
def test_merge_with_a_forged_year_falls_back_to_the_current_cycle(client, reviewer, world, year):
    client.force_login(reviewer)
    page = client.get(reverse("catalog:merge"), {"year": year})
    assert page.status_code == 200
    assert page.context["cycle"] == world["measure"].cycle


def test_merge_into_a_measure_of_another_cycle_is_404(client, reviewer, world):
    other = f.CycleFactory(year=world["measure"].cycle.year - 1)
    stray = Measure.objects.create(
        cycle=other, title="往年举措", area="tech_market", description="x", created_by=reviewer
    )
    client.force_login(reviewer)
    page = client.post(reverse("catalog:merge"), _merge_data([world["zj"][1]], measure=str(stray.pk)))
    assert page.status_code == 404
    assert stray.sources.count() == 0


def test_merge_posted_twice_makes_one_measure(client, reviewer, world):
    client.force_login(reviewer)
    data = _merge_data([world["zj"][1], world["js"][1]], title="科研仪器开放共享")
    assert client.post(reverse("catalog:merge"), data).status_code == 302
    page = client.post(reverse("catalog:merge"), data)
    assert page.status_code == 200
    assert page.context["form"].non_field_errors() == [
        f"建议“{world['zj'][1].title}”（浙江省）已合并到举措“科研仪器开放共享”，一项建议只能合并到一项举措。"
    ]
    assert Measure.objects.filter(title="科研仪器开放共享").count() == 1


# ---- 修订举措 (RevisionForm) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "很" * 81, "确保该变量包含不超过 80 字符 (目前字符数 81)。"),
        ("reason", "因" * 201, "确保该变量包含不超过 200 字符 (目前字符数 201)。"),
        ("coordination_departments", "部" * 301, "确保该变量包含不超过 300 字符 (目前字符数 301)。"),
        ("description", "改" * 5001, "确保该变量包含不超过 5000 字符 (目前字符数 5001)。"),
        ("goals", "标" * 3001, "确保该变量包含不超过 3000 字符 (目前字符数 3001)。"),
        ("area", "<script>", "选择一个有效的选项。 &lt;script&gt; 不在可用的选项中。"),
    ],
)
def test_revision_bad_input_keeps_the_saved_measure(client, reviewer, world, field, value, message):
    measure = world["measure"]
    before = _measure_state(measure)
    client.force_login(reviewer)
    data = {**fc.MEASURE, "reason": "补充目标", "goals": "用户新写的改革目标", field: value}
    page = client.post(reverse("catalog:measure_detail", args=[measure.pk]), data)
    assert page.status_code == 200
    assert [str(e) for e in page.context["form"].errors[field]] == [
        message.replace("&lt;", "<").replace("&gt;", ">")
    ]
    html = page.content.decode()
    assert message in html
    if field != "goals":
        assert "用户新写的改革目标" in html
    assert _measure_state(measure) == before


# ---- 未采纳 (RejectForm) ----------------------------------------------------------------------------------


def test_reject_with_an_over_long_reason_says_so_and_saves_nothing(client, reviewer, world):
    proposal = world["zj"][2]
    client.force_login(reviewer)
    page = client.post(reverse("catalog:reject", args=[proposal.pk]), {"reason": "因" * 1001}, follow=True)
    assert _messages(page) == ["未采纳理由：确保该变量包含不超过 1000 字符 (目前字符数 1001)。"]
    assert not ProposalRejection.objects.filter(proposal=proposal).exists()


def test_reject_of_a_merged_proposal_says_why(client, reviewer, world):
    proposal = world["zj"][0]
    client.force_login(reviewer)
    page = client.post(reverse("catalog:reject", args=[proposal.pk]), {"reason": "重复"}, follow=True)
    assert _messages(page) == [f"建议“{proposal.title}”已合并到举措，不能标记为未采纳；请先撤销合并。"]
    assert not ProposalRejection.objects.filter(proposal=proposal).exists()


def test_reject_of_a_draft_books_proposal_is_404(client, reviewer, world, region_b_drc):
    draft = fp.make_book(world["measure"].cycle, f.regional_user("440000")).proposals.first()
    client.force_login(reviewer)
    assert client.post(reverse("catalog:reject", args=[draft.pk]), {"reason": "x"}).status_code == 404
    assert not ProposalRejection.objects.exists()


# ---- 分配专家 (POST without a form) ---------------------------------------------------------------------


@pytest.mark.parametrize("forged", FORGED_IDS)
def test_assign_with_a_forged_expert_id_says_choose_an_expert(client, reviewer, world, forged):
    client.force_login(reviewer)
    page = client.post(reverse("catalog:assign", args=[world["measure"].pk]), {"expert": forged}, follow=True)
    assert page.status_code == 200
    assert _messages(page) == ["请选择评审专家。"]
    assert ExpertReview.objects.count() == 0


def test_assign_of_a_user_who_is_not_an_expert_is_refused(client, reviewer, world, region_a_drc):
    client.force_login(reviewer)
    page = client.post(
        reverse("catalog:assign", args=[world["measure"].pk]), {"expert": region_a_drc.pk}, follow=True
    )
    assert _messages(page) == ["请选择评审专家。"]
    assert ExpertReview.objects.count() == 0


def test_assign_posted_twice_assigns_once(client, reviewer, world, expert):
    client.force_login(reviewer)
    url = reverse("catalog:assign", args=[world["measure"].pk])
    client.post(url, {"expert": expert.pk}, follow=True)
    page = client.post(url, {"expert": expert.pk}, follow=True)
    assert _messages(page) == ["该专家已分配论证此举措。"]
    assert ExpertReview.objects.filter(expert=expert).count() == 1


# ---- 列入情况 (InclusionForm) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"included": "2", "note": ""}, "是否列入清单：选择一个有效的选项。 2 不在可用的选项中。"),
        ({"included": "0", "note": "说" * 301}, "说明：确保该变量包含不超过 300 字符 (目前字符数 301)。"),
    ],
)
def test_inclusion_bad_input_keeps_the_measure_on_the_list(client, reviewer, world, data, message):
    client.force_login(reviewer)
    page = client.post(reverse("catalog:include", args=[world["measure"].pk]), data, follow=True)
    assert _messages(page) == [message]
    assert not MeasureInclusion.objects.exists()


# ---- 专家论证 (ReviewForm) ------------------------------------------------------------------------------


@pytest.fixture
def review(world, reviewer, expert):
    return services.expert_assign(measure=world["measure"], expert=expert, by=reviewer)


def _review_data(**overrides):
    data = {f"{k}_score": str(v) for k, v in fc.SCORES.items()}
    data.update({f"{k}_comment": v for k, v in fc.COMMENTS.items()})
    data["recommendation"] = "include"
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("value_score", "6", "选择一个有效的选项。 6 不在可用的选项中。"),
        ("value_score", "0", "选择一个有效的选项。 0 不在可用的选项中。"),
        ("value_score", "-1", "选择一个有效的选项。 -1 不在可用的选项中。"),
        ("value_score", "abc", "选择一个有效的选项。 abc 不在可用的选项中。"),
        ("value_comment", "评" * 1001, "确保该变量包含不超过 1000 字符 (目前字符数 1001)。"),
        ("recommendation", "maybe", "选择一个有效的选项。 maybe 不在可用的选项中。"),
    ],
)
def test_review_bad_input_is_refused_and_nothing_is_submitted(client, expert, review, field, value, message):
    client.force_login(expert)
    page = client.post(
        reverse("catalog:review", args=[review.pk]),
        _review_data(bold_comment="专家写下的评语", **{field: value}),
    )
    assert page.status_code == 200
    assert page.context["form"].errors[field] == [message]
    assert "专家写下的评语" in page.content.decode()
    review.refresh_from_db()
    assert (review.submitted_at, review.value_score) == (None, None)


def test_review_text_is_cleaned_and_escaped(client, expert, reviewer, review):
    client.force_login(expert)
    client.post(
        reverse("catalog:review", args=[review.pk]),
        _review_data(value_comment="<script>alert(1)</script>\x00含金量\u202e高"),
    )
    review.refresh_from_db()
    assert review.value_comment == "<script>alert(1)</script>含金量高"
    client.force_login(reviewer)
    html = client.get(reverse("catalog:measure_detail", args=[review.measure_id])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;含金量高" in html


def test_review_submitted_twice_keeps_the_first_scores(client, expert, review):
    client.force_login(expert)
    url = reverse("catalog:review", args=[review.pk])
    assert client.post(url, _review_data()).status_code == 302
    page = client.post(url, _review_data(value_score="1", recommendation="exclude"))
    assert page.status_code == 403
    assert "您已提交论证意见，不能再修改。" in page.content.decode()
    review.refresh_from_db()
    assert (review.value_score, review.recommendation) == (5, "include")
    assert review.history.filter(history_change_reason="提交专家论证意见").count() == 1


def test_review_of_another_experts_assignment_is_404(client, world, reviewer, review):
    other = fc.expert_in("110000", username="other_expert")
    client.force_login(other)
    assert client.post(reverse("catalog:review", args=[review.pk]), _review_data()).status_code == 404
    review.refresh_from_db()
    assert review.submitted_at is None


# ---- 清单、征求意见、答复 (ListTitleForm, SendForm, ResponseForm, OpinionForm) -----------------------------------


@pytest.fixture
def draft_list(world, reviewer):
    return services.list_draft(cycle=world["measure"].cycle, by=reviewer)


def test_list_title_over_long_or_blank_is_refused(client, reviewer, draft_list):
    client.force_login(reviewer)
    url = reverse("catalog:list_manage", args=[draft_list.pk])
    page = client.post(url, {"title": "清" * 101})
    assert page.context["form"].errors["title"] == ["确保该变量包含不超过 100 字符 (目前字符数 101)。"]
    page = client.post(url, {"title": " \x00 "})
    assert page.context["form"].errors["title"] == ["这个字段是必填项。"]
    assert MeasureList.objects.get(pk=draft_list.pk).title == draft_list.title


def test_list_title_of_a_published_version_cannot_change(client, reviewer, draft_list):
    ended_proposals(draft_list.cycle)
    services.list_publish(measure_list=draft_list, by=reviewer, notify=False)
    client.force_login(reviewer)
    page = client.post(reverse("catalog:list_manage", args=[draft_list.pk]), {"title": "新标题"})
    assert page.status_code == 200
    assert page.context["form"].non_field_errors() == ["已公布的清单版本不能修改；如需调整请新建修订版本。"]
    assert MeasureList.objects.get(pk=draft_list.pk).title == draft_list.title


def test_list_title_html_is_escaped(client, reviewer, draft_list):
    client.force_login(reviewer)
    client.post(
        reverse("catalog:list_manage", args=[draft_list.pk]), {"title": "<script>alert(1)</script>清单"}
    )
    html = client.get(reverse("catalog:list_manage", args=[draft_list.pk])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;清单" in html


@pytest.mark.parametrize(
    ("forged", "message"),
    [
        ("abc", "征求意见部门：“abc”不是一个有效的值"),
        ("99999999999999999999", "征求意见部门：“99999999999999999999”不是一个有效的值"),
        ("", "征求意见部门：“”不是一个有效的值"),
    ],
)
def test_send_to_a_forged_ministry_is_refused(client, reviewer, draft_list, forged, message):
    client.force_login(reviewer)
    page = client.post(reverse("catalog:send", args=[draft_list.pk]), {"ministries": [forged]}, follow=True)
    assert _messages(page) == [message]
    assert not Consultation.objects.exists()
    assert MeasureList.objects.get(pk=draft_list.pk).state == "draft"


def test_send_to_an_organization_that_is_not_a_ministry_is_refused(
    client, reviewer, draft_list, region_a_drc
):
    client.force_login(reviewer)
    page = client.post(
        reverse("catalog:send", args=[draft_list.pk]),
        {"ministries": [region_a_drc.organization_id]},
        follow=True,
    )
    assert _messages(page) == [
        f"征求意见部门：选择一个有效的选项。 {region_a_drc.organization_id} 不在可用的选项中。"
    ]
    assert not Consultation.objects.exists()


def test_send_posted_twice_consults_each_ministry_once(client, reviewer, draft_list, liaison):
    client.force_login(reviewer)
    url = reverse("catalog:send", args=[draft_list.pk])
    client.post(url, {"ministries": [liaison.organization_id]})
    client.post(url, {"ministries": [liaison.organization_id]})
    assert Consultation.objects.filter(measure_list=draft_list).count() == 1


@pytest.fixture
def consultation(draft_list, reviewer, liaison):
    [item] = services.consultation_send(
        measure_list=draft_list, ministries=[liaison.organization], by=reviewer
    )
    return item


def _opinion_data(measure, **overrides):
    data = {
        "measure": str(measure.pk),
        f"m{measure.pk}-stance": "revise",
        f"m{measure.pk}-text": "建议补充考核指标",
    }
    data.update({f"m{measure.pk}-{k}": v for k, v in overrides.items()})
    return data


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"text": "意" * 2001}, "text", "确保该变量包含不超过 2000 字符 (目前字符数 2001)。"),
        ({"text": " \x00\u200b "}, "text", "修改后同意或不同意的，请填写具体意见。"),
        ({"stance": "veto"}, "stance", "选择一个有效的选项。 veto 不在可用的选项中。"),
    ],
)
def test_opinion_bad_input_is_shown_at_the_field(
    client, liaison, consultation, world, overrides, field, message
):
    measure = world["measure"]
    client.force_login(liaison)
    page = client.post(
        reverse("catalog:consultation", args=[consultation.pk]), _opinion_data(measure, **overrides)
    )
    assert page.status_code == 200
    row = next(r for r in page.context["rows"] if r["measure"].pk == measure.pk)
    assert row["form"].errors[field] == [message]
    assert not DepartmentOpinion.objects.exists()


@pytest.mark.parametrize("forged", FORGED_IDS)
def test_opinion_on_a_forged_measure_is_404(client, liaison, consultation, world, forged):
    client.force_login(liaison)
    data = _opinion_data(world["measure"])
    data["measure"] = forged
    assert client.post(reverse("catalog:consultation", args=[consultation.pk]), data).status_code == 404
    assert not DepartmentOpinion.objects.exists()


def test_opinion_on_a_measure_of_another_cycle_is_404(client, liaison, consultation, world, reviewer):
    other = f.CycleFactory(year=world["measure"].cycle.year - 1)
    stray = Measure.objects.create(
        cycle=other, title="往年举措", area="tech_market", description="x", created_by=reviewer
    )
    client.force_login(liaison)
    page = client.post(reverse("catalog:consultation", args=[consultation.pk]), _opinion_data(stray))
    assert page.status_code == 404
    assert not DepartmentOpinion.objects.exists()


def test_opinion_posted_twice_is_one_opinion_and_html_is_escaped(
    client, liaison, consultation, world, reviewer
):
    measure = world["measure"]
    client.force_login(liaison)
    url = reverse("catalog:consultation", args=[consultation.pk])
    data = _opinion_data(measure, text="<script>alert(1)</script>补充\x00指标")
    client.post(url, data)
    client.post(url, data)
    opinion = DepartmentOpinion.objects.get()
    assert opinion.text == "<script>alert(1)</script>补充指标"
    client.force_login(reviewer)
    html = client.get(reverse("catalog:list_manage", args=[consultation.measure_list_id])).content.decode()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;补充指标" in html


def test_respond_over_long_keeps_the_earlier_response(client, reviewer, liaison, consultation, world):
    opinion = services.opinion_give(
        consultation=consultation, measure=world["measure"], stance="revise", text="补充指标", by=liaison
    )
    services.opinion_respond(opinion=opinion, response="已采纳", by=reviewer)
    client.force_login(reviewer)
    page = client.post(reverse("catalog:respond", args=[opinion.pk]), {"response": "答" * 2001}, follow=True)
    assert _messages(page) == ["采纳情况说明：确保该变量包含不超过 2000 字符 (目前字符数 2001)。"]
    opinion.refresh_from_db()
    assert opinion.response == "已采纳"


def test_respond_to_a_missing_opinion_is_404(client, reviewer, world):
    client.force_login(reviewer)
    assert client.post(reverse("catalog:respond", args=[999999]), {"response": "x"}).status_code == 404


def test_lists_posted_twice_make_one_draft(client, reviewer, world):
    client.force_login(reviewer)
    client.post(reverse("catalog:lists"))
    client.post(reverse("catalog:lists"))
    assert MeasureList.objects.filter(cycle=world["measure"].cycle).count() == 1


@pytest.mark.parametrize("year", ["²", "abc", "99999999999999999999"])
def test_lists_with_a_forged_year_use_the_current_cycle(client, reviewer, world, year):
    client.force_login(reviewer)
    client.post(reverse("catalog:lists"), {"year": year})
    assert list(MeasureList.objects.values_list("cycle__year", flat=True)) == [ReformCycle.objects.get().year]


def test_two_reviewers_editing_the_draft_title(client, reviewer, draft_list):
    """Issue 17 §4: the second save (loaded before the first) is refused with its text kept."""
    from tests.reform_portal.scenarios import _assert_refused, _loaded

    colleague = f.national_user(username="most_reviewer", full_name="科技部审核员")
    url = reverse("catalog:list_manage", args=[draft_list.pk])
    other = type(client)()
    client.force_login(reviewer)
    other.force_login(colleague)
    rev_a, rev_b = _loaded(client, url), _loaded(other, url)
    assert client.post(url, {"title": "第一位的清单标题", "revision": rev_a}).status_code == 302
    page = other.post(url, {"title": "第二位的清单标题", "revision": rev_b})
    _assert_refused(page, reviewer, "第二位的清单标题", "清单标题")
    assert MeasureList.objects.get(pk=draft_list.pk).title == "第一位的清单标题"


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"area": "tech_market", "authority_level": "national"},
        {"area": "<b>\"x&'", "authority_level": ""},
    ],
    ids=["unbound", "chosen", "forged"],
)
def test_the_measure_forms_drop_downs_are_djangos_markup_written_in_python(data):
    """MeasureForm's 改革任务领域 and 事权层级 (on 汇总与合并 at every visit) are written by reform_portal.widgets.Select,
    byte for byte what Django's Select wrote: unbound, with a choice, with a forged value; with their errors."""
    from django import forms as django_forms

    from catalog.forms import MeasureForm, RevisionForm
    from reform_portal import widgets

    for form_class in (MeasureForm, RevisionForm):
        ours = form_class(data)
        django_s = form_class(data)
        for name in ("area", "authority_level"):
            assert isinstance(ours.fields[name].widget, widgets.Select)
            old = django_forms.Select(choices=ours.fields[name].choices)
            old.is_required = ours.fields[name].widget.is_required
            django_s.fields[name].widget = old
            assert str(ours[name]) == str(django_s[name])
            assert ours[name].errors == django_s[name].errors


def test_the_merge_page_renders_no_select_templates(client, reviewer, world):
    """汇总与合并 draws its form's two drop-downs without Django's per-option templates (issue 19)."""
    client.force_login(reviewer)
    page = client.get(reverse("catalog:merge"))
    rendered = {t.name for t in page.templates}
    assert "catalog/merge.html" in rendered
    assert not rendered & {"django/forms/widgets/select.html", "django/forms/widgets/select_option.html"}
    html = page.content.decode()
    assert '<select name="area" required id="id_area">' in html
    assert '<option value="" selected>---------</option>' in html
