"""悬榜揭榜 on the year page: 结束揭榜 before the deadline lists the regions still out; 确认揭榜结果 lists the bids not
confirmed and the letters not issued, and needs a reason to go over them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reform_portal import cycles

from . import scenarios as s


@pytest.mark.django_db
def test_the_bidding_confirmation_pages_list_who_is_still_out(client, reviewer):
    cycle = s.bidding_cycle()
    entries = s.publish_list(cycle, n=4)
    s.submitted_bid_set(cycle, *s.region_pair("330000"), entries[:3])
    s.make_bid_set(cycle, s.region_pair("320000")[0], entries[:1])
    client.force_login(reviewer)
    html = client.get(reverse("cycle_action", args=[cycle.year, "close_bidding"])).content.decode()
    assert 'data-testid="cycle-early"' in html
    assert "江苏省（草稿）" in html and "北京市（未填报）" in html and "浙江省（" not in html
    with pytest.raises(ValidationError, match="提前结束须填写理由"):
        cycles.cycle_act(cycle=cycle, action="close_bidding", by=reviewer, confirmed=True)
    html = client.get(reverse("cycle_action", args=[cycle.year, "confirm_bidding"])).content.decode()
    assert "已报送揭榜、尚未确认的地区（1）" in html and "浙江省" in html
    with pytest.raises(ValidationError, match="尚有未办结事项"):
        cycles.cycle_act(cycle=cycle, action="confirm_bidding", by=reviewer, confirmed=True)
    cycles.cycle_act(cycle=cycle, action="confirm_bidding", by=reviewer, confirmed=True, reason="江苏放弃")
    cycle.refresh_from_db()
    assert cycle.state == "implementation"
