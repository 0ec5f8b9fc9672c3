"""征集选题's part in the year's stage actions (reform_portal.cycles): who is still out before 结束征集 and 公布清单,
and 结束征集's effect — every submitted 建议书 becomes 已进入汇总 (``book_close``) and is frozen."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from reform_portal.cycles import Outstanding
from reform_portal.models import ReformCycle, Region, User
from reform_portal.years import with_year

from .enums import BookState
from .models import ProposalBook
from .services import book_close

IN = (BookState.SUBMITTED, BookState.CLOSED)


def regions_not_submitted(cycle: ReformCycle) -> list[Outstanding]:
    """The active regions whose book is not submitted (no book, draft or returned), with the book's state."""
    states = dict(ProposalBook.objects.filter(cycle=cycle).values_list("region_id", "state"))
    labels = dict(BookState.choices)
    items = [
        f"{region.name}（{labels[states[region.pk]] if region.pk in states else _('未填报')}）"
        for region in Region.objects.filter(active=True).order_by("code")
        if states.get(region.pk) not in IN
    ]
    return [Outstanding(_("未报送建议书的地区"), items, with_year(reverse("proposals:inbox"), cycle.year))]


def close_books(*, cycle: ReformCycle, by: User, reason: str) -> None:
    """结束征集: each submitted book of the year enters 汇总 (frozen: no withdraw, edit, delete or attachment)."""
    for book in ProposalBook.objects.filter(cycle=cycle, state=BookState.SUBMITTED).order_by("pk"):
        book_close(book=book, by=by)
