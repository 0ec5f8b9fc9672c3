"""Two people editing the same thing: the second save is refused with who saved first and when, the second
person's text stays on the page, and the database keeps the first save (nothing silently overwritten).
Covers the 揭榜事项 (two departments), the 举措 revision (two reviewers), the 评估报告 (two agency users,
including two first saves) and the 改革成果 (two reviewers); the 建议书's proposals are tested in
test_proposals_pages."""
from decimal import Decimal

import pytest
from django.urls import reverse

from bidding.models import Bid
from catalog.models import Measure
from evaluation import services as es
from evaluation.models import Assessment, Outcome

from . import factories as f
from . import factories_bidding as fb
from . import factories_catalog as fc
from . import factories_evaluation as fe

pytestmark = pytest.mark.django_db



def _loaded(client, url):
    """Open the edit page as the user would; the revision the page carries."""
    page = client.get(url)
    assert page.status_code == 200
    return page.context["form"]["revision"].value()


def _assert_refused(page, who, kept_text, what):
    html = page.content.decode()
    assert page.status_code == 200
    errors = page.context["form"].non_field_errors()
    assert len(errors) == 1 and errors[0].startswith(f"该{what}已被{who}于") and errors[0].endswith(
        "修改，您的修改尚未保存。请复制您的内容，刷新页面后重新修改。")
    assert kept_text in html


def test_two_departments_editing_one_claim(client, region_a_drc, region_a_std):
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    fb.make_bid_set(cycle, region_a_drc, entries[:1])
    url = reverse("bidding:bid_edit", args=[entries[0].pk])
    other = type(client)()
    client.force_login(region_a_drc)
    other.force_login(region_a_std)
    rev_drc, rev_std = _loaded(client, url), _loaded(other, url)
    assert rev_drc == rev_std == 1
    form = {"entity_kinds": ["university"], "entity_names": "浙江大学", "contact_name": "王建国",
            "contact_phone": "0571-87051234"}
    first = client.post(url, {**form, "approach": "发改委的改革思路", "revision": rev_drc})
    assert first.status_code == 302
    second = other.post(url, {**form, "approach": "科技厅的改革思路", "revision": rev_std})
    _assert_refused(second, region_a_drc, "科技厅的改革思路", "揭榜事项")
    bid = Bid.objects.get(entry=entries[0])
    assert (bid.approach, bid.revision) == ("发改委的改革思路", 2)
    # after reloading, the 科技厅 saves on top of what it now sees
    again = other.post(url, {**form, "approach": "科技厅的改革思路", "revision": _loaded(other, url)})
    assert again.status_code == 302
    assert Bid.objects.get(entry=entries[0]).approach == "科技厅的改革思路"


def test_a_claim_made_meanwhile_by_the_other_department_is_not_overwritten(client, region_a_drc, region_a_std):
    cycle = fb.bidding_cycle()
    entries = fb.publish_list(cycle, n=3)
    fb.make_bid_set(cycle, region_a_drc, entries[1:2])
    url = reverse("bidding:bid_edit", args=[entries[0].pk])
    client.force_login(region_a_std)
    loaded = _loaded(client, url)
    assert loaded == 0  # nothing claimed yet
    from bidding import services as bs

    bs.bid_save(bid_set=Bid.objects.first().bid_set, entry=entries[0], by=region_a_drc,
                fields=fb.bid_fields(approach="发改委先认领"))
    page = client.post(url, {"approach": "科技厅也想认领", "entity_kinds": ["university"], "entity_names": "",
                             "contact_name": "陈海燕", "contact_phone": "0571-87050000", "revision": loaded})
    _assert_refused(page, region_a_drc, "科技厅也想认领", "揭榜事项")
    assert Bid.objects.get(entry=entries[0]).approach == "发改委先认领"


def test_two_reviewers_revising_one_measure(client, cycle, reviewer):
    books = fc.two_region_books(cycle)
    measure = fc.measure_from(cycle, reviewer, [books["330000"][0].proposals.order_by("position").first()])
    colleague = f.national_user(username="most_reviewer", full_name="科技部审核人")
    url = reverse("catalog:measure_detail", args=[measure.pk])
    other = type(client)()
    client.force_login(reviewer)
    other.force_login(colleague)
    rev_a, rev_b = _loaded(client, url), _loaded(other, url)
    data = {**fc.MEASURE, "reason": ""}
    assert client.post(url, {**data, "goals": "发展改革委的目标", "revision": rev_a}).status_code == 302
    page = other.post(url, {**data, "goals": "科技部的目标", "revision": rev_b})
    _assert_refused(page, reviewer, "科技部的目标", "举措")
    assert Measure.objects.get(pk=measure.pk).goals == "发展改革委的目标"


@pytest.fixture
def commissioned(cycle, reviewer):
    org = fe.agency()
    first, second = fe.evaluator_user(org, username="ciecc_a", full_name="冯涛"), fe.evaluator_user(org, username="ciecc_b")
    task = fe.make_task(cycle, reviewer)
    fe.commission(cycle, reviewer, org, [task])
    return task, first, second


def _assessment_post(conclusion, revision):
    return {"score_attainment": "80", "score_breakthrough": "80", "score_replicability": "80",
            "score_satisfaction": "80", "conclusion": conclusion, "revision": revision}


@pytest.mark.parametrize("existing", [False, True], ids=["first-saves", "later-saves"])
def test_two_agency_users_filling_one_assessment(client, commissioned, existing):
    task, first, second = commissioned
    if existing:
        c = task.commissions.get()
        es.assessment_save(commission=c, task=task, by=first, values={"conclusion": "草稿"})
    url = reverse("evaluation:assessment_edit", args=[task.pk])
    other = type(client)()
    client.force_login(first)
    other.force_login(second)
    rev_a, rev_b = _loaded(client, url), _loaded(other, url)
    assert rev_a == rev_b == (1 if existing else 0)
    assert client.post(url, _assessment_post("冯涛的结论", rev_a)).status_code == 302
    page = other.post(url, _assessment_post("同事的结论", rev_b))
    _assert_refused(page, first, "同事的结论", "评估报告")
    saved = Assessment.objects.get(task=task)
    assert (saved.conclusion, saved.score_attainment) == ("冯涛的结论", Decimal("80"))


def test_two_reviewers_editing_one_outcome(client, cycle, reviewer):
    org = fe.agency()
    user = fe.evaluator_user(org)
    task = fe.make_task(cycle, reviewer)
    fe.submitted_assessment(fe.commission(cycle, reviewer, org, [task]), task, user)
    outcome = es.outcome_create(task=task, values=fe.OUTCOME_VALUES, by=reviewer)
    colleague = f.national_user(username="most_reviewer")
    url = reverse("evaluation:outcome_edit", args=[outcome.pk])
    other = type(client)()
    client.force_login(reviewer)
    other.force_login(colleague)
    rev_a, rev_b = _loaded(client, url), _loaded(other, url)
    assert client.post(url, {**fe.OUTCOME_VALUES, "summary": "第一位的摘要", "revision": rev_a}).status_code == 302
    page = other.post(url, {**fe.OUTCOME_VALUES, "summary": "第二位的摘要", "revision": rev_b})
    _assert_refused(page, reviewer, "第二位的摘要", "改革成果")
    assert Outcome.objects.get(pk=outcome.pk).summary == "第一位的摘要"
