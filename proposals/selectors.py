"""Read querysets for 建议书, already filtered by permission."""

from typing import Any

from django.db.models import Count, Prefetch, QuerySet

from reform_portal.enums import Role, Stage
from reform_portal.models import DeadlineExtension, ReformCycle, Region, User
from reform_portal.permissions import objects_for
from reform_portal.selectors import attach_users

from . import rules
from .enums import BookState
from .models import MeasureProposal, ProposalBook


def books_visible_to(user: User) -> QuerySet[ProposalBook]:
    """Regional staff: their region's books (guardian grants). National reviewers: every book once it
    has been submitted (a draft is the region's own work until it is reported)."""
    if user.has_role(Role.NATIONAL_REVIEWER):
        return ProposalBook.objects.exclude(state=BookState.DRAFT)
    return objects_for(user, rules.VIEW, ProposalBook)


def book_detail(user: User, pk: int) -> ProposalBook | None:
    """The book with everything its page shows, or None when the user may not see it."""
    proposals = MeasureProposal.objects.prefetch_related("entities", "results", "attachments").order_by(
        "position", "pk"
    )
    book = (
        books_visible_to(user)
        .select_related("cycle", "region")
        .prefetch_related(Prefetch("proposals", queryset=proposals))
        .filter(pk=pk)
        .first()
    )
    if book is not None:
        attach_users([book], "drc_signed_by", "scitech_signed_by", "submitted_by")
    return book


def proposal_for(user: User, pk: int) -> MeasureProposal | None:
    """A proposal the user may see (through its book), or None."""
    return (
        MeasureProposal.objects.select_related("book__cycle", "book__region")
        .filter(book__in=books_visible_to(user), pk=pk)
        .first()
    )


INBOX_BOOK_FIELDS = (
    "cycle_id",
    "region_id",
    "state",
    "submitted_at",
    "drc_signed_by_id",
    "scitech_signed_by_id",
)


def inbox_rows(cycle: ReformCycle, *, state: str = "", area: str = "") -> list[dict[str, Any]]:
    """One row per active region: its book (or None) with counts; for national reviewers."""
    # The columns its rows and exports print (state, sign-offs, report time; issue 19): no join for the year, known
    # already, or the region, read below; each book is given both.
    books = (
        ProposalBook.objects.filter(cycle=cycle)
        .only(*INBOX_BOOK_FIELDS)
        .annotate(n_proposals=Count("proposals"))
        .order_by()
    )
    if area:
        books = books.filter(pk__in=MeasureProposal.objects.filter(area=area).values("book"))
    by_region = {b.region_id: b for b in books}
    # The extensions granted for 建议书 (one query): the reviewers see who may still file after the deadline.
    extensions = {e.region_id: e for e in DeadlineExtension.objects.filter(cycle=cycle, stage=Stage.PROPOSAL)}
    rows = []
    for region in Region.objects.filter(active=True).order_by("code"):
        book = by_region.get(region.pk)
        if book is not None:
            book.cycle, book.region = cycle, region
        status = book.state if book else "none"
        if state and status != state:
            continue
        if area and book is None:
            continue
        rows.append(
            {"region": region, "book": book, "status": status, "extension": extensions.get(region.pk)}
        )
    return rows


def typed_entity_names(region_id: int) -> list[tuple[str, str]]:
    """The 新增实施主体 typed in the region's 建议书 (one name a line), with where: the library page offers them."""
    rows = (
        MeasureProposal.objects.filter(book__region_id=region_id)
        .exclude(new_entities="")
        .select_related("book__cycle")
        .order_by("-book__cycle__year", "position", "pk")
    )
    return [
        (line.strip(), f"{p.book.cycle.year}年度建议书：{p.title}")
        for p in rows
        for line in p.new_entities.splitlines()
        if line.strip()
    ]


# The books whose proposals the 年度建议汇总 holds: reported and not sent back (drafts and returned books are the
# regions' work in progress).
SUMMARY_BOOK_STATES = (BookState.SUBMITTED, BookState.CLOSED)


def summary_proposals(cycle: ReformCycle) -> QuerySet[MeasureProposal]:
    """年度建议汇总: every proposal of the year's submitted books, by region code and position (for national
    reviewers; a constant number of queries whatever the number of proposals)."""
    return (
        MeasureProposal.objects.filter(book__cycle=cycle, book__state__in=SUMMARY_BOOK_STATES)
        .select_related("book__region", "book__cycle")
        .prefetch_related("entities", "results")
        .order_by("book__region__code", "position", "pk")
    )
