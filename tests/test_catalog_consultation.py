import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalog import services
from catalog.models import DepartmentOpinion

from . import factories_catalog as fc

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure(cycle, reviewer):
    books = fc.two_region_books(cycle)
    zj = books["330000"][0].proposals.order_by("position").first()
    js = books["320000"][0].proposals.order_by("position").first()
    return fc.measure_from(cycle, reviewer, [zj, js])


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
    page = client.post(url, {"measure": measure.pk, f"m{measure.pk}-stance": "revise", f"m{measure.pk}-text": ""})
    assert page.status_code == 200
    assert page.context["rows"][0]["form"].errors["text"] == ["修改后同意或不同意的，请填写具体意见。"]
    page = client.post(url, {"measure": measure.pk, f"m{measure.pk}-stance": "revise",
                             f"m{measure.pk}-text": "建议明确赋权成果的国有资产管理方式。"}, follow=True)
    assert "已保存对" in page.content.decode()
    opinion = DepartmentOpinion.objects.get()
    assert (opinion.stance, opinion.text, opinion.given_by) == ("revise", "建议明确赋权成果的国有资产管理方式。", mof)

    client.force_login(reviewer)
    page = client.post(reverse("catalog:respond", args=[opinion.pk]), {"response": "已采纳，补充单列管理要求。"},
                       follow=True)
    assert "已答复部门意见。" in page.content.decode()
    opinion.refresh_from_db()
    assert (opinion.response, opinion.responded_by) == ("已采纳，补充单列管理要求。", reviewer)
    data = {**fc.MEASURE, "description": "赋权成果单列管理，不纳入国有资产保值增值考核。", "reason": "采纳财政部意见"}
    page = client.post(reverse("catalog:measure_detail", args=[measure.pk]), data, follow=True)
    assert "举措已修订。" in page.content.decode()
    measure.refresh_from_db()
    assert measure.revision == 2
    assert [h.history_change_reason for h in measure.history.order_by("history_id")] == [
        "合并同类项（浙江省、江苏省）", "修订举措（第2稿）：采纳财政部意见"]
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
    services.list_publish(measure_list=draft, by=reviewer)
    with pytest.raises(PermissionDenied) as exc:
        services.opinion_give(consultation=sent, measure=measure, stance="disagree", text="晚了", by=mof)
    assert str(exc.value) == "清单已公布，征求意见已结束。"


def test_consultations_go_only_to_ministries(cycle, measure, reviewer, evaluator):
    draft = services.list_draft(cycle=cycle, by=reviewer)
    with pytest.raises(ValidationError) as exc:
        services.consultation_send(measure_list=draft, ministries=[evaluator.organization], by=reviewer)
    assert exc.value.message_dict == {"ministries": ["只能向有关部门征求意见。"]}
