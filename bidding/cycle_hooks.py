"""悬榜揭榜's part in the year's stage actions (reform_portal.cycles): who is still out before 结束揭榜, and what
waits before 确认揭榜结果 (bids reported but not confirmed, letters not issued)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from reform_portal.cycles import Outstanding
from reform_portal.models import ReformCycle, Region
from reform_portal.years import with_year

from .enums import BidSetState
from .models import BidSet
from .services import regions_to_notify


def regions_not_bid(cycle: ReformCycle) -> list[Outstanding]:
    states = dict(BidSet.objects.filter(cycle=cycle).values_list("region_id", "state"))
    items = [
        f"{region.name}（{_('草稿') if region.pk in states else _('未填报')}）"
        for region in Region.objects.filter(active=True).order_by("code")
        if states.get(region.pk) != BidSetState.SUBMITTED
    ]
    return [Outstanding(_("未报送揭榜的地区"), items, with_year(reverse("bidding:matrix"), cycle.year))]


def awards_waiting(cycle: ReformCycle) -> list[Outstanding]:
    matrix = with_year(reverse("bidding:matrix"), cycle.year)
    unconfirmed = (
        BidSet.objects.filter(cycle=cycle, state=BidSetState.SUBMITTED)
        .annotate(n=Count("bids__task", filter=Q(bids__task__isnull=False)))
        .filter(n=0)
        .select_related("region")
        .order_by("region__code")
    )
    return [
        Outstanding(_("已报送揭榜、尚未确认的地区"), [s.region.name for s in unconfirmed], matrix),
        Outstanding(_("尚未下达揭榜任务通知书的地区"), [r.name for r in regions_to_notify(cycle)], matrix),
    ]
