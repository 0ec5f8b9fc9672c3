"""撤回报送 of a 揭榜申报: inside the window and before any award the region takes its submitted claims back to
草稿, corrects them, confirms jointly again and resubmits; afterwards, or once awarded, it cannot."""
import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from bidding import services
from bidding.enums import BidSetState
from reform_portal.models import ReformCycle

from . import factories_bidding as fb

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def bcycle(db):
    return fb.bidding_cycle()


@pytest.fixture
def entries(bcycle):
    return fb.publish_list(bcycle, n=5)


def test_withdraw_then_correct_sign_again_and_resubmit(bcycle, entries, region_a_drc, region_a_std):
    bid_set = fb.submitted_bid_set(bcycle, region_a_drc, region_a_std, entries[:3])
    bid_set = services.bid_set_withdraw(bid_set=bid_set, by=region_a_std)
    assert (bid_set.state, bid_set.submitted_at, bid_set.submitted_by) == (BidSetState.DRAFT, None, None)
    services.bid_save(bid_set=bid_set, entry=entries[3], fields=fb.bid_fields(), by=region_a_drc)
    bid_set.refresh_from_db()
    assert (bid_set.drc_signed_by, bid_set.std_signed_by) == (None, None)
    services.bid_set_sign(bid_set=bid_set, by=region_a_drc)
    services.bid_set_sign(bid_set=bid_set, by=region_a_std)
    bid_set = services.bid_set_submit(bid_set=bid_set, by=region_a_drc)
    assert (bid_set.state, bid_set.bids.count()) == (BidSetState.SUBMITTED, 4)
    reasons = list(bid_set.history.order_by("history_id").values_list("history_change_reason", flat=True))
    assert "撤回揭榜申报" in reasons


def test_a_draft_cannot_be_withdrawn(bcycle, entries, region_a_drc):
    bid_set = fb.make_bid_set(bcycle, region_a_drc, entries[:3])
    with pytest.raises(PermissionDenied) as err:
        services.bid_set_withdraw(bid_set=bid_set, by=region_a_drc)
    assert str(err.value) == "揭榜申报尚未报送，无需撤回。"


def test_no_withdraw_once_the_reviewers_awarded_a_claim(bcycle, entries, region_a_drc, region_a_std, reviewer):
    bid_set = fb.submitted_bid_set(bcycle, region_a_drc, region_a_std, entries[:3])
    services.tasks_award(cycle=bcycle, bids=[bid_set.bids.first()], by=reviewer)
    with pytest.raises(PermissionDenied) as err:
        services.bid_set_withdraw(bid_set=bid_set, by=region_a_drc)
    assert str(err.value) == "国家审核人员已确认揭榜，不能撤回报送。"
    bid_set.refresh_from_db()
    assert bid_set.state == BidSetState.SUBMITTED


def test_no_withdraw_after_the_window_closes(region_a_drc, region_a_std):
    cycle = ReformCycle.objects.create(year=2027, **ReformCycle.defaults_for(2027))  # bidding 7月1日—7月31日
    entries = fb.publish_list(cycle, n=3)
    inside = datetime.datetime(2027, 7, 10, 9, tzinfo=SH)
    bid_set = services.bid_set_get_or_create(cycle=cycle, region=region_a_drc.region, by=region_a_drc)
    for e in entries:
        services.bid_save(bid_set=bid_set, entry=e, fields=fb.bid_fields(), by=region_a_drc, now=inside)
    services.bid_set_sign(bid_set=bid_set, by=region_a_drc, now=inside)
    services.bid_set_sign(bid_set=bid_set, by=region_a_std, now=inside)
    services.bid_set_submit(bid_set=bid_set, by=region_a_drc, now=inside)
    last_second = datetime.datetime(2027, 7, 31, 23, 59, 59, tzinfo=SH)
    with pytest.raises(PermissionDenied) as err:
        services.bid_set_withdraw(bid_set=bid_set, by=region_a_drc, now=datetime.datetime(2027, 8, 1, 0, 0, 1, tzinfo=SH))
    assert str(err.value).startswith("已过揭榜截止时间")
    assert services.bid_set_withdraw(bid_set=bid_set, by=region_a_drc, now=last_second).state == BidSetState.DRAFT


def test_another_regions_staff_cannot_withdraw(bcycle, entries, region_a_drc, region_a_std, region_b_drc):
    bid_set = fb.submitted_bid_set(bcycle, region_a_drc, region_a_std, entries[:3])
    with pytest.raises(PermissionDenied):
        services.bid_set_withdraw(bid_set=bid_set, by=region_b_drc)


def test_the_page_offers_withdraw_only_while_it_is_possible(client, bcycle, entries, region_a_drc, region_a_std):
    fb.submitted_bid_set(bcycle, region_a_drc, region_a_std, entries[:3])
    client.force_login(region_a_drc)
    url = reverse("bidding:bid_set_withdraw")
    page = client.get(reverse("bidding:bids"))
    assert f'action="{url}"' in page.content.decode()
    page = client.post(url, follow=True)
    html = page.content.decode()
    assert "已撤回揭榜申报，可修改后重新确认并报送。" in html
    assert f'action="{url}"' not in html
    assert page.context["bid_set"].state == BidSetState.DRAFT
