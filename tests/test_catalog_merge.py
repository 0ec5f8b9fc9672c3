import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from catalog import services
from catalog.models import Measure, MeasureSource, ProposalRejection

from . import factories_catalog as fc

pytestmark = pytest.mark.django_db


def _pair(cycle):
    books = fc.two_region_books(cycle)
    zj = books["330000"][0].proposals.order_by("position").first()
    js = books["320000"][0].proposals.order_by("position").first()
    return books, zj, js


def test_merge_keeps_provenance(cycle, reviewer):
    _books, zj, js = _pair(cycle)
    measure = fc.measure_from(cycle, reviewer, [zj, js])
    assert [(s.region.name, s.proposal_title) for s in measure.sources.order_by("region__code")] == [
        ("江苏省", "开展职务科技成果赋权改革试点"), ("浙江省", "赋予科研人员职务科技成果所有权或长期使用权")]
    assert measure.title == fc.MEASURE["title"]
    assert measure.coordination_departments == "财政部、教育部"
    assert measure.created_by == reviewer
    assert measure.history.first().history_change_reason == "合并同类项（浙江省、江苏省）"
    # provenance reads the same after the proposal is renamed
    zj.title = "改了名字"
    zj.save()
    assert measure.sources.get(region__code="330000").proposal_title == "赋予科研人员职务科技成果所有权或长期使用权"


def test_a_proposal_cannot_join_two_measures(cycle, reviewer):
    books, zj, js = _pair(cycle)
    fc.measure_from(cycle, reviewer, [zj])
    with pytest.raises(ValidationError) as exc:
        fc.measure_from(cycle, reviewer, [js, zj], title="另一项举措")
    assert exc.value.messages == [
        "建议“赋予科研人员职务科技成果所有权或长期使用权”（浙江省）已合并到举措“赋予科研人员职务科技成果所有权或长期使用权”，"
        "一项建议只能合并到一项举措。"]
    assert Measure.objects.count() == 1
    assert not MeasureSource.objects.filter(proposal=js).exists()


def test_the_database_one_to_one_is_the_backstop(cycle, reviewer):
    _books, zj, _js = _pair(cycle)
    measure = fc.measure_from(cycle, reviewer, [zj])
    other = Measure.objects.create(cycle=cycle, title="x", area="tech_market", description="x", created_by=reviewer)
    with pytest.raises(IntegrityError), transaction.atomic():
        MeasureSource.objects.create(measure=other, proposal=zj, region=zj.book.region, proposal_title="x",
                                     added_by=reviewer)
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
    assert sorted(h.proposal_title for h in deleted) == ["开展职务科技成果赋权改革试点", "赋予科研人员职务科技成果所有权或长期使用权"]
    assert {h.history_change_reason for h in deleted} == {f"撤销合并：{fc.MEASURE['title']}"}
    again = fc.measure_from(cycle, reviewer, [zj])  # free to merge again
    assert again.sources.get().proposal == zj


def test_undo_is_refused_once_the_list_is_out_for_consultation(cycle, reviewer):
    _books, zj, _js = _pair(cycle)
    measure = fc.measure_from(cycle, reviewer, [zj])
    draft = services.list_draft(cycle=cycle, by=reviewer)
    services.consultation_send(measure_list=draft, ministries=[fc.liaison_of("财政部").organization], by=reviewer)
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
    from . import factories as f

    book = f.make_book(cycle, region_a_drc)
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
    assert exc.value.messages == ["建议“赋予科研人员职务科技成果所有权或长期使用权”已合并到举措，不能标记为未采纳；请先撤销合并。"]
    with pytest.raises(ValidationError) as exc:
        fc.measure_from(cycle, reviewer, [data])
    assert exc.value.messages == ["建议“探索建立数据资产登记和交易规则”（浙江省）已标记为未采纳，请先撤销未采纳后再合并。"]
    client.force_login(books["330000"][1])
    html = client.get(reverse("dashboard")).content.decode()
    assert f"已合并到清单举措“{measure.title}”" in html
    assert "与国家数据局在推改革重复，暂不列入。" in html
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
    row = next(r for r in rows if r["proposal"] == zj)
    assert row["similar"][0]["pk"] == js.pk
    html = page.content.decode()
    assert "江苏省·开展职务科技成果赋权改革试点" in html
    page = client.get(reverse("catalog:merge"), {"region": "320000"})
    assert [r["proposal"].book.region.code for r in page.context["rows"]] == ["320000"] * 3
    services.proposal_reject(proposal=js, reason="理由", by=reviewer)
    page = client.get(reverse("catalog:merge"), {"status": "rejected"})
    assert [r["proposal"] for r in page.context["rows"]] == [js]


def test_merge_through_the_page_and_errors_keep_the_input(cycle, reviewer, client):
    _books, zj, js = _pair(cycle)
    client.force_login(reviewer)
    data = {**fc.MEASURE, "proposals": [zj.pk, js.pk], "year": cycle.year, "coordination_departments": ""}
    page = client.post(reverse("catalog:merge"), data)
    assert page.status_code == 200
    assert page.context["form"].errors["coordination_departments"] == ["需国家层面协调的举措，请填写国家协调部门。"]
    assert fc.MEASURE["description"] in page.content.decode()
    assert page.context["selected"] == [zj.pk, js.pk]
    data["coordination_departments"] = "财政部"
    page = client.post(reverse("catalog:merge"), data, follow=True)
    assert f"已合并为举措“{fc.MEASURE['title']}”。" in page.content.decode()
    assert Measure.objects.get().sources.count() == 2
