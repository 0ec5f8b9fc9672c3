"""Notice 三(三): each region claims ≥3 entries of the published list; both departments confirm; submission
inside the bidding window (Asia/Shanghai, extensions per region) — all enforced in the services."""
import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bidding import services
from bidding.enums import BidSetState
from catalog.enums import ListState
from reform_portal.enums import OrgKind, Stage
from reform_portal.models import ReformCycle
from reform_portal.services import extension_grant

from . import factories as f
from . import factories_bidding as fb

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def bcycle(db):
    return fb.bidding_cycle()


@pytest.fixture
def entries(bcycle):
    return fb.publish_list(bcycle, n=5)


def test_two_claims_are_refused_with_a_chinese_message(bcycle, entries, region_a_drc, region_a_std):
    bid_set = fb.signed_bid_set(bcycle, region_a_drc, region_a_std, entries[:2])
    with pytest.raises(ValidationError) as err:
        services.bid_set_submit(bid_set=bid_set, by=region_a_drc)
    assert err.value.messages == ["每个地方年度揭榜改革任务不少于3项，当前为2项。"]
    bid_set.refresh_from_db()
    assert bid_set.state == BidSetState.DRAFT


def test_three_claims_confirmed_by_both_departments_are_submitted(bcycle, entries, region_a_drc, region_a_std):
    bid_set = fb.signed_bid_set(bcycle, region_a_drc, region_a_std, entries[:3])
    bid_set = services.bid_set_submit(bid_set=bid_set, by=region_a_std)
    assert (bid_set.state, bid_set.submitted_by, bid_set.bids.count()) == (BidSetState.SUBMITTED, region_a_std, 3)


def test_the_minimum_comes_from_the_cycle(entries, bcycle, region_a_drc, region_a_std):
    bcycle.min_bids = 4
    bcycle.save()
    bid_set = fb.signed_bid_set(bcycle, region_a_drc, region_a_std, entries[:3])
    with pytest.raises(ValidationError) as err:
        services.bid_set_submit(bid_set=bid_set, by=region_a_drc)
    assert err.value.messages == ["每个地方年度揭榜改革任务不少于4项，当前为3项。"]


def test_one_department_is_not_a_joint_sign_off(bcycle, entries, region_a_drc):
    colleague = f.regional_user("330000", OrgKind.REGIONAL_DRC)
    bid_set = fb.make_bid_set(bcycle, region_a_drc, entries[:3])
    services.bid_set_sign(bid_set=bid_set, by=region_a_drc)
    services.bid_set_sign(bid_set=bid_set, by=colleague)
    with pytest.raises(ValidationError) as err:
        services.bid_set_submit(bid_set=bid_set, by=region_a_drc)
    assert err.value.messages == ["须经本地区发展改革委和科技厅（委、局）双方确认联合报送后方可报送。"]


@pytest.mark.parametrize("edit", ["add", "change", "delete"])
def test_any_edit_after_sign_off_clears_both(bcycle, entries, region_a_drc, region_a_std, edit):
    bid_set = fb.signed_bid_set(bcycle, region_a_drc, region_a_std, entries[:4])
    version = bid_set.version
    if edit == "add":
        services.bid_save(bid_set=bid_set, entry=entries[4], fields=fb.bid_fields(), by=region_a_std)
    elif edit == "change":
        services.bid_save(bid_set=bid_set, entry=entries[0], fields=fb.bid_fields(approach="新思路"), by=region_a_std)
    else:
        services.bid_delete(bid=bid_set.bids.first(), by=region_a_std)
    bid_set.refresh_from_db()
    assert (bid_set.drc_signed_by, bid_set.std_signed_by, bid_set.version) == (None, None, version + 1)
    with pytest.raises(ValidationError):
        services.bid_set_submit(bid_set=bid_set, by=region_a_drc)


def test_a_submitted_bid_set_cannot_be_edited(bcycle, entries, region_a_drc, region_a_std):
    bid_set = fb.submitted_bid_set(bcycle, region_a_drc, region_a_std, entries[:3])
    with pytest.raises(PermissionDenied) as err:
        services.bid_save(bid_set=bid_set, entry=entries[3], fields=fb.bid_fields(), by=region_a_drc)
    assert str(err.value) == "揭榜申报已报送，不能再修改。"


def test_only_entries_of_the_latest_published_version_can_be_claimed(bcycle, entries, region_a_drc):
    newer = fb.publish_list(bcycle, n=3, version=2)
    bid_set = services.bid_set_get_or_create(cycle=bcycle, region=region_a_drc.region, by=region_a_drc)
    with pytest.raises(ValidationError) as err:
        services.bid_save(bid_set=bid_set, entry=entries[0], fields=fb.bid_fields(), by=region_a_drc)
    assert err.value.messages == ["只能认领本年度最新公布的举措清单中的条目。"]
    assert services.bid_save(bid_set=bid_set, entry=newer[0], fields=fb.bid_fields(), by=region_a_drc).pk


def test_a_draft_list_is_not_biddable(bcycle, region_a_drc):
    entries = fb.publish_list(bcycle, n=3)
    entries[0].measure_list.state = ListState.CONSULTING
    entries[0].measure_list.save()
    assert services.published_list(bcycle) is None
    bid_set = services.bid_set_get_or_create(cycle=bcycle, region=region_a_drc.region, by=region_a_drc)
    with pytest.raises(ValidationError):
        services.bid_save(bid_set=bid_set, entry=entries[0], fields=fb.bid_fields(), by=region_a_drc)


def test_entity_kinds_must_be_implementing_kinds(bcycle, entries, region_a_drc):
    bid_set = services.bid_set_get_or_create(cycle=bcycle, region=region_a_drc.region, by=region_a_drc)
    with pytest.raises(ValidationError) as err:
        services.bid_save(bid_set=bid_set, entry=entries[0], by=region_a_drc,
                          fields=fb.bid_fields(entity_kinds=[OrgKind.EVALUATOR]))
    assert err.value.message_dict == {
        "entity_kinds": ["实施主体类型须为同级职能部门、地方政府、企业、高等院校或科研院所。"]}
    with pytest.raises(ValidationError) as err:
        services.bid_save(bid_set=bid_set, entry=entries[0], by=region_a_drc, fields=fb.bid_fields(entity_kinds=[]))
    assert err.value.message_dict == {"entity_kinds": ["请至少选择一类拟定实施主体。"]}


def test_another_regions_staff_cannot_bid_for_this_region(bcycle, entries, region_a_drc, region_b_drc):
    bid_set = services.bid_set_get_or_create(cycle=bcycle, region=region_a_drc.region, by=region_a_drc)
    with pytest.raises(PermissionDenied):
        services.bid_save(bid_set=bid_set, entry=entries[0], fields=fb.bid_fields(), by=region_b_drc)


def _cycle_2027():
    cycle = ReformCycle.objects.create(year=2027, **ReformCycle.defaults_for(2027))  # bidding 7月1日—7月31日
    return cycle, fb.publish_list(cycle, n=4)


def test_submission_at_23_59_59_on_july_31_beijing_time_is_on_time(region_a_drc, region_a_std):
    cycle, entries = _cycle_2027()
    with_time = datetime.datetime(2027, 7, 10, 9, tzinfo=SH)
    bid_set = services.bid_set_get_or_create(cycle=cycle, region=region_a_drc.region, by=region_a_drc)
    for e in entries[:3]:
        services.bid_save(bid_set=bid_set, entry=e, fields=fb.bid_fields(), by=region_a_drc, now=with_time)
    services.bid_set_sign(bid_set=bid_set, by=region_a_drc, now=with_time)
    services.bid_set_sign(bid_set=bid_set, by=region_a_std, now=with_time)
    bid_set = services.bid_set_submit(bid_set=bid_set, by=region_a_drc,
                                      now=datetime.datetime(2027, 7, 31, 23, 59, 59, tzinfo=SH))
    assert bid_set.state == BidSetState.SUBMITTED


def _ready(cycle, entries, drc, std, at):
    bid_set = services.bid_set_get_or_create(cycle=cycle, region=drc.region, by=drc)
    for e in entries[:3]:
        services.bid_save(bid_set=bid_set, entry=e, fields=fb.bid_fields(), by=drc, now=at)
    services.bid_set_sign(bid_set=bid_set, by=drc, now=at)
    services.bid_set_sign(bid_set=bid_set, by=std, now=at)
    return bid_set


def test_submission_one_second_after_midnight_beijing_time_is_refused(region_a_drc, region_a_std):
    cycle, entries = _cycle_2027()
    bid_set = _ready(cycle, entries, region_a_drc, region_a_std, datetime.datetime(2027, 7, 10, 9, tzinfo=SH))
    # 2027-07-31 16:00:01 UTC is 2027-08-01 00:00:01 in Beijing.
    late = datetime.datetime(2027, 7, 31, 16, 0, 1, tzinfo=datetime.UTC)
    with pytest.raises(PermissionDenied) as err:
        services.bid_set_submit(bid_set=bid_set, by=region_a_drc, now=late)
    assert str(err.value) == "已过揭榜截止时间（2027-08-01 00:00），如需修改或报送请联系国家审核人员申请延期。"


def test_bidding_does_not_open_before_july_1_beijing_time(region_a_drc):
    cycle, entries = _cycle_2027()
    bid_set = services.bid_set_get_or_create(cycle=cycle, region=region_a_drc.region, by=region_a_drc)
    with pytest.raises(PermissionDenied) as err:
        services.bid_save(bid_set=bid_set, entry=entries[0], fields=fb.bid_fields(), by=region_a_drc,
                          now=datetime.datetime(2027, 6, 30, 23, 59, 59, tzinfo=SH))
    assert str(err.value) == "揭榜尚未开始（2027-07-01 00:00 开始）。"
    bid = services.bid_save(bid_set=bid_set, entry=entries[0], fields=fb.bid_fields(), by=region_a_drc,
                            now=datetime.datetime(2027, 7, 1, 0, 0, 0, tzinfo=SH))
    assert bid.pk


def test_an_extension_lets_that_region_submit_late_and_no_other(region_a_drc, region_a_std, region_b_drc, reviewer):
    cycle, entries = _cycle_2027()
    region_b_std = f.regional_user("320000", OrgKind.REGIONAL_STD)
    at = datetime.datetime(2027, 7, 10, 9, tzinfo=SH)
    zj = _ready(cycle, entries, region_a_drc, region_a_std, at)
    js = _ready(cycle, entries, region_b_drc, region_b_std, at)
    extension_grant(cycle=cycle, region=region_a_drc.region, stage=Stage.BIDDING, until=datetime.date(2027, 8, 5),
                    reason="省政府常务会议审议", by=reviewer)
    late = datetime.datetime(2027, 8, 5, 23, 59, 59, tzinfo=SH)
    with pytest.raises(PermissionDenied):
        services.bid_set_submit(bid_set=zj, by=region_a_drc, now=datetime.datetime(2027, 8, 6, 0, 0, 1, tzinfo=SH))
    with pytest.raises(PermissionDenied):
        services.bid_set_submit(bid_set=js, by=region_b_drc, now=late)
    assert services.bid_set_submit(bid_set=zj, by=region_a_drc, now=late).state == BidSetState.SUBMITTED
