"""The 工作台's open items of stage 1 (``reform_portal.years.register_open_items``): a region's 建议书 of every year
whose window is still open for it (deadline plus extension) and that it has not reported yet."""

import datetime

from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from reform_portal.enums import Stage
from reform_portal.models import DeadlineExtension, ReformCycle, User
from reform_portal.prepared import Prepared
from reform_portal.services import local_today
from reform_portal.years import OpenItem, live_cycles, with_year

from .enums import BookState
from .models import ProposalBook

BOOK = "book"
OPEN_KINDS = (BOOK,)
OPEN_BOOK_STATES = ("", BookState.DRAFT, BookState.RETURNED)  # "": no book yet


def _region_books_query(region_id: int, today: datetime.date) -> QuerySet[ReformCycle]:
    extension = DeadlineExtension.objects.filter(
        cycle=OuterRef("pk"), region_id=region_id, stage=Stage.PROPOSAL
    ).values("until")[:1]
    state = ProposalBook.objects.filter(cycle=OuterRef("pk"), region_id=region_id).values("state")[:1]
    return (
        live_cycles()
        .annotate(until=Subquery(extension), book_state=Subquery(state))
        .filter(Q(proposal_deadline__gte=today) | Q(until__gte=today))
        .order_by("year")
        .values_list("year", "proposal_deadline", "until", "book_state", named=True)
    )


# compiled once per process (issue 19: building it was most of the query's cost on every 工作台)
REGION_BOOKS = Prepared(_region_books_query, region_id=int, today=datetime.date)


def region_books(user: User) -> list[OpenItem]:
    """Regional staff: one item per year whose 建议书 the region may still report and has not (one query)."""
    if not user.region_id:
        return []
    items = []
    for cycle in REGION_BOOKS.rows(region_id=user.region_id, today=local_today()):
        if (cycle.book_state or "") not in OPEN_BOOK_STATES:
            continue
        returned = cycle.book_state == BookState.RETURNED
        items.append(
            OpenItem(
                year=cycle.year,
                kind=BOOK,
                title=(
                    _("修改并重新报送被退回的%(y)s年度建议书")
                    if returned
                    else _("填报并联合报送%(y)s年度建议书")
                )
                % {"y": cycle.year},
                url=with_year(reverse("proposals:book"), cycle.year),
                due=max(cycle.proposal_deadline, cycle.until or cycle.proposal_deadline),
            )
        )
    return items
