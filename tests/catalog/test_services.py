"""catalog/services.py: merging proposals into measures, expert review, consultation, publishing the list."""

import datetime
import re
from html import escape as html_escape
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.sites import site
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import RequestFactory
from django.urls import reverse

from catalog import selectors, services
from catalog.admin import MeasureListAdmin
from catalog.forms import ListTitleForm
from catalog.models import (
    DepartmentOpinion,
    ExpertReview,
    ListEntry,
    Measure,
    MeasureList,
    MeasureSource,
    ProposalRejection,
)
from reform_portal.enums import OrgKind
from tests.factories import ended_proposals

from .. import factories as f
from . import scenarios as fc

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------------------------
# 合并同类项: provenance, undo, rejections.


def _pair(cycle):
    books = fc.two_region_books(cycle)
    zj = books["330000"][0].proposals.order_by("position").first()
    js = books["320000"][0].proposals.order_by("position").first()
    return books, zj, js


def test_merge_keeps_provenance(cycle, reviewer):
    _books, zj, js = _pair(cycle)
    measure = fc.measure_from(cycle, reviewer, [zj, js])
    assert [(s.region.name, s.proposal_title) for s in measure.sources.order_by("region__code")] == [
        ("江苏省", "开展职务科技成果赋权改革试点"),
        ("浙江省", "赋予科研人员职务科技成果所有权或长期使用权"),
    ]
    assert measure.title == fc.MEASURE["title"]
    assert measure.coordination_departments == "财政部、教育部"
    assert measure.created_by == reviewer
    assert measure.history.first().history_change_reason == "合并同类项（浙江省、江苏省）"
    # provenance reads the same after the proposal is renamed
    zj.title = "改了名字"
    zj.save()
    assert (
        measure.sources.get(region__code="330000").proposal_title
        == "赋予科研人员职务科技成果所有权或长期使用权"
    )


def test_a_proposal_cannot_join_two_measures(cycle, reviewer):
    books, zj, js = _pair(cycle)
    fc.measure_from(cycle, reviewer, [zj])
    with pytest.raises(ValidationError) as exc:
        fc.measure_from(cycle, reviewer, [js, zj], title="另一项举措")
    assert exc.value.messages == [
        "建议“赋予科研人员职务科技成果所有权或长期使用权”（浙江省）已合并到举措“赋予科研人员职务科技成果所有权或长期使用权”，"
        "一项建议只能合并到一项举措。"
    ]
    assert Measure.objects.count() == 1
    assert not MeasureSource.objects.filter(proposal=js).exists()


def test_the_database_one_to_one_is_the_backstop(cycle, reviewer):
    _books, zj, _js = _pair(cycle)
    measure = fc.measure_from(cycle, reviewer, [zj])
    other = Measure.objects.create(
        cycle=cycle, title="x", area="tech_market", description="x", created_by=reviewer
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureSource.objects.create(
            measure=other, proposal=zj, region=zj.book.region, proposal_title="x", added_by=reviewer
        )
    assert measure.sources.count() == 1


def test_undo_restores_the_proposals_and_history_keeps_the_provenance(cycle, reviewer, client):
    _books, zj, js = _pair(cycle)
    measure = fc.measure_from(cycle, reviewer, [zj, js])
    pk = measure.pk
    client.force_login(reviewer)
    page = client.post(reverse("catalog:unmerge", args=[pk]), follow=True)
    assert "已撤销合并，相关建议恢复为待处理。" in page.content.decode()
    assert not Measure.objects.filter(pk=pk).exists()
    assert not MeasureSource.objects.exists()
    deleted = MeasureSource.history.filter(history_type="-").order_by("history_id")
    assert sorted(h.proposal_title for h in deleted) == [
        "开展职务科技成果赋权改革试点",
        "赋予科研人员职务科技成果所有权或长期使用权",
    ]
    assert {h.history_change_reason for h in deleted} == {f"撤销合并：{fc.MEASURE['title']}"}
    again = fc.measure_from(cycle, reviewer, [zj])  # free to merge again
    assert again.sources.get().proposal == zj


def test_undo_is_refused_once_the_list_is_out_for_consultation(cycle, reviewer):
    _books, zj, _js = _pair(cycle)
    measure = fc.measure_from(cycle, reviewer, [zj])
    draft = services.list_draft(cycle=cycle, by=reviewer)
    services.consultation_send(
        measure_list=draft, ministries=[fc.liaison_of("财政部").organization], by=reviewer
    )
    with pytest.raises(PermissionDenied) as exc:
        services.measure_unmerge(measure=measure, by=reviewer)
    assert str(exc.value) == "举措清单正在征求有关部门意见，不能撤销合并。"


def test_undo_is_refused_for_a_published_measure(cycle, reviewer):
    _books, zj, _js = _pair(cycle)
    measure = fc.measure_from(cycle, reviewer, [zj])
    fc.published_list(cycle, reviewer)
    with pytest.raises(PermissionDenied) as exc:
        services.measure_unmerge(measure=measure, by=reviewer)
    assert str(exc.value) == "该举措已列入已公布的清单，不能撤销合并。"


def test_only_reviewers_merge(cycle, reviewer, region_a_drc):
    _books, zj, _js = _pair(cycle)
    with pytest.raises(PermissionDenied):
        fc.measure_from(cycle, region_a_drc, [zj])


def test_draft_books_cannot_be_merged(cycle, reviewer, region_a_drc):
    from ..proposals import scenarios as fp

    book = fp.make_book(cycle, region_a_drc)
    with pytest.raises(ValidationError) as exc:
        fc.measure_from(cycle, reviewer, [book.proposals.first()])
    assert exc.value.messages == ["建议“科技成果赋权改革试点1”不属于本年度已报送的建议书，不能合并。"]


def test_rejected_with_a_reason_the_region_reads_on_its_dashboard(cycle, reviewer, client):
    books, zj, js = _pair(cycle)
    measure = fc.measure_from(cycle, reviewer, [zj, js])
    data = books["330000"][0].proposals.get(position=3)
    services.proposal_reject(proposal=data, reason="与国家数据局在推改革重复，暂不列入。", by=reviewer)
    with pytest.raises(ValidationError) as exc:
        services.proposal_reject(proposal=zj, reason="x", by=reviewer)
    assert exc.value.messages == [
        "建议“赋予科研人员职务科技成果所有权或长期使用权”已合并到举措，不能标记为未采纳；请先撤销合并。"
    ]
    with pytest.raises(ValidationError) as exc:
        fc.measure_from(cycle, reviewer, [data])
    assert exc.value.messages == [
        "建议“探索建立数据资产登记和交易规则”（浙江省）已标记为未采纳，请先撤销未采纳后再合并。"
    ]
    client.force_login(books["330000"][1])
    html = client.get(reverse("dashboard")).content.decode()
    assert f"已合并到清单举措“{measure.title}”" in html
    assert "与国家数据局在推改革重复，暂不列入。" in html
    # the panel's rows: year, the proposal's title (escaped), what became of it
    books["330000"][0].proposals.filter(pk=data.pk).update(title="<b>数据</b>")
    html = client.get(reverse("dashboard")).content.decode()
    panel = re.search(r'<table data-testid="panel-outcomes">.*?</table>', html, re.S).group(0)
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", panel, re.S)]
    proposals = books["330000"][0].proposals.order_by("position", "pk")
    assert cells[0::3] == [str(cycle.year)] * proposals.count()
    assert cells[1::3] == [html_escape(p.title) for p in proposals]
    assert "&lt;b&gt;数据&lt;/b&gt;" in panel and "<b>数据" not in panel
    assert [c.split("：")[0].split("“")[0] for c in cells[2::3]] == [
        "已合并到清单举措" if p.pk == zj.pk else "未采纳" if p.pk == data.pk else "汇总论证中"
        for p in proposals
    ]
    client.force_login(books["320000"][1])
    html = client.get(reverse("dashboard")).content.decode()
    assert "与国家数据局在推改革重复" not in html  # another region's outcome stays private


def test_unreject(cycle, reviewer):
    _books, zj, _js = _pair(cycle)
    services.proposal_reject(proposal=zj, reason="理由", by=reviewer)
    services.proposal_unreject(proposal=zj, by=reviewer)
    assert not ProposalRejection.objects.exists()
    assert ProposalRejection.history.filter(history_type="-").get().history_change_reason == "撤销未采纳"


def test_merge_page_lists_filters_and_suggests(cycle, reviewer, client):
    _books, zj, js = _pair(cycle)
    client.force_login(reviewer)
    page = client.get(reverse("catalog:merge"))
    assert page.status_code == 200
    rows = page.context["rows"]
    assert len(rows) == 6
    row = next(r for r in rows if r["pk"] == zj.pk)
    assert row["similar"][0]["pk"] == js.pk
    html = page.content.decode()
    assert "江苏省·开展职务科技成果赋权改革试点" in html
    page = client.get(reverse("catalog:merge"), {"region": "320000"})
    assert [r["region_name"] for r in page.context["rows"]] == ["江苏省"] * 3
    services.proposal_reject(proposal=js, reason="理由", by=reviewer)
    page = client.get(reverse("catalog:merge"), {"status": "rejected"})
    assert [r["pk"] for r in page.context["rows"]] == [js.pk]


def test_merge_through_the_page_and_errors_keep_the_input(cycle, reviewer, client):
    _books, zj, js = _pair(cycle)
    client.force_login(reviewer)
    data = {**fc.MEASURE, "proposals": [zj.pk, js.pk], "year": cycle.year, "coordination_departments": ""}
    page = client.post(reverse("catalog:merge"), data)
    assert page.status_code == 200
    assert page.context["form"].errors["coordination_departments"] == [
        "需国家层面协调的举措，请填写国家协调部门。"
    ]
    assert fc.MEASURE["description"] in page.content.decode()
    assert page.context["selected"] == [zj.pk, js.pk]
    data["coordination_departments"] = "财政部"
    page = client.post(reverse("catalog:merge"), data, follow=True)
    assert f"已合并为举措“{fc.MEASURE['title']}”。" in page.content.decode()
    assert Measure.objects.get().sources.count() == 2


# ------------------------------------------------------------------------------------------------------------
# 专家论证: assignment, conflicts of interest, scores.


def test_conflict_of_interest_blocks_assignment_and_the_page_says_why(measure, reviewer, expert, client):
    zj_expert = fc.expert_in("330000", username="zj_expert")
    with pytest.raises(PermissionDenied) as exc:
        services.expert_assign(measure=measure, expert=zj_expert, by=reviewer)
    reason = (
        f"利益冲突：专家所在单位“{zj_expert.organization.name}”位于浙江省，该地区是本举措的建议来源地区。"
    )
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
    fc.score(
        theirs,
        other_expert,
        scores={"value": 2, "bold": 2, "small": 2, "easy": 2, "exemplary": 2},
        recommendation="exclude",
    )
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
        services.review_submit(
            review=mine, scores={**fc.SCORES, "easy": 6}, comments={}, recommendation="", by=expert
        )
    assert exc.value.message_dict == {
        "easy_score": ["“易操作、可考核”请打1—5分。"],
        "recommendation": ["请选择论证意见。"],
    }
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
    fc.score(
        services.expert_assign(measure=measure, expert=other_expert, by=reviewer),
        other_expert,
        scores={"value": 3, "bold": 2, "small": 4, "easy": 3, "exemplary": 3},
        recommendation="revise",
    )
    client.force_login(reviewer)
    page = client.get(reverse("catalog:measure_detail", args=[measure.pk]))
    stats = page.context["measure"].stats
    assert [(c["avg"], c["min"], c["max"]) for c in stats["criteria"]] == [
        (4.0, 3, 5),
        (3.0, 2, 4),
        (4.0, 4, 4),
        (3.0, 3, 3),
        (4.0, 3, 5),
    ]
    assert (stats["total_avg"], stats["total_min"], stats["total_max"], stats["total_stdev"]) == (
        18.0,
        15,
        21,
        3.0,
    )
    assert stats["recommendations"] == {"列入": 1, "修改后列入": 1}
    html = page.content.decode()
    assert "含金量高" in html and "切口精准" in html
    assert "18.0（15—21，标准差 3.0）" in html
    page = client.get(reverse("catalog:measures"))
    assert "18.0（15—21）" in page.content.decode()


# ------------------------------------------------------------------------------------------------------------
# 撤回分配: a national reviewer takes back an expert's unanswered assignment; the expert loses access to it
# and to the measure; an answered one stays (its scores are part of the record).


@pytest.fixture
def zj_measure(cycle, reviewer):
    books = fc.two_region_books(cycle)
    zj = books["330000"][0].proposals.order_by("position").first()
    return fc.measure_from(cycle, reviewer, [zj])


def test_unassigning_removes_the_assignment_and_the_experts_access(zj_measure, reviewer, expert, client):
    review = services.expert_assign(measure=zj_measure, expert=expert, by=reviewer)
    client.force_login(expert)
    assert client.get(reverse("catalog:review", args=[review.pk])).status_code == 200
    client.force_login(reviewer)
    page = client.post(reverse("catalog:unassign", args=[review.pk]), follow=True)
    assert f"已撤回专家{expert}的论证分配。" in page.content.decode()
    assert zj_measure.reviews.count() == 0
    assert not expert.has_perm("catalog.view_measure", zj_measure)
    deleted = ExpertReview.history.filter(id=review.pk, history_type="-").get()
    assert (deleted.history_user, deleted.history_change_reason) == (reviewer, f"撤回分配：{expert}")
    client.force_login(expert)
    assert client.get(reverse("catalog:review", args=[review.pk])).status_code == 404
    assert list(selectors.reviews_for_expert(expert)) == []
    # the expert can be assigned again afterwards
    assert services.expert_assign(measure=zj_measure, expert=expert, by=reviewer).pk != review.pk


def test_an_answered_assignment_cannot_be_taken_back(zj_measure, reviewer, expert, client):
    review = services.expert_assign(measure=zj_measure, expert=expert, by=reviewer)
    fc.score(review, expert)
    with pytest.raises(PermissionDenied) as exc:
        services.expert_unassign(review=review, by=reviewer)
    assert str(exc.value) == "专家已提交论证意见，不能撤回分配。"
    client.force_login(reviewer)
    page = client.get(reverse("catalog:measure_detail", args=[zj_measure.pk]))
    assert reverse("catalog:unassign", args=[review.pk]) not in page.content.decode()
    page = client.post(reverse("catalog:unassign", args=[review.pk]), follow=True)
    assert "专家已提交论证意见，不能撤回分配。" in page.content.decode()
    assert zj_measure.reviews.count() == 1


def test_only_reviewers_unassign(zj_measure, reviewer, expert):
    review = services.expert_assign(measure=zj_measure, expert=expert, by=reviewer)
    with pytest.raises(PermissionDenied):
        services.expert_unassign(review=review, by=expert)
    assert zj_measure.reviews.count() == 1


def test_the_measure_page_offers_unassign_for_unanswered_assignments(zj_measure, reviewer, expert, client):
    review = services.expert_assign(measure=zj_measure, expert=expert, by=reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("catalog:measure_detail", args=[zj_measure.pk]))
    assert f'action="{reverse("catalog:unassign", args=[review.pk])}"' in page.content.decode()


# ------------------------------------------------------------------------------------------------------------
# 征求有关部门意见.


def test_a_liaison_sees_only_lists_sent_to_their_ministry(cycle, measure, reviewer, client):
    mof = fc.liaison_of("财政部", username="mof")
    miit = fc.liaison_of("工业和信息化部", username="miit")
    draft = services.list_draft(cycle=cycle, by=reviewer)
    [sent] = services.consultation_send(measure_list=draft, ministries=[mof.organization], by=reviewer)
    draft.refresh_from_db()
    assert draft.state == "consulting"
    client.force_login(mof)
    page = client.get(reverse("catalog:consultations"))
    assert list(page.context["consultations"]) == [sent]
    page = client.get(reverse("catalog:consultation", args=[sent.pk]))
    assert page.status_code == 200
    assert measure.title in page.content.decode()
    client.force_login(miit)
    assert list(client.get(reverse("catalog:consultations")).context["consultations"]) == []
    assert client.get(reverse("catalog:consultation", args=[sent.pk])).status_code == 404


def test_a_second_liaison_of_the_same_ministry_sees_it_too(cycle, measure, reviewer, client):
    mof = fc.liaison_of("财政部")
    draft = services.list_draft(cycle=cycle, by=reviewer)
    [sent] = services.consultation_send(measure_list=draft, ministries=[mof.organization], by=reviewer)
    colleague = fc.liaison_of("财政部", username="mof2")
    client.force_login(colleague)
    assert client.get(reverse("catalog:consultation", args=[sent.pk])).status_code == 200


def test_opinion_response_and_revision_with_history(cycle, measure, reviewer, client):
    mof = fc.liaison_of("财政部")
    draft = services.list_draft(cycle=cycle, by=reviewer)
    [sent] = services.consultation_send(measure_list=draft, ministries=[mof.organization], by=reviewer)
    client.force_login(mof)
    url = reverse("catalog:consultation", args=[sent.pk])
    page = client.post(
        url, {"measure": measure.pk, f"m{measure.pk}-stance": "revise", f"m{measure.pk}-text": ""}
    )
    assert page.status_code == 200
    assert page.context["rows"][0]["form"].errors["text"] == ["修改后同意或不同意的，请填写具体意见。"]
    page = client.post(
        url,
        {
            "measure": measure.pk,
            f"m{measure.pk}-stance": "revise",
            f"m{measure.pk}-text": "建议明确赋权成果的国有资产管理方式。",
        },
        follow=True,
    )
    assert "已保存对" in page.content.decode()
    opinion = DepartmentOpinion.objects.get()
    assert (opinion.stance, opinion.text, opinion.given_by) == (
        "revise",
        "建议明确赋权成果的国有资产管理方式。",
        mof,
    )

    client.force_login(reviewer)
    page = client.post(
        reverse("catalog:respond", args=[opinion.pk]), {"response": "已采纳，补充单列管理要求。"}, follow=True
    )
    assert "已答复部门意见。" in page.content.decode()
    opinion.refresh_from_db()
    assert (opinion.response, opinion.responded_by) == ("已采纳，补充单列管理要求。", reviewer)
    data = {
        **fc.MEASURE,
        "description": "赋权成果单列管理，不纳入国有资产保值增值考核。",
        "reason": "采纳财政部意见",
    }
    page = client.post(reverse("catalog:measure_detail", args=[measure.pk]), data, follow=True)
    assert "举措已修订。" in page.content.decode()
    measure.refresh_from_db()
    assert measure.revision == 2
    assert [h.history_change_reason for h in measure.history.order_by("history_id")] == [
        "合并同类项（浙江省、江苏省）",
        "修订举措（第2稿）：采纳财政部意见",
    ]
    assert measure.history.order_by("history_id").first().description == fc.MEASURE["description"]
    client.force_login(mof)
    assert "已采纳，补充单列管理要求。" in client.get(url).content.decode()


def test_only_the_ministry_gives_opinions_and_not_after_publishing(cycle, measure, reviewer):
    mof = fc.liaison_of("财政部")
    miit = fc.liaison_of("工业和信息化部")
    draft = services.list_draft(cycle=cycle, by=reviewer)
    [sent] = services.consultation_send(measure_list=draft, ministries=[mof.organization], by=reviewer)
    with pytest.raises(PermissionDenied):
        services.opinion_give(consultation=sent, measure=measure, stance="agree", text="", by=miit)
    services.opinion_give(consultation=sent, measure=measure, stance="agree", text="", by=mof)
    ended_proposals(draft.cycle)
    services.list_publish(measure_list=draft, by=reviewer)
    with pytest.raises(PermissionDenied) as exc:
        services.opinion_give(consultation=sent, measure=measure, stance="disagree", text="晚了", by=mof)
    assert str(exc.value) == "清单已公布，征求意见已结束。"


def test_consultations_go_only_to_ministries(cycle, measure, reviewer, evaluator):
    draft = services.list_draft(cycle=cycle, by=reviewer)
    with pytest.raises(ValidationError) as exc:
        services.consultation_send(measure_list=draft, ministries=[evaluator.organization], by=reviewer)
    assert exc.value.message_dict == {"ministries": ["只能向有关部门征求意见。"]}


# ------------------------------------------------------------------------------------------------------------
# 公布清单: numbered entries, frozen versions, mail.


@pytest.fixture
def measures(cycle, reviewer):
    books = fc.two_region_books(cycle)
    zj = list(books["330000"][0].proposals.order_by("position"))
    js = list(books["320000"][0].proposals.order_by("position"))
    first = fc.measure_from(cycle, reviewer, [zj[0], js[0]])
    second = fc.measure_from(
        cycle,
        reviewer,
        [js[1]],
        title="组建产业链创新联合体",
        area="core_tech",
        description="链主企业牵头组建创新联合体。",
        goals="",
        authority_level="provincial",
        coordination_departments="",
    )
    return first, second


def test_publish_freezes_numbered_entries(cycle, reviewer, measures, django_capture_on_commit_callbacks):
    draft = services.list_draft(cycle=cycle, by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        ended_proposals(draft.cycle)
        published = services.list_publish(measure_list=draft, by=reviewer)
    assert (published.version, published.state, published.published_by) == (1, "published", reviewer)
    entries = list(published.entries.order_by("position"))
    y = cycle.year
    assert [(e.number, e.title, e.source_regions) for e in entries] == [
        (f"{y}-01", fc.MEASURE["title"], "江苏省、浙江省"),
        (f"{y}-02", "组建产业链创新联合体", "江苏省"),
    ]
    assert entries[0].coordination_departments == "财政部、教育部"
    # later revisions of the measure leave the published entry as it was
    services.measure_update(measure=measures[0], fields={"title": "改了的名称"}, by=reviewer)
    entries[0].refresh_from_db()
    assert entries[0].title == fc.MEASURE["title"]


def test_publishing_mails_every_regions_staff(cycle, reviewer, measures, django_capture_on_commit_callbacks):
    other = f.regional_user("440000", OrgKind.REGIONAL_DRC, username="gd")
    draft = services.list_draft(cycle=cycle, by=reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        ended_proposals(draft.cycle)
        services.list_publish(measure_list=draft, by=reviewer)
    assert len(mail.outbox) == 5  # 浙江 and 江苏 (two each) and 广东
    assert {m.to[0] for m in mail.outbox} >= {other.email}
    message = next(m for m in mail.outbox if m.to == [other.email])
    assert message.subject.endswith(f"《{cycle.year}年度全面改革创新举措清单》已公布，请组织揭榜")
    assert "请各地发展改革委、科技厅（委、局）组织揭榜" in message.body
    assert reverse("catalog:public_list", args=[draft.pk]) in message.body


def test_regions_see_the_published_notice_on_their_dashboard(cycle, reviewer, measures, client):
    published = fc.published_list(cycle, reviewer)
    client.force_login(f.regional_user("440000", OrgKind.REGIONAL_DRC))
    html = client.get(reverse("dashboard")).content.decode()
    assert f"《{published.title}》（第1版）已公布，请组织揭榜。" in html


def test_a_published_version_cannot_be_edited_by_the_service(cycle, reviewer, measures):
    published = fc.published_list(cycle, reviewer)
    expected = f"《{published.title}》第1版已公布，不能修改；如需调整请新建修订版本。"
    with pytest.raises(PermissionDenied) as exc:
        services.list_update(measure_list=published, title="新标题", by=reviewer)
    assert str(exc.value) == expected
    with pytest.raises(PermissionDenied) as exc:
        ended_proposals(published.cycle)
        services.list_publish(measure_list=published, by=reviewer)
    assert str(exc.value) == expected
    with pytest.raises(PermissionDenied):
        services.consultation_send(
            measure_list=published, ministries=[fc.liaison_of("财政部").organization], by=reviewer
        )
    published.refresh_from_db()
    assert published.title == f"{cycle.year}年度全面改革创新举措清单"


def test_a_published_version_cannot_be_edited_by_the_form(cycle, reviewer, measures, client):
    published = fc.published_list(cycle, reviewer)
    form = ListTitleForm({"title": "新标题"}, instance=published)
    assert not form.is_valid()
    assert form.non_field_errors() == ["已公布的清单版本不能修改；如需调整请新建修订版本。"]
    client.force_login(reviewer)
    page = client.post(reverse("catalog:list_manage", args=[published.pk]), {"title": "新标题"})
    assert page.status_code == 200
    published.refresh_from_db()
    assert published.title == f"{cycle.year}年度全面改革创新举措清单"


def test_a_published_version_cannot_be_edited_in_the_admin(cycle, reviewer, measures, client):
    published = fc.published_list(cycle, reviewer)
    admin = MeasureListAdmin(MeasureList, site)
    request = RequestFactory().get("/")
    request.user = f.UserFactory(is_staff=True, is_superuser=True)
    assert admin.has_change_permission(request, published) is False
    assert admin.has_delete_permission(request, published) is False
    client.force_login(request.user)
    url = reverse("admin:catalog_measurelist_change", args=[published.pk])
    page = client.post(url, {"title": "新标题", "entries-TOTAL_FORMS": "0", "entries-INITIAL_FORMS": "0"})
    assert page.status_code == 403
    published.refresh_from_db()
    assert published.title == f"{cycle.year}年度全面改革创新举措清单"
    entry = published.entries.first()
    entry_url = reverse("admin:catalog_listentry_change", args=[entry.pk])
    client.post(entry_url, {"title": "改了"})
    entry.refresh_from_db()
    assert entry.title == fc.MEASURE["title"]


def test_a_draft_title_is_saved_through_the_service_in_the_admin(cycle, reviewer, measures, client):
    draft = services.list_draft(cycle=cycle, by=reviewer)
    reviewer.is_staff = reviewer.is_superuser = True
    reviewer.save()
    client.force_login(reviewer)
    url = reverse("admin:catalog_measurelist_change", args=[draft.pk])
    client.post(
        url,
        {
            "title": "2027年度清单（征求意见稿）",
            "entries-TOTAL_FORMS": "0",
            "entries-INITIAL_FORMS": "0",
            "entries-MIN_NUM_FORMS": "0",
            "entries-MAX_NUM_FORMS": "1000",
        },
    )
    draft.refresh_from_db()
    assert draft.title == "2027年度清单（征求意见稿）"
    assert draft.history.first().history_change_reason == "修改清单标题"


def test_republishing_creates_version_2_and_version_1_is_unchanged(cycle, reviewer, measures, client):
    first, second = measures
    v1 = fc.published_list(cycle, reviewer)
    before = list(ListEntry.objects.filter(measure_list=v1).order_by("position").values())
    services.measure_update(
        measure=first, fields={"goals": "年内赋权科技成果300项。"}, reason="提高目标", by=reviewer
    )
    services.measure_set_inclusion(measure=second, included=False, note="与国家层面部署重复", by=reviewer)
    v2 = fc.published_list(cycle, reviewer)
    assert (v2.version, v2.pk != v1.pk) == (2, True)
    assert list(ListEntry.objects.filter(measure_list=v1).order_by("position").values()) == before
    assert [e.title for e in v2.entries.all()] == [fc.MEASURE["title"]]
    page = client.get(reverse("catalog:public_list", args=[v2.pk]))
    diff = page.context["diff"]
    assert [e.title for e in diff["removed"]] == ["组建产业链创新联合体"]
    assert diff["added"] == []
    assert [
        (c["entry"].number, [(str(x["label"]), x["before"], x["after"]) for x in c["fields"]])
        for c in diff["changed"]
    ] == [(f"{cycle.year}-01", [("改革目标", "年内赋权科技成果200项。", "年内赋权科技成果300项。")])]
    html = page.content.decode()
    assert "与第1版相比的变化" in html
    v1_page = client.get(reverse("catalog:public_list", args=[v1.pk]))
    assert [e.title for e in v1_page.context["entries"]] == [fc.MEASURE["title"], "组建产业链创新联合体"]
    assert client.get(reverse("catalog:published")).url == reverse("catalog:public_list", args=[v2.pk])


def test_an_empty_list_cannot_be_published(cycle, reviewer):
    draft = services.list_draft(cycle=cycle, by=reviewer)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        ended_proposals(draft.cycle)
        services.list_publish(measure_list=draft, by=reviewer)
    assert exc.value.messages == ["清单中没有举措，不能公布。"]


# ------------------------------------------------------------------------------------------------------------
# Issue 4: publishing the list tells every region's staff in the portal and by e-mail that bidding can begin.


def test_publishing_notifies_every_regional_user_in_app_and_by_mail(
    reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    cycle = f.CycleFactory(stage="review")
    before = datetime.datetime.combine(
        cycle.proposal_deadline, datetime.time(9), tzinfo=ZoneInfo("Asia/Shanghai")
    )
    book, drc, scitech = fc.submitted_region_book(cycle, "330000", fc.ZJ_ITEMS, now=before)
    fc.measure_from(cycle, reviewer, [book.proposals.first()])
    js = f.regional_user("320000", OrgKind.REGIONAL_DRC, email="")
    draft = services.list_draft(cycle=cycle, by=reviewer)
    mailoutbox.clear()  # the earlier hand-offs' mail (建议书 signed, submitted)
    with django_capture_on_commit_callbacks(execute=True):
        ended_proposals(draft.cycle)
        published = services.list_publish(measure_list=draft, by=reviewer)
    for user in (drc, scitech, js):
        (note,) = user.notifications.filter(kind="list_published")
        assert note.title == f"《{published.title}》已公布，请组织揭榜"
        assert note.url == f"/catalog/public/{published.pk}/"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([drc.email, scitech.email])  # js has no address
    assert "原则上每个地方年度揭榜改革任务不少于3项" in mailoutbox[0].body
    assert reviewer.notifications.filter(kind="list_published").count() == 0


def test_an_expert_cannot_be_assigned_to_a_measure_of_a_published_list(cycle, reviewer, measures, expert):
    """Bug: experts could be assigned to measures of a published list, and reminders then chased those reviews."""
    from django.core.exceptions import PermissionDenied

    fc.published_list(cycle, reviewer)
    with pytest.raises(PermissionDenied, match="已列入公布的清单"):
        services.expert_assign(measure=measures[0], expert=expert, by=reviewer)
    assert not measures[0].reviews.exists()
