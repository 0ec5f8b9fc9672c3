"""揭榜 writes over the API (DECISIONS §18, issue 18 §1): a region's bid set and claims, a task's milestones and
quantified targets, coordination requests and the reviewers' answers — through the pages' forms and services: the
bidding window, the ≥3 rule at submission, the plan editable only until confirmed; another region's object 404;
a stale revision 409 (body) or 412 (If-Match) with nothing overwritten; Chinese messages at the field."""

import datetime

import pytest

from bidding import services as bs
from bidding.enums import BidSetState
from bidding.models import Bid, CoordinationRequest, Milestone, Target
from reform_portal.enums import OrgKind, Stage

from .. import factories as f
from ..reform_portal.api_scenarios import token_client
from . import scenarios as fb

pytestmark = pytest.mark.django_db


def claim(entry, **overrides):
    data = {
        "entry": entry.pk,
        "approach": "在杭州、宁波先行试点，形成制度后全省推开。",
        "entity_kinds": [OrgKind.UNIVERSITY, OrgKind.LOCAL_GOV],
        "entity_names": "浙江大学",
        "contact_name": "王建国",
        "contact_phone": "0571-87051234",
    }
    data.update(overrides)
    return data


def close_bidding(cycle):
    for name, value in f.cycle_dates(Stage.IMPLEMENTATION).items():
        setattr(cycle, name, value)
    cycle.save()


# ---- 揭榜 ---------------------------------------------------------------------------------------------


def test_a_region_claims_three_entries_signs_and_submits_through_the_api(
    bcycle, entries, region_a_drc, region_a_scitech
):
    drc, scitech = token_client(region_a_drc), token_client(region_a_scitech)
    opened = drc.post("/api/v1/bid-sets/", {"year": bcycle.year}, format="json")
    assert opened.status_code == 201, opened.json()
    set_id = opened.json()["id"]
    assert scitech.post("/api/v1/bid-sets/", {"year": bcycle.year}, format="json").status_code == 200
    for entry in entries[:2]:
        created = drc.post(f"/api/v1/bid-sets/{set_id}/bids/", claim(entry), format="json")
        assert created.status_code == 201, created.json()
        assert created["ETag"] == '"1"'
    version = drc.get(f"/api/v1/bid-sets/{set_id}/").json()["version"]
    assert (
        drc.post(f"/api/v1/bid-sets/{set_id}/sign/", {"version": version}, format="json").status_code == 200
    )
    assert (
        scitech.post(f"/api/v1/bid-sets/{set_id}/sign/", {"version": version}, format="json").status_code
        == 200
    )
    # two claims: the page's rule refuses the submission, whatever the sign-offs
    refused = drc.post(f"/api/v1/bid-sets/{set_id}/submit/", format="json")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "每个地方年度揭榜改革任务不少于3项，当前为2项。"
    third = drc.post(f"/api/v1/bid-sets/{set_id}/bids/", claim(entries[2]), format="json")
    assert third.status_code == 201
    detail = drc.get(f"/api/v1/bid-sets/{set_id}/").json()
    assert detail["problems"] == [] and not detail["drc_signed"]  # a new claim cleared both sign-offs
    for client in (drc, scitech):
        signed = client.post(
            f"/api/v1/bid-sets/{set_id}/sign/", {"version": detail["version"]}, format="json"
        )
        assert signed.status_code == 200
    submitted = scitech.post(f"/api/v1/bid-sets/{set_id}/submit/", format="json")
    assert submitted.status_code == 200 and submitted.json()["state"] == BidSetState.SUBMITTED
    withdrawn = drc.post(f"/api/v1/bid-sets/{set_id}/withdraw/", format="json")
    assert withdrawn.status_code == 200 and withdrawn.json()["state"] == BidSetState.DRAFT


def test_a_claim_is_checked_by_the_pages_form_and_rules(bcycle, entries, region_a_drc):
    bid_set = fb.make_bid_set(bcycle, region_a_drc, entries[:1])
    url = f"/api/v1/bid-sets/{bid_set.pk}/bids/"
    client = token_client(region_a_drc)
    bad = client.post(url, claim(entries[1], contact_phone="abc", entity_kinds=[]), format="json")
    assert bad.status_code == 400
    assert bad.json()["entity_kinds"] == ["请至少选择一类拟定实施主体。"]
    assert "contact_phone" in bad.json()
    again = client.post(url, claim(entries[0]), format="json")
    assert again.status_code == 400 and "已揭榜该条目" in again.json()["entry"][0]
    assert bid_set.bids.count() == 1


def test_after_the_bidding_deadline_claims_cannot_be_made_changed_or_cancelled(bcycle, entries, region_a_drc):
    bid_set = fb.make_bid_set(bcycle, region_a_drc, entries[:1])
    bid = bid_set.bids.get()
    close_bidding(bcycle)
    client = token_client(region_a_drc)
    for response in (
        client.post(f"/api/v1/bid-sets/{bid_set.pk}/bids/", claim(entries[1]), format="json"),
        client.patch(f"/api/v1/bids/{bid.pk}/", {"approach": "新思路。", "revision": 1}, format="json"),
        client.delete(f"/api/v1/bids/{bid.pk}/"),
        client.post(f"/api/v1/bid-sets/{bid_set.pk}/submit/", format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["detail"].startswith("已过揭榜截止时间")
    assert Bid.objects.filter(bid_set=bid_set).count() == 1
    late = token_client(f.regional_user("440000", OrgKind.REGIONAL_DRC)).post(
        "/api/v1/bid-sets/", {"year": bcycle.year}, format="json"
    )
    assert late.status_code == 400 and "不在揭榜时间内" in late.json()["year"][0]


def test_another_regions_bid_set_and_claims_are_404(bcycle, entries, region_a_drc, region_b_drc):
    bid_set = fb.make_bid_set(bcycle, region_a_drc, entries[:1])
    bid = bid_set.bids.get()
    other = token_client(region_b_drc)
    assert other.get(f"/api/v1/bid-sets/{bid_set.pk}/").status_code == 404
    assert (
        other.post(f"/api/v1/bid-sets/{bid_set.pk}/bids/", claim(entries[1]), format="json").status_code
        == 404
    )
    assert (
        other.patch(f"/api/v1/bids/{bid.pk}/", {"approach": "改", "revision": 1}, format="json").status_code
        == 404
    )
    assert other.delete(f"/api/v1/bids/{bid.pk}/").status_code == 404
    for action in ("sign", "submit", "withdraw"):
        assert other.post(f"/api/v1/bid-sets/{bid_set.pk}/{action}/", format="json").status_code == 404
    assert Bid.objects.filter(pk=bid.pk).exists()


def test_a_claim_changed_by_the_other_department_is_not_overwritten(
    bcycle, entries, region_a_drc, region_a_scitech
):
    bid_set = fb.make_bid_set(bcycle, region_a_drc, entries[:1])
    bid = bid_set.bids.get()
    drc, scitech = token_client(region_a_drc), token_client(region_a_scitech)
    url = f"/api/v1/bids/{bid.pk}/"
    read = drc.get(url)
    assert read["ETag"] == '"1"'
    saved = scitech.patch(url, {"approach": "科技厅修改的思路。"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert saved.status_code == 200 and saved["ETag"] == '"2"'
    assert saved.json()["contact_phone"] == "0571-87051234"  # a PATCH keeps what it does not name
    stale = drc.patch(url, {"approach": "发改委的思路。"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert stale.status_code == 412 and "已被他人修改" in stale.json()["detail"]
    stale = drc.put(url, claim(entries[0], approach="发改委的思路。", revision=1), format="json")
    assert stale.status_code == 409 and "您的修改尚未保存" in stale.json()["detail"]
    missing = drc.patch(url, {"approach": "发改委的思路。"}, format="json")
    assert missing.status_code == 400 and "revision" in missing.json()
    gone = drc.delete(url, {"revision": 1}, format="json")
    assert gone.status_code == 409
    bid.refresh_from_db()
    assert bid.approach == "科技厅修改的思路。" and bid.revision == 2
    assert drc.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert not Bid.objects.filter(pk=bid.pk).exists()


def test_reviewers_and_implementers_cannot_claim(bcycle, entries, region_a_drc, reviewer):
    bid_set = fb.make_bid_set(bcycle, region_a_drc, entries[:1])
    national = token_client(reviewer)
    refused = national.post("/api/v1/bid-sets/", {"year": bcycle.year}, format="json")
    assert refused.status_code == 403
    # a reviewer sees submitted bid sets only: a draft is 404 to them
    assert national.get(f"/api/v1/bid-sets/{bid_set.pk}/").status_code == 404


# ---- 实施方案: milestones and targets ------------------------------------------------------------------------


@pytest.fixture
def planning(reviewer, region_a_drc, region_a_scitech):
    cycle = fb.bidding_cycle()
    task, *_others = fb.allocated(
        cycle, reviewer, region_a_drc, region_a_scitech, fb.publish_list(cycle, n=3)
    )
    return task


def milestone_body(**overrides):
    data = {k: str(v) for k, v in fb.milestone_fields().items()}
    data.update(overrides)
    return data


def test_a_region_writes_its_plan_through_the_api(planning, region_a_drc):
    client = token_client(region_a_drc)
    created = client.post(f"/api/v1/tasks/{planning.pk}/milestones/", milestone_body(), format="json")
    assert created.status_code == 201, created.json()
    mid = created.json()["id"]
    changed = client.patch(
        f"/api/v1/milestones/{mid}/", {"title": "出台实施细则"}, format="json", HTTP_IF_MATCH=created["ETag"]
    )
    assert (
        changed.status_code == 200 and changed.json()["title"] == "出台实施细则" and changed["ETag"] == '"2"'
    )
    assert Milestone.objects.get(pk=mid).deliverable == fb.MILESTONE["deliverable"]
    target = client.post(
        f"/api/v1/tasks/{planning.pk}/targets/",
        {"indicator": "赋权成果数", "unit": "项", "baseline": "0", "target": "100"},
        format="json",
    )
    assert target.status_code == 201, target.json()
    tid = target.json()["id"]
    put = client.put(
        f"/api/v1/targets/{tid}/",
        {"indicator": "转化合同金额", "unit": "亿元", "baseline": 1, "target": 5, "revision": 1},
        format="json",
    )
    assert put.status_code == 200 and put.json()["unit"] == "亿元" and put.json()["revision"] == 2
    assert [m["id"] for m in client.get(f"/api/v1/tasks/{planning.pk}/milestones/").json()] == [mid]
    assert [t["indicator"] for t in client.get(f"/api/v1/tasks/{planning.pk}/targets/").json()] == [
        "转化合同金额"
    ]
    extra = client.post(
        f"/api/v1/tasks/{planning.pk}/milestones/", milestone_body(title="第二节点"), format="json"
    )
    assert client.delete(f"/api/v1/milestones/{extra.json()['id']}/").status_code == 204
    assert list(planning.milestones.values_list("pk", flat=True)) == [mid]


def test_plan_input_is_checked_like_the_page(planning, region_a_drc):
    client = token_client(region_a_drc)
    early = (planning.awarded_at - datetime.timedelta(days=3)).date().isoformat()
    bad = client.post(
        f"/api/v1/tasks/{planning.pk}/milestones/",
        milestone_body(due_date=early, responsible_phone="电话"),
        format="json",
    )
    assert bad.status_code == 400 and "responsible_phone" in bad.json()
    before = client.post(
        f"/api/v1/tasks/{planning.pk}/milestones/", milestone_body(due_date=early), format="json"
    )
    assert before.status_code == 400 and before.json()["due_date"] == ["完成时限不能早于揭榜确认日期。"]
    same = client.post(
        f"/api/v1/tasks/{planning.pk}/targets/",
        {"indicator": "赋权成果数", "unit": "项", "baseline": "5", "target": "5"},
        format="json",
    )
    assert same.status_code == 400 and same.json()["target"] == ["目标值须与基期值不同，才能考核。"]
    assert not planning.milestones.exists() and not planning.targets.exists()


def test_a_confirmed_plan_cannot_be_changed_over_the_api(planning, region_a_drc):
    fb.confirmed_plan(planning, region_a_drc)
    milestone, target = planning.milestones.get(), planning.targets.get()
    client = token_client(region_a_drc)
    for response in (
        client.post(f"/api/v1/tasks/{planning.pk}/milestones/", milestone_body(), format="json"),
        client.post(
            f"/api/v1/tasks/{planning.pk}/targets/",
            {"indicator": "新指标", "unit": "项", "baseline": "0", "target": "1"},
            format="json",
        ),
        client.patch(f"/api/v1/milestones/{milestone.pk}/", {"title": "改", "revision": 1}, format="json"),
        client.put(f"/api/v1/targets/{target.pk}/", {"revision": 1}, format="json"),
        client.delete(f"/api/v1/milestones/{milestone.pk}/"),
        client.delete(f"/api/v1/targets/{target.pk}/"),
    ):
        assert response.status_code == 403 and response.json()["detail"] == "实施方案已确认，不能再修改。"
    assert planning.milestones.get().title == "节点1" and planning.targets.count() == 1


def test_another_regions_plan_is_404(planning, region_a_drc, region_b_drc):
    milestone = bs.milestone_add(task=planning, fields=fb.milestone_fields(), by=region_a_drc)
    target = bs.target_add(task=planning, fields=fb.target_fields(), by=region_a_drc)
    other = token_client(region_b_drc)
    assert (
        other.post(f"/api/v1/tasks/{planning.pk}/milestones/", milestone_body(), format="json").status_code
        == 404
    )
    assert other.get(f"/api/v1/tasks/{planning.pk}/targets/").status_code == 404
    for url in (f"/api/v1/milestones/{milestone.pk}/", f"/api/v1/targets/{target.pk}/"):
        assert other.get(url).status_code == 404
        assert other.patch(url, {"revision": 1}, format="json").status_code == 404
        assert other.delete(url).status_code == 404
    assert Milestone.objects.filter(pk=milestone.pk).exists() and Target.objects.filter(pk=target.pk).exists()


def test_a_stale_milestone_or_target_is_not_overwritten(planning, region_a_drc, region_a_scitech):
    milestone = bs.milestone_add(task=planning, fields=fb.milestone_fields(), by=region_a_drc)
    target = bs.target_add(task=planning, fields=fb.target_fields(), by=region_a_drc)
    drc, scitech = token_client(region_a_drc), token_client(region_a_scitech)
    assert (
        scitech.patch(
            f"/api/v1/milestones/{milestone.pk}/", {"title": "科技厅", "revision": 1}, format="json"
        ).status_code
        == 200
    )
    assert (
        scitech.patch(
            f"/api/v1/targets/{target.pk}/", {"target": "200", "revision": 1}, format="json"
        ).status_code
        == 200
    )
    m_url, t_url = f"/api/v1/milestones/{milestone.pk}/", f"/api/v1/targets/{target.pk}/"
    assert drc.patch(m_url, {"title": "发改委", "revision": 1}, format="json").status_code == 409
    assert drc.patch(m_url, {"title": "发改委"}, format="json", HTTP_IF_MATCH='"1"').status_code == 412
    assert drc.patch(t_url, {"target": "300", "revision": 1}, format="json").status_code == 409
    stale = drc.delete(t_url, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412 and "量化目标" in stale.json()["detail"]
    assert drc.delete(m_url, {"revision": 1}, format="json").status_code == 409
    milestone.refresh_from_db()
    target.refresh_from_db()
    assert (milestone.title, milestone.revision) == ("科技厅", 2)
    assert (target.target, target.revision) == (200, 2)


# ---- 协调解决 ---------------------------------------------------------------------------------------------


def test_a_coordination_request_raised_and_answered_through_the_api(planning, region_a_drc, reviewer):
    client = token_client(region_a_drc)
    body = {"subject": "需国家部委协调", "detail": "涉及国有资产管理规定。"}
    raised = client.post(f"/api/v1/tasks/{planning.pk}/coordination/", body, format="json")
    assert raised.status_code == 201, raised.json()
    again = client.post(f"/api/v1/tasks/{planning.pk}/coordination/", body, format="json")
    assert again.status_code == 400 and again.json()["detail"] == "该协调事项已提交，请勿重复提交。"
    blank = client.post(
        f"/api/v1/tasks/{planning.pk}/coordination/", {"subject": "", "detail": "x"}, format="json"
    )
    assert blank.status_code == 400 and "subject" in blank.json()
    pk = raised.json()["id"]
    assert (
        client.post(
            f"/api/v1/coordination/{pk}/answer/", {"answer": "好", "revision": 1}, format="json"
        ).status_code
        == 403
    )
    national, other = token_client(reviewer), token_client(f.national_user(username="most"))
    answered = national.post(
        f"/api/v1/coordination/{pk}/answer/", {"answer": "已商财政部。", "revision": 1}, format="json"
    )
    assert answered.status_code == 200 and answered.json()["revision"] == 2
    stale = other.post(
        f"/api/v1/coordination/{pk}/answer/", {"answer": "另一答复。", "revision": 1}, format="json"
    )
    assert stale.status_code == 409
    assert CoordinationRequest.objects.get(pk=pk).answer == "已商财政部。"
    listed = client.get(f"/api/v1/tasks/{planning.pk}/coordination/").json()
    assert [(r["id"], r["answer"]) for r in listed] == [(pk, "已商财政部。")]


def test_coordination_follows_the_tasks_state_and_region(
    reviewer, region_a_drc, region_a_scitech, region_b_drc
):
    cycle = fb.bidding_cycle()
    [awarded] = fb.awarded_tasks(
        cycle, reviewer, region_a_drc, region_a_scitech, fb.publish_list(cycle, n=3)
    )[:1]
    body = {"subject": "需协调", "detail": "具体困难。"}
    refused = token_client(region_a_drc).post(
        f"/api/v1/tasks/{awarded.pk}/coordination/", body, format="json"
    )
    assert refused.status_code == 403 and refused.json()["detail"] == "任务当前状态不能提出协调事项。"
    assert (
        token_client(region_b_drc)
        .post(f"/api/v1/tasks/{awarded.pk}/coordination/", body, format="json")
        .status_code
        == 404
    )
    assert not awarded.coordination_requests.exists()


def test_a_sign_off_on_a_bid_set_version_the_caller_did_not_read_is_refused(bcycle, entries, region_a_drc):
    bid_set = fb.make_bid_set(bcycle, region_a_drc, entries[:3])
    client = token_client(region_a_drc)
    url = f"/api/v1/bid-sets/{bid_set.pk}/sign/"
    stale = client.post(url, {"version": bid_set.version - 1}, format="json")
    assert stale.status_code == 409 and "本次确认未生效" in stale.json()["detail"]
    assert client.post(url, format="json", HTTP_IF_MATCH=f'"{bid_set.version - 1}"').status_code == 412
    junk = client.post(url, {"version": "最新"}, format="json")
    assert junk.status_code == 400 and junk.json()["version"] == ["版本号须为整数。"]
    bid_set.refresh_from_db()
    assert bid_set.drc_signed_at is None
    assert client.post(url, format="json", HTTP_IF_MATCH=f'"{bid_set.version}"').json()["drc_signed"]


def test_progress_cannot_be_reported_before_the_plan_is_confirmed(planning, region_a_drc):
    milestone = bs.milestone_add(task=planning, fields=fb.milestone_fields(), by=region_a_drc)
    target = bs.target_add(task=planning, fields=fb.target_fields(), by=region_a_drc)
    body = {
        "period_end": datetime.date.today().isoformat(),
        "narrative": "已完成首批试点。",
        "actuals": {str(target.pk): "10"},
        "statuses": {str(milestone.pk): {"status": "on_track", "note": ""}},
    }
    refused = token_client(region_a_drc).post(f"/api/v1/tasks/{planning.pk}/reports/", body, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "实施方案确认后、任务完成总结前方可报送进展。"
    assert not planning.reports.exists()


def test_a_region_confirms_its_plan_over_the_api_once_it_is_complete(planning, region_a_drc, region_b_drc):
    client = token_client(region_a_drc)
    url = f"/api/v1/tasks/{planning.pk}/confirm/"
    assert token_client(region_b_drc).post(url, format="json").status_code == 404
    incomplete = client.post(url, format="json")
    assert incomplete.status_code == 400
    assert incomplete.json()["detail"] == [
        "请至少填写一个里程碑（时间表·路线图·责任人）。",
        "请至少填写一个可量化、可考核的目标。",
    ]
    bs.milestone_add(task=planning, fields=fb.milestone_fields(), by=region_a_drc)
    bs.target_add(task=planning, fields=fb.target_fields(), by=region_a_drc)
    confirmed = client.post(url, format="json")
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "in_progress"
    again = client.post(url, format="json")
    assert again.status_code == 403 and again.json()["detail"] == "实施方案已确认，不能再修改。"
