"""The year's stored state and the 年度工作安排 page (DECISIONS §14): the cycle's table through ``cycle_act`` for
every (state, action) pair, the data migration, the header, dates with reasons, 结束征集 freezing the books,
公布清单's confirmation listing each kind of outstanding item."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from catalog import services as cs
from proposals.enums import BookState
from reform_portal import cycles
from reform_portal.enums import CycleState, Role, Stage
from reform_portal.models import Notification, ReformCycle
from reform_portal.services import local_today
from reform_portal.transitions import CYCLE
from tests import factories as f
from tests.catalog import scenarios as fc

STATES = [value for value, _label in CYCLE.states]


@pytest.fixture
def no_effects(monkeypatch):
    """The kernel's table alone: the stages' effects (books closed, list published) are tested on their own."""
    monkeypatch.setattr(cycles, "_EFFECTS", {})


@pytest.mark.django_db
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("action", [a for a in CYCLE.actions if a != "edit_dates"])
def test_every_state_and_stage_action_on_a_stored_cycle(state, action, reviewer, no_effects):
    cycle = f.CycleFactory(stage=Stage.EVALUATION)  # every deadline but the last has passed: never early
    ReformCycle.objects.filter(pk=cycle.pk).update(
        state=state, evaluation_due=local_today() - datetime.timedelta(1)
    )
    cycle.refresh_from_db()
    row = CYCLE.find(state, action)
    if row is None:
        with pytest.raises(ValidationError) as refused:
            cycles.cycle_act(cycle=cycle, action=action, by=reviewer, reason="理由", confirmed=True)
        assert refused.value.messages == [CYCLE.refusal(state, action)]
        cycle.refresh_from_db()
        assert cycle.state == state
        return
    cycles.cycle_act(cycle=cycle, action=action, by=reviewer, reason="理由", confirmed=True)
    cycle.refresh_from_db()
    assert cycle.state == row.target
    assert cycle.history.first().history_change_reason == f"{CYCLE.actions[action]}：理由"


@pytest.mark.django_db
def test_only_reviewers_act_on_a_year(cycle, region_a_drc):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        cycles.cycle_act(cycle=cycle, action="close_proposals", by=region_a_drc, confirmed=True, reason="x")


@pytest.mark.django_db
def test_the_data_migration_gives_each_cycle_the_calendars_state():
    made = {}
    for stage in [Stage.PROPOSAL, Stage.REVIEW, Stage.BIDDING, Stage.IMPLEMENTATION, Stage.EVALUATION]:
        cycle = f.CycleFactory(year=2030 + len(made), stage=stage)
        made[cycle.pk] = stage
    ReformCycle.objects.update(state="")
    importlib.import_module("reform_portal.migrations.0012_cycle_state").forwards(apps, None)
    assert dict(ReformCycle.objects.values_list("pk", "state")) == {pk: str(s) for pk, s in made.items()}


@pytest.mark.django_db
def test_the_header_shows_the_years_stored_state_once_its_list_is_published(client, reviewer, region_a_drc):
    """Bug: the header said 征集选题 for a year whose list was published (the dates still said 征集)."""
    cycle = f.CycleFactory(stage=Stage.PROPOSAL)
    book, _drc, _sci = fc.submitted_region_book(cycle, "330000", fc.ZJ_ITEMS)
    fc.measure_from(cycle, reviewer, [book.proposals.first()])
    cycles.cycle_act(cycle=cycle, action="close_proposals", by=reviewer, reason="提前结束", confirmed=True)
    cs.list_draft(cycle=cycle, by=reviewer)
    cycles.cycle_act(cycle=cycle, action="publish_list", by=reviewer, reason="按计划公布", confirmed=True)
    client.force_login(region_a_drc)
    html = client.get(reverse("dashboard") + f"?year={cycle.year}").content.decode()
    assert "当前阶段：<strong>悬榜揭榜</strong>" in html


@pytest.mark.django_db
def test_a_list_cannot_be_published_while_proposals_are_collected(cycle, reviewer):
    book, _drc, _sci = fc.submitted_region_book(cycle, "330000", fc.ZJ_ITEMS)
    fc.measure_from(cycle, reviewer, [book.proposals.first()])
    draft = cs.list_draft(cycle=cycle, by=reviewer)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match="征集尚未结束"):
        cs.list_publish(measure_list=draft, by=reviewer)


# ---- 结束征集 -------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ending_proposals_early_needs_the_confirmation_and_a_reason(cycle, reviewer):
    with pytest.raises(ValidationError, match="确认页"):
        cycles.cycle_act(cycle=cycle, action="close_proposals", by=reviewer)
    with pytest.raises(ValidationError) as refused:
        cycles.cycle_act(cycle=cycle, action="close_proposals", by=reviewer, confirmed=True)
    assert "提前结束须填写理由" in str(refused.value)
    cycle.refresh_from_db()
    assert cycle.state == CycleState.PROPOSAL


@pytest.mark.django_db
def test_the_early_close_page_lists_who_is_still_out(client, cycle, reviewer):
    fc.submitted_region_book(cycle, "330000", fc.ZJ_ITEMS)
    client.force_login(reviewer)
    page = client.get(reverse("cycle_action", args=[cycle.year, "close_proposals"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="cycle-early"' in html
    assert "江苏省（未填报）" in html and "浙江省" not in html.split("未报送建议书的地区")[1]


@pytest.mark.django_db
def test_ending_proposals_freezes_the_submitted_books(client, cycle, reviewer):
    book, drc, _sci = fc.submitted_region_book(cycle, "330000", fc.ZJ_ITEMS)
    client.force_login(reviewer)
    page = client.post(
        reverse("cycle_action", args=[cycle.year, "close_proposals"]),
        {"reason": "提前汇总", "confirmed": "1"},
    )
    assert page.status_code == 302
    book.refresh_from_db()
    cycle.refresh_from_db()
    assert (book.state, cycle.state) == (BookState.CLOSED, CycleState.REVIEW)
    client.force_login(drc)
    proposal = book.proposals.first()
    for url in [
        reverse("proposals:book_withdraw", args=[book.pk]),
        reverse("proposals:proposal_delete", args=[proposal.pk]),
    ]:
        answer = client.post(url, follow=True)
        assert answer.status_code in (200, 403), url
        assert "已进入汇总" in answer.content.decode(), url
    book.refresh_from_db()
    assert book.state == BookState.CLOSED and book.proposals.count() == len(fc.ZJ_ITEMS)


@pytest.mark.django_db
def test_the_regions_are_told_once_when_proposals_start(reviewer, region_a_drc, region_a_scitech):
    cycle = ReformCycle.objects.create(year=2031, state=CycleState.PLANNING, **ReformCycle.defaults_for(2031))
    cycles.cycle_act(cycle=cycle, action="start_proposals", by=reviewer)
    rows = Notification.objects.filter(kind="cycle_start_proposals")
    assert sorted(rows.values_list("recipient__username", flat=True)) == ["zj_drc", "zj_scitech"]
    assert "2031年度" in rows.first().title
    cycles._notify_action(cycle, "start_proposals")  # a retry tells nobody twice
    assert rows.count() == 2


# ---- 公布清单 ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_publish_confirmation_lists_each_kind_of_outstanding_item(
    client, cycle, reviewer, expert, liaison
):
    book, _drc, _sci = fc.submitted_region_book(cycle, "330000", fc.ZJ_ITEMS)
    first, *rest = list(book.proposals.order_by("position"))
    measure = fc.measure_from(cycle, reviewer, [first])
    cs.expert_assign(measure=measure, expert=expert, by=reviewer)
    draft = cs.list_draft(cycle=cycle, by=reviewer)
    cs.consultation_send(measure_list=draft, ministries=[liaison.organization], by=reviewer)
    cycles.cycle_act(cycle=cycle, action="close_proposals", by=reviewer, reason="提前汇总", confirmed=True)
    client.force_login(reviewer)
    html = client.get(reverse("cycle_action", args=[cycle.year, "publish_list"])).content.decode()
    assert "未报送建议书的地区" in html and "江苏省（未填报）" in html
    assert "未处理的建议" in html and rest[0].title in html
    assert "未提交的专家论证" in html and measure.title in html
    assert "未反馈意见的有关部门" in html and "工业和信息化部" in html
    page = client.post(reverse("cycle_action", args=[cycle.year, "publish_list"]), {"confirmed": "1"})
    assert page.status_code == 200 and "请填写理由" in page.content.decode()
    cycle.refresh_from_db()
    assert cycle.state == CycleState.REVIEW
    page = client.post(
        reverse("cycle_action", args=[cycle.year, "publish_list"]),
        {"reason": "部分地区放弃，按期公布", "confirmed": "1"},
    )
    assert page.status_code == 302, [str(m) for m in page.context["messages"]] + [page.context["form"].errors]
    cycle.refresh_from_db()
    draft.refresh_from_db()
    assert (cycle.state, draft.state) == (CycleState.BIDDING, "published"), "the list is published"


# ---- 年度工作安排: open a year, dates -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_year_page_is_for_reviewers_only(client, region_a_drc, cycle):
    client.force_login(region_a_drc)
    assert client.get(reverse("cycle_years")).status_code == 403
    assert client.get(reverse("cycle_year", args=[cycle.year])).status_code == 403


@pytest.mark.django_db
def test_a_reviewer_opens_next_year_proposed_from_last_years(client, reviewer):
    last = ReformCycle.objects.create(
        year=2040,
        min_bids=4,
        max_proposals=6,
        **{**ReformCycle.defaults_for(2040), "proposal_deadline": datetime.date(2040, 5, 15)},
    )
    client.force_login(reviewer)
    page = client.get(reverse("cycle_years"))
    form = page.context["form"]
    assert form.initial["proposal_deadline"] == datetime.date(2041, 5, 15)
    assert (form.initial["min_bids"], form.initial["max_proposals"]) == (4, 6)
    data = {k: v for k, v in form.initial.items()}
    answer = client.post(reverse("cycle_years"), data)
    assert answer.status_code == 302
    new = ReformCycle.objects.get(year=2041)
    assert (new.state, new.min_bids, new.proposal_deadline) == (
        CycleState.PLANNING,
        4,
        datetime.date(2041, 5, 15),
    )
    assert last.year == 2040


@pytest.mark.django_db
def test_dates_change_with_a_reason_kept_in_the_history_and_in_order(client, reviewer, cycle):
    client.force_login(reviewer)
    url = reverse("cycle_year", args=[cycle.year])
    data = {n: getattr(cycle, n) for n in cycles.DATE_FIELDS + cycles.NUMBER_FIELDS + cycles.DOC_FIELDS}
    later = cycle.proposal_deadline + datetime.timedelta(days=5)
    page = client.post(url, {**data, "proposal_deadline": later})
    assert page.status_code == 200 and "请填写修改理由" in page.content.decode()
    page = client.post(
        url,
        {
            **data,
            "proposal_deadline": later,
            "bidding_deadline": cycle.bidding_opens - datetime.timedelta(1),
            "reason": "x",
        },
    )
    assert "各阶段日期须按先后顺序排列" in page.content.decode()
    assert (
        client.post(url, {**data, "proposal_deadline": later, "reason": "地方申请统一延后"}).status_code
        == 302
    )
    cycle.refresh_from_db()
    assert cycle.proposal_deadline == later
    assert cycle.history.first().history_change_reason == "修改日期：地方申请统一延后"


@pytest.mark.django_db
def test_a_new_year_with_past_dates_needs_a_reason(reviewer):
    values = cycles.proposed_next(None, local_today().year - 1)
    with pytest.raises(ValidationError, match="早于今天"):
        cycles.cycle_open(year=local_today().year - 1, values=values, by=reviewer)
    cycle = cycles.cycle_open(year=local_today().year - 1, values=values, reason="补录上一年度", by=reviewer)
    assert cycle.state == CycleState.PLANNING


def test_the_cycle_table_names_the_notices_order():
    assert [s for s, _l in CYCLE.states] == list(CycleState.values)
    assert Role.NATIONAL_REVIEWER.value in CYCLE.find("planning", "start_proposals").who


@pytest.mark.django_db
def test_ending_proposals_early_ends_them_for_the_regions_still_out(cycle, reviewer, region_b_drc):
    """The regions listed as still out can no longer file once 结束征集 is confirmed early, extensions included."""
    from django.core.exceptions import PermissionDenied

    from proposals import services as ps
    from reform_portal.services import extension_grant
    from tests.proposals import scenarios as fp

    scitech = f.regional_user("320000", "regional_scitech")
    draft = fp.signed_book(cycle, region_b_drc, scitech)
    extension_grant(
        cycle=cycle,
        region=region_b_drc.region,
        stage=Stage.PROPOSAL,
        until=cycle.proposal_deadline + datetime.timedelta(days=10),
        reason="补充材料",
        by=reviewer,
    )
    cycles.cycle_act(cycle=cycle, action="close_proposals", by=reviewer, reason="提前汇总", confirmed=True)
    cycle.refresh_from_db()
    assert cycle.proposal_deadline == local_today() - datetime.timedelta(days=1)
    with pytest.raises(PermissionDenied, match="已过建议书报送截止时间"):
        ps.book_submit(book=draft, by=region_b_drc)
    assert cycle.extensions.get().history.first().history_change_reason == "提前结束征集选题：提前汇总"


@pytest.mark.django_db
def test_a_year_in_planning_leads_the_reviewer_to_the_year_page(client, reviewer):
    cycle = cycles.cycle_open(year=2040, values=cycles.proposed_next(None, 2040), by=reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("dashboard") + f"?year={cycle.year}")
    assert page.context["stage"] == CycleState.PLANNING
    assert page.context["action"].url == reverse("cycle_years") + "?year=2040"
    assert "当前阶段：<strong>筹备</strong>" in page.content.decode()


@pytest.mark.django_db
def test_the_admin_cannot_set_a_years_state(rf, cycle):
    """The state moves only through the stage actions: the admin's change form has no state field to post."""
    from django.contrib import admin

    from reform_portal.admin import ReformCycleAdmin

    request = rf.get("/")
    request.user = f.UserFactory(is_superuser=True, is_staff=True)
    form = ReformCycleAdmin(ReformCycle, admin.site).get_form(request, cycle)
    assert "state" not in form.base_fields and "proposal_deadline" in form.base_fields


@pytest.mark.django_db
def test_the_year_page_sets_what_the_years_letters_print(client, reviewer, cycle):
    """联系人, 抄送 and 印发机关 of the 通知书 and the 清单's 通知 are kept per year on the year page (DECISIONS §15)."""
    client.force_login(reviewer)
    url = reverse("cycle_year", args=[cycle.year])
    data = {n: getattr(cycle, n) for n in cycles.DATE_FIELDS + cycles.NUMBER_FIELDS + cycles.DOC_FIELDS}
    page = client.get(url).content.decode()
    assert (
        'name="notice_contacts"' in page and 'name="notice_cc"' in page and 'name="notice_printed_by"' in page
    )
    answer = client.post(
        url,
        {
            **data,
            "notice_contacts": "于智锋 010-68501985；韩可珂 010-58884279",
            "notice_cc": "财政部、教育部",
            "reason": "填写公文联系人",
        },
    )
    assert answer.status_code == 302
    cycle.refresh_from_db()
    assert (cycle.notice_contacts, cycle.notice_cc) == (
        "于智锋 010-68501985；韩可珂 010-58884279",
        "财政部、教育部",
    )
    assert cycle.history.first().history_change_reason == "修改日期：填写公文联系人"


@pytest.mark.django_db
def test_two_reviewers_changing_the_dates(client, reviewer, cycle):
    """Issue 17 §4: the second change (loaded before the first) is refused with what was typed kept."""
    from tests.reform_portal.scenarios import _assert_refused, _loaded

    colleague = f.national_user(username="most_reviewer", full_name="科技部审核员")
    url = reverse("cycle_year", args=[cycle.year])
    other = type(client)()
    client.force_login(reviewer)
    other.force_login(colleague)
    rev_a, rev_b = _loaded(client, url), _loaded(other, url)
    data = {n: getattr(cycle, n) for n in cycles.DATE_FIELDS + cycles.NUMBER_FIELDS + cycles.DOC_FIELDS}
    first = {**data, "notice_contacts": "于智锋 010-68501985", "reason": "补充联系人", "revision": rev_a}
    assert client.post(url, first).status_code == 302
    page = other.post(
        url, {**data, "notice_contacts": "韩可珂 010-58884279", "reason": "改联系人", "revision": rev_b}
    )
    _assert_refused(page, reviewer, "韩可珂 010-58884279", "年度日期")
    assert ReformCycle.objects.get(pk=cycle.pk).notice_contacts == "于智锋 010-68501985"


def test_ending_bidding_on_its_opening_day_ends_it_at_once(reviewer, region_a_drc):
    """结束揭榜 confirmed early on the day bidding opened: the deadline may not precede the opening day, so the
    instant is kept — the regions still out can neither start nor edit bids (not until 23:59), an extension is
    refused with the way out, and moving the deadline with a reason opens bidding again."""
    from bidding import rules
    from bidding.models import BidSet
    from reform_portal.services import extension_grant
    from tests.bidding import scenarios as fb

    today = local_today()
    cycle = fb.bidding_cycle(bidding_opens=today, bidding_deadline=today + datetime.timedelta(days=20))
    region = region_a_drc.region
    bids = BidSet(cycle=cycle, region=region)
    assert rules.may_start_bids(cycle, region)
    assert rules.window_open(bids) == (True, "")

    cycles.cycle_act(cycle=cycle, action="close_bidding", by=reviewer, reason="各地已报送", confirmed=True)
    cycle.refresh_from_db()
    assert cycle.bidding_deadline == today  # as far as the dates can go
    bids.cycle = cycle
    assert not rules.may_start_bids(cycle, region)
    is_open, why = rules.window_open(bids)
    assert not is_open and why.startswith("已过揭榜截止时间")
    assert rules.bidding_closed_for_all(cycle)
    with pytest.raises(ValidationError, match="提前结束"):
        extension_grant(
            cycle=cycle, region=region, stage=Stage.BIDDING, until=today, reason="补报", by=reviewer
        )

    cycles.cycle_update_dates(
        cycle=cycle,
        values={"bidding_deadline": today + datetime.timedelta(days=3)},
        reason="两地补充揭榜",
        by=reviewer,
    )
    cycle.refresh_from_db()
    assert cycle.bidding_ended_at is None
    assert rules.may_start_bids(cycle, region)
